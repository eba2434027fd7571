"""What happened to our points: a stakeholder's (or a whole municipality's) points with their
answers, on SQLite and PostgreSQL, against the consultation's own reaction pages."""

import re

from sqlmodel import select

from consult import consultations as reading
from consult.db import get_session
from consult.models import Consultation, Stakeholder

from .conftest import Actor, unpublish


def _id(app, name: str) -> int:
    with app.app_context():
        return get_session().exec(select(Stakeholder.id).where(Stakeholder.name == name)).one()


def _rows(html: str) -> list[tuple[str, str]]:
    """(point number, status label) of every row of the follow-up tables; rows under a
    shared answer cell (rowspan) take the status shown in that cell."""
    found, status = [], None
    for row in re.findall(r'<tr id="punt-\d+"[^>]*>(.*?)</tr>', html, re.S):
        number = re.search(r'<th scope="row"><a [^>]*>([^<]+)</a>', row).group(1)
        badge = re.search(r'<span class="badge tone-\w+" data-state="\w+:(\w+)">', row)
        status = badge.group(1) if badge else status
        found.append((number, status))
    return found


def test_leiden_as_a_whole_matches_the_reaction_pages(demo_app):
    html = demo_app.test_client().get(f"/indieners/{_id(demo_app, 'Leiden')}").get_data(
        as_text=True)
    rows = _rows(html)
    assert len(rows) == 20  # officials 10, WMO Adviesraad 6, council 4
    assert "WMO Adviesraad Leiden" in html and "Gemeenteraad Leiden" in html
    # Each point's answers on this page are the ones the reaction page shows.
    with demo_app.app_context():
        session = get_session()
        consultation = session.exec(select(Consultation)).one()
        expected = []
        for reaction in reading.overview(session, consultation).reactions:
            if reaction.stakeholder.name not in ("Leiden", "WMO Adviesraad Leiden",
                                                 "Gemeenteraad Leiden"):
                continue
            detail = reading.reaction_detail(session, consultation, reaction.reaction.id)
            for row in detail.points:
                expected.append((row.point.number,
                                 row.answers[-1].response.status if row.answers else "open",
                                 [a.response.body for a in row.answers]))
    assert sorted((n, s) for n, s in rows) == sorted((n, s) for n, s, _b in expected)
    # One answer covering points 1-7 is shown once, beside the seven of them.
    assert html.count("De punten 1 t/m 7 zijn meegenomen in de aangescherpte uitgangspunten") == 1
    assert re.search(r'rowspan="7" class="group-answer"><span class="badge tone-\w+" '
                     r'data-state="answer:adopted">', html)
    assert "Punten 1-7" in html
    groups = [[]]
    for n, _s, bodies in expected:  # runs of consecutive points with the same answers
        if bodies and groups[-1] and groups[-1][-1][2] == bodies and int(n) == int(
                groups[-1][-1][0]) + 1:
            groups[-1].append((n, _s, bodies))
        else:
            groups.append([(n, _s, bodies)])
    assert html.count('<div class="answer">') == sum(len(g[0][2]) for g in groups if g)
    assert "Aangescherpte uitgangspunten › Lokale sturing" in html


def test_only_the_stakeholder_itself(demo_app):
    client = demo_app.test_client()
    html = client.get(f"/indieners/{_id(demo_app, 'Leiden')}?alleen=1").get_data(as_text=True)
    assert len(_rows(html)) == 10
    assert "WMO Adviesraad Leiden —" not in html


def test_points_of_a_joint_letter_show_under_their_sender(demo_app):
    client = demo_app.test_client()
    katwijk = client.get(f"/indieners/{_id(demo_app, 'Gemeenteraad Katwijk')}").get_data(
        as_text=True)
    assert [n for n, _s in _rows(katwijk)] == ["67", "68"]
    assert "robuuste en goed geoutilleerde JGT" in katwijk
    name = "Portefeuillehouders Jeugd Katwijk, Lisse, Noordwijk, Noordwijkerhout en Teylingen"
    pho = client.get(f"/indieners/{_id(demo_app, name)}?alleen=1").get_data(as_text=True)
    assert "67" not in [n for n, _s in _rows(pho)]
    assert len(_rows(pho)) == 15


def test_still_open_filter_and_status_chart(demo_app):
    client = demo_app.test_client()
    alphen = _id(demo_app, "Alphen aan den Rijn")
    html = client.get(f"/indieners/{alphen}").get_data(as_text=True)
    assert "Nog open (1)" in html
    assert 'aria-label="Punten per status: open 1, vastgesteld 8"' in html
    open_only = client.get(f"/indieners/{alphen}?status=open").get_data(as_text=True)
    assert _rows(open_only) == [("4", "open")]
    assert "Nog geen antwoord" in open_only


def test_the_list_of_stakeholders(demo_app):
    html = demo_app.test_client().get("/indieners").get_data(as_text=True)
    assert html.count('class="stakeholder-tree"') == 1
    assert re.search(r">Leiden</a>\s*<span class=\"meta\">[^<]*·\s+20 punten</span>", html)
    assert re.search(r">Alphen aan den Rijn</a>\s*<span class=\"meta\">[^<]*·\s+9 punten · "
                     r"<strong class=\"tone-action\" data-state=\"point:open\">1 open", html)


def test_unpublished_consultations_stay_hidden(demo_app):
    unpublish(demo_app)
    leiden = _id(demo_app, "Leiden")
    # The public line: a stakeholder known only from unpublished consultations does not exist
    # for the public (access.known_stakeholders).
    assert demo_app.test_client().get(f"/indieners/{leiden}").status_code == 404
    assert "Leiden" not in demo_app.test_client().get("/indieners").get_data(as_text=True)
    secretary = Actor(demo_app.test_client(), "secretary")
    assert len(_rows(secretary.get(f"/indieners/{leiden}").get_data(as_text=True))) == 20
    assert demo_app.test_client().get("/indieners/2147483647").status_code == 404


def _privacy(app):
    from consult.models import Destination

    with app.app_context():
        return get_session().exec(select(Destination.id).where(Destination.title == "Privacy")
                                  ).one()


def test_a_destination_is_a_to_do_list_with_landings(demo_app):
    secretary = Actor(demo_app.test_client(), "secretary")
    privacy = _privacy(demo_app)
    url = f"/consultaties/holland-rijnland-jeugdhulp-2016/bestemmingen/{privacy}"
    html = secretary.get(url).get_data(as_text=True)
    todo = re.findall(r'<tr id="todo-(\d+)" class="to-do">', html)
    assert todo, "privacy has points routed to it"
    point = todo[0]
    # No reference: a Dutch message, the row stays open.
    bad = secretary.hx_post(f"{url}/punten/{point}/geland", data={"reference": "  "})
    assert bad.status_code == 422 and "Geef aan waar het punt terecht is gekomen" in bad.get_data(
        as_text=True)
    done = secretary.hx_post(f"{url}/punten/{point}/geland",
                             data={"reference": "Inkoopplan 2017 v2, § 4.3"})
    assert done.status_code == 200 and 'class="done"' in done.get_data(as_text=True)
    again = secretary.hx_post(f"{url}/punten/{point}/geland", data={"reference": "ander"})
    assert again.status_code == 409
    # The reference shows on the point's thread (head and story) and on the stakeholder page.
    thread = secretary.get(f"/consultaties/holland-rijnland-jeugdhulp-2016/punten/{point}"
                           ).get_data(as_text=True)
    assert "Geland in Inkoopplan 2017 › Privacy: Inkoopplan 2017 v2, § 4.3" in thread
    assert "Afgerond door Sanne Secretaris bij Inkoopplan 2017 › Privacy" in thread
    assert secretary.get(url + "?status=open").get_data(as_text=True).count(
        f'id="todo-{point}"') == 0
    # Undo: open again; the thread keeps both events.
    assert secretary.hx_post(f"{url}/punten/{point}/niet-geland").status_code == 200
    assert f'<tr id="todo-{point}" class="to-do">' in secretary.get(url).get_data(as_text=True)
    thread = secretary.get(f"/consultaties/holland-rijnland-jeugdhulp-2016/punten/{point}"
                           ).get_data(as_text=True)
    assert "Geland in" not in thread and "maakte „afgerond” ongedaan" in thread
    # Readers see the list but cannot mark.
    viewer = Actor(demo_app.test_client(), "viewer")
    assert "Markeer als afgerond" not in viewer.get(url).get_data(as_text=True)
    assert viewer.hx_post(f"{url}/punten/{point}/geland", data={"reference": "x"}
                          ).status_code == 403


def test_dashboard_figures_match_the_points(demo_app):
    html = demo_app.test_client().get(
        "/consultaties/holland-rijnland-jeugdhulp-2016/dashboard").get_data(as_text=True)
    assert "203 / 204" in html  # one point of the real table was never answered
    unanswered = re.findall(r'<ul class="unanswered">(.*?)</ul>', html, re.S)[0]
    assert "College van B&amp;W Alphen aan den Rijn · punt 4" in unanswered
    assert unanswered.count("<li>") == 1
    per_region = re.search(r'aria-label="Punten per gemeente of subregio: ([^"]+)"', html)[1]
    counts = {name.strip(): (int(a), int(o)) for name, a, o in
              re.findall(r"([^;]+?) beantwoord (\d+), open (\d+)", per_region)}
    assert sum(a + o for a, o in counts.values()) == 204
    assert counts["Leiden"] == (20, 0) and counts["Alphen aan den Rijn"] == (8, 1)
    # The numbers behind each chart are in the page, one click away.
    assert html.count('<details class="numbers">') == 3
    per_destination = re.search(r'aria-label="Punten per bestemming: ([^"]+)"', html)[1]
    assert "Inkoopplan 2017 afgerond 0, te doen" in per_destination


def _status_rows(html: str) -> list[tuple[str, list[int]]]:
    table = re.search(r'<th scope="col">Datum</th>.*?<tbody>(.*?)</tbody>', html, re.S)[1]
    row = r'<th scope="row"><time datetime="([\d-]+)">[^<]+</time></th>(.*?)</tr>'
    return [(day, [int(n) for n in re.findall(r"<td>(\d+)</td>", cells)])
            for day, cells in re.findall(row, table)]


def test_dashboard_status_over_time(demo_app):
    from datetime import UTC, datetime

    slug = "holland-rijnland-jeugdhulp-2016"
    url = f"/consultaties/{slug}/dashboard"
    secretary = Actor(demo_app.test_client(), "secretary")
    rows = _status_rows(secretary.get(url).get_data(as_text=True))
    # The 2016 table was adopted on one day: 203 points adopted, 1 still open.
    assert rows == [("2015-12-16", [1, 0, 203, 0, 0])]
    # An answer marked done today: a new day in the chart, the earlier day unchanged.
    point_id, _number, _reaction_id, response, routed = _councillors_point(demo_app)
    with demo_app.app_context():
        from consult.models import ResponsePoint

        covered = len(get_session().exec(select(ResponsePoint).where(
            ResponsePoint.response_id == response.id)).all())
    edited = secretary.client.post(
        f"/consultaties/{slug}/antwoorden/{response.id}/bewerken",
        data={"csrf_token": secretary.token, "body": response.body, "status": "done",
              "version": response.version, "decided_by": response.decided_by,
              "decided_on": response.decided_on.isoformat(), "destination_ids": routed})
    assert edited.status_code == 303
    html = secretary.get(url).get_data(as_text=True)
    rows = _status_rows(html)
    assert rows[0] == ("2015-12-16", [1, 0, 203, 0, 0])
    assert rows[-1] == (datetime.now(UTC).date().isoformat(), [1, 0, 203 - covered, covered, 0])
    # The chart says the same to a screen reader.
    label = re.search(r'aria-label="Status over de tijd: ([^"]+)"', html)[1]
    assert f"afgerond {covered}" in label.split(";")[-1]


def test_commitments_recorded_kept_and_flagged_when_overdue(demo_app):
    secretary = Actor(demo_app.test_client(), "secretary")
    url = "/consultaties/holland-rijnland-jeugdhulp-2016/toezeggingen"
    with demo_app.app_context():
        from consult.models import Response

        response = get_session().exec(
            select(Response).where(Response.body.contains("De punten 1 t/m 7 zijn meegenomen"))
        ).first()
    # Missing parts get a Dutch message and keep what was typed.
    bad = secretary.form_post(url, {"response_id": response.id, "description": "Terugkoppelen",
                                    "owner": "", "due_meeting": ""})
    assert bad.status_code == 422 and "Vul in wie de toezegging nakomt" in bad.get_data(
        as_text=True) and "Terugkoppelen" in bad.get_data(as_text=True)
    assert secretary.form_post(url, {"response_id": response.id, "description": "x",
                                     "owner": "y", "due_on": "2016-02-30"}).status_code == 422
    made = secretary.form_post(url, {"response_id": response.id,
                                     "description": "Terugkoppelen aan de raden",
                                     "owner": "Secretariaat TWO", "due_on": "2016-03-01"})
    assert made.status_code == 303
    secretary.form_post(url, {"response_id": response.id, "description": "Werkgroep starten",
                              "owner": "SOJ", "due_meeting": "PHO Jeugdhulp, juni"})
    html = secretary.get(url).get_data(as_text=True)
    rows = re.findall(r'<tr id="toezegging-(\d+)" class="([^"]*)">', html)
    assert [cls for _id, cls in rows] == ["overdue", ""]  # overdue first, flagged
    assert "te laat" in html
    dashboard = secretary.get("/consultaties/holland-rijnland-jeugdhulp-2016/dashboard"
                              ).get_data(as_text=True)
    assert "Open toezeggingen (2)" in dashboard and "1 te laat" in dashboard
    first = rows[0][0]
    # Done needs the evidence of where it was kept; then it links to it.
    assert secretary.form_post(f"{url}/{first}/status", {"status": "done", "evidence": " "}
                               ).status_code == 422
    assert secretary.form_post(f"{url}/{first}/status",
                               {"status": "done", "evidence": "https://example.org/brief"}
                               ).status_code == 303
    html = secretary.get(url).get_data(as_text=True)
    assert 'href="https://example.org/brief"' in html
    # The threads of the covered points tell the story.
    thread = secretary.get(re.search(r'href="(/consultaties/[^"]+/punten/\d+)"', html)[1]
                           ).get_data(as_text=True)
    assert "Toezegging vastgelegd door Sanne Secretaris: Terugkoppelen aan de raden" in thread
    assert "Toezegging nagekomen: Terugkoppelen aan de raden — https://example.org/brief" in thread
    # Readers see them, cannot change them.
    viewer = Actor(demo_app.test_client(), "viewer")
    assert "Werkgroep starten" in viewer.get(url).get_data(as_text=True)
    assert viewer.form_post(f"{url}/{first}/status", {"status": "open"}).status_code == 403


def test_unread_badges_and_following_a_destination(demo_app):
    privacy = _privacy(demo_app)
    url = f"/consultaties/holland-rijnland-jeugdhulp-2016/bestemmingen/{privacy}"
    councillor = Actor(demo_app.test_client(), "councillor")
    secretary = Actor(demo_app.test_client(), "secretary")
    point = re.findall(r'id="todo-(\d+)"', councillor.get(url).get_data(as_text=True))[0]
    thread = f"/consultaties/holland-rijnland-jeugdhulp-2016/punten/{point}"
    # The councillor follows the destination: new answers to its points reach the inbox.
    followed = councillor.hx_post(url + "/volgen")
    assert followed.status_code == 200 and 'aria-pressed="true"' in followed.get_data(
        as_text=True)
    assert 'class="badge badge-new"' not in councillor.get(url).get_data(as_text=True)
    secretary.hx_post(thread + "/berichten", data={"body": "Vraag uitgezet bij de FG",
                                                   "kind": "comment"})
    secretary.hx_post(thread + "/berichten", data={"body": "Alleen voor ons: de FG belt terug",
                                                   "kind": "internal_note"})
    page = councillor.get(url).get_data(as_text=True)
    assert "1 nieuw" in page  # the comment; the internal note is not for councillors
    # What you wrote yourself is never unread.
    assert 'class="badge badge-new"' not in secretary.get(url).get_data(as_text=True)
    inbox = councillor.get("/portaal").get_data(as_text=True)
    assert "Vraag uitgezet bij de FG" in inbox and "de FG belt terug" not in inbox
    # Opening the thread marks it seen (the page's POST once on screen); the badge goes.
    councillor.open_page(thread)
    assert 'class="badge badge-new"' not in councillor.get(url).get_data(as_text=True)
    # Unfollow.
    assert 'aria-pressed="false"' in councillor.hx_post(url + "/volgen").get_data(as_text=True)


def _councillors_point(app):
    """A point of the demo councillor's own council (Leiden), its reaction and its answer."""
    from consult.models import (
        Point,
        Reaction,
        Response,
        ResponseDestination,
        ResponsePoint,
        User,
    )

    with app.app_context():
        session = get_session()
        user = session.exec(select(User).where(User.email == "raadslid@consult.example")).one()
        point, reaction = session.exec(
            select(Point, Reaction).join(Reaction, Reaction.id == Point.reaction_id)
            .where(Reaction.stakeholder_id == user.stakeholder_id).order_by(Point.id)
        ).first()
        response = session.exec(
            select(Response).join(ResponsePoint, ResponsePoint.response_id == Response.id)
            .where(ResponsePoint.point_id == point.id)
        ).first()
        routed = session.exec(select(ResponseDestination.destination_id).where(
            ResponseDestination.response_id == response.id)).all()
        return point.id, point.number, reaction.id, response, list(routed)


def test_new_since_your_last_visit_and_unread_marks_in_the_channel(demo_app):
    slug = "holland-rijnland-jeugdhulp-2016"
    point_id, number, reaction_id, response, routed = _councillors_point(demo_app)
    thread = f"/consultaties/{slug}/punten/{point_id}"
    secretary = Actor(demo_app.test_client(), "secretary")
    councillor = Actor(demo_app.test_client(), "councillor")
    viewer = Actor(demo_app.test_client(), "viewer")
    # Nothing new yet: the demo's log lines are not news.
    for actor in (secretary, councillor, viewer):
        assert "Niets nieuws" in actor.get("/nieuw").get_data(as_text=True)

    # The councillor asks a question: new for the secretariat, on the list and in the channel.
    assert councillor.hx_post(thread + "/berichten", data={
        "body": "Wat gebeurt er met de wachtlijsten?", "kind": "question"}).status_code == 204
    page = secretary.get("/nieuw").get_data(as_text=True)
    assert "1 nieuw item." in page
    assert "Ruud Raadslid: Wat gebeurt er met de wachtlijsten?" in page
    assert f'href="{thread}#bericht-' in page
    channel = secretary.get(f"/consultaties/{slug}").get_data(as_text=True)
    card = re.search(rf'<li class="reaction msg" id="reactie-{reaction_id}">(.*?)</li>',
                     channel, re.S)[1]
    assert "1 nieuw" in card and channel.count("badge-new") == 1
    unfolded = secretary.hx_get(f"/consultaties/{slug}/reacties/{reaction_id}/punten")
    assert unfolded.get_data(as_text=True).count("1 nieuw") == 1
    reaction_page = secretary.get(f"/consultaties/{slug}/reacties/{reaction_id}").get_data(
        as_text=True)
    assert re.search(rf'id="punt-{re.escape(number)}".*?1 nieuw', reaction_page, re.S)
    # Your own question is not news to you; a reader who follows nothing sees nothing.
    assert "Niets nieuws" in councillor.get("/nieuw").get_data(as_text=True)
    assert "Niets nieuws" in viewer.get("/nieuw").get_data(as_text=True)

    # The secretary opens the thread: seen, the marks go.
    secretary.open_page(thread)
    assert "Niets nieuws" in secretary.get("/nieuw").get_data(as_text=True)
    assert "badge-new" not in secretary.get(f"/consultaties/{slug}").get_data(as_text=True)

    # The secretary answers and writes an internal note; then changes the answer's status.
    secretary.hx_post(thread + "/berichten", data={"body": "Dat staat in het inkoopplan.",
                                                   "kind": "answer"})
    secretary.hx_post(thread + "/berichten", data={"body": "Intern: navragen bij team",
                                                   "kind": "internal_note"})
    edited = secretary.client.post(
        f"/consultaties/{slug}/antwoorden/{response.id}/bewerken",
        data={"csrf_token": secretary.token, "body": response.body, "status": "done",
              "version": response.version, "decided_by": response.decided_by,
              "decided_on": (response.decided_on or "") and response.decided_on.isoformat(),
              "destination_ids": routed})
    assert edited.status_code == 303
    news = councillor.get("/nieuw").get_data(as_text=True)
    assert "1 nieuw item." in news
    # The answer, the changed answer and its new status; not the internal note.
    assert "3 nieuw" in news
    assert "Intern: navragen" not in news
    assert "Status gewijzigd" in news

    # "Mark all as read" marks what the page showed; what arrives after stays new.
    upto = re.search(r'name="upto" value="(\d+)"', news)[1]
    secretary.hx_post(thread + "/berichten", data={"body": "Nog een aanvulling", "kind": "answer"})
    marked = councillor.form_post("/nieuw/gelezen", {"upto": upto})
    assert marked.status_code == 303
    after = councillor.get("/nieuw").get_data(as_text=True)
    assert "Gemarkeerd als gelezen." in after
    assert "1 nieuw" in after and "Nog een aanvulling" in after
    councillor.form_post("/nieuw/gelezen", {
        "upto": re.search(r'name="upto" value="(\d+)"', after)[1]})
    assert "Niets nieuws" in councillor.get("/nieuw").get_data(as_text=True)


def test_new_since_your_last_visit_needs_a_login(demo_app):
    response = demo_app.test_client().get("/nieuw")
    assert response.status_code in (302, 303) and "/inloggen" in response.headers["Location"]


def test_following_a_destination_brings_its_answer_changes_to_new(demo_app):
    from consult.models import Response, ResponseDestination, ResponsePoint

    slug = "holland-rijnland-jeugdhulp-2016"
    privacy = _privacy(demo_app)
    with demo_app.app_context():
        session = get_session()
        response = session.exec(select(Response).join(
            ResponseDestination, ResponseDestination.response_id == Response.id)
            .where(ResponseDestination.destination_id == privacy)).first()
        routed = session.exec(select(ResponseDestination.destination_id).where(
            ResponseDestination.response_id == response.id)).all()
        covered = session.exec(select(ResponsePoint.point_id).where(
            ResponsePoint.response_id == response.id)).all()
    viewer = Actor(demo_app.test_client(), "viewer")
    secretary = Actor(demo_app.test_client(), "secretary")
    url = f"/consultaties/{slug}/bestemmingen/{privacy}"
    assert viewer.hx_post(url + "/volgen").status_code == 200
    # Following starts the clock: the demo's history is not news.
    assert "Niets nieuws" in viewer.get("/nieuw").get_data(as_text=True)
    edited = secretary.client.post(
        f"/consultaties/{slug}/antwoorden/{response.id}/bewerken",
        data={"csrf_token": secretary.token, "body": response.body, "status": "done",
              "version": response.version, "decided_by": response.decided_by,
              "decided_on": response.decided_on.isoformat(), "destination_ids": list(routed)})
    assert edited.status_code == 303
    news = viewer.get("/nieuw").get_data(as_text=True)
    threads = len(covered)
    assert (f"{threads} nieuwe items." if threads > 1
            else "1 nieuw item.") in news
    assert news.count("Status gewijzigd") == threads
    assert news.count("2 nieuw") == threads  # the answer changed, and its status
