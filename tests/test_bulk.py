"""Bulk actions on a selection of points (issue 17): filters, select all or some, set status,
route, apply an answer template, one undo; every point audited; bad input answered in Dutch."""

import re
from html import unescape

import pytest
import sqlalchemy as sa
from sqlmodel import func, select

from consult.bulk.models import BulkAction
from consult.models import (
    AuditEvent,
    Consultation,
    Destination,
    Point,
    Reaction,
    Response,
    ResponseDestination,
    ResponsePoint,
    Stakeholder,
)

from .conftest import Actor

SLUG = "holland-rijnland-jeugdhulp-2016"
URL = f"/consultaties/{SLUG}/selectie"


@pytest.fixture
def secretary(as_role):
    return as_role("secretary")


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _points_of(session, name):
    sender = sa.func.coalesce(Point.stakeholder_id, Reaction.stakeholder_id)
    return session.exec(
        select(Point).join(Reaction, Reaction.id == Point.reaction_id)
        .join(Stakeholder, Stakeholder.id == sender)
        .where(Stakeholder.name == name, Point.archived == False)  # noqa: E712
        .order_by(Reaction.position, Point.position)).all()


def _state(session, point_ids):
    """Per point: (status of latest live answer or None, sorted destination titles)."""
    out = {}
    for pid in point_ids:
        rows = session.exec(
            select(Response).join(ResponsePoint, ResponsePoint.response_id == Response.id)
            .where(ResponsePoint.point_id == pid, Response.archived == False)  # noqa: E712
            .order_by(Response.position, Response.id)).all()
        dests = sorted(session.exec(
            select(Destination.title).join(ResponseDestination,
                                           ResponseDestination.destination_id == Destination.id)
            .where(ResponseDestination.response_id.in_([r.id for r in rows] or [0]))).all())
        out[pid] = (rows[-1].status if rows else None, dests)
    return out


def _destination(session, title):
    return session.exec(select(Destination).where(Destination.title == title)).first()


def test_the_selection_page_filters_and_pages(secretary, session):
    """All 204 points in pages of 50; a sender filter narrows it to that sender's points."""
    page = secretary.get(URL)
    assert page.status_code == 200
    text = _text(page.get_data(as_text=True))
    total = session.exec(select(func.count()).select_from(Point).where(
        Point.archived == False)).one()  # noqa: E712
    assert f"{total} punten voldoen" in text
    assert "Pagina 1 van 5" in text
    leiden = session.exec(select(Stakeholder).where(Stakeholder.name == "Leiden")).one()
    page = secretary.get(f"{URL}?stakeholder={leiden.id}")
    html = page.get_data(as_text=True)
    expected = _points_of(session, "Leiden")
    assert f"{len(expected)} punten voldoen" in _text(html)
    assert set(map(int, re.findall(r'name="point_ids" value="(\d+)"', html))) == {
        p.id for p in expected}



def _pager_links(html: str) -> dict[str, str]:
    return {rel: unescape(href) for rel, href in
            re.findall(r'<a rel="(prev|next)" href="([^"]+)"', html)}


def test_previous_page_leads_to_page_ones_own_address(secretary, as_role):
    """"Vorige" on page 2 led to ...?pagina=1, another address for page 1 (bookmarks, the
    browser's visited links and the history told them apart)."""
    links = _pager_links(secretary.get(f"{URL}?pagina=2&kind=municipality").get_data(
        as_text=True))
    assert links["prev"] == f"{URL}?kind=municipality"
    assert _pager_links(secretary.get(f"{URL}?pagina=2").get_data(as_text=True))["prev"] == URL
    links = _pager_links(secretary.get(f"{URL}?pagina=3").get_data(as_text=True))
    assert links == {"prev": f"{URL}?pagina=2", "next": f"{URL}?pagina=4"}


def test_route_all_matching_then_undo_puts_everything_back(secretary, session):
    """Routing every point of one sender to a destination changes their latest answers, writes
    one audit event per point, and one undo puts every answer back as it was."""
    leiden = session.exec(select(Stakeholder).where(Stakeholder.name == "Leiden")).one()
    points = _points_of(session, "Leiden")
    before = _state(session, [p.id for p in points])
    target = _destination(session, "Strategisch overleg jeugd")
    answered = [p for p in points if before[p.id][0]]
    assert answered and any(target.title not in before[p.id][1] for p in answered)
    response = secretary.form_post(URL, {"action": "route", "scope": "all",
                                         "stakeholder": leiden.id, "destination_id": target.id})
    assert response.status_code == 303
    session.expire_all()
    after = _state(session, [p.id for p in points])
    for p in answered:
        assert target.title in after[p.id][1]
    action = session.exec(select(BulkAction).order_by(BulkAction.id.desc())).first()
    audited = session.exec(select(AuditEvent).where(AuditEvent.action == "bulk_route")).all()
    moved = {p.id for p in answered if target.title not in before[p.id][1]}
    assert {e.entity_id for e in audited} >= moved
    assert all(target.title in e.after["destinations"][-1] or target.title in " ".join(
        e.after["destinations"]) for e in audited)
    assert all(e.after["bulk_action"] == action.id for e in audited)
    page = secretary.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    undo_url = f"/consultaties/{SLUG}/selectie/{action.id}/ongedaan"
    assert undo_url in html
    undone = secretary.form_post(undo_url, {"next": response.headers["Location"]})
    assert undone.status_code == 303
    session.expire_all()
    assert _state(session, [p.id for p in points]) == before
    again = secretary.form_post(undo_url, {})
    assert "al ongedaan gemaakt" in _text(secretary.get(again.headers["Location"]).get_data(
        as_text=True))


def _kind_points(session, kind):
    sender = sa.func.coalesce(Point.stakeholder_id, Reaction.stakeholder_id)
    return session.exec(
        select(Point).join(Reaction, Reaction.id == Point.reaction_id)
        .join(Stakeholder, Stakeholder.id == sender)
        .where(Stakeholder.kind == kind, Point.archived == False)).all()  # noqa: E712


def _flash(actor, response) -> str:
    return _text(actor.get(response.headers["Location"]).get_data(as_text=True))


def test_set_status_by_kind_changes_only_those_answers_and_undoes(secretary, session):
    """All points of advisory boards set to 'not adopted': their latest answers change (and
    say so in their threads), the others stay; undo restores every status."""
    boards = _kind_points(session, "advisory_board")
    others = [p.id for p in _kind_points(session, "municipality")]
    before, before_others = _state(session, [p.id for p in boards]), _state(session, others)
    response = secretary.form_post(URL, {"action": "status", "scope": "all",
                                         "kind": "advisory_board", "new_status": "not_adopted"})
    assert response.status_code == 303
    told = _flash(secretary, response)
    assert "Gedaan:" in told and "Ongedaan maken" in told
    session.expire_all()
    after = _state(session, [p.id for p in boards])
    assert all(after[p.id][0] == "not_adopted" for p in boards if before[p.id][0])
    unanswered = [p for p in boards if before[p.id][0] is None]
    if unanswered:
        assert "nog geen antwoord" in told
    # Points that share an answer with a board's point do not follow along (the answer is
    # split: the boards' points get their own copy).
    assert _state(session, others) == before_others
    action = session.exec(select(BulkAction).order_by(BulkAction.id.desc())).first()
    secretary.form_post(f"{URL}/{action.id}/ongedaan", {})
    session.expire_all()
    assert _state(session, [p.id for p in boards]) == before
    assert _state(session, others) == before_others


def test_a_bulk_action_never_touches_a_draft(secretary, session):
    """The attack: a point with a released answer and a newer draft; setting the status of the
    ticked point changed the hidden draft to "done" and put its text on the public page. The
    bulk action acts on the answer the pages show; the draft stays a draft, unseen."""
    point = _points_of(session, "Leiden")[0]
    reaction_id = point.reaction_id
    shown = _state(session, [point.id])[point.id][0]
    assert shown and shown != "draft"
    drafted = secretary.hx_post(f"/consultaties/{SLUG}/reacties/{reaction_id}/antwoorden",
                                data={"selection": point.number, "body": "GEHEIM CONCEPT",
                                      "status": "draft"})
    assert drafted.status_code == 200
    for action in ({"action": "status", "new_status": "done"},
                   {"action": "route",
                    "destination_id": _destination(session, "Inkoopplan 2017").id}):
        response = secretary.form_post(URL, {"scope": "some", "point_ids": point.id, **action})
        assert response.status_code == 303
        session.expire_all()
        draft = session.exec(select(Response).where(Response.body == "GEHEIM CONCEPT")).one()
        assert draft.status == "draft"
        assert "GEHEIM CONCEPT" not in Actor(secretary.client.application.test_client(),
                                            None).get(f"/consultaties/{SLUG}/punten/{point.id}"
                                                      ).get_data(as_text=True)
    released = session.exec(
        select(Response).join(ResponsePoint, ResponsePoint.response_id == Response.id)
        .where(ResponsePoint.point_id == point.id, Response.archived == False,  # noqa: E712
               Response.status != "draft").order_by(Response.position, Response.id)).all()
    assert released[-1].status == "done"  # the answer the pages show took the change


def test_a_template_answers_each_letter_and_sender_once_with_its_own_values(secretary, session):
    """An answer template fills {indiener}, {punt} and {bestemming} per letter and sender; the
    new answers are the points' latest; undo archives them again."""
    page = secretary.form_post(f"/consultaties/{SLUG}/sjablonen", {
        "title": "Meegenomen", "body": "{indiener}: punt {punt} wordt meegenomen in {bestemming}.",
        "form_key": "k" * 32})
    assert page.status_code == 303
    from consult.bulk.models import AnswerTemplate
    template = session.exec(select(AnswerTemplate)).one()
    leiden = session.exec(select(Stakeholder).where(Stakeholder.name == "Leiden")).one()
    points = _points_of(session, "Leiden")
    target = _destination(session, "Strategisch overleg jeugd")
    before = _state(session, [p.id for p in points])
    response = secretary.form_post(URL, {
        "action": "template", "scope": "some", "point_ids": [p.id for p in points[:3]],
        "template_id": template.id, "template_status": "adopted",
        "destination_ids": target.id, "stakeholder": leiden.id})
    assert response.status_code == 303, response.get_data(as_text=True)
    session.expire_all()
    newest = session.exec(select(Response).order_by(Response.id.desc())).first()
    numbers = "-".join([points[0].number, points[2].number])
    assert newest.body == f"Leiden: punt {numbers} wordt meegenomen in {target.title}."
    assert newest.status == "adopted"
    after = _state(session, [p.id for p in points[:3]])
    assert all(after[p.id] == ("adopted", sorted({*before[p.id][1], target.title}))
               for p in points[:3])
    assert all(after[p.id][0] == "adopted" for p in points[:3])
    audited = session.exec(select(AuditEvent).where(AuditEvent.action == "bulk_template")).all()
    assert sorted(e.entity_id for e in audited) == sorted(p.id for p in points[:3])
    action = session.exec(select(BulkAction).order_by(BulkAction.id.desc())).first()
    secretary.form_post(f"{URL}/{action.id}/ongedaan", {})
    session.expire_all()
    assert session.get(Response, newest.id).archived
    assert _state(session, [p.id for p in points]) == before


@pytest.mark.parametrize("body, says", [
    ("Punt {nummer} gaat mee.", "Onbekende invulplek {nummer}"),
    ("Punt {punt.nummer} gaat mee.", "Onbekende invulplek {punt.nummer}"),
    ("Punt {} gaat mee.", "Onbekende invulplek {}"),
    ("Punt {0} gaat mee.", "Onbekende invulplek {0}"),
    ("Punt {punt:>9} gaat mee.", "Onbekende invulplek {punt:>9}"),
    ("Punt {punt!r} gaat mee.", "Onbekende invulplek {punt!r}"),
    ("Punt {punt gaat mee.", "losse accolade"),
    ("Punt punt} gaat mee.", "losse accolade"),
    ("", "heeft een naam"),
])
def test_a_bad_template_is_refused_in_dutch_and_nothing_is_saved(secretary, session, body, says):
    from consult.bulk.models import AnswerTemplate
    response = secretary.form_post(f"/consultaties/{SLUG}/sjablonen",
                                   {"title": "Fout", "body": body})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert says in _text(html)
    assert body in unescape(html)  # the text is kept in the form
    assert session.exec(select(func.count()).select_from(AnswerTemplate)).one() == 0


def test_a_template_with_bestemming_needs_a_destination(secretary, session):
    """{bestemming} without a chosen destination: a Dutch message, no answer written."""
    secretary.form_post(f"/consultaties/{SLUG}/sjablonen",
                        {"title": "Waarheen", "body": "Meegenomen in {bestemming}."})
    from consult.bulk.models import AnswerTemplate
    template = session.exec(select(AnswerTemplate)).one()
    points = _points_of(session, "Leiden")
    responses = session.exec(select(func.count()).select_from(Response)).one()
    response = secretary.form_post(URL, {"action": "template", "scope": "some",
                                         "point_ids": points[0].id, "template_id": template.id,
                                         "template_status": "adopted"})
    assert response.status_code == 422
    assert "kies een bestemming" in _text(response.get_data(as_text=True))
    assert session.exec(select(func.count()).select_from(Response)).one() == responses
    assert session.exec(select(func.count()).select_from(BulkAction)).one() == 0


def test_an_empty_selection_or_no_action_changes_nothing(secretary, session):
    for data, says in (({"action": "status", "scope": "some", "new_status": "done"},
                        "Geen punten gekozen"),
                       ({"scope": "all"}, "Kies wat er met de gekozen punten"),
                       ({"action": "route", "scope": "all", "destination_id": "999999"},
                        "Kies een bestemming van deze consultatie"),
                       ({"action": "status", "scope": "all", "new_status": "bestaat-niet"},
                        "Kies een status"),
                       ({"action": "status", "scope": "all", "new_status": "done",
                         "stakeholder": "999999"}, "Geen punten gekozen")):
        response = secretary.form_post(URL, data)
        assert response.status_code == 422, data
        assert says in _text(response.get_data(as_text=True)), data
    assert session.exec(select(func.count()).select_from(BulkAction)).one() == 0
    assert session.exec(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action.like("bulk_%"))).one() == 0


def test_a_stale_selection_skips_archived_points_and_says_so(secretary, session):
    """Points ticked on the page, one archived before the action is taken: the others change
    and the message names the skipped one; all of them archived: nothing changes."""
    points = [p for p in _points_of(session, "Leiden") if _state(session, [p.id])[p.id][0]][:3]
    secretary.form_post(f"/consultaties/{SLUG}/archiveren/punt/{points[0].id}", {})
    response = secretary.form_post(URL, {"action": "status", "scope": "some", "new_status": "done",
                                         "point_ids": [p.id for p in points]})
    assert response.status_code == 303
    told = _flash(secretary, response)
    assert "1 gekozen punt bestaat niet meer" in told
    session.expire_all()
    assert _state(session, [points[1].id])[points[1].id][0] == "done"
    for p in points[1:]:
        secretary.form_post(f"/consultaties/{SLUG}/archiveren/punt/{p.id}", {})
    actions = session.exec(select(func.count()).select_from(BulkAction)).one()
    response = secretary.form_post(URL, {"action": "status", "scope": "some",
                                         "new_status": "proposed",
                                         "point_ids": [p.id for p in points]})
    assert response.status_code == 422
    assert "bestaan niet meer" in _text(response.get_data(as_text=True))
    assert session.exec(select(func.count()).select_from(BulkAction)).one() == actions


def test_undo_refuses_when_an_answer_was_changed_since(secretary, session):
    """An answer edited after the bulk action: the undo says so and changes nothing."""
    points = _points_of(session, "Leiden")
    response = secretary.form_post(URL, {"action": "status", "scope": "some", "new_status": "done",
                                         "point_ids": [p.id for p in points]})
    assert response.status_code == 303
    action = session.exec(select(BulkAction).order_by(BulkAction.id.desc())).first()
    rid, version = action.data["changed"][0][:2]
    answer = session.get(Response, rid)
    edited = secretary.form_post(f"/consultaties/{SLUG}/antwoorden/{rid}/bewerken", {
        "version": version, "body": answer.body + " Aangevuld.", "status": "done"})
    assert edited.status_code in (200, 303), edited.get_data(as_text=True)[:300]
    session.expire_all()
    assert session.get(Response, rid).version == version + 1
    states = _state(session, [p.id for p in points])
    undone = secretary.form_post(f"{URL}/{action.id}/ongedaan", {})
    assert "kan ze niet in haar geheel ongedaan" in _flash(secretary, undone)
    session.expire_all()
    assert _state(session, [p.id for p in points]) == states
    assert session.get(BulkAction, action.id).undone_at is None


def test_others_cannot_act_or_undo(as_role, session):
    points = _points_of(session, "Leiden")
    for role in ("councillor", "viewer", "advisory_member"):
        actor = as_role(role)
        assert actor.get(URL).status_code == 404
        response = actor.form_post(URL, {"action": "status", "scope": "all", "new_status": "done"})
        assert response.status_code == 403
    assert session.exec(select(func.count()).select_from(BulkAction)).one() == 0
    assert points


def test_add_a_filtered_selection_to_a_theme_filter_by_it_and_undo(secretary, session):
    """The points a search-free filter finds go into a theme in one action; the theme filter
    then finds exactly them; undo takes them out again (points already in it stay)."""
    from consult.themes.models import Theme, ThemePoint
    from consult.themes.operations import add_points, create_theme

    consultation = session.exec(select(Consultation).where(Consultation.slug == SLUG)).one()
    theme = create_theme(session, consultation.id, "Overgang 18-/18+")
    points = _points_of(session, "Leiden")
    add_points(session, theme, [points[0].id])
    session.commit()
    leiden = session.exec(select(Stakeholder).where(Stakeholder.name == "Leiden")).one()
    response = secretary.form_post(URL, {"action": "theme", "scope": "all",
                                         "stakeholder": leiden.id, "theme_id": theme.id})
    assert response.status_code == 303
    assert f"Gedaan: {len(points) - 1} punten gewijzigd" in _flash(secretary, response)
    html = secretary.get(f"{URL}?theme={theme.id}").get_data(as_text=True)
    assert set(map(int, re.findall(r'name="point_ids" value="(\d+)"', html))) == {
        p.id for p in points}
    action = session.exec(select(BulkAction).order_by(BulkAction.id.desc())).first()
    secretary.form_post(f"{URL}/{action.id}/ongedaan", {})
    session.expire_all()
    assert session.exec(select(ThemePoint.point_id).where(
        ThemePoint.theme_id == theme.id)).all() == [points[0].id]
    other = session.exec(select(func.count()).select_from(Theme)).one()
    response = secretary.form_post(URL, {"action": "theme", "scope": "all", "theme_id": 999999})
    assert response.status_code == 422
    assert "Kies een thema van deze consultatie" in _text(response.get_data(as_text=True))
    assert session.exec(select(func.count()).select_from(Theme)).one() == other


@pytest.mark.parametrize("backend", ["whoosh", "postgres"])
def test_a_search_narrows_the_selection_to_the_points_search_finds(database_url, tmp_path,
                                                                   backend):
    """The search filter uses the search index (restricted to this consultation's points):
    the selection holds exactly the points a search for the same words finds, in table order,
    and combines with the other filters; a status set on it reaches exactly those. On the
    PostgreSQL backend too (it has no Whoosh store; it failed as "Search is not available"),
    and there every match is selected even when a search page would rank only the newest."""
    from consult import search
    from consult.db import get_session

    from .conftest import Actor, indexed_demo

    if backend == "postgres" and not database_url.startswith("postgresql"):
        pytest.skip("the PostgreSQL search backend needs a PostgreSQL database")
    with indexed_demo(database_url, tmp_path, SEARCH_BACKEND=backend) as app:
        with app.test_request_context("/"):
            session = get_session()
            found = search.run(session, None, search.Request(
                text="pgb", filters={"kind": "point"}, size=500))
            expected = {h.point.id for h in found.hits}
            assert len(expected) > 3
        if backend == "postgres":
            with app.extensions["consult.engine"].begin() as connection:
                connection.exec_driver_sql("ANALYZE search_document")
            search.service(app).count_limit = 2  # a search page would show the newest only
            with app.test_request_context("/"):
                assert search.run(get_session(), None, search.Request(
                    text="pgb", filters={"kind": "point"}, size=500)).capped
        secretary = Actor(app.test_client(), "secretary")
        html = secretary.get(f"{URL}?q=pgb").get_data(as_text=True)
        assert f"{len(expected)} punten voldoen" in _text(html)
        assert set(map(int, re.findall(r'name="point_ids" value="(\d+)"', html))) == expected
        with app.app_context():
            session = get_session()
            kinds = {p.id: s.kind for p, r, s in session.execute(
                select(Point, Reaction, Stakeholder)
                .join(Reaction, Reaction.id == Point.reaction_id)
                .join(Stakeholder, Stakeholder.id == sa.func.coalesce(
                    Point.stakeholder_id, Reaction.stakeholder_id))
                .where(Point.id.in_(expected)))}
        kind = sorted(kinds.values())[0]
        narrowed = secretary.get(f"{URL}?q=pgb&kind={kind}").get_data(as_text=True)
        assert set(map(int, re.findall(r'name="point_ids" value="(\d+)"', narrowed))) == {
            pid for pid, k in kinds.items() if k == kind}
        response = secretary.form_post(URL, {"action": "theme", "scope": "all", "q": "pgb",
                                             "theme_id": _theme(app).id})
        assert response.status_code == 303
        with app.app_context():
            from consult.themes.models import ThemePoint
            assert set(get_session().exec(select(ThemePoint.point_id)).all()) == expected


def _theme(app):
    from consult.db import get_session
    from consult.themes.operations import create_theme

    with app.app_context():
        session = get_session()
        consultation = session.exec(select(Consultation).where(Consultation.slug == SLUG)).one()
        theme = create_theme(session, consultation.id, "PGB")
        session.commit()
        session.refresh(theme)
        session.expunge(theme)
        return theme


def test_odd_filter_values_are_ignored_never_a_500(secretary):
    """Hand-made query strings: superscript digits, huge numbers, unknown states, pages
    out of range; the page shows (unfiltered where a value makes no sense)."""
    for query in ("stakeholder=%C2%B2", "destination=99999999999999999999", "status=bestaat",
                  "kind=%00", "theme=-1", "pagina=-3", "pagina=999999", "q=%22%22%22",
                  "stakeholder=1&stakeholder=abc"):
        response = secretary.get(f"{URL}?{query}")
        assert response.status_code == 200, query
    filled = secretary.hx_get(f"/consultaties/{SLUG}/sjablonen/invullen?template_id=%C2%B2"
                              "&reaction_id=1&point_ids=%C2%B2")
    assert filled.status_code == 404


def _shared_answer(session):
    """A live released answer that is the latest answer of three or more points of one
    letter: (the answer, its points in order)."""
    from collections import defaultdict

    from consult.bulk.answers import latest_answers

    points = session.exec(select(Point).where(Point.archived == False)).all()  # noqa: E712
    by_answer = defaultdict(list)
    for pid, response in latest_answers(session, [p.id for p in points]).items():
        by_answer[response.id].append(pid)
    rid, pids = max(by_answer.items(), key=lambda item: (len(item[1]), -item[0]))
    assert len(pids) >= 3
    ordered = [p for p in points if p.id in set(pids)]
    ordered.sort(key=lambda p: (p.reaction_id, p.position))
    return session.get(Response, rid), ordered


@pytest.mark.parametrize("action", [
    {"action": "status", "new_status": "not_adopted"},
    {"action": "route", "destination": "Werkgroep veiligheid"},
])
def test_only_the_selected_points_change_when_they_share_an_answer(secretary, session, action):
    """The trial: one point of "De punten 8 t/m 10 ..." selected, "Gedaan: 52 punten
    gewijzigd" (everything sharing the answer followed). The selected point gets its own copy
    of the answer with the new state (same explanation, same decision); the others keep theirs;
    the message counts the selected point only; undo puts it back on the shared answer."""
    shared, points = _shared_answer(session)
    chosen, others = points[1], [p for p in points if p.id != points[1].id]
    before = _state(session, [p.id for p in points])
    assert action.get("destination") not in before[chosen.id][1]
    form = {"scope": "some", "point_ids": chosen.id, "action": action["action"]}
    if "new_status" in action:
        form["new_status"] = action["new_status"]
    else:
        form["destination_id"] = _destination(session, action["destination"]).id
    response = secretary.form_post(URL, form)
    assert response.status_code == 303
    told = _flash(secretary, response)
    assert "Gedaan: 1 punt gewijzigd." in told
    session.expire_all()
    after = _state(session, [p.id for p in points])
    assert after[chosen.id] != before[chosen.id]
    if "new_status" in action:
        assert after[chosen.id][0] == "not_adopted"
    else:
        assert action["destination"] in after[chosen.id][1]
    assert {p.id: after[p.id] for p in others} == {p.id: before[p.id] for p in others}
    assert session.get(Response, shared.id).version == shared.version  # not changed
    copy = session.exec(
        select(Response).join(ResponsePoint, ResponsePoint.response_id == Response.id)
        .where(ResponsePoint.point_id == chosen.id).order_by(Response.id.desc())).first()
    assert copy.id != shared.id
    assert (copy.body, copy.decided_by, copy.decided_on) == (
        shared.body, shared.decided_by, shared.decided_on)
    audited = session.exec(select(AuditEvent).where(
        AuditEvent.action == f"bulk_{action['action']}")).all()
    assert [e.entity_id for e in audited] == [chosen.id]
    bulk = session.exec(select(BulkAction).order_by(BulkAction.id.desc())).first()
    secretary.form_post(f"{URL}/{bulk.id}/ongedaan", {})
    session.expire_all()
    assert _state(session, [p.id for p in points]) == before
    assert session.get(Response, copy.id).archived


def test_the_count_is_the_points_that_changed_never_more_than_selected(secretary, session):
    """The trial: "Gedaan: 210 punten gewijzigd" for a consultation of 204 points (points
    counted once per answer that covered them). Setting every point to one status counts
    each answered point whose status changed once."""
    from consult.bulk.answers import latest_answers

    live = [p.id for p in session.exec(select(Point).where(
        Point.archived == False)).all()]  # noqa: E712
    latest = latest_answers(session, live)
    expected = sum(1 for r in latest.values() if r.status != "done")
    assert expected > 100
    response = secretary.form_post(URL, {"action": "status", "scope": "all",
                                         "new_status": "done"})
    told = _flash(secretary, response)
    assert f"Gedaan: {expected} punten gewijzigd." in told
    assert expected <= len(live)
    session.expire_all()
    assert all(s == "done" for s, _d in _state(session, list(latest)).values())


def test_ticked_points_without_a_scope_mean_only_those(secretary, session):
    """A form sent without JavaScript (the scope radio not switched): ticks mean the ticked
    points, not all matching ones; the page ticks "only the ticked" when it comes back."""
    points = [p for p in _points_of(session, "Leiden") if _state(session, [p.id])[p.id][0]][:2]
    others = [p.id for p in _points_of(session, "Leiden")[2:]]
    before = _state(session, others)
    response = secretary.form_post(URL, {"action": "status", "new_status": "not_adopted",
                                         "point_ids": [p.id for p in points]})
    assert response.status_code == 303
    session.expire_all()
    assert _state(session, others) == before
    assert all(_state(session, [p.id])[p.id][0] == "not_adopted" for p in points)
    page = secretary.form_post(URL, {"action": "", "point_ids": [points[0].id]})
    assert page.status_code == 422
    assert re.search(r'value="some" id="scope-some"\s+checked', page.get_data(as_text=True))


def test_recent_bulk_actions_keep_their_undo_after_leaving_the_page(secretary, session):
    """The trial: undo lived only in the one-time message; after opening another page it was
    gone. The selection page lists the recent bulk actions, what each did and to how many
    points, with its undo; an undone one says so."""
    points = [p for p in _points_of(session, "Leiden") if _state(session, [p.id])[p.id][0]][:3]
    before = _state(session, [p.id for p in points])
    target = _destination(session, "Strategisch overleg jeugd")
    secretary.form_post(URL, {"action": "route", "scope": "some", "destination_id": target.id,
                              "point_ids": [p.id for p in points]})
    secretary.get(f"/consultaties/{SLUG}")  # the message is gone
    html = secretary.get(URL).get_data(as_text=True)
    action = session.exec(select(BulkAction).order_by(BulkAction.id.desc())).first()
    item = re.search(rf'<li id="bulkactie-{action.id}">(.*?)</li>', html, re.S)
    assert item, "the recent bulk action is listed"
    said = _text(item.group(1))
    assert f"Doorgestuurd naar {target.title}" in said
    changed = action.data["count"]
    assert f"{changed} punt" in said and "Ongedaan maken" in said
    undo = f"/consultaties/{SLUG}/selectie/{action.id}/ongedaan"
    assert undo in item.group(1)
    secretary.form_post(undo, {})
    session.expire_all()
    assert _state(session, [p.id for p in points]) == before
    html = secretary.get(URL).get_data(as_text=True)
    item = re.search(rf'<li id="bulkactie-{action.id}">(.*?)</li>', html, re.S)
    assert "ongedaan gemaakt" in _text(item.group(1)) and undo not in item.group(1)


def test_actions_that_change_nothing_leave_the_recent_list_alone(secretary, session):
    """Setting a status the points have already, or adding them to a theme they are in, says
    "Niets veranderd" and stores no bulk action: before, each stored an empty one, and 30
    such clicks pushed the real action (and its undo) off the recent list."""
    points = [p for p in _points_of(session, "Leiden") if _state(session, [p.id])[p.id][0]][:3]
    target = _destination(session, "Strategisch overleg jeugd")
    secretary.form_post(URL, {"action": "route", "scope": "some", "destination_id": target.id,
                              "point_ids": [p.id for p in points]})
    real = session.exec(select(BulkAction).order_by(BulkAction.id.desc())).first()
    status = _state(session, [points[0].id])[points[0].id][0]
    for _n in range(31):
        again = secretary.form_post(URL, {"action": "status", "scope": "some",
                                          "new_status": status, "point_ids": [points[0].id]})
        assert "Niets veranderd" in _flash(secretary, again)
    session.expire_all()
    assert session.exec(select(func.count()).select_from(BulkAction)).one() == 1
    html = secretary.get(URL).get_data(as_text=True)
    assert f'<li id="bulkactie-{real.id}">' in html
    assert f"/consultaties/{SLUG}/selectie/{real.id}/ongedaan" in html


def test_template_answers_start_as_concept(secretary):
    """The trial: a template applied to all points put its text on the public page at once
    (default "voorgesteld"); the status of new template answers starts at concept."""
    html = secretary.get(URL).get_data(as_text=True)
    chosen = re.search(r'<select name="template_status".*?</select>', html, re.S).group(0)
    assert re.search(r'<option value="draft" selected>', chosen)

