"""One-time links (invitations, password resets): a user has one valid link at a time, the
newest; using it ends every other; archiving the account ends them all. (Simultaneous use of
one link: tests/test_account_races.py.)"""

import hashlib
import re
import secrets
from datetime import timedelta

from sqlmodel import select

from consult.accounts import issue_token
from consult.models import AccountToken, User, utcnow

from .conftest import DEMO_PASSWORDS, Actor

NEW = {"password": "een-nieuw-wachtwoord", "confirm": "een-nieuw-wachtwoord"}


def _link_path(response) -> str:
    return re.search(r'value="http://localhost(/account/wachtwoord/[^"]+)"',
                     response.get_data(as_text=True))[1]


def _user(session, email) -> User:
    return session.exec(select(User).where(User.email == email)).one()


def test_a_new_link_ends_the_older_ones(as_role, session):
    admin = as_role("admin")
    created = admin.form_post("/beheer/gebruikers", {
        "name": "Nieuwe Collega", "email": "collega@gemeente.example", "role": "viewer"})
    first = _link_path(created)
    user = _user(session, "collega@gemeente.example")
    second = _link_path(admin.form_post(f"/beheer/gebruikers/{user.id}/link"))
    guest = as_role(None)
    assert guest.get(first).status_code == 404  # the older invitation stopped working
    assert guest.form_post(first, NEW).status_code == 404
    assert guest.get(second).status_code == 200
    assert guest.form_post(second, NEW).status_code == 303
    assert guest.get(second).status_code == 404 and guest.get(first).status_code == 404


def test_using_one_link_ends_the_users_other_links(as_role, session):
    """Two links issued at the same moment (or before this rule): the first one used wins."""
    user = _user(session, DEMO_PASSWORDS["viewer"][0])
    raws = [secrets.token_urlsafe(32) for _ in range(2)]
    for raw, purpose in zip(raws, ("invite", "reset"), strict=True):
        session.add(AccountToken(user_id=user.id, purpose=purpose,
                                 token_hash=hashlib.sha256(raw.encode()).hexdigest(),
                                 expires_at=utcnow() + timedelta(hours=2)))
    session.commit()
    guest = as_role(None)
    assert guest.form_post(f"/account/wachtwoord/{raws[1]}", NEW).status_code == 303
    older = guest.form_post(f"/account/wachtwoord/{raws[0]}",
                            {"password": "van-de-aanvaller-1", "confirm": "van-de-aanvaller-1"})
    assert older.status_code == 404
    assert "niet meer geldig" in older.get_data(as_text=True)
    email = DEMO_PASSWORDS["viewer"][0]
    assert guest.form_post("/inloggen", {"email": email, "password": NEW["password"]}
                           ).status_code == 303


def test_a_typo_keeps_the_link_usable(as_role, session):
    raw = issue_token(session, _user(session, DEMO_PASSWORDS["viewer"][0]), "reset")
    session.commit()
    guest = as_role(None)
    typo = guest.form_post(f"/account/wachtwoord/{raw}",
                           {"password": "een-nieuw-wachtwoord", "confirm": "een-nieuw-wachtwoort"})
    assert typo.status_code == 422 and "niet gelijk" in typo.get_data(as_text=True)
    assert guest.form_post(f"/account/wachtwoord/{raw}", NEW).status_code == 303


def test_archiving_an_account_ends_its_links_for_good(as_role, session):
    user = _user(session, DEMO_PASSWORDS["viewer"][0])
    raw = issue_token(session, user, "reset")
    session.commit()
    admin = as_role("admin")
    admin.form_post(f"/beheer/gebruikers/{user.id}/archiveren")
    admin.form_post(f"/beheer/gebruikers/{user.id}/herstellen")
    assert Actor(as_role(None).client, None).get(f"/account/wachtwoord/{raw}").status_code == 404
