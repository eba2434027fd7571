"""Attacks on news.kept_page: after each change, the kept "Nieuw" must equal the page of a
process that kept nothing (revisions.forget_everything)."""


import sqlalchemy as sa
from flask import current_app
from sqlmodel import select

from consult import follows, revisions
from consult.db import get_session
from consult.models import (
    Consultation,
    Destination,
    Message,
    MessageKind,
    Point,
    Reaction,
    ReactionStatus,
    Stakeholder,
    ThreadVisit,
    User,
)
from tests.conftest import Actor, everything_unseen
from tests.test_news_kept import SLUG, _council_points, _kept_is_fresh, _page, _shown


def _user(session, role):
    return session.exec(select(User).where(User.role == role)).first()


def _write(app, point_id, body, role="secretary"):
    with app.app_context():
        session = get_session()
        session.add(Message(point_id=point_id, author_id=_user(session, role).id,
                            kind=MessageKind.comment, body=body, body_html=f"<p>{body}</p>"))
        session.commit()


def _councillor_with_news(app):
    """The councillor, every entry of the council's threads new to them, and the threads
    their "Nieuw" shows (kept, checked against a fresh page)."""
    everything_unseen(app, "councillor")
    councillor = Actor(app.test_client(), "councillor")
    shown = _shown(_kept_is_fresh(app, councillor))
    assert shown
    return councillor, shown


def test_council_reaction_back_to_draft(demo_app):
    councillor, before = _councillor_with_news(demo_app)
    with demo_app.app_context():
        session = get_session()
        point = session.get(Point, sorted(before)[0])
        reaction = session.get(Reaction, point.reaction_id)
        reaction.status = ReactionStatus.draft
        session.commit()
    after = _shown(_kept_is_fresh(demo_app, councillor))
    assert sorted(before)[0] not in after


def test_merge_council_into_another_board(demo_app):
    """The council merged into another board: the councillor, now of that board, still
    sees the (moved) council threads, as a fresh process works them out."""
    from consult.registry import merging

    councillor, before = _councillor_with_news(demo_app)
    with demo_app.app_context():
        session = get_session()
        board = session.get(Stakeholder, _user(session, "councillor").stakeholder_id)
        other = session.exec(select(Stakeholder).where(Stakeholder.id != board.id,
                                                       Stakeholder.parent_id.is_(None),
                                                       Stakeholder.archived == sa.false())
                             .order_by(Stakeholder.id)).first()
        merging.merge(session, None, other, board)
        session.commit()
        assert _user(session, "councillor").stakeholder_id == other.id
    assert _shown(_kept_is_fresh(demo_app, councillor)) >= before


def test_point_moved_into_the_councils_reaction(demo_app):
    from consult.corrections import operations as corrections
    everything_unseen(demo_app, "councillor")
    councillor = Actor(demo_app.test_client(), "councillor")
    council = set(_council_points(demo_app))
    _kept_is_fresh(demo_app, councillor)
    with demo_app.app_context():
        session = get_session()
        board = _user(session, "councillor").stakeholder_id
        target = session.exec(select(Reaction).where(Reaction.stakeholder_id == board,
                                                     Reaction.status == ReactionStatus.submitted)
                              ).first()
        point = session.exec(select(Point).join(Reaction, Reaction.id == Point.reaction_id)
                             .where(Point.id.not_in(council), Point.archived == sa.false(),
                                    Reaction.status == ReactionStatus.submitted,
                                    Reaction.archived == sa.false())
                             .order_by(Point.id)).first()
        moved = point.id
        corrections.move(session, None, point, point.version, target.id,
                         corrections.next_free_number(session, target.id))
        session.commit()
    _write(demo_app, moved, "Na de verplaatsing.")
    assert moved in _shown(_kept_is_fresh(demo_app, councillor))


def test_viewer_follows_destination_and_an_answer_is_routed_there(demo_app):
    from consult.bulk import actions
    viewer = Actor(demo_app.test_client(), "viewer")
    with demo_app.app_context():
        session = get_session()
        consultation = session.exec(select(Consultation).where(Consultation.slug == SLUG)).one()
        destination = session.exec(select(Destination).where(
            Destination.consultation_id == consultation.id, Destination.archived == sa.false())
            .order_by(Destination.id.desc())).first()
        follows.toggle(session, _user(session, "viewer"), destination_id=destination.id)
        session.commit()
        dest_id = destination.id
    _kept_is_fresh(demo_app, viewer)
    with demo_app.app_context():
        session = get_session()
        consultation = session.exec(select(Consultation).where(Consultation.slug == SLUG)).one()
        from consult.models import Response, ResponsePoint
        pid = session.exec(select(ResponsePoint.point_id).join(
            Response, Response.id == ResponsePoint.response_id)
            .where(Response.consultation_id == consultation.id)).first()
        actions.route(session, _user(session, "secretary"), consultation, [pid],
                      session.get(Destination, dest_id))
        session.commit()
    html = _kept_is_fresh(demo_app, viewer)
    assert html


def test_unpublished_consultation_leaves_the_viewer(demo_app):
    from tests.conftest import unpublish
    viewer = Actor(demo_app.test_client(), "viewer")
    everything_unseen(demo_app, "viewer")
    with demo_app.app_context():
        session = get_session()
        p = session.exec(select(Point.id).order_by(Point.id)).first()
        follows.toggle(session, _user(session, "viewer"), point_id=p)
        session.commit()
    _write(demo_app, p, "Voor de lezer.")
    assert _shown(_kept_is_fresh(demo_app, viewer))
    unpublish(demo_app)
    r = viewer.get("/nieuw")
    assert r.status_code == 200
    _kept_is_fresh(demo_app, viewer)


def _old_elsewhere(session, user, others):
    q = follows._unread_query(user, set()).where(
        Reaction.consultation_id.in_(sorted(others)),
        Message.point_id.in_(follows.interesting_points(user, sorted(others))))
    return sorted(session.execute(q).all())


def _new_elsewhere(session, user, others):
    """new_counts for consultations the user does not process: with the points of interest
    kept, and asked through the subquery (more than KEPT_INTERESTING of them) the same."""
    kept = follows.new_counts(session, user, set(others), set(), limit=100_000)
    original = follows.KEPT_INTERESTING
    follows.KEPT_INTERESTING = 0
    try:
        revisions.forget_everything(current_app)
        asked = follows.new_counts(session, user, set(others), set(), limit=100_000)
    finally:
        follows.KEPT_INTERESTING = original
    assert kept == asked
    return sorted(kept)


def test_new_sql_counts_the_same_threads_as_before(demo_app):
    for role in ("councillor", "advisory_member", "viewer"):
        everything_unseen(demo_app, role)
    with demo_app.app_context():
        session = get_session()
        consultation = session.exec(select(Consultation).where(Consultation.slug == SLUG)).one()
        points = session.exec(select(Point).order_by(Point.id)).all()
        for i, role in enumerate(("councillor", "advisory_member", "viewer")):
            user = _user(session, role)
            follows.toggle(session, user, point_id=points[5 + i].id)
            follows.toggle(session, user, stakeholder_id=points[40 + i].stakeholder_id
                           or session.get(Reaction, points[40 + i].reaction_id).stakeholder_id)
            d = session.exec(select(Destination).where(
                Destination.consultation_id == consultation.id).order_by(Destination.id)).all()
            follows.toggle(session, user, destination_id=d[i % len(d)].id)
        session.commit()
        # some archived points, a draft and an archived reaction, an archived message
        points[5].archived = True
        session.get(Reaction, points[41].reaction_id).status = ReactionStatus.draft
        session.get(Reaction, points[60].reaction_id).archived = True
        session.commit()
    for role in ("councillor", "advisory_member", "viewer"):
        with demo_app.test_request_context():
            session = get_session()
            user = _user(session, role)
            revisions.forget_everything(demo_app)
            old = _old_elsewhere(session, user, {consultation.id})
            new = _new_elsewhere(session, user, {consultation.id})
            assert old == new, role
            assert old, role
            # a page after the first, up to an entry, and a floor: the bound parameters
            newest = sorted(old, key=lambda row: row[2], reverse=True)
            upto, after = newest[0][2], newest[len(newest) // 2][2]
            paged = follows.new_counts(session, user, {consultation.id}, set(), upto=upto,
                                       after=after, limit=3)
            assert paged == [row for row in newest if row[2] < after][:3], role
            user.news_floor = after
            floored = follows.new_counts(session, user, {consultation.id}, set(),
                                         limit=100_000)
            assert {row[0] for row in floored} == {row[0] for row in old if row[2] > after}
            session.rollback()


def test_board_merged_while_nieuw_is_read_is_not_kept_with_the_old_board(demo_app, monkeypatch):
    """The reader's row is loaded at the start of the request (flask-login); kept_page reads
    the key's copy of it (stakeholder_id, news_floor, news_since) from the database again,
    but page() works with the loaded object. A write (on both backends each statement reads
    what is committed) committed in between (an admin merging the council into another
    board) made the page be worked out for the old board and kept under the key of the new
    one: every later look showed it."""
    from sqlmodel import Session

    from consult import news
    from consult.registry import merging

    everything_unseen(demo_app, "councillor")
    councillor = Actor(demo_app.test_client(), "councillor")
    assert _shown(_kept_is_fresh(demo_app, councillor))
    engine = demo_app.extensions["consult.engine"]
    original = news._key_statements
    done = []

    def merge_meanwhile():
        if not done:
            done.append(True)
            with demo_app.app_context(), Session(engine) as other:
                board = other.get(Stakeholder, other.exec(select(User).where(
                    User.role == "councillor")).one().stakeholder_id)
                keep = other.exec(select(Stakeholder).where(
                    Stakeholder.id != board.id, Stakeholder.parent_id.is_(None),
                    Stakeholder.archived == sa.false()).order_by(Stakeholder.id)).first()
                merging.merge(other, None, keep, board)
                other.commit()
        return original()

    monkeypatch.setattr(news, "_key_statements", merge_meanwhile)
    _page(councillor)  # the merge commits after the reader was loaded, before the key is read
    monkeypatch.setattr(news, "_key_statements", original)
    kept = _page(councillor)
    revisions.forget_everything(demo_app)
    fresh = _page(councillor)
    assert _shown(kept) == _shown(fresh)


def test_marking_all_read_and_a_seen_thread_at_once_wait_for_each_other(demo_app):
    """"Mark all as read" writes the reader's marks in two statements; a thread's "seen"
    marker in another tab writes one mark. Each raises the reader's marks revision: when
    that came after the marks, the first held mark X and the reader's row, the second held
    mark Y and waited for the row, and the first then waited for mark Y: a deadlock
    (PostgreSQL ends one with an error, a 500). The row is now taken first, so the second
    waits and both complete."""
    import threading
    import time

    from sqlmodel import Session

    engine = demo_app.extensions["consult.engine"]
    with Session(engine) as setup:
        reader = _user(setup, "secretary").id
        (x, last_x), (y, last_y) = setup.execute(
            sa.select(Message.point_id, sa.func.max(Message.id)).group_by(Message.point_id)
            .order_by(Message.point_id).limit(2)).all()
    errors: list[BaseException] = []
    first = Session(engine)
    user = first.get(User, reader)
    follows._move_marks(first, user, [(x, last_x)])  # the first statement of "mark all"

    def seen_in_another_tab():
        try:
            with Session(engine) as other:
                follows.seen(other, other.get(User, reader), y, last_y)
                other.commit()
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    tab = threading.Thread(target=seen_in_another_tab)
    tab.start()
    time.sleep(0.5)  # the other tab is now waiting (or, before the fix, holds mark Y)
    try:
        follows._move_marks(first, user, [(y, last_y)])  # the second statement
        first.commit()
    except BaseException as err:  # noqa: BLE001
        errors.append(err)
    finally:
        first.close()
    tab.join(30)
    assert not tab.is_alive() and errors == []
    with Session(engine) as check:
        marks = dict(check.execute(sa.select(ThreadVisit.point_id, ThreadVisit.seen_message_id)
                                   .where(ThreadVisit.user_id == reader,
                                          ThreadVisit.point_id.in_([x, y]))).all())
        assert marks == {x: last_x, y: last_y}
        assert check.get(User, reader).marks_revision == 3


def test_a_letter_item_counts_its_points_beyond_the_page_when_one_is_read(
        demo_app, as_role, session, monkeypatch):
    """A colleague's 12-point letter on a page of 5: one item, "12 punten". The reader opens
    a thread of one of its points that the page does not show: the item (the same threads
    on this page) now says "11 punten"; kept with the threads alone it said 12."""
    secretary, admin = as_role("secretary"), as_role("admin")
    sender = session.exec(select(Reaction.stakeholder_id).limit(1)).first()
    text = "".join(f"{n}. Punt {n} van de collega over de inkoop.\n" for n in range(1, 13))
    assert admin.hx_post(f"/consultaties/{SLUG}/reacties", {
        "stakeholder_id": sender, "channel": "collegebrief", "title": "Lange collegebrief",
        "text": text}).status_code == 201
    monkeypatch.setattr(follows, "NEW_PAGE", 5)
    first = _kept_is_fresh(demo_app, secretary)
    assert "Lange collegebrief</a>\n      — 12 punten" in first
    session.expire_all()
    letter = session.exec(select(Reaction).where(Reaction.title == "Lange collegebrief")).one()
    oldest = session.exec(select(Point.id).where(Point.reaction_id == letter.id)
                          .order_by(Point.position)).first()
    assert f"/punten/{oldest}" not in first  # not on this page
    secretary.open_page(f"/consultaties/{SLUG}/punten/{oldest}")
    again = _kept_is_fresh(demo_app, secretary)
    assert "Lange collegebrief</a>\n      — 11 punten" in again


def test_the_largest_tot_shows_what_the_page_without_it_shows(demo_app):
    """``tot`` is "up to and including this entry": the largest id a PostgreSQL integer holds
    (and any longer number, read as that) is every entry so far, not a 500 (it was read as
    ``< tot + 1``, out of PostgreSQL's integer range, for the secretariat)."""
    everything_unseen(demo_app, "secretary")
    everything_unseen(demo_app, "councillor")
    for role in ("secretary", "councillor"):
        actor = Actor(demo_app.test_client(), role)
        plain = _shown(_page(actor))
        assert plain, role
        for tot in ("2147483646", "2147483647", "99999999999999999999"):
            assert _shown(_page(actor, f"/nieuw?tot={tot}")) == plain, (role, tot)
