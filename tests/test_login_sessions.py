"""Login sessions live in the database: logging out, a new password or an archived account ends
them, so a copied session cookie is worth nothing afterwards; the user loader costs one lookup."""

import re
from datetime import timedelta

from sqlalchemy import event
from sqlmodel import select

from consult.accounts import issue_token
from consult.models import Destination, LoginSession, User, aware, utcnow

from .conftest import DEMO_PASSWORDS, Actor

SLUG = "holland-rijnland-jeugdhulp-2016"
PROCESSORS_ONLY = f"/consultaties/{SLUG}/bestemmingen"


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def _copy(app, actor) -> Actor:
    """Another browser holding a copy of the actor's session cookie (as a thief would)."""
    thief = app.test_client()
    thief.set_cookie("session", actor.client.get_cookie("session").value)
    return Actor(thief, None)


def _logged_in(actor) -> bool:
    return "Uitloggen" in _text(actor.get("/"))


def _user(session, role) -> User:
    return session.exec(select(User).where(User.email == DEMO_PASSWORDS[role][0])).one()


def test_logout_ends_the_session_for_every_copy_of_the_cookie(demo_app, as_role, session):
    secretary = as_role("secretary")
    copy = _copy(demo_app, secretary)
    assert _logged_in(copy) and copy.get(PROCESSORS_ONLY).status_code == 200
    out = secretary.form_post("/uitloggen")
    assert out.status_code == 303
    assert not _logged_in(secretary)
    # the copy taken before the logout no longer opens anything
    assert not _logged_in(copy)
    assert copy.get(PROCESSORS_ONLY).status_code == 404  # as for any anonymous visitor
    copy.form_post(PROCESSORS_ONLY, {"title": "Via de kopie"})
    assert session.exec(select(Destination).where(Destination.title == "Via de kopie")
                        ).first() is None
    assert session.exec(select(LoginSession).where(
        LoginSession.user_id == _user(session, "secretary").id)).all() == []


def test_logging_out_in_one_browser_leaves_the_others_logged_in(demo_app, as_role):
    laptop, phone = as_role("councillor"), as_role("councillor")
    laptop.form_post("/uitloggen")
    assert not _logged_in(laptop) and _logged_in(phone)


def test_a_new_password_ends_every_session_and_copy(demo_app, as_role, session):
    viewer, other_browser = as_role("viewer"), as_role("viewer")
    copy = _copy(demo_app, viewer)
    raw = issue_token(session, _user(session, "viewer"), "reset")
    session.commit()
    changed = as_role(None).form_post(f"/account/wachtwoord/{raw}",
                                      {"password": "nieuw-wachtwoord-1", "confirm":
                                       "nieuw-wachtwoord-1"})
    assert changed.status_code == 303
    assert not any(_logged_in(a) for a in (viewer, other_browser, copy))


def test_archiving_ends_sessions_and_restoring_does_not_bring_them_back(demo_app, as_role,
                                                                        session):
    viewer = as_role("viewer")
    copy = _copy(demo_app, viewer)
    admin = as_role("admin")
    user = _user(session, "viewer")
    admin.form_post(f"/beheer/gebruikers/{user.id}/archiveren")
    admin.form_post(f"/beheer/gebruikers/{user.id}/herstellen")
    assert not _logged_in(viewer) and not _logged_in(copy)
    assert _logged_in(as_role("viewer"))  # a fresh login works again


def test_an_expired_session_is_refused_even_with_a_valid_cookie(demo_app, as_role, session):
    viewer = as_role("viewer")
    row = session.exec(select(LoginSession).where(
        LoginSession.user_id == _user(session, "viewer").id)).one()
    assert aware(row.expires_at) > utcnow() + timedelta(hours=7, minutes=59)  # as the cookie
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.add(row)
    session.commit()
    assert not _logged_in(viewer)


def test_the_user_loader_costs_one_lookup_per_request(demo_app, as_role):
    viewer = as_role("viewer")
    statements: list[str] = []
    engine = demo_app.extensions["consult.engine"]

    def remember(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", remember)
    try:
        assert viewer.get("/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    touching = [s for s in statements if "loginsession" in s.lower()]
    assert len(touching) == 1, touching
    assert "loginsession.key_hash =" in touching[0].lower()  # by primary key
    assert not any(s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
                   for s in statements)  # reading a page writes nothing


def test_an_active_session_slides_like_the_cookie(demo_app, as_role, session):
    """Working past the eighth hour after logging in does not log anyone out mid-edit: a
    session in use is extended once less than half of its 8 hours is left."""
    viewer = as_role("viewer")
    user_id = _user(session, "viewer").id

    def set_left(hours):
        row = session.exec(select(LoginSession).where(LoginSession.user_id == user_id)).one()
        row.expires_at = utcnow() + timedelta(hours=hours)
        session.add(row)
        session.commit()

    def left() -> timedelta:
        session.expire_all()
        row = session.exec(select(LoginSession).where(LoginSession.user_id == user_id)).one()
        return aware(row.expires_at) - utcnow()

    set_left(5)  # more than half left: not touched
    assert _logged_in(viewer)
    assert timedelta(hours=4, minutes=59) < left() <= timedelta(hours=5)
    set_left(3)  # less than half left: back to 8 hours
    assert _logged_in(viewer)
    assert left() > timedelta(hours=7, minutes=59)
