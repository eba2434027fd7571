"""Threads: questions, answers and internal notes, who sees what, and live updates by polling."""

import re

from sqlmodel import select

from consult.models import Point, Reaction, Stakeholder

SLUG = "holland-rijnland-jeugdhulp-2016"


def _point(session, stakeholder_name="Nieuwkoop", number="8"):
    return session.exec(
        select(Point)
        .join(Reaction, Reaction.id == Point.reaction_id)
        .join(Stakeholder, Stakeholder.id == Reaction.stakeholder_id)
        .where(Stakeholder.name == stakeholder_name, Point.number == number)
    ).one()


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def test_thread_starts_with_the_point_its_logging_and_its_answer(as_role, session):
    point = _point(session)
    text = _text(as_role(None).get(f"/consultaties/{SLUG}/punten/{point.id}"))
    assert "JGT moeten opereren vanuit een onafhankelijke indentiteit" in text
    assert "Gelogd door import: Ambtelijke uitvraag van Nieuwkoop" in text
    assert "De punten 6 t/m 16 worden meegenomen in de opgave doorontwikkeling JGT’s." in text


def test_councillor_asks_a_question_and_everyone_sees_it(as_role, session):
    point = _point(session)
    councillor = as_role("councillor")
    url = f"/consultaties/{SLUG}/punten/{point.id}"
    posted = councillor.hx_post(f"{url}/berichten",
                                data={"kind": "question", "body": "Wanneer is dit *klaar*?"})
    assert posted.status_code == 204
    assert posted.headers["HX-Trigger"] == "thread-changed"
    for viewer in (councillor, as_role("viewer"), as_role("secretary")):
        html = viewer.get(url).get_data(as_text=True)
        assert "Wanneer is dit <em>klaar</em>?" in html
        assert "Ruud Raadslid" in html
    # The public line (access.py): no conversation and no names for visitors without account.
    html = as_role(None).get(url).get_data(as_text=True)
    assert "Wanneer is dit" not in html and "Ruud Raadslid" not in html


def test_internal_notes_are_for_the_secretariat_only(as_role, session):
    point = _point(session)
    url = f"/consultaties/{SLUG}/punten/{point.id}"
    secretary = as_role("secretary")
    assert secretary.hx_post(f"{url}/berichten", data={
        "kind": "internal_note", "body": "Nog navragen bij TWO."}).status_code == 204
    assert "Nog navragen bij TWO." in secretary.get(url).get_data(as_text=True)
    for role in (None, "viewer", "councillor", "advisory_member"):
        actor = as_role(role)
        assert "Nog navragen bij TWO." not in actor.get(url).get_data(as_text=True)
        assert "Nog navragen bij TWO." not in actor.hx_get(f"{url}/nieuw?na=0").get_data(
            as_text=True)


def test_councillor_cannot_post_internal_notes_or_empty_messages(as_role, session):
    point = _point(session)
    url = f"/consultaties/{SLUG}/punten/{point.id}/berichten"
    councillor = as_role("councillor")
    refused = councillor.hx_post(url, data={"kind": "internal_note", "body": "stiekem"})
    assert refused.status_code == 422
    assert "Dit soort bericht kunt u hier niet plaatsen." in refused.get_data(as_text=True)
    empty = councillor.hx_post(url, data={"kind": "question", "body": "   "})
    assert empty.status_code == 422
    assert "Schrijf eerst een bericht." in empty.get_data(as_text=True)
    assert as_role("viewer").hx_post(url, data={"kind": "comment", "body": "x"}).status_code == 422


def test_anonymous_posting_asks_to_log_in(as_role, session):
    point = _point(session)
    response = as_role(None).hx_post(f"/consultaties/{SLUG}/punten/{point.id}/berichten",
                                     data={"kind": "comment", "body": "hallo"})
    assert response.status_code == 401


def test_polling_returns_nothing_until_something_new(as_role, session):
    point = _point(session)
    url = f"/consultaties/{SLUG}/punten/{point.id}"
    reader, visitor = as_role("viewer"), as_role(None)
    page = reader.get(url).get_data(as_text=True)
    poll = re.search(r'hx-get="([^"]+/nieuw\?na=\d+)"', page).group(1).replace("&amp;", "&")
    assert reader.hx_get(poll).status_code == 204
    as_role("councillor").hx_post(f"{url}/berichten", data={"kind": "question",
                                                            "body": "Nieuwe vraag"})
    assert visitor.hx_get(poll).status_code == 204  # the conversation is not for the public
    fresh = reader.hx_get(poll)
    assert fresh.status_code == 200
    html = fresh.get_data(as_text=True)
    assert "Nieuwe vraag" in html
    next_poll = re.search(r'hx-get="([^"]+/nieuw\?na=\d+)"', html).group(1).replace("&amp;", "&")
    assert reader.hx_get(next_poll).status_code == 204


def test_consultation_poll_is_204_until_a_change(as_role, session):
    reader = as_role(None)
    page = reader.get(f"/consultaties/{SLUG}").get_data(as_text=True)
    poll = re.search(r'hx-get="([^"]+/wijzigingen[^"]+)"', page).group(1).replace("&amp;", "&")
    assert reader.hx_get(poll).status_code == 204
    point = _point(session)
    as_role("councillor").hx_post(f"/consultaties/{SLUG}/punten/{point.id}/berichten",
                                  data={"kind": "question", "body": "Vraag"})
    changed = reader.hx_get(poll)
    assert changed.status_code == 200
    assert 'id="summary"' in changed.get_data(as_text=True)


def test_unknown_or_foreign_points_are_404(as_role, session):
    reader = as_role(None)
    assert reader.get(f"/consultaties/{SLUG}/punten/999999").status_code == 404
    point = _point(session)
    assert reader.get(f"/consultaties/bestaat-niet/punten/{point.id}").status_code == 404
