"""Links that leave the app (reset and invitation mails, notifications, links for the admin to
hand on) come from CONSULT_BASE_URL, never from the Host a request names; requests for other
hosts are refused; reset requests are throttled; without a base URL no mail carries a link."""

import email
import re
from pathlib import Path

import pytest
from sqlmodel import select

from consult import demo
from consult.db import get_session
from consult.models import AccountToken, LoginAttempt, Point, Reaction, Stakeholder, User

from .conftest import Actor, make_app
from .mailsink import mail_sink

BASE = "https://consult.regio.example"
EVIL = "evil.example"
VIEWER = "lezer@consult.example"
SLUG = "holland-rijnland-jeugdhulp-2016"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def sink():
    """An SMTP server on loopback keeping every mail it gets (server.mails)."""
    with mail_sink() as server:
        yield server


def _site(database_url, tmp_path, sink, **config):
    app = make_app(database_url, tmp_path, SMTP_HOST="127.0.0.1",
                   SMTP_PORT=sink.server_address[1], **config)
    with app.app_context():
        session = get_session()
        demo.load(session)
        session.commit()
    return app


@pytest.fixture
def checked(database_url, tmp_path, sink):
    """Base URL set; trusted hosts derived from it (plus the test client's "localhost")."""
    app = _site(database_url, tmp_path, sink, BASE_URL=BASE + "/",
                TRUSTED_HOSTS=["consult.regio.example", "localhost"])
    yield app
    app.extensions["consult.engine"].dispose()


@pytest.fixture
def unchecked(database_url, tmp_path, sink):
    """Base URL set, but any Host accepted (CONSULT_TRUSTED_HOSTS=*), behind one proxy whose
    X-Forwarded-Host is believed: links must still be right."""
    app = _site(database_url, tmp_path, sink, BASE_URL=BASE, TRUSTED_HOSTS=None, PROXY_HOPS=1)
    yield app
    app.extensions["consult.engine"].dispose()


@pytest.fixture
def no_base(database_url, tmp_path, sink):
    """SMTP configured, no base URL."""
    app = _site(database_url, tmp_path, sink)
    yield app
    app.extensions["consult.engine"].dispose()


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def _bodies(mails) -> list[str]:
    """The decoded text of each mail (quoted-printable on the wire)."""
    return [email.message_from_string(m).get_payload(decode=True).decode() for m in mails]


def _links(mails) -> list[str]:
    return re.findall(r"https?://\S+", "\n".join(_bodies(mails)))


def _ask_reset(app, email, host=None, address="127.0.0.1", headers=None):
    """POST the forgotten-password form from a fresh browser at ``host`` (its Host header)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    at = {"base_url": f"http://{host}"} if host else {}
    page = client.get("/wachtwoord-vergeten", **at)
    if page.status_code != 200:
        return page
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page.get_data(as_text=True))[1]
    return client.post("/wachtwoord-vergeten", data={"email": email, "csrf_token": token},
                       headers=headers or {}, **at)


# Behind the proxy (PROXY_HOPS=1) the app believes X-Forwarded-Host: as good as a Host header.
FORWARDED_EVIL = {"X-Forwarded-Host": EVIL}


def test_reset_asked_with_an_evil_host_is_refused_and_mails_nothing(checked, sink):
    response = _ask_reset(checked, VIEWER, host=EVIL)
    assert response.status_code == 400
    assert response.get_data(as_text=True) == "consult is via dit adres niet bereikbaar."
    assert sink.mails == []
    for host in (EVIL, f"{EVIL}:443", f"consult.regio.example.{EVIL}", "consult.regio"):
        assert checked.test_client().get("/inloggen", headers={"Host": host}
                                         ).status_code == 400
    assert checked.test_client().get("/inloggen", headers={"Host": "consult.regio.example"}
                                     ).status_code == 200


def test_the_trusted_hosts_come_from_the_base_url_by_default(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CONSULT_BASE_URL", "https://consult.regio.example/")
    monkeypatch.delenv("CONSULT_TRUSTED_HOSTS", raising=False)
    app = make_app(database_url, tmp_path)
    assert app.config["BASE_URL"] == BASE
    assert app.config["TRUSTED_HOSTS"] == ["consult.regio.example"]
    client = app.test_client()
    assert client.get("/", headers={"Host": EVIL}).status_code == 400
    assert client.get("/", headers={"Host": "consult.regio.example"}).status_code == 200
    app.extensions["consult.engine"].dispose()
    monkeypatch.setenv("CONSULT_TRUSTED_HOSTS", "consult.regio.example, 10.0.0.5")
    listed = make_app(database_url, tmp_path)
    assert listed.config["TRUSTED_HOSTS"] == ["consult.regio.example", "10.0.0.5"]
    assert listed.test_client().get("/healthz", headers={"Host": "10.0.0.5:8000"}
                                    ).status_code == 200
    listed.extensions["consult.engine"].dispose()
    monkeypatch.setenv("CONSULT_BASE_URL", "consult.regio.example")  # no scheme
    with pytest.raises(ValueError, match="CONSULT_BASE_URL"):
        make_app(database_url, tmp_path)


@pytest.mark.parametrize("header", ["Host", "X-Forwarded-Host"])
def test_reset_links_use_the_base_url_whatever_host_the_request_names(
        unchecked, sink, header):
    if header == "Host":
        response = _ask_reset(unchecked, VIEWER, host=EVIL)
    else:
        response = _ask_reset(unchecked, VIEWER, headers=FORWARDED_EVIL)
    assert response.status_code == 200
    assert "onderweg" in _text(response)
    [link] = _links(sink.mails)
    assert link.startswith(f"{BASE}/account/wachtwoord/"), link
    assert EVIL not in "".join(_bodies(sink.mails))
    # and the link works (on the real host, here the test client's)
    path = link.removeprefix(BASE)
    assert "Stel uw wachtwoord in" in _text(unchecked.test_client().get(path))


def test_invitation_links_are_mailed_on_the_base_url_and_the_admin_is_told(unchecked, sink):
    admin = Actor(unchecked.test_client(), "admin")
    created = admin.form_post("/beheer/gebruikers", {
        "name": "Nieuwe Collega", "email": "collega@gemeente.example", "role": "viewer"},
        headers=FORWARDED_EVIL)
    assert created.status_code == 200
    assert "De eenmalige link is gemaild naar collega@gemeente.example." in _text(created)
    assert "wachtwoord/" not in created.get_data(as_text=True)  # not shown when mailed
    [link] = _links(sink.mails)
    assert link.startswith(f"{BASE}/account/wachtwoord/")
    with unchecked.app_context():
        viewer = get_session().exec(select(User).where(User.email == VIEWER)).one()
    again = admin.form_post(f"/beheer/gebruikers/{viewer.id}/link", headers=FORWARDED_EVIL)
    assert "gemaild naar lezer@consult.example" in _text(again)
    assert [x.startswith(f"{BASE}/account/wachtwoord/") for x in _links(sink.mails)] == [True] * 2


def test_board_notifications_link_to_the_base_url(unchecked, sink):
    with unchecked.app_context():
        session = get_session()
        reaction = session.exec(select(Reaction).join(
            Stakeholder, Stakeholder.id == Reaction.stakeholder_id).where(
            Stakeholder.name == "WMO Adviesraad Leiden")).one()
    secretary = Actor(unchecked.test_client(), "secretary")
    answered = secretary.client.post(
        f"/consultaties/{SLUG}/reacties/{reaction.id}/antwoorden",
        data={"selection": "3", "body": "Wordt herschreven.", "status": "adopted"},
        headers={"HX-Request": "true", "X-CSRFToken": secretary.token, **FORWARDED_EVIL})
    assert answered.status_code == 200
    assert len(sink.mails) == 1
    assert _links(sink.mails) == [f"{BASE}/portaal"]


def test_without_a_base_url_no_mail_carries_a_link(no_base, sink):
    # the reset form mails nothing and says to ask the admin
    asked = _ask_reset(no_base, VIEWER, host=EVIL)
    assert asked.status_code == 200 and "Vraag uw beheerder" in _text(asked)
    assert sink.mails == []
    # the admin gets the link to copy, with a clear note, and nothing is mailed
    admin = Actor(no_base.test_client(), "admin")
    created = admin.form_post("/beheer/gebruikers", {
        "name": "Nieuwe Collega", "email": "collega@gemeente.example", "role": "viewer"})
    assert "CONSULT_BASE_URL" in _text(created) and "niet ingesteld" in _text(created)
    assert re.search(r'value="http://localhost/account/wachtwoord/[^"]+"',
                     created.get_data(as_text=True))
    assert sink.mails == []
    # a board notification still goes out, without a link
    with no_base.app_context():
        session = get_session()
        point = session.exec(select(Point).join(Reaction, Reaction.id == Point.reaction_id).join(
            Stakeholder, Stakeholder.id == Reaction.stakeholder_id).where(
            Stakeholder.name == "WMO Adviesraad Leiden", Point.number == "3")).one()
    secretary = Actor(no_base.test_client(), "secretary")
    secretary.hx_post(f"/consultaties/{SLUG}/punten/{point.id}/berichten",
                      data={"kind": "answer", "body": "Wordt herschreven."})
    assert len(sink.mails) == 1 and _links(sink.mails) == []
    assert "postvak in consult" in _bodies(sink.mails)[0]


def test_a_failing_mail_server_leaves_the_admin_the_link(unchecked, sink):
    unchecked.config["SMTP_PORT"] = 1  # nobody listens there
    admin = Actor(unchecked.test_client(), "admin")
    created = admin.form_post("/beheer/gebruikers", {
        "name": "Nieuwe Collega", "email": "collega@gemeente.example", "role": "viewer"})
    assert created.status_code == 200
    assert "De mail kon niet worden verstuurd" in _text(created)
    assert re.search(rf'value="{BASE}/account/wachtwoord/[^"]+"', created.get_data(as_text=True))
    failed = _ask_reset(unchecked, VIEWER)  # the same answer as ever, nothing leaks
    assert failed.status_code == 200 and "onderweg" in _text(failed)


def test_reset_requests_are_limited_per_address_and_per_account(unchecked, sink):
    answers = [_ask_reset(unchecked, VIEWER, address=f"10.9.0.{n}") for n in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    assert len(sink.mails) == 3
    assert "Er is te vaak een nieuwe link aangevraagd" in _text(answers[3])
    assert 0 < int(answers[3].headers["Retry-After"]) <= 3600
    # an unknown address is limited the same way: the answers tell nothing
    unknown = [_ask_reset(unchecked, "niemand@x.example", address=f"10.9.1.{n}")
               for n in range(5)]
    assert [_text(a) for a in unknown] == [_text(a) for a in answers]
    # one address asking for many accounts
    many = [_ask_reset(unchecked, f"iemand{n}@x.example", address="10.9.2.1")
            for n in range(22)]
    assert [a.status_code for a in many] == [200] * 20 + [429] * 2
    with unchecked.app_context():
        session = get_session()
        kept = session.exec(select(LoginAttempt).where(LoginAttempt.kind == "reset")).all()
        assert len(kept) == 3 + 3 + 20  # refused requests are not kept
        assert session.exec(select(LoginAttempt).where(LoginAttempt.kind == "login")).all() == []
        viewer = session.exec(select(User).where(User.email == VIEWER)).one()
        tokens = session.exec(select(AccountToken).where(AccountToken.user_id == viewer.id)
                              ).all()
    # three links were mailed, and only the newest one works
    assert len(tokens) == 3 and sum(t.used_at is None for t in tokens) == 1
    client = unchecked.test_client()
    statuses = [client.get(link.removeprefix(BASE)).status_code for link in _links(sink.mails)]
    assert statuses == [404, 404, 200]


def test_no_link_is_built_from_the_request_outside_consult_links():
    """Every absolute link comes from consult/links.py (the guard against a new
    url_for(..., _external=True) in a view or a mail)."""
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder in ("consult", "templates")
        for path in sorted((ROOT / folder).rglob("*"))
        if path.suffix in (".py", ".html", ".txt") and path.name != "links.py"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"_external|url_root|host_url|request\.host\b", line)
    ]
    assert offenders == []


def test_mail_without_a_base_url_is_announced_at_start_up(database_url, tmp_path, caplog):
    app = make_app(database_url, tmp_path, SMTP_HOST="127.0.0.1")
    app.extensions["consult.engine"].dispose()
    assert "CONSULT_BASE_URL is not" in caplog.text and "no mail will carry a link" in caplog.text
    caplog.clear()
    quiet = make_app(database_url, tmp_path, SMTP_HOST="127.0.0.1", BASE_URL=BASE)
    quiet.extensions["consult.engine"].dispose()
    assert "CONSULT_BASE_URL" not in caplog.text
