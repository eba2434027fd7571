"""Accounts: invitations, one-time links, password changes ending sessions, archiving, the CLI."""

import re

import pytest
from sqlmodel import select

from consult.accounts import issue_token
from consult.models import AccountToken, AuditEvent, User


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def _login(actor, email, password):
    return actor.form_post("/inloggen", {"email": email, "password": password})


def test_admin_invites_a_secretary_who_sets_a_password_once(as_role, session):
    admin = as_role("admin")
    created = admin.form_post("/beheer/gebruikers", {
        "name": "Piet Processor", "email": "Piet@Gemeente.example", "role": "secretary"})
    assert created.status_code == 200
    link = re.search(r'value="(http://localhost/account/wachtwoord/[^"]+)"',
                     created.get_data(as_text=True)).group(1)
    user = session.exec(select(User).where(User.email == "piet@gemeente.example")).one()
    assert user.password_hash is None
    assert session.exec(select(AccountToken).where(AccountToken.user_id == user.id)).one() \
        .token_hash not in link  # only the hash is stored
    newcomer = as_role(None)
    path = link.replace("http://localhost", "")
    short = newcomer.form_post(path, {"password": "kort", "confirm": "kort"})
    assert short.status_code == 422 and "ten minste 10 tekens" in _text(short)
    done = newcomer.form_post(path, {"password": "lang-genoeg-1", "confirm": "lang-genoeg-1"})
    assert done.status_code == 303
    assert newcomer.get(path).status_code == 404  # a one-time link works once
    assert _login(newcomer, "piet@gemeente.example", "lang-genoeg-1").status_code == 303
    assert session.exec(select(AuditEvent).where(
        AuditEvent.entity == "user", AuditEvent.entity_id == user.id)).first() is not None


def test_a_new_password_ends_existing_sessions(as_role, session):
    secretary = as_role("secretary")
    assert "Uitloggen" in _text(secretary.get("/"))
    user = session.exec(select(User).where(User.email == "secretaris@consult.example")).one()
    raw = issue_token(session, user, "reset")
    session.commit()
    other = as_role(None)
    assert other.form_post(f"/account/wachtwoord/{raw}",
                           {"password": "nieuw-wachtwoord", "confirm": "nieuw-wachtwoord"}
                           ).status_code == 303
    assert "Inloggen" in _text(secretary.get("/"))  # the old session is gone
    assert _login(as_role(None), "secretaris@consult.example",
                  "demo-secretaris-2016").status_code == 401


def test_archived_accounts_cannot_log_in_and_are_logged_out(as_role, session):
    viewer = as_role("viewer")
    user = session.exec(select(User).where(User.email == "lezer@consult.example")).one()
    admin = as_role("admin")
    assert admin.form_post(f"/beheer/gebruikers/{user.id}/archiveren").status_code == 303
    assert "Inloggen" in _text(viewer.get("/"))
    assert _login(as_role(None), "lezer@consult.example", "demo-lezer-2016").status_code == 401
    admin.form_post(f"/beheer/gebruikers/{user.id}/herstellen")
    assert _login(as_role(None), "lezer@consult.example", "demo-lezer-2016").status_code == 303


def test_memberships_decide_who_processes(as_role, session):
    admin = as_role("admin")
    user = session.exec(select(User).where(User.email == "secretaris@consult.example")).one()
    admin.form_post(f"/beheer/gebruikers/{user.id}/lidmaatschap", {"consultation_ids": []})
    secretary = as_role("secretary")
    page = secretary.get("/consultaties/holland-rijnland-jeugdhulp-2016")
    assert page.status_code == 200  # the consultation is published: still readable
    assert "Reactie opslaan" not in page.get_data(as_text=True)
    assert secretary.get(  # a page of the secretariat: 404 to everyone else (access.py)
        "/consultaties/holland-rijnland-jeugdhulp-2016/bestemmingen").status_code == 404


def test_duplicate_and_invalid_accounts_get_a_message(as_role):
    admin = as_role("admin")
    dup = admin.form_post("/beheer/gebruikers", {"name": "X", "email":
                                                 "lezer@consult.example", "role": "viewer"})
    assert dup.status_code == 422 and "Er is al een account met dit e-mailadres." in _text(dup)
    bad = admin.form_post("/beheer/gebruikers", {"name": "", "email": "geen-adres",
                                                 "role": "keizer"})
    assert bad.status_code == 422 and "Vul een geldig e-mailadres" in _text(bad)


def test_forgot_password_says_the_same_for_any_address(as_role, session):
    known = as_role(None).form_post("/wachtwoord-vergeten", {"email": "lezer@consult.example"})
    unknown = as_role(None).form_post("/wachtwoord-vergeten", {"email": "niemand@x.example"})
    assert _text(known) == _text(unknown)
    assert "Vraag uw beheerder" in _text(known)


def test_login_session_expires(as_role):
    actor = as_role(None)
    response = _login(actor, "lezer@consult.example", "demo-lezer-2016")
    cookie = response.headers["Set-Cookie"]
    assert "Expires=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_create_admin_command(app, session):
    runner = app.test_cli_runner()
    made = runner.invoke(args=["consult", "create-admin", "--email", "baas@regio.example",
                               "--name", "Baas", "--password", "heel-geheim-1"])
    assert made.exit_code == 0, made.output
    admin = session.exec(select(User).where(User.email == "baas@regio.example")).one()
    assert admin.role == "admin" and admin.password_hash.startswith("$argon2id$")
    again = runner.invoke(args=["consult", "create-admin", "--email", "baas@regio.example",
                                "--name", "Baas", "--password", "heel-geheim-1"])
    assert again.exit_code != 0 and "Er is al een account voor baas@regio.example." in again.output
    short = runner.invoke(args=["consult", "create-admin", "--email", "b@r.example",
                                "--name", "B", "--password", "kort"])
    assert short.exit_code != 0 and "minstens 10 tekens" in short.output


@pytest.mark.parametrize("email", ["geen adres", "geen-adres", "twee@@apen", "a@b c"])
def test_an_address_that_is_not_one_is_refused_whatever_else_is_right(as_role, session, email):
    """UserCreate's e-mail pattern was a pydantic v1 ``regex=``, which pydantic v2 ignores:
    with a name and a role filled in, "geen adres" became an account."""
    admin = as_role("admin")
    bad = admin.form_post("/beheer/gebruikers", {"name": "Nieuwe Collega", "email": email,
                                                 "role": "viewer"})
    assert bad.status_code == 422 and "Vul een geldig e-mailadres" in _text(bad)
    assert session.exec(select(User).where(User.name == "Nieuwe Collega")).first() is None


def test_every_slug_pattern_is_enforced():
    """The same pydantic v1 leftover on the slugs of consultations, stakeholders and
    destinations: each pattern holds now."""
    from pydantic import ValidationError

    from consult.models import ConsultationCreate, DestinationCreate, StakeholderCreate

    for model, fields in [
        (ConsultationCreate, {"title": "T", "organiser": "O"}),
        (StakeholderCreate, {"name": "N", "kind": "municipality"}),
        (DestinationCreate, {"consultation_id": 1, "title": "T", "kind": "noted"}),
    ]:
        with pytest.raises(ValidationError, match="pattern"):
            model.model_validate({**fields, "slug": "Geen Slug!"})


def test_outside_the_test_suite_passwords_get_argon2s_full_default_cost():
    """The suite hashes cheaply (tests/conftest.py); a server or command started without that
    setting, as every real one is, hashes with argon2-cffi's default profile (RFC 9106's
    low-memory choice: argon2id, 64 MiB, 3 passes, 4 lanes), and a cheap hash from the suite
    still verifies there."""
    import os
    import subprocess
    import sys

    from consult.accounts import hash_password

    env = {k: v for k, v in os.environ.items() if k != "CONSULT_TESTS_ONLY_CHEAP_PASSWORD_HASHES"}
    cheap = hash_password("heel-geheim-1")
    assert cheap.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    script = ("import sys; from consult import accounts; "
              "print(accounts.hash_password('x')); "
              "print(accounts._hasher.verify(sys.argv[1], 'heel-geheim-1'))")
    out = subprocess.run([sys.executable, "-c", script, cheap], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out[0].startswith("$argon2id$v=19$m=65536,t=3,p=4$") and out[1] == "True"
