""""Nieuw" kept per reader state (news.kept_page, issue 15): a reader who opens it again is
served the page worked out before, as long as nothing it is made of changed.

The oracle is the page of a process that kept nothing (revisions.forget_everything): after each
change a reader would expect to see at once (a new entry, the reader opening a thread or
marking everything read, a follow, an archived entry or point, a renamed sender or
consultation, another language, another reader, another page size), the page served must be
the page worked out afresh, and the change must show on it. A key that misses one of the things
the list depends on serves the list of before, and fails here."""

import re

from sqlmodel import select

from consult import accounts, follows, revisions
from consult.db import get_session
from consult.models import Consultation, Message, Point, Reaction, Stakeholder, User
from consult.registry import operations as registry
from tests.conftest import Actor, everything_unseen

SLUG = "holland-rijnland-jeugdhulp-2016"
TOKENS = re.compile(r'"[\w-]+\.[\w-]{6}\.[\w-]{27}"')
THREAD = re.compile(r'/punten/(\d+)#bericht-(\d+)"')


def _page(actor, url: str = "/nieuw") -> str:
    response = actor.get(url)
    assert response.status_code == 200, url
    return TOKENS.sub('"token"', response.get_data(as_text=True))


def _kept_is_fresh(app, actor, url: str = "/nieuw") -> str:
    """The page as served twice (the second time from what was kept), checked against the
    page of a process that kept nothing."""
    _page(actor, url)
    kept = _page(actor, url)
    revisions.forget_everything(app)
    fresh = _page(actor, url)
    assert kept == fresh, url
    return kept


def _council_points(app) -> list[int]:
    """The ids of the demo council's points (the councillor's news), in order."""
    with app.app_context():
        session = get_session()
        board = session.exec(select(User).where(User.role == "councillor")).one().stakeholder_id
        return list(session.exec(
            select(Point.id).join(Reaction, Reaction.id == Point.reaction_id)
            .where((Point.stakeholder_id == board) | (Reaction.stakeholder_id == board))
            .order_by(Point.id)).all())


def _thread(point_id: int) -> str:
    return f"/consultaties/{SLUG}/punten/{point_id}"


def _shown(html: str) -> set[int]:
    return {int(point) for point, _entry in THREAD.findall(html)}


def test_an_entry_a_visit_and_marking_read_show_at_once(demo_app):
    councillor = Actor(demo_app.test_client(), "councillor")
    admin = Actor(demo_app.test_client(), "admin")
    points = _council_points(demo_app)
    assert "Niets nieuw" in _kept_is_fresh(demo_app, councillor)

    # someone writes in a thread of the council: news at the next look
    assert admin.hx_post(_thread(points[0]) + "/berichten",
                         data={"kind": "comment", "body": "Een vraag van de griffie."}
                         ).status_code == 204
    html = _kept_is_fresh(demo_app, councillor)
    assert _shown(html) == {points[0]} and "Een vraag van de griffie." in html

    # a second entry in another thread: both, the newest first
    assert admin.hx_post(_thread(points[1]) + "/berichten",
                         data={"kind": "comment", "body": "En nog een."}).status_code == 204
    html = _kept_is_fresh(demo_app, councillor)
    assert [int(p) for p, _e in THREAD.findall(html)] == [points[1], points[0]]

    # the councillor opens the first thread (the page posts its "seen" marker): gone
    councillor.open_page(_thread(points[0]))
    assert _shown(_kept_is_fresh(demo_app, councillor)) == {points[1]}

    # "Mark all as read": nothing left
    html = _page(councillor)
    upto = re.search(r'name="upto" value="(\d+)"', html).group(1)
    assert councillor.form_post("/nieuw/gelezen", data={"upto": upto}).status_code == 303
    assert _shown(_kept_is_fresh(demo_app, councillor)) == set()


def test_archived_entries_and_points_and_renamed_names_show_at_once(demo_app):
    everything_unseen(demo_app, "councillor")  # every entry of the council's threads is new
    councillor = Actor(demo_app.test_client(), "councillor")
    html = _kept_is_fresh(demo_app, councillor)
    shown = [(int(p), int(e)) for p, e in THREAD.findall(html)]
    assert len(shown) >= 3
    (first_point, first_entry), (second_point, _entry) = shown[0], shown[1]

    with demo_app.app_context():  # a moderator takes the newest entry away
        session = get_session()
        session.get(Message, first_entry).archived = True
        session.commit()
    html = _kept_is_fresh(demo_app, councillor)
    assert f"#bericht-{first_entry}" not in html

    with demo_app.app_context():  # the second point is archived (a double, say)
        session = get_session()
        session.get(Point, second_point).archived = True
        session.commit()
    assert second_point not in _shown(_kept_is_fresh(demo_app, councillor))

    with demo_app.app_context():  # the council and the consultation are renamed
        session = get_session()
        board = session.get(Stakeholder, session.exec(
            select(User).where(User.role == "councillor")).one().stakeholder_id)
        registry.change(session, None, board, version=board.version,
                        name="Raad (hernoemd)", kind=board.kind, parent_id=board.parent_id,
                        email=board.email)
        session.exec(select(Consultation).where(Consultation.slug == SLUG)).one().title = (
            "Inkoop jeugdhulp (nieuwe titel)")
        session.commit()
    html = _kept_is_fresh(demo_app, councillor)
    assert "Raad (hernoemd)" in html and "Inkoop jeugdhulp (nieuwe titel)" in html
    assert first_point  # the first thread's older entries may still be news; not asserted


def test_a_follow_the_language_another_reader_and_the_page_size_each_have_their_page(
        demo_app, monkeypatch):
    councillor = Actor(demo_app.test_client(), "councillor")
    admin = Actor(demo_app.test_client(), "admin")
    council = set(_council_points(demo_app))
    with demo_app.app_context():
        other = get_session().exec(select(Point.id).where(Point.id.not_in(council))
                                   .order_by(Point.id)).first()
    _kept_is_fresh(demo_app, councillor)
    assert councillor.hx_post(_thread(other) + "/volgen").status_code == 200  # follow it
    assert admin.hx_post(_thread(other) + "/berichten",
                         data={"kind": "comment", "body": "Over het gevolgde punt."}
                         ).status_code == 204
    assert _shown(_kept_is_fresh(demo_app, councillor)) == {other}
    # unfollowed (no mark and no consultation moves): its news goes with it
    assert councillor.hx_post(_thread(other) + "/volgen").status_code == 200
    assert _shown(_kept_is_fresh(demo_app, councillor)) == set()
    assert councillor.hx_post(_thread(other) + "/volgen").status_code == 200  # again
    assert admin.hx_post(_thread(other) + "/berichten",
                         data={"kind": "comment", "body": "Nog eens."}).status_code == 204
    assert _shown(_kept_is_fresh(demo_app, councillor)) == {other}

    # the same list in English: its own page, not the Dutch one
    councillor.client.set_cookie("consult_lang", "en")
    english = _kept_is_fresh(demo_app, councillor)
    assert "1 new" in english and "1 nieuw" not in english
    councillor.client.set_cookie("consult_lang", "nl")

    # another reader (the secretary processes the consultation: every thread) never gets
    # the councillor's page
    everything_unseen(demo_app, "secretary")
    secretary = Actor(demo_app.test_client(), "secretary")
    assert len(_shown(_kept_is_fresh(demo_app, secretary))) > 1
    assert _shown(_kept_is_fresh(demo_app, councillor)) == {other}

    # a smaller page (the code's page size is part of what is kept)
    full = _shown(_kept_is_fresh(demo_app, secretary))
    monkeypatch.setattr(follows, "NEW_PAGE", 2)
    assert len(_shown(_kept_is_fresh(demo_app, secretary))) == 2 < len(full)


def test_a_repeated_look_reads_the_key_not_the_threads(demo_app):
    """What keeping buys: the second look at an unchanged "Nieuw" asks the database for the
    key's three small reads, not for the threads (no statement over the message table)."""
    import sqlalchemy as sa

    everything_unseen(demo_app, "councillor")
    councillor = Actor(demo_app.test_client(), "councillor")
    _page(councillor)
    engine = demo_app.extensions["consult.engine"]
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        assert THREAD.search(_page(councillor))
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert not [s for s in seen if "FROM message" in s], seen


def test_two_readers_in_the_same_state_each_have_their_own_page(demo_app):
    """A second member of the same council, with the same floor and marks count: only their
    own entries tell them apart (nobody's own entry is news to them)."""
    first = Actor(demo_app.test_client(), "councillor")
    points = _council_points(demo_app)
    assert first.hx_post(_thread(points[0]) + "/berichten",
                         data={"kind": "comment", "body": "Van het eerste raadslid."}
                         ).status_code == 204
    with demo_app.app_context():
        session = get_session()
        one = session.exec(select(User).where(User.role == "councillor")).one()
        session.add(User(email="raadslid2@consult.example", name="Tweede raadslid",
                         role="councillor", stakeholder_id=one.stakeholder_id,
                         news_floor=one.news_floor, marks_revision=one.marks_revision,
                         news_since=one.news_since,
                         password_hash=accounts.hash_password("tweede-raadslid-2026")))
        session.commit()
        # an account starts with no news of before it: this one is made as old as the first
        two = session.exec(select(User).where(User.email == "raadslid2@consult.example")).one()
        two.news_floor = one.news_floor
        session.commit()
    assert _shown(_kept_is_fresh(demo_app, first)) == set()  # kept first, then asked by:
    second = demo_app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      second.get("/inloggen").get_data(as_text=True)).group(1)
    assert second.post("/inloggen", data={"email": "raadslid2@consult.example",
                                           "password": "tweede-raadslid-2026",
                                           "csrf_token": token}).status_code == 303
    html = TOKENS.sub('"token"', second.get("/nieuw").get_data(as_text=True))
    assert _shown(html) == {points[0]} and "Van het eerste raadslid." in html



def test_after_a_look_at_one_thread_only_the_new_item_is_read_and_rendered(demo_app):
    """The page is worked out again (the reader's marks moved) but the items it showed before
    are kept each (news.page): only the thread that moves up into the page is read with its
    point, reaction, consultation and author."""
    import sqlalchemy as sa

    everything_unseen(demo_app, "secretary")
    secretary = Actor(demo_app.test_client(), "secretary")
    before = [int(p) for p, _e in THREAD.findall(_page(secretary))]
    assert len(before) == follows.NEW_PAGE
    secretary.open_page(_thread(before[0]))
    engine = demo_app.extensions["consult.engine"]
    read: list = []

    def record(_conn, _cursor, statement, parameters, *_args):
        if re.search(r'FROM message JOIN point .* LEFT OUTER JOIN "?user"?', statement,
                     re.DOTALL):
            read.append(parameters)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        after = [int(p) for p, _e in THREAD.findall(_page(secretary))]
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert after[:-1] == before[1:] and after[-1] not in before
    assert len(read) == 1 and len(read[0]) == 1, read  # one entry: the new last item's
