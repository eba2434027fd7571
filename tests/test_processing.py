"""Answering points: ranges, destinations, versions, conflicts, and who may do it."""

import re

import pytest
from sqlmodel import func, select

from consult.models import (
    Destination,
    Message,
    Point,
    Reaction,
    Response,
    ResponseDestination,
    ResponsePoint,
    ResponseVersion,
    Stakeholder,
)

SLUG = "holland-rijnland-jeugdhulp-2016"


def _reaction(session, stakeholder_name):
    return session.exec(
        select(Reaction)
        .join(Stakeholder, Stakeholder.id == Reaction.stakeholder_id)
        .where(Stakeholder.name == stakeholder_name)
    ).first()


def _count(session, model):
    return session.exec(select(func.count()).select_from(model)).one()


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _destination(session, title):
    return session.exec(select(Destination).where(Destination.title == title)).one()


@pytest.fixture
def secretary(as_role):
    return as_role("secretary")


@pytest.fixture
def fresh_reaction(secretary, session):
    """A reaction of five unanswered points, logged through the composer."""
    text = "\n".join(f"{i}. Punt nummer {i} over jeugdhulp." for i in range(1, 6))
    leiden = session.exec(select(Stakeholder).where(Stakeholder.name == "Leiden")).one()
    response = secretary.hx_post(
        f"/consultaties/{SLUG}/reacties",
        data={"stakeholder_id": leiden.id, "channel": "collegebrief", "title": "Testbrief",
              "text": text},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return session.exec(select(Reaction).where(Reaction.title == "Testbrief")).one()


def test_answer_a_typed_range_routes_those_points_and_tells_their_threads(
    secretary, fresh_reaction, session
):
    inkoopplan = _destination(session, "Inkoopplan 2017")
    response = secretary.hx_post(
        f"/consultaties/{SLUG}/reacties/{fresh_reaction.id}/antwoorden",
        data={"selection": "1 t/m 3", "body": "Wordt **opgenomen** in het inkoopplan.",
              "destination_ids": inkoopplan.id, "status": "adopted"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "3 van 5 punten beantwoord" in _text(html)
    assert "<strong>opgenomen</strong>" in html
    answer = session.exec(select(Response).where(Response.reaction_id == fresh_reaction.id)).one()
    linked = session.exec(
        select(Point.number)
        .join(ResponsePoint, ResponsePoint.point_id == Point.id)
        .where(ResponsePoint.response_id == answer.id)
        .order_by(Point.position)
    ).all()
    assert linked == ["1", "2", "3"]
    for number in ("1", "2", "3"):
        point = session.exec(
            select(Point).where(Point.reaction_id == fresh_reaction.id, Point.number == number)
        ).one()
        thread = _text(secretary.get(f"/consultaties/{SLUG}/punten/{point.id}").get_data(
            as_text=True))
        assert "Beantwoord door Sanne Secretaris" in thread
        assert "Inkoopplan 2017" in thread
        assert "Gelogd door Sanne Secretaris" in thread


def test_the_count_says_which_chosen_points_already_have_an_answer(secretary, fresh_reaction,
                                                                   session):
    """The trial: two people answered point 5 at once, or one typed "1 t/m 3" over answered
    points, and nothing said that the new answer would come beside an existing one."""
    choose = f"/consultaties/{SLUG}/reacties/{fresh_reaction.id}/keuze"
    assert _text(secretary.get(choose, query_string={"selection": "1 t/m 3"}).get_data(
        as_text=True)) == "3 punten gekozen"
    secretary.hx_post(f"/consultaties/{SLUG}/reacties/{fresh_reaction.id}/antwoorden",
                      data={"selection": "2, 3", "body": "Komt in het inkoopplan.",
                            "status": "adopted"})
    assert _text(secretary.get(choose, query_string={"selection": "1 t/m 3"}).get_data(
        as_text=True)) == "3 punten gekozen, waarvan 2 al een antwoord hebben"
    assert _text(secretary.get(choose, query_string={"selection": "3 t/m 5"}).get_data(
        as_text=True)) == "3 punten gekozen, waarvan 1 al een antwoord heeft"


def test_the_panel_shows_selections_in_the_pages_language(secretary, fresh_reaction):
    """The trial: the English panel's example read "1 t/m 5, ... 9 en 11, alle punten"."""
    page = f"/consultaties/{SLUG}/reacties/{fresh_reaction.id}"
    dutch = secretary.get(page).get_data(as_text=True)
    assert 'placeholder="bijv. 1 t/m 5, 6-9, 4, 9 en 11, alle punten"' in dutch
    secretary.form_post("/taal/en", {"next": page})
    english = secretary.get(page).get_data(as_text=True)
    assert 'placeholder="e.g. 1 to 5, 6-9, 4, 9 and 11, all points"' in english
    choose = f"/consultaties/{SLUG}/reacties/{fresh_reaction.id}/keuze"
    # and the example, typed, is understood
    assert _text(secretary.get(choose, query_string={"selection": "1 to 2, 4 and 5"})
                 .get_data(as_text=True)) == "4 points chosen"


def test_a_new_answer_never_takes_an_archived_destination(secretary, fresh_reaction, session):
    """Archived destinations are not offered; one sent anyway (the attack) is not taken."""
    plan = _destination(session, "Inkoopplan 2017")
    plan.archived = True
    session.add(plan)
    session.commit()
    response = secretary.hx_post(
        f"/consultaties/{SLUG}/reacties/{fresh_reaction.id}/antwoorden",
        data={"selection": "1", "body": "Komt erin.", "destination_ids": plan.id,
              "status": "adopted"})
    assert response.status_code == 200
    answer = session.exec(select(Response).where(Response.reaction_id == fresh_reaction.id)).one()
    assert session.exec(select(ResponseDestination).where(
        ResponseDestination.response_id == answer.id)).all() == []


def test_ticked_points_and_a_typed_range_combine(secretary, fresh_reaction, session):
    points = session.exec(select(Point).where(Point.reaction_id == fresh_reaction.id)).all()
    by_number = {p.number: p for p in points}
    response = secretary.hx_post(
        f"/consultaties/{SLUG}/reacties/{fresh_reaction.id}/antwoorden",
        data={"selection": "punt 5", "point_ids": [by_number["2"].id], "body": "Genoteerd.",
              "status": "adopted"},
    )
    assert response.status_code == 200
    answer = session.exec(select(Response).where(Response.reaction_id == fresh_reaction.id)).one()
    assert _count_links(session, answer.id) == 2


def _count_links(session, response_id):
    return session.exec(
        select(func.count()).select_from(ResponsePoint).where(
            ResponsePoint.response_id == response_id)
    ).one()


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        ("punten 3 t/m 1", "Het bereik 3 t/m 1 loopt achteruit"),
        ("7", "Punt 7 bestaat niet in deze reactie."),
        ("", "Selecteer de punten"),
    ],
)
def test_bad_selection_gets_a_dutch_message_and_changes_nothing(
    secretary, fresh_reaction, session, selection, message
):
    before = (_count(session, Response), _count(session, Message))
    response = secretary.hx_post(
        f"/consultaties/{SLUG}/reacties/{fresh_reaction.id}/antwoorden",
        data={"selection": selection, "body": "Tekst", "status": "adopted"},
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert (_count(session, Response), _count(session, Message)) == before


def test_new_destination_created_inline_under_a_parent(secretary, fresh_reaction, session):
    soj = _destination(session, "Strategisch overleg jeugd")
    response = secretary.hx_post(
        f"/consultaties/{SLUG}/reacties/{fresh_reaction.id}/antwoorden",
        data={"selection": "4", "body": "Naar de nieuwe werkgroep.", "status": "proposed",
              "new_destination": "Werkgroep huisartsen", "new_destination_parent": soj.id},
    )
    assert response.status_code == 200
    assert "Strategisch overleg jeugd › Werkgroep huisartsen" in response.get_data(as_text=True)
    created = _destination(session, "Werkgroep huisartsen")
    assert created.parent_id == soj.id


def _answer_one(secretary, session, reaction, body="Eerste versie.", status="proposed"):
    secretary.hx_post(
        f"/consultaties/{SLUG}/reacties/{reaction.id}/antwoorden",
        data={"selection": "1", "body": body, "status": status},
    )
    return session.exec(select(Response).where(Response.reaction_id == reaction.id)).one()


def test_editing_keeps_earlier_versions_and_reports_status_changes(
    secretary, fresh_reaction, session
):
    answer = _answer_one(secretary, session, fresh_reaction)
    url = f"/consultaties/{SLUG}/antwoorden/{answer.id}/bewerken"
    assert secretary.get(url).status_code == 200
    saved = secretary.form_post(url, {"version": 1, "body": "Tweede versie.", "status": "adopted"})
    assert saved.status_code == 303
    session.refresh(answer)
    assert (answer.version, answer.body, answer.status) == (2, "Tweede versie.", "adopted")
    versions = _text(secretary.get(f"/consultaties/{SLUG}/antwoorden/{answer.id}/versies")
                     .get_data(as_text=True))
    assert "Eerste versie." in versions and "Tweede versie." in versions
    point = session.exec(
        select(Point).where(Point.reaction_id == fresh_reaction.id, Point.number == "1")).one()
    thread = _text(secretary.get(f"/consultaties/{SLUG}/punten/{point.id}").get_data(
        as_text=True))
    assert "Antwoord gewijzigd door Sanne Secretaris (versie 2)" in thread
    assert "Status gewijzigd door Sanne Secretaris van voorgesteld naar vastgesteld" in thread


def test_stale_edit_is_a_conflict_never_a_silent_overwrite(as_role, fresh_reaction, session):
    first, second = as_role("secretary"), as_role("admin")
    answer = _answer_one(first, session, fresh_reaction)
    url = f"/consultaties/{SLUG}/antwoorden/{answer.id}/bewerken"
    assert second.form_post(url, {"version": 1, "body": "Van de beheerder.",
                                  "status": "proposed"}).status_code == 303
    stale = first.form_post(url, {"version": 1, "body": "Mijn eigen tekst.", "status": "adopted"})
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "Iemand anders heeft dit antwoord intussen gewijzigd" in html
    assert "Mijn eigen tekst." in html  # the editor's work is kept in the form
    assert "Van de beheerder." in html  # next to what is saved now
    session.refresh(answer)
    assert (answer.body, answer.version) == ("Van de beheerder.", 2)
    assert _count_versions(session, answer.id) == 2


def test_an_edit_of_an_answer_archived_meanwhile_says_so_and_keeps_the_text(
        as_role, fresh_reaction, session):
    editor, archivist = as_role("secretary"), as_role("admin")
    answer = _answer_one(editor, session, fresh_reaction)
    url = f"/consultaties/{SLUG}/antwoorden/{answer.id}/bewerken"
    assert archivist.form_post(f"/consultaties/{SLUG}/archiveren/antwoord/{answer.id}",
                               {"next": "/"}).status_code == 303
    late = editor.form_post(url, {"version": 1, "body": "Mijn late tekst.", "status": "adopted"})
    assert late.status_code == 409
    html = late.get_data(as_text=True)
    assert "Iemand heeft dit antwoord intussen gearchiveerd" in html
    assert "Mijn late tekst." in html
    session.refresh(answer)
    assert answer.archived and answer.body != "Mijn late tekst."
    assert editor.get(url).status_code == 404  # opening it again: it is in the archive


def _count_versions(session, response_id):
    return session.exec(
        select(func.count()).select_from(ResponseVersion).where(
            ResponseVersion.response_id == response_id)
    ).one()


def test_saving_unchanged_answer_makes_no_new_version(secretary, fresh_reaction, session):
    answer = _answer_one(secretary, session, fresh_reaction)
    url = f"/consultaties/{SLUG}/antwoorden/{answer.id}/bewerken"
    secretary.form_post(url, {"version": 1, "body": answer.body, "status": answer.status})
    assert _count_versions(session, answer.id) == 1


@pytest.mark.parametrize("role", [None, "viewer", "councillor", "advisory_member"])
def test_only_the_secretariat_answers(as_role, session, role):
    actor = as_role(role)
    reaction = _reaction(session, "Nieuwkoop")
    before = _count(session, Response)
    response = actor.hx_post(
        f"/consultaties/{SLUG}/reacties/{reaction.id}/antwoorden",
        data={"selection": "1", "body": "x", "status": "adopted"},
    )
    assert response.status_code in (401, 403)
    assert _count(session, Response) == before
    assert "Antwoord opslaan" not in actor.get(
        f"/consultaties/{SLUG}/reacties/{reaction.id}").get_data(as_text=True)


def test_destinations_can_be_renamed_reordered_archived_and_restored(secretary, session):
    base = f"/consultaties/{SLUG}/bestemmingen"
    pho = _destination(session, "PHO Jeugdhulp")
    assert secretary.form_post(f"{base}/{pho.id}/hernoemen",
                               {"title": "PHO Jeugdhulp Holland Rijnland"}).status_code == 303
    session.refresh(pho)
    assert pho.title == "PHO Jeugdhulp Holland Rijnland"
    before = pho.position
    secretary.form_post(f"{base}/{pho.id}/omhoog")
    session.refresh(pho)
    assert pho.position == before - 1
    secretary.form_post(f"{base}/{pho.id}/archiveren")
    reaction = _reaction(session, "Nieuwkoop")
    page = secretary.get(f"/consultaties/{SLUG}/reacties/{reaction.id}").get_data(as_text=True)
    assert f'name="destination_ids" value="{pho.id}"' not in page
    secretary.form_post(f"{base}/{pho.id}/herstellen")
    page = secretary.get(f"/consultaties/{SLUG}/reacties/{reaction.id}").get_data(as_text=True)
    assert f'name="destination_ids" value="{pho.id}"' in page
    bad = secretary.form_post(f"{base}/{pho.id}/hernoemen", {"title": "   "})
    assert bad.status_code == 422
    assert "naam" in bad.get_data(as_text=True)


def test_destination_pages_are_for_the_secretariat(as_role):
    """A page of the secretariat does not exist for anyone else (404, as in access.py)."""
    assert as_role("councillor").get(f"/consultaties/{SLUG}/bestemmingen").status_code == 404
    assert as_role(None).get(f"/consultaties/{SLUG}/bestemmingen").status_code == 404
    refused = as_role("councillor").form_post(f"/consultaties/{SLUG}/bestemmingen",
                                              {"title": "Eigen bestemming"})
    assert refused.status_code == 403  # a change by a read-only user


def test_an_action_after_logging_out_elsewhere_says_log_in_again(secretary, fresh_reaction):
    """The trial: logged out in another tab, then saving an answer said "U mag dit niet
    bekijken of wijzigen." (403) and a thread message "Deze pagina bestaat niet (meer)."."""
    page = secretary.get(f"/consultaties/{SLUG}/reacties/{fresh_reaction.id}").get_data(
        as_text=True)
    assert '"X-Consult-Signed-In": "1"' in page  # what the page's htmx requests send
    secretary.form_post("/uitloggen")  # "another tab": the same browser's session ends
    sent = {"HX-Request": "true", "X-CSRFToken": secretary.token, "X-Consult-Signed-In": "1"}
    for url, data in ((f"/consultaties/{SLUG}/reacties/{fresh_reaction.id}/antwoorden",
                       {"selection": "1", "body": "Komt erin.", "status": "adopted"}),
                      (f"/consultaties/{SLUG}/archiveren/reactie/{fresh_reaction.id}", {})):
        response = secretary.client.post(url, data=data, headers=sent)
        assert response.status_code == 401, (url, response.status_code)
        assert response.get_data(as_text=True).startswith("U bent uitgelogd"), url
    # a visitor who never logged in keeps the usual answer
    anonymous = secretary.client.post(
        f"/consultaties/{SLUG}/reacties/{fresh_reaction.id}/antwoorden",
        data={"selection": "1"}, headers={"HX-Request": "true", "X-CSRFToken": secretary.token})
    assert not anonymous.get_data(as_text=True).startswith("U bent uitgelogd")
