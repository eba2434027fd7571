"""Accounts under simultaneous requests, through a real gunicorn (3 workers x 4 threads):
login throttling counts every attempt, a guesser behind a shared address locks nobody else
out, a one-time link works once, and reset mails stay within their limit."""

import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import Session, func, select

from consult.accounts import create_user, issue_token
from consult.db import get_session
from consult.models import AccountToken, AuditEvent, LoginAttempt, User

from .conftest import DEMO_PASSWORDS, empty_database
from .mailsink import mail_sink
from .served import Browser, demo_database, server_env, started
from .test_account_links import _links

VIEWER = DEMO_PASSWORDS["viewer"]
BASE = "http://consult.regio.example"
# Accounts of their own for the tests that lock or reset one (the server is shared).
LOCKED = ("op-slot@consult.example", "juist-wachtwoord-2026")
FORGETFUL = ("vergeetachtig@consult.example", "juist-wachtwoord-2026")


@pytest.fixture(scope="module")
def sink():
    """An SMTP server on loopback keeping every mail it gets (server.mails)."""
    with mail_sink() as server:
        yield server


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request, tmp_path_factory, sink):
    """gunicorn behind "one proxy" (X-Forwarded-For gives each request its client address),
    SMTP to the sink and a base URL, shared by the module (each test has its own accounts and
    addresses); the app for looking into the database."""
    tmp_path = tmp_path_factory.mktemp("races")
    url = empty_database(request.param, tmp_path)
    app, _points = demo_database(url, tmp_path)
    with app.app_context():
        session = get_session()
        for email, password in (LOCKED, FORGETFUL):
            create_user(session, email=email, name=email.split("@")[0], role="viewer",
                        password=password)
        session.commit()
    app.extensions["consult.engine"].dispose()
    sink.mails.clear()
    server = started(server_env(
        url, tmp_path, CONSULT_PROXY_HOPS="1", CONSULT_BASE_URL=BASE,
        CONSULT_TRUSTED_HOSTS="consult.regio.example,127.0.0.1",
        CONSULT_SMTP_HOST="127.0.0.1", CONSULT_SMTP_PORT=str(sink.server_address[1]),
    ), tmp_path / "gunicorn.log")
    yield server, app
    server.stop()
    app.extensions["consult.engine"].dispose()


def browser(base: str, address: str) -> Browser:
    """A fresh browser (its own cookies and CSRF token) at a client address of its own."""
    client = Browser(base)
    client.opener.addheaders.append(("X-Forwarded-For", address))
    return client


def login(base: str, address: str, email: str, password: str) -> int:
    """200: logged in (the redirect followed), 401: wrong, 429: throttled."""
    client = browser(base, address)
    status, _body = client.request("POST", "/inloggen", {
        "email": email, "password": password, "csrf_token": client.csrf})
    return status


def at_once(jobs: list, workers: int = 16) -> list:
    """Run the calls together, as many at a time as ``workers``; their results in order."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(job) for job in jobs]
        return [f.result() for f in futures]


def test_sixty_simultaneous_wrong_passwords_get_five_checks(served):
    server, app = served
    started_at = time.monotonic()
    statuses = at_once([
        (lambda n=n: login(server.base, f"10.1.{n // 250}.{n % 250}", LOCKED[0], "fout-fout-1"))
        for n in range(60)
    ])
    seconds = time.monotonic() - started_at
    assert set(statuses) <= {401, 429}, statuses
    assert statuses.count(401) <= 5, statuses  # the limit, never more
    # a burst may be refused more than the rule says (never less); one by one after it,
    # the account gets exactly its five checks in all
    checked = statuses.count(401)
    while login(server.base, f"10.1.8.{checked}", LOCKED[0], "fout-fout-1") == 401:
        checked += 1
    assert checked == 5
    # the account is locked now: even its right password, from an address never seen
    assert login(server.base, "10.1.9.9", *LOCKED) == 429
    # the refused attempts were not kept: exactly the checked ones count
    with Session(app.extensions["consult.engine"]) as session:
        kept = session.exec(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.email == LOCKED[0])).one()
    assert kept == 5
    assert seconds < 30, seconds  # 55 refusals cost no argon2 check each


def test_a_guesser_behind_the_town_halls_address_locks_no_colleague_out(served):
    server, _app = served
    town_hall = "10.2.0.1"
    # someone at the town hall guesses 21 accounts, one wrong password each
    assert at_once([
        (lambda n=n: login(server.base, town_hall, f"gok{n}@consult.example", "fout-fout-1"))
        for n in range(21)
    ], workers=4) == [401] * 21
    # ... and goes on guessing those accounts, while four colleagues log in from there
    guesses = [(lambda n=n: login(server.base, town_hall, f"gok{n % 21}@consult.example",
                                  "fout-fout-2")) for n in range(40)]
    colleagues = [(lambda role=role: login(server.base, town_hall, *DEMO_PASSWORDS[role]))
                  for role in ("admin", "secretary", "councillor", "advisory_member")]
    statuses = at_once(colleagues[:2] + guesses + colleagues[2:])
    assert statuses[:2] + statuses[-2:] == [200] * 4, statuses
    assert statuses[2:-2] == [429] * 40  # every further guess must wait, unchecked
    # thirty simultaneous guesses at one more account from there: one is checked
    burst = at_once([(lambda: login(server.base, town_hall, "nog-een@consult.example",
                                    "fout-fout-3"))] * 30)
    assert set(burst) <= {401, 429} and burst.count(401) <= 1, burst
    after = login(server.base, town_hall, "nog-een@consult.example", "fout-fout-3")
    assert burst.count(401) + (after == 401) == 1, (burst, after)


def test_a_one_time_link_used_eight_times_at_once_works_once(served):
    server, app = served
    with app.app_context():
        session = get_session()
        user = session.exec(select(User).where(User.email == VIEWER[0])).one()
        raw = issue_token(session, user, "reset")
        session.commit()
    clients = [browser(server.base, f"10.3.0.{n}") for n in range(8)]

    def use(n: int) -> int:
        password = f"nieuw-wachtwoord-{n}"
        status, _ = clients[n].request("POST", f"/account/wachtwoord/{raw}", {
            "password": password, "confirm": password, "csrf_token": clients[n].csrf})
        return status

    statuses = at_once([(lambda n=n: use(n)) for n in range(8)], workers=8)
    assert sorted(statuses) == [200] + [404] * 7, statuses  # 200: to the login page
    with Session(app.extensions["consult.engine"]) as session:
        changes = session.exec(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity == "user", AuditEvent.entity_id == user.id,
            AuditEvent.action == "change")).one()
        token = session.exec(select(AccountToken).where(AccountToken.user_id == user.id)).one()
    assert changes == 1
    assert token.used_at is not None
    # exactly the winner's password works
    winner = statuses.index(200)
    results = [login(server.base, f"10.3.1.{n}", VIEWER[0], f"nieuw-wachtwoord-{n}")
               for n in (winner, (winner + 1) % 8)]
    assert results == [200, 401]


def test_simultaneous_reset_requests_mail_three_links_of_which_the_newest_works(
        served, sink):
    server, app = served
    statuses = at_once([
        (lambda n=n: _ask(server.base, f"10.4.0.{n}", FORGETFUL[0])) for n in range(12)
    ])
    assert set(statuses) <= {200, 429} and statuses.count(200) <= 3, statuses
    assert len(_links(sink.mails)) == statuses.count(200)  # mailed before the answer
    # one by one after the burst: three links in all, then no more
    sent = statuses.count(200)
    while _ask(server.base, f"10.4.3.{sent}", FORGETFUL[0]) == 200:
        sent += 1
    assert sent == 3
    links = _links(sink.mails)
    assert len(links) == 3
    assert all(link.startswith(f"{BASE}/account/wachtwoord/") for link in links)
    # a user has one valid link at a time: the newest
    client = browser(server.base, "10.4.1.1")
    valid = [client.request("GET", link.removeprefix(BASE))[0] for link in links]
    assert sorted(valid) == [200] + [404] * (len(links) - 1), valid
    # a request naming another host is refused by the server itself
    evil = browser(server.base, "10.4.2.1")
    evil.opener.addheaders.append(("X-Forwarded-Host", "evil.example"))
    assert evil.request("GET", "/wachtwoord-vergeten")[0] == 400


def _ask(base: str, address: str, email: str) -> int:
    client = browser(base, address)
    status, body = client.request("POST", "/wachtwoord-vergeten", {
        "email": email, "csrf_token": client.csrf})
    assert status == 429 or re.search(r"onderweg", body), body[-500:]
    return status
