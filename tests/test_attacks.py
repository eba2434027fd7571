"""Attacks that must fail safely: XSS, CSRF, IDOR, SQL injection, hostile uploads, brute force,
open redirects, and the headers and cookies that limit the damage of whatever slips through.

Every test here checks the database afterwards: a refused request stores nothing.
One demo site per backend is shared by the module (tests keep out of each other's way: their own
reactions, accounts and client addresses).
"""

import gc
import html
import io
import itertools
import random
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from sqlmodel import SQLModel, select

from consult import create_app, demo, files
from consult.accounts import create_user
from consult.db import get_session
from consult.models import (
    Attachment,
    Consultation,
    Destination,
    LoginAttempt,
    Membership,
    Message,
    Point,
    Reaction,
    Response,
    Stakeholder,
    User,
)
from tests.conftest import (
    BACKENDS,
    DEMO_PASSWORDS,
    Actor,
    csrf_token,
    empty_database,
    make_app,
    reopen,
    take_steps,
)
from tests.test_access_matrix import (
    DRAFT_MARK,
    ROLES,
    SLUG,
    World,
    build_world,
    db_count_all,
    role_id,
    route_cells,
)

BOARD2 = ("adviesraad-oegstgeest@consult.example", "oegstgeest-wmo-2026!")
VICTIM = ("slachtoffer@consult.example", "juist-wachtwoord-2026")
EVIL = "evil.example"
BAD_LOGIN = "E-mailadres of wachtwoord klopt niet."
THROTTLED = "Te veel pogingen"
CSRF_EXPIRED = "verlopen"  # "Formulier verlopen" / "Het formulier is verlopen"
TOO_LARGE = "te groot (hoogstens 10 MB)"


# --- one site per backend for the whole module ----------------------------------------


@dataclass
class Site:
    app: object
    world: World
    actors: dict = field(default_factory=dict)

    def actor(self, role) -> Actor:
        """A logged-in demo user (one client per role, kept for the module)."""
        if role not in self.actors:
            self.actors[role] = Actor(self.app.test_client(), role)
        return self.actors[role]

    def q(self, fn):
        """Run fn(session) in an app context and return what it returns."""
        with self.app.app_context():
            return fn(get_session())


def login(app, email: str, password: str, address: str = "127.0.0.1"):
    """A client of its own (from the given address) that logged in; returns actor, response."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    actor = Actor(client, None)
    response = client.post("/inloggen", data={"email": email, "password": password,
                                              "csrf_token": actor.token})
    actor.token = csrf_token(client)
    return actor, response


@pytest.fixture(scope="module", params=BACKENDS)
def site(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("attacks")
    url = empty_database(request.param, tmp)
    app = make_app(url, tmp, PROPAGATE_EXCEPTIONS=False)  # a crash is a 500 to assert on
    with app.app_context():
        session = get_session()
        demo.load(session)
        session.commit()
    world = build_world(app)
    with app.app_context():
        session = get_session()
        oegstgeest = session.exec(
            select(Stakeholder).where(Stakeholder.slug == "oegstgeest-wmo")).one()
        board2 = create_user(session, email=BOARD2[0], name="Olga Oegstgeest",
                             role="advisory_member", stakeholder_id=oegstgeest.id,
                             password=BOARD2[1])
        consultation = session.exec(select(Consultation).where(Consultation.slug == SLUG)).one()
        session.add(Membership(consultation_id=consultation.id, user_id=board2.id))
        create_user(session, email=VICTIM[0], name="Victor Slachtoffer", role="viewer",
                    password=VICTIM[1])
        session.commit()
        world.board_user = board2.id
    yield Site(app, world)
    app.extensions["consult.engine"].dispose()


@pytest.fixture
def open_round(site):
    """The published demo open for reactions during a test (the portal takes drafts only
    then), published again after it."""
    reopen(site.app)
    yield site
    take_steps(site.app, "close", ("decide", "PHO Jeugdhulp", "2015-12-16"), "publish")


def db_snapshot(app) -> dict[str, list[str]]:
    """Every row of every table: equal snapshots mean nothing was stored or changed."""
    with app.app_context():
        session = get_session()
        return {
            t.name: sorted(repr(tuple(row)) for row in session.execute(t.select()))
            for t in SQLModel.metadata.sorted_tables
        }


def files_under(path) -> set[str]:
    root = Path(path)
    return {str(p.relative_to(root)) for p in root.rglob("*")} if root.exists() else set()


def etc_state() -> tuple:
    """What an upload named "../../etc/passwd" would change: the names in /etc and those files."""
    watched = [Path("/etc") / n for n in ("passwd", "shadow", "group", "hosts", "boot.ini")]
    return (sorted(p.name for p in Path("/etc").iterdir()),
            [(str(p), p.stat().st_mtime, p.stat().st_size) for p in watched if p.exists()])


def _qs(**params) -> str:
    return "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())


def _off_site(location: str) -> bool:
    """Whether a browser following this Location leaves the site (or runs script)."""
    squeezed = "".join(ch for ch in location if ch not in "\t\r\n").replace("\\", "/").strip()
    parts = urlsplit(squeezed)
    return bool(parts.scheme or parts.netloc) or squeezed.startswith("//")


# --- CSRF --------------------------------------------------------------------------------

SUCCESS = {200, 201, 204, 303}
PREFERENCE = ("secretary", "admin", "advisory_member", "councillor", "viewer", None)


def test_every_post_route_refuses_a_missing_or_wrong_csrf_token(site):
    app = site.app
    post_rules = {r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods}
    # One cell per POST route: one that succeeds with a token where the matrix has one (the
    # CSRF check comes first, so a route that refuses for other reasons is tried as well).
    chosen: dict[str, object] = {}
    for c in route_cells(site.world, variants=False):
        if c.method == "POST" and c.endpoint in post_rules and (c.endpoint not in chosen
                                   or SUCCESS & set(c.expected.values())):
            chosen[c.endpoint] = c
    cells = list(chosen.values())
    assert {c.endpoint for c in cells} == post_rules
    attacker = Actor(app.test_client(), None)  # a real token, of another session
    roles = [next((r for r in PREFERENCE if c.expected[r] in SUCCESS),
                  next(r for r in PREFERENCE if c.expected[r] not in (302, 404, 405)))
             for c in cells]
    for role in set(roles):
        site.actor(role)  # logged in before the snapshot: a login stores its session
    before = db_snapshot(app)
    problems, tried = [], 0
    for cell, role in zip(cells, roles, strict=True):
        actor = site.actor(role)
        data = {k: v for k, v in cell.data.items() if k != "csrf_token"}
        hx = {"HX-Request": "true"} if cell.mode == "hx" else {}
        for variant, form, headers in [
            ("no token", {}, {}),
            ("a made-up token as field", {"csrf_token": "IjEyMzQ1Ig.aaaa.bbbb"}, {}),
            ("a made-up token as header", {}, {"X-CSRFToken": "IjEyMzQ1Ig.aaaa.bbbb"}),
            ("another session's token as field", {"csrf_token": attacker.token}, {}),
            ("another session's token as header", {}, {"X-CSRFToken": attacker.token}),
            ("an empty token", {"csrf_token": ""}, {"X-CSRFToken": ""}),
        ]:
            tried += 1
            response = actor.client.post(cell.url, data={**data, **form},
                                         headers={**hx, **headers})
            body = response.get_data(as_text=True)
            if response.status_code != 400 or CSRF_EXPIRED not in body:
                problems.append(f"POST {cell.url} as {role_id(role)} with {variant}: "
                                f"{response.status_code}")
    assert db_snapshot(app) == before, "a request without a valid CSRF token changed the database"
    assert not problems, "\n".join(problems)
    assert tried == 6 * len(post_rules)
    # the refused logout left everyone logged in
    for role in ("secretary", "admin", "advisory_member", "councillor"):
        assert site.actor(role).get("/").get_data(as_text=True).count("Uitloggen") == 1, role


# --- IDOR --------------------------------------------------------------------------------


def test_another_board_cannot_reach_a_draft_by_its_id(site, open_round):
    world = site.world
    board2, response = login(site.app, *BOARD2)
    assert response.status_code == 303
    draft = site.q(lambda s: s.get(Reaction, world.draft))
    attachment = world.extra["draft_attachment"]
    before = db_snapshot(site.app)
    version = draft.version
    problems = []
    for method, url, data in [
        ("GET", f"/portaal/concepten/{draft.id}", None),
        ("POST", f"/portaal/concepten/{draft.id}",
         {"title": "Overgenomen", "text": "1. Gekaapt.", "version": version}),
        ("POST", f"/portaal/concepten/{draft.id}",
         {"title": "Ingediend", "text": "1. Gekaapt.", "version": version, "submit": "1"}),
        ("POST", f"/portaal/concepten/{draft.id}",
         {"point_number": "1", "point_heading": "", "point_text": "Gekaapt.",
          "version": version, "submit": "1"}),
        ("GET", f"/consultaties/{SLUG}/reacties/{draft.id}", None),
        ("GET", f"/consultaties/{SLUG}/reacties/{draft.id}/punten", None),
        ("GET", f"/consultaties/{SLUG}/bijlagen/{attachment}", None),
    ]:
        got = board2.get(url) if method == "GET" else board2.form_post(url, data)
        got.close()
        if got.status_code != 404:
            problems.append(f"{method} {url} as the other board: {got.status_code}")
    assert db_snapshot(site.app) == before, "the other board changed the first board's draft"
    # Walking the ids: only the second board's own reactions open in its portal.
    own = set(site.q(lambda s: s.exec(select(Reaction.id).where(
        Reaction.stakeholder_id == s.get(User, world.board_user).stakeholder_id)).all()))
    last = site.q(lambda s: s.exec(select(Reaction.id).order_by(Reaction.id.desc())).first())
    for rid in range(1, last + 3):
        status = board2.get(f"/portaal/concepten/{rid}").status_code
        if status != (200 if rid in own else 404):
            problems.append(f"/portaal/concepten/{rid} as the other board: {status}")
    for url, hx in [("/portaal", False), (f"/consultaties/{SLUG}", False),
                    (f"/consultaties/{SLUG}/wijzigingen?rev=-1&na=0", True)]:
        page = (board2.hx_get(url) if hx else board2.get(url)).get_data(as_text=True)
        if DRAFT_MARK in page or f"/portaal/concepten/{draft.id}\"" in page:
            problems.append(f"{url} shows the first board's draft to the other board")
    # and the other way round: the first board cannot open the second board's new draft
    saved = board2.form_post(f"/portaal/{SLUG}/concept", {"title": "Oegstgeest", "text": "1. x"})
    assert saved.status_code == 303
    theirs = saved.headers["Location"].split("?")[0]
    assert site.actor("advisory_member").get(theirs).status_code == 404
    assert site.actor("advisory_member").get(f"/portaal/concepten/{draft.id}").status_code == 200
    assert not problems, "\n".join(problems)


NOTE_MARK = "N8T-INTERN"


def test_internal_notes_never_reach_councillors_boards_or_readers(site):
    base = f"/consultaties/{SLUG}/punten/{site.world.demo.other_point}"
    cou = site.actor("councillor")
    assert cou.hx_post(f"{base}/volgen").status_code == 200  # so the inbox shows its events
    posted = site.actor("secretary").hx_post(
        f"{base}/berichten", data={"kind": "internal_note", "body": f"Let op: {NOTE_MARK}"})
    assert posted.status_code == 204
    note = _last_id(site, Message, Message.body == f"Let op: {NOTE_MARK}")
    problems = []
    for role in ROLES:
        actor = site.actor(role)
        may = role in ("secretary", "admin")
        for url in (f"{base}/nieuw?na=0", f"{base}/nieuw?na={note - 1}", base):
            response = actor.hx_get(url) if "nieuw" in url else actor.get(url)
            shown = NOTE_MARK in response.get_data(as_text=True)
            if shown != may:
                problems.append(f"{url} as {role_id(role)}: note shown={shown}")
        after = actor.hx_get(f"{base}/nieuw?na={note - 1}").status_code
        if after != (200 if may else 204):
            problems.append(f"poll just before the note as {role_id(role)}: {after}")
    for role in ("councillor", "advisory_member"):
        if NOTE_MARK in site.actor(role).get("/portaal").get_data(as_text=True):
            problems.append(f"the inbox of {role} shows the internal note")
    assert not problems, "\n".join(problems)


# --- SQL injection and malformed values --------------------------------------------------

INJECTIONS = [
    "' OR 1=1 --",
    "' OR '1'='1",
    "1; DROP TABLE point; --",
    "1'; DROP TABLE \"user\"; --",
    "%' UNION SELECT password_hash, email FROM \"user\" --",
    "1 UNION SELECT NULL, NULL--",
    "' AND 1=CAST((SELECT version()) AS int)--",
    "1) OR (1=1",
    '" OR ""="',
    "'; SELECT pg_sleep(3); --",
    "1 AND (SELECT count(*) FROM sqlite_master) > 0",
    "%",
    "_",
    "\\",
    "admin'--",
]
# 2**31 overflows a PostgreSQL integer column, 2**63 a SQLite one; 2**31 - 1 fits, but one more
# (a cursor's "up to and including" as "< upto + 1") does not; "²" and "①" are digits to
# str.isdigit() but not to int().
ODD_NUMBERS = ["-1", "0", "1.5", "1e400", "0x10", "2147483646", "2147483647", "2147483648",
               "9223372036854775808", "99999999999999999999", "²", "①", ""]
INJECT_AND_ODD = INJECTIONS + ODD_NUMBERS


@dataclass(frozen=True)
class Probe:
    """One place user input reaches a query: who sends it, how, and what may come back."""

    role: str | None
    send: object  # (site, actor, value) -> response
    allowed: tuple  # statuses that are fine
    stores: bool = False  # a well-formed request legitimately stores something
    values: tuple = tuple(INJECT_AND_ODD)
    stored_as: object = None  # the column the value must land in, unchanged


def _base():
    return f"/consultaties/{SLUG}"


def _answer(site, actor, **form):
    w = site.world.demo
    return actor.hx_post(f"{_base()}/reacties/{w.reaction}/antwoorden",
                         data={"body": "Antwoord.", "status": "adopted", **form})


def _log(site, actor, **form):
    return actor.hx_post(f"{_base()}/reacties", data={
        "channel": "other", "title": "Injectie", "text": "1. Een punt.", **form})


def _edit_preview(site, actor, **form):
    return actor.hx_post(f"{_base()}/composer/bewerk", data={
        "point_number": ["1", "2"], "point_heading": ["", ""], "point_text": ["a. b.", "c"],
        **form})


_counter = iter(range(1_000_000))


def _new_user(site, actor, **form):
    return actor.form_post("/beheer/gebruikers", {
        "email": f"sql{next(_counter)}@consult.example", "name": "Injectie", "role": "viewer",
        **form})


def _login(site, actor, value):
    guest = Actor(site.app.test_client(), None)
    n = next(_counter)
    guest.client.environ_base["REMOTE_ADDR"] = f"10.77.{n // 250 % 250}.{n % 250}"
    return guest.form_post("/inloggen", {"email": value, "password": value})


PROBES = {
    "answer: typed selection": Probe(
        "secretary", lambda s, a, v: _answer(s, a, selection=v), (422,), values=tuple(INJECTIONS)),
    "answer: ticked point_ids": Probe(
        "secretary", lambda s, a, v: _answer(s, a, point_ids=v), (422,)),
    "answer: destination_ids": Probe(
        "secretary", lambda s, a, v: _answer(s, a, selection="1", destination_ids=v), (200,),
        stores=True),
    "answer: new_destination_parent": Probe(
        "secretary", lambda s, a, v: _answer(s, a, selection="1", new_destination="Nieuw",
                                             new_destination_parent=v), (200,), stores=True),
    "answer: status and decided_on": Probe(
        "secretary", lambda s, a, v: _answer(s, a, selection="1", status=v, decided_on=v), (200,),
        stores=True),
    "answer edit: version": Probe(
        "secretary", lambda s, a, v: a.form_post(
            f"{_base()}/antwoorden/{s.world.demo.response}/bewerken",
            {"version": v, "body": "Nieuwe tekst.", "status": "adopted"}), (409,)),
    "answer edit: destination_ids": Probe(
        "secretary", lambda s, a, v: a.form_post(
            f"{_base()}/antwoorden/{s.world.demo.response}/bewerken",
            {"version": s.q(lambda x: x.get(Response, s.world.demo.response).version),
             "body": f"Tekst {v}", "status": "adopted", "destination_ids": v}), (303,),
        stores=True),
    "composer: stakeholder_id": Probe(
        "secretary", lambda s, a, v: _log(s, a, stakeholder_id=v), (422,)),
    "composer: new_stakeholder_parent": Probe(  # confirmed as new: the last one is a match
        "secretary", lambda s, a, v: _log(s, a, new_stakeholder_name="Nieuwe afzender",
                                          stakeholder_match="nieuw",
                                          stakeholder_match_voor="Nieuwe afzender",
                                          new_stakeholder_parent=v), (201,), stores=True),
    "composer: the answer to the offered close matches": Probe(
        "secretary", lambda s, a, v: _log(s, a, new_stakeholder_name="Gemeente Leiden",
                                          stakeholder_match=v,
                                          stakeholder_match_voor="Gemeente Leiden"), (422,)),
    "registry: parent and version of a stakeholder": Probe(
        "secretary", lambda s, a, v: a.form_post(f"/indieners/{s.world.stakeholder}/beheer", {
            "name": "Leiden", "kind": "municipality", "parent_id": v, "version": v,
            "email": s.q(lambda x: x.get(Stakeholder, s.world.stakeholder).email)}),
        (303, 409)),  # 409: a version that fits but is not the current one
    "registry: the duplicate to merge": Probe(
        "secretary", lambda s, a, v: a.form_post(
            f"/indieners/{s.world.stakeholder}/samenvoegen?{_qs(met=v)}"), (404,)),
    "registry: close matches of a typed name": Probe(
        "councillor", lambda s, a, v: a.hx_get(
            f"/indieners/overeenkomsten?{_qs(naam=v, zonder=v, veld=v)}"), (200, 400)),
    "composer: new_stakeholder_kind": Probe(
        "secretary", lambda s, a, v: _log(s, a, new_stakeholder_name="Nieuwe afzender",
                                          new_stakeholder_kind=v), (422,),
        values=tuple(INJECTIONS)),
    "composer: channel and received_on": Probe(
        "secretary", lambda s, a, v: _log(s, a, stakeholder_id=s.world.stakeholder, channel=v,
                                          received_on=v), (201,), stores=True),
    "composer preview: merge/split/delete action": Probe(
        "secretary", lambda s, a, v: _edit_preview(s, a, action=f"merge:{v}"), (200,)),
    "composer preview: renumber_from": Probe(
        "secretary", lambda s, a, v: _edit_preview(s, a, action="renumber", renumber_from=v),
        (200,)),
    "destinations: parent_id": Probe(
        "secretary", lambda s, a, v: a.form_post(f"{_base()}/bestemmingen",
                                                 {"title": "Nieuw", "parent_id": v}), (303,),
        stores=True),
    "destinations: kind": Probe(
        "secretary", lambda s, a, v: a.form_post(f"{_base()}/bestemmingen",
                                                 {"title": "Nieuw", "kind": v}), (422,),
        values=tuple(INJECTIONS)),
    "thread: message kind": Probe(
        "councillor", lambda s, a, v: a.hx_post(
            f"{_base()}/punten/{s.world.demo.point}/berichten", data={"kind": v, "body": "x"}),
        (422,), values=tuple(INJECTIONS)),
    "thread poll: na": Probe(
        None, lambda s, a, v: a.hx_get(f"{_base()}/punten/{s.world.demo.point}/nieuw?{_qs(na=v)}"),
        (200, 204)),
    "channel poll: rev and na": Probe(
        None, lambda s, a, v: a.hx_get(f"{_base()}/wijzigingen?{_qs(rev=v, na=v)}"), (200, 204)),
    "channel poll: every cursor": Probe(
        "secretary", lambda s, a, v: a.hx_get(
            f"{_base()}/wijzigingen?{_qs(rev=v, na=v, sinds=v, tot=v, bis=v, van=v)}"),
        (200, 204)),
    "consultation page: na and tot": Probe(
        None, lambda s, a, v: a.get(f"{_base()}?{_qs(na=v, tot=v)}"), (200,)),
    "channel, more reactions: na and tot": Probe(
        None, lambda s, a, v: a.hx_get(f"{_base()}/kanaal?{_qs(na=v, tot=v)}"), (200,)),
    "destination to-do: na": Probe(
        None, lambda s, a, v: a.hx_get(
            f"{_base()}/bestemmingen/{s.world.demo.destination}?{_qs(na=v)}"), (200,)),
    "news of the secretariat: tot": Probe(
        "secretary", lambda s, a, v: a.get(f"/nieuw?{_qs(tot=v)}"), (200,)),
    "news of the secretariat, next page: tot, na and vanaf": Probe(
        "secretary", lambda s, a, v: a.hx_get(f"/nieuw?{_qs(tot=v, na=v, vanaf=v)}"), (200,)),
    "news of a councillor: tot, na and vanaf": Probe(
        "councillor", lambda s, a, v: a.get(f"/nieuw?{_qs(tot=v, na=v, vanaf=v)}"), (200,)),
    "portal: voor and vanaf": Probe(
        "advisory_member", lambda s, a, v: a.get(f"/portaal?{_qs(voor=v, vanaf=v)}"), (200,)),
    "stakeholder page: consultatie and vanaf": Probe(
        None, lambda s, a, v: a.hx_get(
            f"/indieners/{s.world.stakeholder}?{_qs(consultatie=v, vanaf=v)}"),
        (200, 404)),  # 404: a consultation that fits an id but does not exist
    "search: page": Probe(
        None, lambda s, a, v: a.get(f"/zoeken?{_qs(q='jeugd', page=v)}"), (200,)),
    "selection: pagina": Probe(
        "secretary", lambda s, a, v: a.get(f"{_base()}/selectie?{_qs(pagina=v)}"), (200,)),
    "answer template fill: template_id and reaction_id": Probe(
        "secretary", lambda s, a, v: a.hx_get(
            f"{_base()}/sjablonen/invullen?{_qs(template_id=v, reaction_id=v)}"), (404,)),
    "login: e-mail and password": Probe(None, _login, (401,), stores=True,
                                        values=tuple(INJECTIONS), stored_as=LoginAttempt.email),
    "forgotten password: e-mail": Probe(
        None, lambda s, a, v: a.form_post("/wachtwoord-vergeten", {"email": v}), (200,)),
    "admin: consultation_ids of a new user": Probe(
        "admin", lambda s, a, v: _new_user(s, a, consultation_ids=v), (200,), stores=True),
    "admin: stakeholder_id of a new user": Probe(  # 422: no such stakeholder
        "admin", lambda s, a, v: _new_user(s, a, stakeholder_id=v), (200, 422), stores=True),
    "admin: role of a new user": Probe(
        "admin", lambda s, a, v: _new_user(s, a, role=v), (422,), values=tuple(INJECTIONS)),
    "admin: consultation_ids of memberships": Probe(
        "admin", lambda s, a, v: a.form_post(
            f"/beheer/gebruikers/{s.world.target_user}/lidmaatschap", {"consultation_ids": v}),
        (303,), stores=True),
    "portal: draft version": Probe(
        "advisory_member", lambda s, a, v: a.form_post(
            f"/portaal/concepten/{s.world.draft}", {"version": v, "title": "x", "text": "1. y"}),
        (409,)),
    "url: consultation slug": Probe(
        "viewer", lambda s, a, v: a.get(f"/consultaties/{quote(v, safe='')}"), (404,)),
    "url: record kind": Probe(
        "secretary", lambda s, a, v: a.get(f"{_base()}/geschiedenis/{quote(v, safe='')}/1"),
        (404,)),
    "url: one-time link token": Probe(
        None, lambda s, a, v: a.get(f"/account/wachtwoord/{quote(v, safe='')}"), (404,)),
    "url: destination action": Probe(
        "secretary", lambda s, a, v: a.form_post(
            f"{_base()}/bestemmingen/{s.world.demo.destination}/{quote(v, safe='')}"), (404,)),
    "url: language": Probe(  # 404 only for the empty value: /taal/ is no route
        None, lambda s, a, v: a.form_post(f"/taal/{quote(v, safe='')}"), (303, 404)),
}

HUGE_IDS = ("2147483648", "9223372036854775808", "99999999999999999999")
HUGE = "{huge}"
HUGE_ID_URLS = [
    ("viewer", "GET", f"/consultaties/{SLUG}/reacties/{HUGE}"),
    ("viewer", "GET", f"/consultaties/{SLUG}/reacties/{HUGE}/punten"),
    ("viewer", "GET", f"/consultaties/{SLUG}/punten/{HUGE}"),
    ("viewer", "GET", f"/consultaties/{SLUG}/antwoorden/{HUGE}/versies"),
    ("viewer", "GET", f"/consultaties/{SLUG}/bijlagen/{HUGE}"),
    ("secretary", "GET", f"/consultaties/{SLUG}/geschiedenis/reactie/{HUGE}"),
    ("secretary", "POST", f"/consultaties/{SLUG}/archiveren/punt/{HUGE}"),
    ("secretary", "POST", f"/consultaties/{SLUG}/bestemmingen/{HUGE}/omhoog"),
    ("advisory_member", "GET", f"/portaal/concepten/{HUGE}"),
    ("advisory_member", "POST", f"/portaal/volgen/betrokkene/{HUGE}"),
    ("admin", "POST", f"/beheer/gebruikers/{HUGE}/link"),
]


# Link rows the app deletes on purpose (an answer's destinations, follows, memberships).
LINK_TABLES = {"responsedestination", "follow", "membership"}


@pytest.mark.parametrize("name", list(PROBES))
def test_injected_and_malformed_values_are_only_data(site, name):
    probe = PROBES[name]
    actor = site.actor(probe.role)
    counts = db_count_all(site.app)
    problems = []
    for value in probe.values:
        before = db_count_all(site.app)
        try:
            response = probe.send(site, actor, value)
        except Exception as err:  # the error page itself failed: worse than a 500
            problems.append(f"{value!r}: {type(err).__name__} {err}")
            continue
        response.close()
        if response.status_code not in probe.allowed:
            problems.append(f"{value!r}: {response.status_code}, expected {probe.allowed}")
        after = db_count_all(site.app)
        if not probe.stores and after != before:
            changed = {t for t in after if after[t] != before[t]}
            problems.append(f"{value!r} stored rows in {sorted(changed)}")
    final = db_count_all(site.app)
    shrunk = {t: (counts[t], final[t]) for t in counts
              if final.get(t, -1) < counts[t] and t not in LINK_TABLES}
    assert not shrunk, f"tables lost rows: {shrunk}"
    assert final["point"] >= 204 and final["user"] >= 5
    if probe.stored_as:  # what went in as text is stored as exactly that text
        column = probe.stored_as
        stored = set(site.q(lambda s: s.exec(select(column)).all()))
        missing = [v for v in probe.values if v.strip().lower() not in stored]
        assert not missing, f"not stored literally: {missing}"
    assert not problems, f"{name}:\n" + "\n".join(problems)


def test_ids_too_large_for_the_database_are_404(site):
    problems = []
    for (role, method, pattern), huge in itertools.product(HUGE_ID_URLS, HUGE_IDS):
        url = pattern.replace(HUGE, huge)
        actor = site.actor(role)
        try:
            response = actor.get(url) if method == "GET" else actor.form_post(url)
        except Exception as err:  # the error page itself failed: worse than a 500
            problems.append(f"{method} {url} as {role}: {type(err).__name__}")
            continue
        if response.status_code != 404:
            problems.append(f"{method} {url} as {role}: {response.status_code}")
    assert not problems, "\n".join(problems)


# --- uploads -------------------------------------------------------------------------------


def _docx_claiming(size: int | None, payload: bytes = b"<w:document/>") -> bytes:
    """A small .docx-like zip whose central directory claims `size` bytes unpacked."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", payload)
    data = bytearray(buffer.getvalue())
    if size is not None:
        central = data.rindex(b"PK\x01\x02")
        data[central + 24:central + 28] = size.to_bytes(4, "little")
    return bytes(data)


_rng = random.Random(2016)
UPLOADS = {
    "10.5 MB .txt": ("brief.txt", b"1. Punt.\n" * (11_010_048 // 9 + 1), "groter dan 10 MB"),
    "a .pdf that is not a PDF": ("brief.pdf", b"1. Dit is gewone tekst.\n", "geen leesbare PDF"),
    "a PDF header with junk": ("brief.pdf", b"%PDF-1.7\n" + bytes(_rng.randrange(256)
                                                                  for _ in range(4000)),
                               "PDF"),
    "a .docx that is not a zip": ("brief.docx", b"1. Gewone tekst.\n",
                                  "geen leesbaar Word-bestand"),
    "a zip that is no Word file": ("brief.docx", _docx_claiming(None).replace(
        b"word/document.xml", b"word/documenx.xml"), "geen leesbaar Word-bestand"),
    "a zip bomb claiming 4 GB": ("brief.docx", _docx_claiming(0xFFFFFFF0),
                                 "uitgepakt te groot"),
    "a zip bomb lying small (20 MB inside)": (
        "brief.docx", _docx_claiming(1000, b"\0" * 20_000_000), "geen leesbaar Word-bestand"),
    "binary junk as .txt": ("brief.txt", bytes(_rng.randrange(256) for _ in range(20_000)),
                            "geen leesbare tekst"),
    "an empty file": ("brief.txt", b"", "Het bestand is leeg."),
    "an old Word file": ("brief.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
                         "oud Word-bestand"),
    "a web page as .txt": ("brief.txt", b"<!doctype html><html><body>x</body></html>",
                           "webpagina"),
}
TRAVERSAL_NAMES = ["../../etc/passwd", "..\\..\\boot.ini", "/etc/shadow.txt",
                   "....//....//etc/passwd.txt", "C:\\Windows\\win.ini", "uploads/../../x.txt",
                   "%2e%2e%2fetc%2fpasswd.txt", "brief\x00.txt", "a" * 1000 + ".txt"]


def _upload(actor, url, filename, data, hx=True, **form):
    payload = {**form, "file": (io.BytesIO(data), filename)}
    if hx:
        return actor.hx_post(url, data=payload)
    return actor.form_post(url, payload)


def _upload_targets(site):
    base = f"/consultaties/{SLUG}"
    return [
        ("composer preview", site.actor("secretary"), f"{base}/composer/voorbeeld", True, {}),
        ("portal preview", site.actor("advisory_member"), f"/portaal/{SLUG}/voorbeeld", True, {}),
        ("composer save", site.actor("secretary"), f"{base}/reacties", True,
         {"stakeholder_id": site.world.stakeholder, "channel": "other"}),
        ("portal draft save", site.actor("advisory_member"), f"/portaal/{SLUG}/concept", False,
         {"title": "Advies met bijlage"}),
    ]


# The test client spools request bodies over 500 kB into temporary files that it never closes
# (werkzeug's EnvironBuilder); their ResourceWarning is the client's, not the app's. Tests that
# send such bodies collect them before they end, so the warning cannot land on another test.
big_bodies = pytest.mark.filterwarnings("ignore::ResourceWarning",
                                        "ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture
def collect_spooled_bodies():
    yield
    gc.collect()


@big_bodies
@pytest.mark.usefixtures("collect_spooled_bodies")
def test_oversized_and_malformed_uploads_get_a_dutch_message_and_store_nothing(site, open_round):
    instance = site.app.instance_path
    targets = list(_upload_targets(site))  # their actors log in before the snapshot
    site.actor("secretary")
    files, etc = files_under(instance), etc_state()
    before = db_snapshot(site.app)
    problems = []
    for target, actor, url, hx, form in targets:
        for name, (filename, data, message) in UPLOADS.items():
            response = _upload(actor, url, filename, data, hx, **form)
            text = response.get_data(as_text=True)
            saves = target.endswith("save")
            ok = response.status_code == (422 if saves else 200) and message in text
            if not ok:
                problems.append(f"{target}, {name}: {response.status_code} {text[:120]!r}")
        # over 12 MB: refused before anything is read, with a Dutch message
        big = _upload(actor, url, "groot.txt", b"x" * (12 * 1024 * 1024 + 10), hx, **form)
        text = big.get_data(as_text=True)
        if big.status_code != 413 or TOO_LARGE not in text:
            problems.append(f"{target}, over 12 MB: {big.status_code} {text[:120]!r}")
    pasted = site.actor("secretary").hx_post(f"/consultaties/{SLUG}/composer/voorbeeld",
                                             data={"text": "x" * (12 * 1024 * 1024 + 10)})
    if pasted.status_code != 413 or TOO_LARGE not in pasted.get_data(as_text=True):
        problems.append(f"12 MB pasted: {pasted.status_code}")
    page = site.actor("secretary").client.post(
        f"/consultaties/{SLUG}/composer/voorbeeld",
        data={"csrf_token": site.actor("secretary").token,
              "file": (io.BytesIO(b"x" * (13 * 1024 * 1024)), "groot.txt")})
    if page.status_code != 413 or "Te groot" not in page.get_data(as_text=True):
        problems.append(f"over 12 MB as a page: {page.status_code}")
    assert db_snapshot(site.app) == before, "a refused upload stored something"
    assert files_under(instance) == files, "a refused upload wrote a file"
    assert etc_state() == etc
    assert not problems, "\n".join(problems)


@big_bodies
@pytest.mark.usefixtures("collect_spooled_bodies")
def test_uploaded_file_names_never_become_paths(site, open_round):
    instance = site.app.instance_path
    etc = etc_state()
    outside = files_under(Path(instance).parent)
    problems = []
    for target, actor, url, hx, form in _upload_targets(site):
        for filename in TRAVERSAL_NAMES:
            uploads = set(files.of(site.app).names("uploads"))  # either store
            response = _upload(actor, url, filename, b"1. Eerste punt.\n2. Tweede punt.\n", hx,
                               **form)
            saves = target.endswith("save")
            expected = (201 if hx else 303) if saves else 200
            if response.status_code != expected:
                problems.append(f"{target}, {filename[:40]!r}: {response.status_code}")
                continue
            new = set(files.of(site.app).names("uploads")) - uploads
            if not saves:
                if new:
                    problems.append(f"{target} stored {new}")
                continue
            if len(new) != 1 or not re.fullmatch(r"[0-9a-f]{32}", next(iter(new))):
                problems.append(f"{target}, {filename[:40]!r}: stored as {new}")
                continue
            name = next(iter(new))
            stored = site.q(lambda s, n=name: s.exec(
                select(Attachment).where(Attachment.stored_name == n)).one())
            if any(c in stored.filename for c in "/\\\0") or ".." in stored.filename.strip("."):
                problems.append(f"{filename[:40]!r} kept as the name {stored.filename!r}")
            download = actor.get(f"/consultaties/{SLUG}/bijlagen/{stored.id}")
            disposition = download.headers.get("Content-Disposition", "")
            download.close()
            if download.status_code != 200 or not disposition.startswith("attachment"):
                problems.append(f"download of {filename[:40]!r}: {download.status_code}")
    grown = {p for p in files_under(Path(instance).parent) - outside
             if not p.startswith("consult.sqlite3")}
    assert all(p.startswith("instance/uploads/") for p in grown), sorted(grown)[:5]
    assert etc_state() == etc
    assert not problems, "\n".join(problems)


# --- brute force -----------------------------------------------------------------------------


def test_six_wrong_passwords_lock_the_account_but_not_the_others(site):
    attempts = []
    for _ in range(6):
        _actor, response = login(site.app, VICTIM[0], "verkeerd-wachtwoord", "10.0.0.1")
        attempts.append(response)
    assert [r.status_code for r in attempts] == [401] * 5 + [429]
    assert all(BAD_LOGIN in r.get_data(as_text=True) for r in attempts[:5])
    assert THROTTLED in attempts[5].get_data(as_text=True)
    # now even the right password is refused, from here or anywhere, however it is spelled
    for email, address in [(VICTIM[0], "10.0.0.1"), (VICTIM[0], "10.0.0.9"),
                           (f"  {VICTIM[0].upper()} ", "10.0.0.9")]:
        actor, response = login(site.app, email, VICTIM[1], address)
        assert response.status_code == 429, (email, address)
        assert THROTTLED in response.get_data(as_text=True)
        assert actor.get("/beheer/gebruikers").status_code == 302  # still not logged in
    # another account from another address logs in
    other, response = login(site.app, *DEMO_PASSWORDS["viewer"], "10.0.0.2")
    assert response.status_code == 303
    assert "Uitloggen" in other.get("/").get_data(as_text=True)


def test_login_failures_say_the_same_whatever_was_wrong(site):
    _a, unknown = login(site.app, "niemand@consult.example", "wat-dan-ook-2026", "10.0.1.1")
    _a, wrong = login(site.app, DEMO_PASSWORDS["admin"][0], "wat-dan-ook-2026", "10.0.1.2")
    assert unknown.status_code == wrong.status_code == 401

    def message(response):
        return re.search(r'<p class="error"[^>]*>(.*?)</p>', response.get_data(as_text=True))[1]

    assert message(unknown) == message(wrong) == BAD_LOGIN


def test_twenty_failures_from_one_address_slow_it_down_but_let_colleagues_in(site):
    """One guesser behind a town hall's NAT: the address is slowed down, not locked."""
    address = "10.0.2.1"
    for n in range(20):
        _a, response = login(site.app, f"gok{n}@consult.example", "fout-fout-fout", address)
        assert response.status_code == 401
    # colleagues behind the same address still log in with their right passwords
    for role in ("secretary", "admin"):
        colleague, response = login(site.app, *DEMO_PASSWORDS[role], address)
        assert response.status_code == 303, role
        assert "Uitloggen" in colleague.get("/").get_data(as_text=True)
    # an account that already failed from here must wait; its guess is not even checked
    _a, again = login(site.app, "gok0@consult.example", "fout-fout-fout", address)
    assert again.status_code == 429 and THROTTLED in again.get_data(as_text=True)
    assert 0 < int(again.headers["Retry-After"]) <= 300
    # a first guess at another account is checked; the second one must wait
    _a, first = login(site.app, "gok-extra@consult.example", "fout-fout-fout", address)
    _a, second = login(site.app, "gok-extra@consult.example", "fout-fout-fout", address)
    assert (first.status_code, second.status_code) == (401, 429)
    # from elsewhere the same account is checked as usual (one failure is not a lock)
    _a, elsewhere = login(site.app, "gok0@consult.example", "fout-fout-fout", "10.0.2.2")
    assert elsewhere.status_code == 401
    _a, other = login(site.app, *DEMO_PASSWORDS["secretary"], "10.0.2.2")
    assert other.status_code == 303


# --- open redirects ----------------------------------------------------------------------

REDIRECT_TARGETS = [
    f"//{EVIL}",
    f"https://{EVIL}",
    f"http:{EVIL}",
    f"/\\{EVIL}",
    f"\\\\{EVIL}",
    f"///{EVIL}",
    f"/\t/{EVIL}",
    f"/ /{EVIL}",
    f"/%2F{EVIL}",
    f"javascript:alert('{EVIL}')",
    f"https:/\\{EVIL}",
    f"/\r\n/{EVIL}",
]


REAL_LOGINS = {f"//{EVIL}", f"https://{EVIL}", f"/\\{EVIL}", f"/\t/{EVIL}"}


def test_next_parameters_never_redirect_off_site(site):
    viewer = site.actor("viewer")
    problems = []
    for target in REDIRECT_TARGETS:
        qs = _qs(next=target)
        for who, url in [("anonymous", "/taal/en"), ("anonymous", "/taal/nl"),
                         ("viewer", f"/inloggen?{qs}")]:
            actor = site.actor(None) if who == "anonymous" else viewer
            response = (actor.get(url) if who == "viewer"
                        else actor.form_post(url, {"next": target}))
            location = response.headers.get("Location", "")
            if response.status_code not in (302, 303) or _off_site(location):
                problems.append(f"GET {url} as {who}: {response.status_code} -> {location!r}")
            if any(_off_site(href) for href in _hrefs(response)):
                problems.append(f"GET {url}: a link off-site in the body")
        if target in REAL_LOGINS:  # a real login, with next in the form as the page sends it
            guest = Actor(site.app.test_client(), None)
            response = guest.form_post("/inloggen", {"email": DEMO_PASSWORDS["viewer"][0],
                                                     "password": DEMO_PASSWORDS["viewer"][1],
                                                     "next": target})
            location = response.headers.get("Location", "")
            if response.status_code != 303 or _off_site(location):
                problems.append(f"login with next={target!r}: {response.status_code} "
                                f"-> {location!r}")
        # the archive buttons send the page back as "next" too
        archived = site.actor("secretary").form_post(
            f"/consultaties/{SLUG}/herstellen/punt/{site.world.demo.other_point}",
            {"next": target})
        location = archived.headers.get("Location", "")
        if archived.status_code != 303 or _off_site(location):
            problems.append(f"restore with next={target!r}: {archived.status_code} "
                            f"-> {location!r}")
    site.actor(None).form_post("/taal/nl")
    assert not problems, "\n".join(problems)


def _hrefs(response) -> list[str]:
    return [html.unescape(h)
            for h in re.findall(r'href="([^"]*)"', response.get_data(as_text=True))]


# --- headers and cookies ---------------------------------------------------------------------


def _header_problems(response, what: str) -> list[str]:
    csp = response.headers.get("Content-Security-Policy", "")
    problems = []
    if "attachment" in response.headers.get("Content-Disposition", ""):
        if "sandbox" not in csp or "default-src 'none'" not in csp:
            problems.append(f"{what}: download CSP {csp!r}")
        if response.headers.get("X-Frame-Options") != "DENY":
            problems.append(f"{what}: download can be framed")
    else:
        if not csp or "unsafe-inline" in csp or "unsafe-eval" in csp:
            problems.append(f"{what}: CSP {csp!r}")
        if "frame-ancestors 'none'" not in csp:
            problems.append(f"{what}: no frame-ancestors 'none'")
        if "script-src 'self'" not in csp and "default-src 'self'" not in csp:
            problems.append(f"{what}: scripts not limited to the site")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{what}: no nosniff")
    if response.headers.get("Referrer-Policy") not in ("same-origin", "no-referrer",
                                                        "strict-origin-when-cross-origin"):
        problems.append(f"{what}: Referrer-Policy {response.headers.get('Referrer-Policy')}")
    return problems


@big_bodies
@pytest.mark.usefixtures("collect_spooled_bodies")
def test_security_headers_on_every_response(site):
    problems, seen = [], Counter()
    for role in (None, "viewer", "advisory_member", "admin"):
        actor = site.actor(role)
        for cell in route_cells(site.world, variants=False):
            if cell.method != "GET":
                continue
            response = actor.hx_get(cell.url) if cell.mode == "hx" else actor.get(cell.url)
            response.close()
            seen[response.status_code] += 1
            problems += _header_problems(response, f"GET {cell.url} as {role_id(role)}")
    anon = site.actor(None)
    extra = [
        anon.get("/static/consult.css"),
        anon.get("/bestaat-niet"),
        anon.client.post("/uitloggen"),  # 400: no CSRF token
        anon.form_post("/"),  # 405
        anon.form_post("/taal/nl", {"next": "/"}),  # 303
        anon.hx_post(f"/portaal/{SLUG}/voorbeeld"),  # 401
        anon.hx_get(f"/consultaties/{SLUG}/punten/{site.world.demo.point}/nieuw?na=2000000000"),
        site.actor("secretary").hx_post(f"/consultaties/{SLUG}/composer/voorbeeld",
                                        data={"text": "x" * (12 * 1024 * 1024 + 10)}),  # 413
    ]
    for response in extra:
        response.close()
        seen[response.status_code] += 1
        problems += _header_problems(response, f"{response.request.path} "
                                               f"({response.status_code})")
    assert {200, 204, 302, 303, 400, 401, 403, 404, 405, 413} <= set(seen), seen
    assert not problems, "\n".join(problems[:20])


def _session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, response.headers
    return cookies[-1]


@pytest.mark.parametrize("backend", ["sqlite"])  # an app of its own, created as in production
def test_session_cookie_is_httponly_lax_and_secure_by_default(tmp_path, monkeypatch, backend):
    monkeypatch.delenv("CONSULT_INSECURE_COOKIES", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path / "i"),
                      "DATABASE_URL": f"{backend}:///{tmp_path / 'cookies.sqlite3'}"})
    SQLModel.metadata.create_all(app.extensions["consult.engine"])
    with app.app_context():
        session = get_session()
        create_user(session, email=VICTIM[0], name="Victor", role="viewer", password=VICTIM[1])
        session.commit()
    client = app.test_client()
    cookie = _session_cookie(client.get("/"))  # the CSRF token lives in the session
    for flag in ("Secure", "HttpOnly", "SameSite=Lax"):
        assert flag in cookie, cookie
    token = re.search(r'"X-CSRFToken": "([^"]+)"', client.get("/").get_data(as_text=True))[1]
    logged_in = client.post("/inloggen", data={"email": VICTIM[0], "password": VICTIM[1],
                                               "csrf_token": token},
                            base_url="https://localhost",
                            headers={"Referer": "https://localhost/inloggen"})
    assert logged_in.status_code == 303
    cookie = _session_cookie(logged_in)
    for flag in ("Secure", "HttpOnly", "SameSite=Lax"):
        assert flag in cookie, cookie
    app.extensions["consult.engine"].dispose()
    # for plain-HTTP development the flag can be switched off explicitly, and only then
    monkeypatch.setenv("CONSULT_INSECURE_COOKIES", "1")
    dev = create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path / "d"),
                      "DATABASE_URL": f"{backend}:///{tmp_path / 'dev.sqlite3'}"})
    SQLModel.metadata.create_all(dev.extensions["consult.engine"])
    cookie = _session_cookie(dev.test_client().get("/"))
    assert "Secure" not in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    dev.extensions["consult.engine"].dispose()


def test_session_cookie_flags_on_the_test_site_too(site):
    _actor, response = login(site.app, *DEMO_PASSWORDS["councillor"], "10.0.3.1")
    cookie = _session_cookie(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


# --- XSS -------------------------------------------------------------------------------

PAYLOADS = [
    "<script>alert('XSS1')</script>",
    "<img src=x onerror=alert('XSS2')>",
    "<svg onload=alert('XSS3')>",
    "[klik hier](javascript:alert('XSS4'))",
    '<a href="javascript:alert(\'XSS5\')">klik</a>',
    f'<iframe src="https://{EVIL}/XSS6"></iframe>',
    "<div style=\"background:url(javascript:alert('XSS7'));"
    "width:expression(alert('XSS7'))\">x</div>",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgnWFNTOCcpPC9zY3JpcHQ+">data</a>',
    "<IMG SRC=x OnErRoR=alert('XSS9')>",
    "<img src=x onerror=alert('XSS10')//",
    "&lt;script&gt;alert('XSS11')&lt;/script&gt;",
    "\"><script>alert('XSS12')</script>",
    "'><svg/onload=alert('XSS13')>",
    "<object data=\"javascript:alert('XSS14')\"></object>",
    "<embed src=\"data:text/html,<script>alert('XSS15')</script>\">",
    "[entiteit](&#106;avascript:alert('XSS16'))",
    '<a href="jav&#x09;ascript:alert(\'XSS17\')">tab</a>',
    "![plaatje](javascript:alert('XSS18'))",
    "<details open ontoggle=alert('XSS19')>",
    "<BODY ONLOAD=alert('XSS20')>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('XSS21')>",
    "<scr<script>ipt>alert('XSS22')</scr</script>ipt>",
    f'<a hx-get="https://{EVIL}/XSS23" hx-trigger="load">htmx</a>',
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert('XSS24')\">",
    f'<base href="https://{EVIL}/XSS25/">',
    "<form action=\"javascript:alert('XSS26')\"><button>verstuur</button></form>",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgnWFNTMjcnKTwvc2NyaXB0Pg==)",
    "<svg><a xlink:href=\"javascript:alert('XSS28')\"><text y=\"20\">x</text></a></svg>",
    "javascript:alert('XSS29')",
    "<input autofocus onfocus=alert('XSS30')>",
    f"<style>@import 'https://{EVIL}/XSS31.css';</style>",
    f"<link rel=stylesheet href=https://{EVIL}/XSS32.css>",
    "SSTI{{7*191}}X{% raw %}",
]
SSTI_RESULT = "SSTI1337X"
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "background",
                  "poster", "ping", "codebase", "dynsrc", "lowsrc", "srcset"}
FORBIDDEN_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "style",
                  "portal"}


def _active_url(value: str) -> bool:
    """What a browser would run or render as a page: javascript:, vbscript:, data: HTML/SVG."""
    squeezed = "".join(ch for ch in value if ch > " ").lower()  # browsers drop tabs, newlines
    return squeezed.startswith(("javascript:", "vbscript:", "data:text/html",
                                "data:image/svg", "data:application"))


class ActiveContent(HTMLParser):
    """Collects whatever a browser would run or load from elsewhere."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = {name: value or "" for name, value in attrs}
        if tag == "script" and not values.get("src", "").startswith("/static/"):
            self.found.append(f"<script {values}>")
        if tag in FORBIDDEN_TAGS:
            self.found.append(f"<{tag}>")
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self.found.append("<meta http-equiv=refresh>")
        if tag == "link" and not values.get("href", "").startswith("/static/"):
            self.found.append(f"<link {values}>")
        action = values.get("action", "/")
        if tag == "form" and (not action.startswith("/") or action.startswith("//")):
            self.found.append(f"<form action={action}>")
        for name, value in values.items():
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}={value}>")
            if name in URL_ATTRIBUTES and _active_url(value):
                self.found.append(f"<{tag} {name}={value}>")
            if name == "srcdoc":
                self.found.append(f"<{tag} srcdoc>")
            if name == "style" and any(x in value.lower() for x in ("expression", "url(", "java")):
                self.found.append(f"<{tag} style={value}>")
            if name.startswith(("hx-", "data-hx-")) and EVIL in value:
                self.found.append(f"<{tag} {name}={value}>")

    def handle_data(self, data):
        if SSTI_RESULT in data:
            self.found.append("template expression evaluated")


def active_content(html: str) -> list[str]:
    parser = ActiveContent()
    parser.feed(html)
    parser.close()
    return parser.found


def check_the_detector():
    """The detector itself finds what it should (else a clean result would mean nothing)."""
    html = (
        '<img src=x onerror="a()"><a href=" jAvA&#x09;script:b()">x</a><script>c()</script>'
        '<iframe></iframe><a href="data:text/html,x">d</a><form action="javascript:e()"></form>'
        f'<div style="width:expression(f())"></div><a hx-get="//{EVIL}/g">g</a>'
        "<meta http-equiv=Refresh content=0><base href=//x><p>SSTI1337X</p>"
        '<script src="/static/ok.js"></script><a href="/ok">ok</a>'
    )
    assert len(active_content(html)) == 12  # the javascript: form action counts twice
    assert active_content('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><a href="/x">x</a>') == []


class Inspector:
    """Fetches pages and collects every piece of active content found in them."""

    def __init__(self):
        self.problems: list[str] = []
        self.pages = 0

    def check(self, response, what: str, statuses=(200,)):
        self.pages += 1
        if response.status_code not in statuses:
            self.problems.append(f"{what}: status {response.status_code}")
            return
        found = active_content(response.get_data(as_text=True))
        if found:
            self.problems.append(f"{what}: {found[:3]}")

    def get(self, actor, url, hx=False):
        response = actor.hx_get(url) if hx else actor.get(url)
        self.check(response, f"GET {url} as {role_id(actor.role)}")
        return response


def _reaction_by_title(site, title):
    return site.q(lambda s: s.exec(
        select(Reaction).where(Reaction.title == title).order_by(Reaction.id.desc())).first())


def _last_id(site, model, *where):
    return site.q(lambda s: s.exec(select(model.id).where(*where).order_by(model.id.desc()))
                  .first())


def test_xss_payloads_in_every_text_field_stay_inert(site, open_round):
    """Each payload in each field a user can fill, then every page that shows it."""
    check_the_detector()
    sec, cou, adv = site.actor("secretary"), site.actor("councillor"), site.actor("advisory_member")
    adm, anon = site.actor("admin"), site.actor(None)
    base = f"/consultaties/{SLUG}"
    leiden = site.world.stakeholder
    wmo_point = site.q(lambda s: s.exec(
        select(Point.id).join(Reaction, Reaction.id == Point.reaction_id)
        .join(Stakeholder, Stakeholder.id == Reaction.stakeholder_id)
        .where(Stakeholder.slug == "leiden-wmo")).first())
    inspect = Inspector()
    tried = Counter()
    created = []  # (reaction id, first point id, response id)
    drafts = []

    def expect(response, status, what):
        inspect.check(response, what, (status,))

    for i, p in enumerate(PAYLOADS):
        title = f"{p} #{i}"
        logged = sec.hx_post(f"{base}/reacties", data={
            "new_stakeholder_name": f"{p} {i}", "new_stakeholder_kind": "other",
            # confirmed as new: the payloads look alike, so close matches are offered
            "stakeholder_match": "nieuw", "stakeholder_match_voor": f"{p} {i}",
            "channel": "other", "title": title, "text": f"Brief\n1. {p}\n2. Tweede punt.",
            "point_number": ["1", "2"], "point_heading": [p, p],
            "point_text": [p, f"Tweede punt {i}."],
        })
        expect(logged, 201, f"composer with payload {i}")
        tried.update(["composer title", "composer letter text", "point text", "point heading",
                      "new stakeholder name"])
        reaction = _reaction_by_title(site, title.strip())
        assert reaction is not None, f"payload {i} was not logged"
        point = _last_id(site, Point, Point.reaction_id == reaction.id, Point.number == "1")
        split = sec.hx_post(f"{base}/reacties", data={
            "stakeholder_id": leiden, "channel": "collegebrief", "title": f"Gesplitst {i}",
            "text": f"{p}\n\n1. {p}\n2. Nog een punt: {p}"})
        expect(split, 201, f"split letter with payload {i}")
        tried["letter text split into points"] += 1
        expect(sec.hx_post(f"{base}/composer/voorbeeld", data={"text": f"{p}\n1. {p}\n2. {p}"}),
               200, f"composer preview {i}")
        expect(sec.hx_post(f"{base}/composer/bewerk", data={
            "point_number": ["1", "2"], "point_heading": [p, ""], "point_text": [p, p],
            "action": "split:0"}), 200, f"composer preview edit {i}")
        tried.update(["composer preview", "composer preview edit"])
        upload = io.BytesIO(f"1. {p}\n2. Tweede punt.\n".encode())
        expect(sec.hx_post(f"{base}/composer/voorbeeld", data={"file": (upload, f"brief{i}.txt")}),
               200, f"uploaded letter {i}")
        tried["uploaded letter"] += 1
        named = io.BytesIO(b"1. Een punt.\n2. Nog een punt.\n")
        filename = p.replace('"', "%22") + ".txt"  # as browsers send a quote in a file name
        expect(sec.hx_post(f"{base}/reacties", data={
            "stakeholder_id": leiden, "channel": "other", "title": f"Bijlage {i}",
            "file": (named, filename)}), 201, f"uploaded file name {i}")
        tried["uploaded file name"] += 1
        answered = sec.hx_post(f"{base}/reacties/{reaction.id}/antwoorden", data={
            "selection": "1 t/m 2", "body": p, "status": "adopted", "decided_by": p,
            "new_destination": p})
        expect(answered, 200, f"answer {i}")
        tried.update(["answer body", "answer decided by", "new destination in the answer form"])
        response = _last_id(site, Response, Response.reaction_id == reaction.id)
        edited = sec.form_post(f"{base}/antwoorden/{response}/bewerken", {
            "version": 1, "body": f"{p} (herzien)", "status": "proposed", "decided_by": p})
        expect(edited, 303, f"edited answer {i}")
        tried["edited answer"] += 1
        expect(sec.hx_post("/markdown-voorbeeld", data={"body": p}), 200, f"Markdown {i}")
        tried["Markdown preview"] += 1
        expect(cou.hx_post(f"{base}/punten/{point}/berichten", data={"body": p}), 204,
               f"question {i}")
        expect(sec.hx_post(f"{base}/punten/{wmo_point}/berichten",
                           data={"kind": "answer", "body": p}), 204, f"message {i}")
        expect(sec.hx_post(f"{base}/punten/{point}/berichten",
                           data={"kind": "internal_note", "body": p}), 204, f"note {i}")
        tried["thread message"] += 1
        expect(sec.form_post(f"{base}/bestemmingen", {"title": p}), 303, f"destination {i}")
        tried["new destination on the destinations page"] += 1
        plain = f"Te hernoemen {i}"
        sec.form_post(f"{base}/bestemmingen", {"title": plain})
        destination = _last_id(site, Destination, Destination.title == plain)
        expect(sec.form_post(f"{base}/bestemmingen/{destination}/hernoemen", {"title": p}), 303,
               f"rename {i}")
        tried["destination rename"] += 1
        for submit in ("0", "1"):
            saved = adv.form_post(f"/portaal/{SLUG}/concept", {
                "title": f"{p} {submit}", "text": f"1. {p}\n2. Tweede punt.", "submit": submit})
            expect(saved, 303, f"advice {i}")
            drafts.append(saved.headers.get("Location", "/portaal").split("?")[0])
        expect(adv.hx_post(f"/portaal/{SLUG}/voorbeeld", data={"text": f"1. {p}"}), 200,
               f"portal preview {i}")
        tried.update(["draft title", "draft text", "portal preview"])
        expect(adm.form_post("/beheer/gebruikers", {
            "email": f"xss{i}@consult.example", "name": p, "role": "viewer"}), 200, f"user {i}")
        tried["user name"] += 1
        inspect.get(anon, f"/inloggen?{_qs(email=p)}")
        if i % 5 == 0:  # a failed login shows the same template (each costs an argon2 check)
            guest = Actor(site.app.test_client(), None)
            guest.client.environ_base["REMOTE_ADDR"] = f"10.66.{i}.1"
            expect(guest.form_post("/inloggen", {"email": p, "password": "fout"}), 401,
                   f"login e-mail {i}")
        tried["login e-mail (reflected)"] += 1
        inspect.get(anon, f"/inloggen?{_qs(next=p)}")
        switched = anon.form_post("/taal/nl", {"next": p})
        expect(switched, 303, f"language switch {i}")
        if _off_site(switched.headers.get("Location", "")):
            inspect.problems.append(f"/taal/nl?next={p!r} redirects to {switched.headers}")
        tried["next parameter (reflected)"] += 1
        created.append((reaction.id, point, response))

    # Every page that shows them, as the people who see them.
    for url, hx in [("/", False), (base, False), (f"{base}/wijzigingen?rev=-1&na=0", True),
                    (f"{base}/bestemmingen", False), (f"{base}/archief", False),
                    (f"{base}/punten/{wmo_point}", False)]:
        inspect.get(sec, url, hx)
    for reaction, point, response in created:
        for url, hx in [(f"{base}/reacties/{reaction}", False),
                        (f"{base}/reacties/{reaction}/punten", True),
                        (f"{base}/punten/{point}", False),
                        (f"{base}/punten/{point}/nieuw?na=0", True),
                        (f"{base}/antwoorden/{response}/versies", False),
                        (f"{base}/antwoorden/{response}/bewerken", False),
                        (f"{base}/geschiedenis/reactie/{reaction}", False),
                        (f"{base}/geschiedenis/antwoord/{response}", False)]:
            inspect.get(sec, url, hx)
        inspect.get(cou, f"{base}/reacties/{reaction}")
        inspect.get(cou, f"{base}/punten/{point}")
    for split in site.q(lambda s: s.exec(select(Reaction.id).where(
            Reaction.title.startswith("Gesplitst ") | Reaction.title.startswith("Bijlage ")))
            .all()):
        inspect.get(sec, f"{base}/reacties/{split}")
    for actor in (cou, adv):
        inspect.get(actor, base)
    # The public reads the round once it is published again.
    take_steps(site.app, "close", ("decide", "PHO Jeugdhulp", "2015-12-16"), "publish")
    inspect.get(anon, base)
    reopen(site.app)
    inspect.get(cou, "/portaal")
    inspect.get(adv, "/portaal")
    inspect.get(adv, f"{base}/punten/{wmo_point}")
    for url in sorted(set(drafts)):
        inspect.get(adv, url)
    inspect.get(adm, "/beheer/gebruikers")

    # The payloads were stored as text and are shown as text (the test is not vacuous).
    page = sec.get(f"{base}/reacties/{created[0][0]}").get_data(as_text=True)
    assert "&lt;script&gt;alert(" in page
    assert site.q(lambda s: s.exec(select(Message).where(Message.body == PAYLOADS[0])).first())
    assert len(PAYLOADS) >= 20 and len(tried) >= 20
    assert all(n == len(PAYLOADS) for n in tried.values()), tried
    assert not inspect.problems, "\n".join(inspect.problems)
