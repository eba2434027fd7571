"""What is news for the secretariat: a reaction that arrived (a board's advice, a colleague's
letter) and a question in a thread, with a count in the menu and, with SMTP, a mail."""

import re

import pytest
from sqlmodel import select

from consult.db import get_session
from consult.models import Point, Reaction

from .conftest import everything_unseen, reopen
from .mailsink import mail_sink

SLUG = "holland-rijnland-jeugdhulp-2016"
ADVICE = "Advies over de tweede ronde\n\n1. Betrek cliënten.\n2. Meet de tevredenheid.\n" \
         "3. Houd de toegang dichtbij.\n"


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def _count(actor) -> str:
    """The number the menu shows beside "Nieuw" ("" for none)."""
    response = actor.hx_get("/nieuw/aantal")
    assert response.status_code == 200
    found = re.search(r'nav-count">([^<]*)<', response.get_data(as_text=True))
    return found.group(1) if found else ""


@pytest.fixture
def smtp_sink(demo_app):
    with mail_sink() as server:
        demo_app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.server_address[1])
        yield server.mails


def test_the_demo_starts_with_nothing_new_for_the_secretariat(as_role):
    secretary = as_role("secretary")
    assert _count(secretary) == ""
    assert "Niets nieuws" in _text(secretary.get("/nieuw"))
    assert 'hx-get="/nieuw/aantal"' in secretary.get("/").get_data(as_text=True)


def test_a_boards_advice_is_news_for_the_secretariat_once_with_a_mail(
        demo_app, as_role, session, smtp_sink):
    reopen(demo_app)
    member, secretary, admin = (as_role(r) for r in ("advisory_member", "secretary", "admin"))
    councillor = as_role("councillor")
    before = _count(councillor)
    sent = member.form_post(f"/portaal/{SLUG}/concept",
                            {"title": "Advies tweede ronde", "text": ADVICE, "submit": "1"})
    assert sent.status_code == 303, sent.get_data(as_text=True)
    reaction = session.exec(select(Reaction).where(Reaction.title == "Advies tweede ronde")).one()
    assert reaction.status == "submitted"

    # One item for the reaction, not one per point; for both processors, not the sender.
    assert _count(secretary) == "1" and _count(admin) == "1"
    page = _text(secretary.get("/nieuw"))
    assert "1 nieuw item." in page
    assert "nieuwe reactie" in page and "Advies tweede ronde — 3 punten, door" in page
    assert f'/reacties/{reaction.id}"' in secretary.get("/nieuw").get_data(as_text=True)
    assert _count(member) == "" and _count(councillor) == before  # not news for them

    # A mail to the consultation's secretary (not to the member who sent it).
    assert len(smtp_sink) == 1, smtp_sink
    assert "To: secretaris@consult.example" in smtp_sink[0]
    assert "Advies tweede ronde" in smtp_sink[0] and "3 punten" in smtp_sink[0]

    # Marked as read: gone for this secretary, still news for the other.
    upto = re.search(r'name="upto" value="(\d+)"',
                     secretary.get("/nieuw").get_data(as_text=True)).group(1)
    assert secretary.form_post("/nieuw/gelezen", {"upto": upto}).status_code == 303
    assert _count(secretary) == "" and _count(admin) == "1"


def test_a_colleagues_letter_and_a_question_are_news(demo_app, as_role, session, smtp_sink):
    secretary, admin, councillor = (as_role(r) for r in ("secretary", "admin", "councillor"))
    leiden = session.exec(select(Reaction.stakeholder_id).join(Point).where(
        Point.body.contains("Leiden")).limit(1)).first()
    logged = admin.hx_post(f"/consultaties/{SLUG}/reacties", {
        "stakeholder_id": leiden, "channel": "collegebrief", "title": "Brief van een collega",
        "text": "1. Eerste punt van de collega.\n2. Tweede punt.\n"})
    assert logged.status_code == 201, logged.get_data(as_text=True)
    assert _count(secretary) == "1" and _count(admin) == ""  # not news for who logged it
    assert "Brief van een collega — 2 punten, door" in _text(secretary.get("/nieuw"))

    point = session.exec(select(Point).join(Reaction).where(
        Reaction.title == "Brief van een collega", Point.number == "1")).one()
    asked = councillor.hx_post(f"/consultaties/{SLUG}/punten/{point.id}/berichten",
                               {"kind": "question", "body": "Wanneer hoort de raad hierover?"})
    assert asked.status_code == 204
    # The question is a thread of its own in the list; the letter's other point stays one item.
    assert _count(secretary) == "2" and _count(admin) == "1"
    page = _text(secretary.get("/nieuw"))
    assert "Wanneer hoort de raad hierover?" in page and "— 1 punt, door" in page
    assert any("Wanneer hoort de raad hierover?" in m and "To: secretaris@consult.example" in m
               for m in smtp_sink)
    # The secretariat's own messages are not mailed to itself.
    mails = len(smtp_sink)
    secretary.hx_post(f"/consultaties/{SLUG}/punten/{point.id}/berichten",
                      {"kind": "answer", "body": "In het voorjaar."})
    assert not any("In het voorjaar." in m and "To: secretaris@" in m for m in smtp_sink[mails:])


def test_with_nothing_new_the_count_stops_at_the_floor_not_the_table(demo_app, as_role):
    """A secretary who marked everything as read: the menu's count (asked after every page)
    reads down to the floor "Mark all as read" set, not the whole message table (327k rows
    at 120k points: 0.6-0.9 s a page on a busy machine before the floor)."""
    import sqlalchemy as sa

    from consult.models import Message, User

    from .costs import vm_steps

    engine = demo_app.extensions["consult.engine"]
    if engine.dialect.name != "sqlite":
        pytest.skip("VM steps are counted on SQLite")
    with engine.begin() as connection:  # 20,000 comments by the councillor, seen or not
        points = connection.execute(sa.select(Point.id).limit(200)).scalars().all()
        author = connection.execute(sa.select(User.id).where(
            User.email == "raadslid@consult.example")).scalar_one()
        connection.execute(sa.insert(Message), [
            {"point_id": points[i % len(points)], "author_id": author, "kind": "comment",
             "body": f"Opmerking {i}", "archived": False}
            for i in range(20_000)])
    secretary = as_role("secretary")
    upto = re.search(r'name="upto" value="(\d+)"',
                     secretary.get("/nieuw").get_data(as_text=True)).group(1)
    assert secretary.form_post("/nieuw/gelezen", {"upto": upto}).status_code == 303

    def steps() -> int:
        with vm_steps(demo_app) as counted:
            assert _count(secretary) == ""
        return counted.count

    with_floor = steps()
    with engine.begin() as connection:  # the same account as before migration 0027
        connection.execute(sa.update(User).where(User.email == "secretaris@consult.example")
                           .values(news_floor=0))
    without = steps()
    assert with_floor * 10 < without, (with_floor, without)


ITEM = re.compile(r'<li class="inbox-item new( arrived)?">(.*?)</li>', re.S)
NEXT = re.compile(r'<li class="unread-more" hx-get="([^"]+)"')


def _walk(actor) -> list[str]:
    """Every item "Nieuw" lists, page after page as the reader scrolls (htmx asks each next
    page's items), each as a short text: "letter: <title> — N punten" or "thread: <point>"."""
    html = actor.get("/nieuw").get_data(as_text=True)
    found = []
    for _page in range(100):
        # no empty page before the last: a letter told whole is passed over while reading
        # (the last may be empty: its look-ahead thread was one of the letter's points)
        assert ITEM.search(html) or not NEXT.search(html), "an empty page with more to come"
        for arrived, body in ITEM.findall(html):
            if arrived:
                title = re.search(r"reacties/\d+\">([^<]*)</a>\s*— (\d+ punt(?:en)?)", body)
                found.append(f"letter: {title.group(1)} — {title.group(2)}")
            else:
                found.append("thread: " + re.search(r"/punten/(\d+)#", body).group(1))
        more = NEXT.search(html)
        if not more:
            return found
        html = actor.hx_get(more.group(1).replace("&amp;", "&")).get_data(as_text=True)
    raise AssertionError("more than 100 pages")


@pytest.mark.parametrize("size", [1, 2, 3, 5, 12, 13, 40])
def test_a_letter_that_arrived_is_one_item_with_all_its_points_on_any_page_size(
        demo_app, as_role, session, monkeypatch, size):
    """A colleague's 12-point letter between four questions: told once, "12 punten", wherever
    the page boundary falls (with 20 a page a 30-point letter read "20 punten" on the first
    page and "10 punten" again on the second)."""
    from consult import follows

    secretary, admin, councillor = (as_role(r) for r in ("secretary", "admin", "councillor"))
    points = session.exec(select(Point.id).order_by(Point.id).limit(4)).all()

    def ask(point_id):
        asked = councillor.hx_post(f"/consultaties/{SLUG}/punten/{point_id}/berichten",
                                   {"kind": "question", "body": f"Vraag over punt {point_id}?"})
        assert asked.status_code == 204

    ask(points[0])
    ask(points[1])
    leiden = session.exec(select(Reaction.stakeholder_id).limit(1)).first()
    text = "".join(f"{n}. Punt {n} van de collega over de inkoop.\n" for n in range(1, 13))
    logged = admin.hx_post(f"/consultaties/{SLUG}/reacties", {
        "stakeholder_id": leiden, "channel": "collegebrief", "title": "Lange collegebrief",
        "text": text})
    assert logged.status_code == 201, logged.get_data(as_text=True)
    ask(points[2])
    ask(points[3])
    monkeypatch.setattr(follows, "NEW_PAGE", size)
    expected = [f"thread: {points[3]}", f"thread: {points[2]}",
                "letter: Lange collegebrief — 12 punten",
                f"thread: {points[1]}", f"thread: {points[0]}"]
    assert _walk(secretary) == expected
    assert _count(secretary) == "5"


def _ask(actor, point_id: int) -> None:
    asked = actor.hx_post(f"/consultaties/{SLUG}/punten/{point_id}/berichten",
                          {"kind": "question", "body": f"Vraag over punt {point_id}?"})
    assert asked.status_code == 204


def _log(admin, session, title: str, n: int) -> Reaction:
    sender = session.exec(select(Reaction.stakeholder_id).limit(1)).first()
    text = "".join(f"{i}. Punt {i} van {title} over de inkoop.\n" for i in range(1, n + 1))
    logged = admin.hx_post(f"/consultaties/{SLUG}/reacties", {
        "stakeholder_id": sender, "channel": "collegebrief", "title": title, "text": text})
    assert logged.status_code == 201, logged.get_data(as_text=True)
    session.expire_all()
    return session.exec(select(Reaction).where(Reaction.title == title)).one()


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 9, 12, 20])
def test_two_letters_and_a_question_on_one_are_each_told_once(demo_app, as_role, session,
                                                              monkeypatch, size):
    """Two letters logged one after the other (two groups, either split by a page end) and a
    question on one of the first letter's points (its own thread; the letter then has six new
    points without news of their own)."""
    from consult import follows

    secretary, admin, councillor = (as_role(r) for r in ("secretary", "admin", "councillor"))
    points = session.exec(select(Point.id).order_by(Point.id).limit(2)).all()
    _ask(councillor, points[0])
    first = _log(admin, session, "Brief A", 7)
    _log(admin, session, "Brief B", 5)
    _ask(councillor, points[1])
    asked = session.exec(select(Point.id).where(Point.reaction_id == first.id)
                         .order_by(Point.id)).all()[2]
    _ask(councillor, asked)
    monkeypatch.setattr(follows, "NEW_PAGE", size)
    assert _walk(secretary) == [f"thread: {asked}", f"thread: {points[1]}",
                                "letter: Brief B — 5 punten", "letter: Brief A — 6 punten",
                                f"thread: {points[0]}"]
    assert _count(secretary) == "5"


@pytest.mark.parametrize("size", [2, 3, 4, 5, 6, 8])
def test_a_letter_whose_points_are_not_neighbours_is_told_once(demo_app, as_role, session,
                                                               monkeypatch, size):
    """The reader moved a point of letter B into letter A (her own change is no news): A's
    new points are no longer neighbours in the list. Each letter once, with all its points
    (found by a fresh reviewer: sizes 3-5 told B twice)."""
    from consult import follows
    from consult.corrections import operations
    from consult.models import User

    secretary, admin = as_role("secretary"), as_role("admin")
    first = _log(admin, session, "Brief A", 6)
    second = _log(admin, session, "Brief B", 6)
    moved = session.exec(select(Point).where(Point.reaction_id == second.id)
                         .order_by(Point.id)).all()[3]
    with demo_app.app_context():
        db_session = get_session()
        point = db_session.get(Point, moved.id)
        mover = db_session.exec(select(User).where(User.role == "secretary")).first()
        operations.move(db_session, mover, point, point.version, first.id, "99")
        db_session.commit()
    monkeypatch.setattr(follows, "NEW_PAGE", size)
    assert sorted(_walk(secretary)) == ["letter: Brief A — 7 punten",
                                        "letter: Brief B — 5 punten"]


def test_a_typed_zonder_hides_no_letter_that_was_not_told(demo_app, as_role, session,
                                                          monkeypatch):
    """Which letter the page before told is worked out from its last entry, not read from the
    address: ``zonder=<letter>`` (an address of an earlier version, or typed) for a letter no
    page showed yet hides nothing (it hid the letter before)."""
    from consult import follows

    secretary, admin, councillor = (as_role(r) for r in ("secretary", "admin", "councillor"))
    points = session.exec(select(Point.id).order_by(Point.id).limit(2)).all()
    letter = _log(admin, session, "Brief A", 3)
    _ask(councillor, points[0])
    _ask(councillor, points[1])
    monkeypatch.setattr(follows, "NEW_PAGE", 1)
    first = secretary.get("/nieuw").get_data(as_text=True)
    nxt = NEXT.search(first).group(1).replace("&amp;", "&")
    assert "zonder=" not in nxt  # the first page ends with a question
    seen = []
    for tampered in (f"&zonder={letter.id}", "&zonder=-1", "&zonder=abc", "&zonder=0",
                     "&zonder=99999999999999999999"):
        html = secretary.hx_get(nxt + tampered).get_data(as_text=True)
        assert "Interne serverfout" not in html
        seen = []
        for _page in range(10):
            seen += ["letter" if a else "thread" for a, _b in ITEM.findall(html)]
            more = NEXT.search(html)
            if not more:
                break
            html = secretary.hx_get(more.group(1).replace("&amp;", "&")).get_data(as_text=True)
        assert seen == ["thread", "letter"], (tampered, seen)


def _start(html: str) -> int:
    """The number the list shows at its first item (an <ol> counts from its start, else 1)."""
    found = re.search(r'<ol class="inbox unread-list" id="unread-list"(?: start="(\d+)")?>', html)
    return int(found.group(1) or 1)


def _more(html: str) -> str | None:
    found = re.search(r'<li class="unread-more"[^>]*>\s*<a href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_a_next_page_opened_without_javascript_numbers_on(demo_app, as_role, monkeypatch):
    """Without JavaScript "Meer draden" opens the next page as a page: its numbered list
    started at 1 again. It numbers on from where the page before stopped, as the list does
    when htmx appends the next page's items to it."""
    from consult import follows

    everything_unseen(demo_app)
    monkeypatch.setattr(follows, "NEW_PAGE", 4)
    secretary = as_role("secretary")
    html = secretary.get("/nieuw").get_data(as_text=True)
    assert _start(html) == 1
    shown, pages = len(ITEM.findall(html)), 1
    while (more := _more(html)) and pages < 4:
        html = secretary.get(more).get_data(as_text=True)  # a plain link: the whole page
        assert "<h1>" in html and _start(html) == shown + 1
        shown, pages = shown + len(ITEM.findall(html)), pages + 1
    assert pages == 4
    # htmx appends the items to the list on the page: they carry no start, and their own
    # link to the page after numbers on all the same.
    items = secretary.hx_get(more).get_data(as_text=True)
    assert "<ol" not in items
    assert _more(items).endswith(f"vanaf={shown + 1 + len(ITEM.findall(items))}")


@pytest.mark.parametrize(("vanaf", "expected"), [
    ("5", 5), ("99999999999", 100_000), ("2147483647", 100_000),
    ("00000000000000000007", 100_000), ("-1", 1), ("0", 1), ("²", 1), ("9" * 5000, 100_000),
])
def test_a_tampered_list_start_is_never_absurd_nor_on_the_first_page(demo_app, as_role,
                                                                      monkeypatch, vanaf,
                                                                      expected):
    """``vanaf`` numbers a next page opened without JavaScript: on a first page it is
    ignored (a first page starts at 1), elsewhere it stays between 1 and 100,000 (a
    reviewer saw <ol start="2147483647">, numbers past the edge of a phone's screen)."""
    from consult import follows

    everything_unseen(demo_app)
    monkeypatch.setattr(follows, "NEW_PAGE", 4)
    secretary = as_role("secretary")
    first = secretary.get(f"/nieuw?vanaf={vanaf}").get_data(as_text=True)
    assert _start(first) == 1
    later = _more(first).rsplit("vanaf=", 1)[0] + f"vanaf={vanaf}"
    assert _start(secretary.get(later).get_data(as_text=True)) == expected
