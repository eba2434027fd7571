"""What a reader has seen of a thread, when two requests record it at the same moment."""

import threading
import time

from sqlmodel import Session, select

from consult import follows
from consult.models import Point, ThreadVisit, User


def test_two_tabs_opening_a_thread_at_once_both_succeed(demo_app):
    """The same reader's two tabs (or a page and its poll) record the first visit together:
    the second waits for the first and moves the mark forward instead of failing (a 500 in the
    load test before)."""
    engine = demo_app.extensions["consult.engine"]
    with Session(engine) as session:
        user = session.exec(select(User).where(User.email == "raadslid@consult.example")).one()
        point = session.exec(select(Point).order_by(Point.id)).first()
        user_id, point_id = user.id, point.id

    first, second = Session(engine), Session(engine)
    errors: list[BaseException] = []
    try:
        follows.seen(first, first.get(User, user_id), point_id, 5)  # inserted, not committed

        def other_tab():
            try:
                follows.seen(second, second.get(User, user_id), point_id, 9)
                second.commit()
            except BaseException as err:  # noqa: BLE001 - reported below
                errors.append(err)

        tab = threading.Thread(target=other_tab)
        tab.start()
        time.sleep(0.5)  # the other tab now waits for the first one's transaction
        first.commit()
        tab.join(timeout=30)
    finally:
        first.close()
        second.close()
    assert not errors, errors
    with Session(engine) as session:
        visits = session.exec(select(ThreadVisit).where(ThreadVisit.user_id == user_id)).all()
        assert [(v.point_id, v.seen_message_id) for v in visits] == [(point_id, 9)]
        # The mark never moves back.
        follows.seen(session, session.get(User, user_id), point_id, 3)
        session.commit()
        assert session.get(ThreadVisit, (user_id, point_id)).seen_message_id == 9
