"""Login throttling, one request at a time: the lock is bounded in time, says how long to wait,
and an IPv6 guesser cannot escape the address rule by taking a new address for every guess.
(Simultaneous requests: tests/test_account_races.py; the basic rules: tests/test_attacks.py.)"""

import re
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import select

from consult.accounts import create_user
from consult.db import get_session
from consult.models import LoginAttempt, utcnow

from .conftest import DEMO_PASSWORDS, Actor

ACCOUNT = ("geduldig@consult.example", "het-juiste-wachtwoord")


def _try(app, email, password, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return Actor(client, None).form_post("/inloggen", {"email": email, "password": password})


def _message(response) -> str:
    return re.search(r'<p class="error"[^>]*>(.*?)</p>', response.get_data(as_text=True))[1]


def _age_attempts(app, minutes: int) -> None:
    """Let time pass: every recorded attempt happened ``minutes`` earlier."""
    with app.app_context():
        session = get_session()
        session.exec(update(LoginAttempt).values(at=utcnow() - timedelta(minutes=minutes)))
        session.commit()


def test_a_locked_account_says_how_long_and_opens_again_after_the_window(demo_app):
    with demo_app.app_context():
        session = get_session()
        create_user(session, email=ACCOUNT[0], name="Geduldig", role="viewer",
                    password=ACCOUNT[1])
        session.commit()
    for n in range(5):
        assert _try(demo_app, ACCOUNT[0], "fout-fout-fout", f"10.5.0.{n}").status_code == 401
    locked = _try(demo_app, *ACCOUNT, "10.5.1.1")
    assert locked.status_code == 429
    assert 14 * 60 < int(locked.headers["Retry-After"]) <= 15 * 60
    assert _message(locked) == "Te veel pogingen. Wacht 15 minuten en probeer het dan opnieuw."
    _age_attempts(demo_app, 10)
    later = _try(demo_app, *ACCOUNT, "10.5.1.1")
    assert later.status_code == 429 and "Wacht 5 minuten" in _message(later)
    _age_attempts(demo_app, 16)
    assert _try(demo_app, *ACCOUNT, "10.5.1.1").status_code == 303


def test_an_ipv6_guesser_counts_as_one_address_per_64_network(demo_app):
    for n in range(21):  # a new address out of the same /64 for every guess
        response = _try(demo_app, f"gok{n}@consult.example", "fout-fout-fout",
                        f"2001:db8:7:7::{n + 1:x}")
        assert response.status_code == 401
    again = _try(demo_app, "gok0@consult.example", "fout-fout-fout", "2001:db8:7:7::ffff")
    assert again.status_code == 429
    assert _message(again) == "Te veel pogingen. Wacht 5 minuten en probeer het dan opnieuw."
    # a colleague in the same network, and the same account from another network
    assert _try(demo_app, *DEMO_PASSWORDS["viewer"], "2001:db8:7:7::abc").status_code == 303
    assert _try(demo_app, "gok0@consult.example", "fout-fout-fout", "2001:db8:7:8::1"
                ).status_code == 401
    with demo_app.app_context():
        addresses = set(get_session().exec(select(LoginAttempt.address)))
    assert addresses == {"2001:db8:7:7::/64", "2001:db8:7:8::/64"}
