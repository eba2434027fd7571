"""Nothing is deleted: archive and restore with an audit trail anyone processing can read."""

import re

from sqlmodel import select

from consult.models import AuditEvent, Point, Reaction, Response, Stakeholder

SLUG = "holland-rijnland-jeugdhulp-2016"


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def _nieuwkoop(session):
    return session.exec(
        select(Reaction).join(Stakeholder, Stakeholder.id == Reaction.stakeholder_id)
        .where(Stakeholder.name == "Nieuwkoop")
    ).one()


def test_archive_a_point_hides_it_and_restore_brings_it_back(as_role, session):
    secretary = as_role("secretary")
    reaction = _nieuwkoop(session)
    point = session.exec(select(Point).where(Point.reaction_id == reaction.id,
                                             Point.number == "42")).one()
    page = f"/consultaties/{SLUG}/reacties/{reaction.id}"
    assert "42 van 42 punten beantwoord" in _text(secretary.get(page))
    done = secretary.form_post(f"/consultaties/{SLUG}/archiveren/punt/{point.id}",
                               {"next": page})
    assert done.status_code == 303 and done.headers["Location"] == page
    html = secretary.get(page).get_data(as_text=True)
    assert "41 van 41 punten beantwoord" in _text(secretary.get(page))
    assert 'id="punt-42"' not in html
    assert as_role(None).get(f"/consultaties/{SLUG}/punten/{point.id}").status_code == 404
    archive = _text(secretary.get(f"/consultaties/{SLUG}/archief"))
    assert "Aantal uithuisplaatsingen" in archive
    secretary.form_post(f"/consultaties/{SLUG}/herstellen/punt/{point.id}")
    assert "42 van 42 punten beantwoord" in _text(secretary.get(page))
    history = _text(secretary.get(f"/consultaties/{SLUG}/geschiedenis/punt/{point.id}"))
    assert "gearchiveerd · Sanne Secretaris" in history
    assert "hersteld · Sanne Secretaris" in history


def test_archived_reaction_leaves_the_channel_and_the_counts(as_role, session):
    secretary = as_role("secretary")
    reaction = _nieuwkoop(session)
    secretary.form_post(f"/consultaties/{SLUG}/archiveren/reactie/{reaction.id}")
    text = _text(as_role(None).get(f"/consultaties/{SLUG}"))
    assert "Nieuwkoop — Ambtelijke uitvraag" not in text
    assert "161 van 162 punten beantwoord" in text
    assert as_role(None).get(f"/consultaties/{SLUG}/reacties/{reaction.id}").status_code == 404
    assert secretary.get(f"/consultaties/{SLUG}/reacties/{reaction.id}").status_code == 200


def test_answer_changes_are_audited_with_before_and_after(as_role, session):
    secretary = as_role("secretary")
    response = session.exec(select(Response).where(
        Response.body.startswith("De punten 20 t/m 22"))).one()
    url = f"/consultaties/{SLUG}/antwoorden/{response.id}/bewerken"
    secretary.form_post(url, {"version": 1, "body": "Herzien: financiële paragraaf.",
                              "status": "done"})
    event = session.exec(select(AuditEvent).where(
        AuditEvent.entity == "response", AuditEvent.entity_id == response.id,
        AuditEvent.action == "change")).one()
    assert event.before["body"].startswith("De punten 20 t/m 22")
    assert event.after["body"] == "Herzien: financiële paragraaf."
    assert (event.before["status"], event.after["status"]) == ("adopted", "done")
    history = _text(secretary.get(f"/consultaties/{SLUG}/geschiedenis/antwoord/{response.id}"))
    assert "gewijzigd · Sanne Secretaris" in history and "Herzien: financiële paragraaf." in history


def test_only_the_secretariat_archives_or_reads_history(as_role, session):
    reaction = _nieuwkoop(session)
    for role in (None, "viewer", "councillor", "advisory_member"):
        actor = as_role(role)
        assert actor.form_post(
            f"/consultaties/{SLUG}/archiveren/reactie/{reaction.id}").status_code == 403
        # Those who may not process get the history page as if it did not exist (the public line).
        assert actor.get(
            f"/consultaties/{SLUG}/geschiedenis/reactie/{reaction.id}").status_code == 404
    session.refresh(reaction)
    assert reaction.archived is False


def test_records_of_another_consultation_are_404(as_role, session):
    assert as_role("secretary").form_post(
        f"/consultaties/{SLUG}/archiveren/punt/999999").status_code == 404
    assert as_role("secretary").form_post(
        f"/consultaties/{SLUG}/archiveren/iets/1").status_code == 404
