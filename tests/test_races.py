"""Races that used to lose work, each sent as real concurrent requests to a real gunicorn
(3 workers x 4 threads) on SQLite and PostgreSQL.

Two saves of the same version: one is stored, the other gets the conflict page with its own
text (never a silent overwrite, never a 500). The same form sent twice (double click, retry,
another tab) is stored once and both get the original answer.
"""

import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from consult.accounts import create_user
from consult.db import make_engine
from consult.lifecycle import take_step
from consult.models import (
    AuditEvent,
    Commitment,
    Consultation,
    Destination,
    Follow,
    Landing,
    Membership,
    Message,
    Point,
    Reaction,
    Response,
    ResponseVersion,
    Stakeholder,
    User,
)

from .conftest import BACKENDS, empty_database
from .served import CONF, SLUG, Browser, demo_database, server_env, started

SECOND_MEMBER = ("bestuurslid@consult.example", "demo-bestuurslid-2016")
CONFLICT_ANSWER = "Iemand anders heeft dit antwoord intussen gewijzigd"
CONFLICT_DRAFT = "Dit concept is intussen gewijzigd of ingediend."
ADVICE = """Advies WMO Adviesraad Leiden

1. Betrek cliënten als volwaardige partner bij de inkoop.
2. Zorg voor onafhankelijke cliëntondersteuning in elke gemeente.
3. Meet tevredenheid van jongeren zelf, niet alleen van ouders.
"""


@dataclass
class Site:
    base: str
    engine: sa.Engine
    server: object

    def query(self, statement):
        """Rows straight from the database (what is really stored)."""
        with Session(self.engine) as session:
            return session.execute(statement).all()

    def count(self, model, *where) -> int:
        return self.query(sa.select(sa.func.count()).select_from(model).where(*where))[0][0]


@pytest.fixture(scope="module", params=BACKENDS)
def site(request, tmp_path_factory):
    """gunicorn with the production settings (3 workers x 4 threads) on the demo, with a second
    member of the WMO Adviesraad Leiden."""
    tmp_path = tmp_path_factory.mktemp(request.param)
    url = empty_database(request.param, tmp_path)
    demo_database(url, tmp_path)
    engine = make_engine(url)
    with Session(engine) as session:
        board = session.exec(select(Stakeholder).where(Stakeholder.slug == "leiden-wmo")).one()
        member = create_user(session, password=SECOND_MEMBER[1], email=SECOND_MEMBER[0],
                             name="Bram Bestuurslid", role="advisory_member",
                             stakeholder_id=board.id)
        consultation = session.exec(select(Consultation)).one()
        session.add(Membership(consultation_id=consultation.id, user_id=member.id))
        # open for reactions again: advisory boards draft only then (consult/lifecycle)
        for step in ("unpublish", "undo_decision", "reopen"):
            take_step(session, None, consultation, step)
        session.commit()
    env = server_env(url, tmp_path, CONSULT_WORKERS="3", CONSULT_THREADS="4")
    server = started(env, tmp_path / "gunicorn.log", CONF)
    yield Site(server.base, engine, server)
    server.stop()
    engine.dispose()


@pytest.fixture(autouse=True)
def no_server_errors(site):
    """After every test: no request answered 500 and nothing crashed unhandled."""
    yield
    log = site.server.log_text()
    assert not [line for line in log.splitlines() if '" 500 ' in line], log[-5000:]
    assert "Exception on " not in log and "Traceback" not in log, log[-5000:]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 303 itself is the answer under test


@dataclass
class Answer:
    status: int
    headers: dict
    body: str


class Client(Browser):
    """A logged-in user (any account) who reads pages and sends forms like the browser does:
    plain forms with the CSRF field, htmx forms with its headers; redirects not followed."""

    def __init__(self, base: str, role: str | None = None, login: tuple[str, str] | None = None):
        super().__init__(base, role)
        jar = next(h.cookiejar for h in self.opener.handlers
                   if isinstance(h, urllib.request.HTTPCookieProcessor))
        if login:
            token = self.token("/inloggen")
            status, _ = self.request("POST", "/inloggen", {"email": login[0], "password": login[1],
                                                            "csrf_token": token})
            assert status == 200, status
            self.csrf = self.token("/")
        self.raw = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar),
                                               _NoRedirect)

    def page(self, path: str) -> str:
        status, html = self.request("GET", path)
        assert status == 200, (path, status)
        return html

    def send(self, path: str, data: dict, hx: bool = False) -> Answer:
        if not hx:
            data = {"csrf_token": self.csrf, **data}
        req = urllib.request.Request(self.base + path, data=urllib.parse.urlencode(
            data, doseq=True).encode(), method="POST")
        if hx:
            req.add_header("HX-Request", "true")
            req.add_header("X-CSRFToken", self.csrf)
        try:
            with self.raw.open(req, timeout=60) as response:
                return Answer(response.status, dict(response.headers), response.read().decode())
        except urllib.error.HTTPError as err:
            return Answer(err.code, dict(err.headers), err.read().decode())


def form_key(html: str, action: str) -> str:
    """The one-time key of the form that posts to ``action``."""
    found = re.search(r'(?s)<form[^>]*(?:action|hx-post)="' + re.escape(action)
                      + r'"[^>]*>.*?name="form_key" value="([^"]+)"', html)
    assert found, f"no form key in the form for {action}"
    return found.group(1)


def at_once(calls: list) -> list:
    """Run the calls in threads released at the same instant; their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def secretary(site) -> Client:
    return Client(site.base, "secretary")


def fresh_reaction(site, client: Client, title: str) -> int:
    """A reaction of three points, logged through the composer; its id."""
    leiden = site.query(sa.select(Stakeholder.id).where(Stakeholder.slug == "leiden"))[0][0]
    text = "\n".join(f"{i}. Punt {i} van {title} over jeugdhulp." for i in range(1, 4))
    answer = client.send(f"/consultaties/{SLUG}/reacties", {
        "stakeholder_id": leiden, "channel": "collegebrief", "title": title, "text": text,
    }, hx=True)
    assert answer.status == 201, answer.body
    return site.query(sa.select(Reaction.id).where(Reaction.title == title))[0][0]


def answered_once(site, client: Client, reaction_id: int, body: str) -> int:
    """Answer point 1 of the reaction; the answer's id."""
    answer = client.send(f"/consultaties/{SLUG}/reacties/{reaction_id}/antwoorden",
                         {"selection": "1", "body": body, "status": "proposed"}, hx=True)
    assert answer.status == 200, answer.body
    return site.query(sa.select(Response.id).where(Response.reaction_id == reaction_id))[0][0]


# --- two saves of the same version -------------------------------------------------------------


def test_eight_concurrent_answer_edits_save_one_and_give_seven_conflicts(site):
    first = secretary(site)
    reaction_id = fresh_reaction(site, first, "Acht redacteuren")
    response_id = answered_once(site, first, reaction_id, "Eerste versie van het antwoord.")
    url = f"/consultaties/{SLUG}/antwoorden/{response_id}/bewerken"
    editors = [Client(site.base, "secretary" if n % 2 else "admin") for n in range(8)]
    forms = [{"version": "1", "body": f"Versie van redacteur {n}: tekst{n}x.",
              "status": "adopted", "form_key": form_key(editor.page(url), url)}
             for n, editor in enumerate(editors)]
    answers = at_once([lambda e=e, f=f: e.send(url, f) for e, f in zip(editors, forms,
                                                                       strict=True)])
    statuses = sorted(a.status for a in answers)
    assert statuses == [303] + [409] * 7, statuses
    for answer, form in zip(answers, forms, strict=True):
        if answer.status == 409:  # the editor's own text is in the form, next to the saved one
            assert CONFLICT_ANSWER in answer.body
            assert form["body"] in answer.body
    winner = next(f["body"] for a, f in zip(answers, forms, strict=True) if a.status == 303)
    stored = site.query(sa.select(Response.body, Response.version)
                        .where(Response.id == response_id))[0]
    assert tuple(stored) == (winner, 2)
    assert site.count(ResponseVersion, ResponseVersion.response_id == response_id) == 2


def test_two_board_members_saving_the_same_draft_version_lose_no_text(site):
    aisha = Client(site.base, "advisory_member")
    bram = Client(site.base, login=SECOND_MEMBER)
    new = aisha.send(f"/portaal/{SLUG}/concept", {"title": "Gezamenlijk advies", "text": ADVICE})
    assert new.status == 303
    draft_id = int(re.search(r"/portaal/concepten/(\d+)", new.headers["Location"]).group(1))
    url = f"/portaal/concepten/{draft_id}"
    members = [aisha, bram] * 3
    forms = [{"version": "1", "title": "Gezamenlijk advies", "submit": "0",
              "text": ADVICE + f"4. Aanvulling van lid {n}: zin{n}x.\n",
              "form_key": form_key(member.page(url), url)}
             for n, member in enumerate(members)]
    answers = at_once([lambda m=m, f=f: m.send(url, f) for m, f in zip(members, forms,
                                                                       strict=True)])
    statuses = sorted(a.status for a in answers)
    assert statuses == [303] + [409] * 5, statuses
    for answer, form in zip(answers, forms, strict=True):
        if answer.status == 409:
            assert CONFLICT_DRAFT in answer.body
            assert form["text"].splitlines()[-1] in answer.body  # the member's text is kept
    winner = next(f["text"] for a, f in zip(answers, forms, strict=True) if a.status == 303)
    stored = site.query(sa.select(Reaction.original_text, Reaction.version)
                        .where(Reaction.id == draft_id))[0]
    assert tuple(stored) == (winner, 2)


def test_an_edit_and_an_archive_of_the_same_answer_at_once_both_count(site):
    client = secretary(site)
    reaction_id = fresh_reaction(site, client, "Bewerken en archiveren")
    response_id = answered_once(site, client, reaction_id, "Te archiveren antwoord.")
    editor, archivist = Client(site.base, "admin"), secretary(site)
    edit = f"/consultaties/{SLUG}/antwoorden/{response_id}/bewerken"
    archive = f"/consultaties/{SLUG}/archiveren/antwoord/{response_id}"
    answers = at_once([
        lambda: editor.send(edit, {"version": "1", "body": "Gewijzigd vlak voor het archiveren.",
                                   "status": "adopted"}),
        lambda: archivist.send(archive, {"next": "/"}),
    ])
    assert {a.status for a in answers} <= {303, 409}, [a.status for a in answers]
    stored = site.query(sa.select(Response.body, Response.archived)
                        .where(Response.id == response_id))[0]
    if answers[0].status == 303:
        assert stored.body == "Gewijzigd vlak voor het archiveren."
    if answers[1].status == 303:
        assert stored.archived


# --- one form sent several times ---------------------------------------------------------------


def test_a_double_submitted_draft_is_submitted_once(site):
    aisha = Client(site.base, "advisory_member")
    for round_, with_key in ((1, True), (2, False)):
        title = f"Dubbel ingediend advies {round_}"
        new = aisha.send(f"/portaal/{SLUG}/concept", {"title": title, "text": ADVICE})
        assert new.status == 303
        draft_id = int(re.search(r"/portaal/concepten/(\d+)", new.headers["Location"]).group(1))
        url = f"/portaal/concepten/{draft_id}"
        form = {"version": "1", "title": title, "text": ADVICE, "submit": "1"}
        if with_key:  # the same page's form, sent four times (double click, retries)
            form["form_key"] = form_key(aisha.page(url), url)
        answers = at_once([lambda u=url, f=form: aisha.send(u, f)] * 4)
        statuses = sorted(a.status for a in answers)
        done = f"/portaal/concepten/{draft_id}"  # "Ingediend" is a flash now, not the URL
        if with_key:  # every copy gets the first one's answer
            assert statuses == [303] * 4, statuses
            assert {a.headers["Location"] for a in answers} == {done}
        else:  # an old page without a key: one submits, the others are told, text kept
            assert statuses == [303] + [409] * 3, statuses
            assert all("Betrek cliënten als volwaardige partner" in a.body
                       for a in answers if a.status == 409)
        assert site.query(sa.select(Reaction.status).where(Reaction.id == draft_id))[0][0] \
            == "submitted"
        numbers = [n for (n,) in site.query(sa.select(Point.number).where(
            Point.reaction_id == draft_id).order_by(Point.position))]
        assert numbers == ["1", "2", "3"]
        logged = site.count(Message, Message.event == "logged", Message.point_id.in_(
            sa.select(Point.id).where(Point.reaction_id == draft_id)))
        assert logged == 3


def test_a_double_click_on_the_answer_form_stores_one_answer(site):
    client = secretary(site)
    reaction_id = fresh_reaction(site, client, "Dubbelklik antwoord")
    page = f"/consultaties/{SLUG}/reacties/{reaction_id}"
    url = f"{page}/antwoorden"
    key = form_key(client.page(page), url)
    form = {"selection": "1 en 2", "body": "Wordt meegenomen in het inkoopplan.",
            "status": "adopted", "form_key": key}
    answers = at_once([lambda: client.send(url, form, hx=True)] * 4)
    assert [a.status for a in answers] == [200] * 4
    assert all("Wordt meegenomen in het inkoopplan." in a.body for a in answers)
    assert site.count(Response, Response.reaction_id == reaction_id) == 1
    # The form stays on the page with a fresh key: the next, different answer is stored.
    fresh = {a.headers["X-Form-Key"] for a in answers}
    assert len(fresh) == 4 and key not in fresh
    following = client.send(url, {"selection": "3", "body": "Punt 3 gaat naar het PHO.",
                                  "status": "adopted", "form_key": fresh.pop()}, hx=True)
    assert following.status == 200
    assert site.count(Response, Response.reaction_id == reaction_id) == 2
    # The used key with other text (changed after a timeout) is not answered with the old
    # result: refused, the text stays in the form, a new key comes with it.
    changed = client.send(url, {**form, "body": "Toch anders verwoord."}, hx=True)
    assert changed.status == 409 and "al verstuurd" in changed.body
    assert changed.headers["HX-Reswap"] == "none" and changed.headers["X-Form-Key"]
    assert site.count(Response, Response.reaction_id == reaction_id) == 2


def test_a_double_click_on_the_composer_logs_one_reaction(site):
    client = secretary(site)
    url = f"/consultaties/{SLUG}/reacties"
    key = form_key(client.page(f"/consultaties/{SLUG}"), url)
    form = {"new_stakeholder_name": "Gemeente Dubbelklik", "new_stakeholder_kind": "municipality",
            "channel": "collegebrief", "title": "Brief dubbelklik", "form_key": key,
            "text": "1. Eerste punt.\n2. Tweede punt.\n"}
    answers = at_once([lambda: client.send(url, form, hx=True)] * 4)
    assert [a.status for a in answers] == [201] * 4
    links = {re.search(r'/reacties/(\d+)"', a.body).group(1) for a in answers}
    assert len(links) == 1 and "Gemeente Dubbelklik, 2 punten" in answers[0].body
    assert site.count(Reaction, Reaction.title == "Brief dubbelklik") == 1
    assert site.count(Stakeholder, Stakeholder.name == "Gemeente Dubbelklik") == 1


def test_the_same_new_stakeholder_from_four_composers_at_once_is_never_a_500(site):
    clients = [secretary(site) for _ in range(4)]
    url = f"/consultaties/{SLUG}/reacties"
    forms = [{"new_stakeholder_name": "Gemeente Tegelijk", "new_stakeholder_kind": "municipality",
              "channel": "collegebrief", "title": f"Tegelijk {n}", "text": f"1. Punt tegelijk{n}.",
              "form_key": form_key(c.page(f"/consultaties/{SLUG}"), url)}
             for n, c in enumerate(clients)]
    answers = at_once([lambda c=c, f=f: c.send(url, f, hx=True) for c, f in zip(clients, forms,
                                                                                strict=True)])
    # 422: one was made just before, and is offered as a close match (registry.matching)
    assert {a.status for a in answers} <= {201, 409, 422}, [a.status for a in answers]
    for answer in answers:
        assert answer.status != 422 or "Gebruik Gemeente Tegelijk" in answer.body
    for answer, form in zip(answers, forms, strict=True):
        stored = site.count(Reaction, Reaction.title == form["title"])
        assert stored == (1 if answer.status == 201 else 0)
    assert site.count(Stakeholder, Stakeholder.name == "Gemeente Tegelijk") == sum(
        a.status == 201 for a in answers)


def test_a_message_sent_twice_is_posted_once(site):
    client = secretary(site)
    point = site.query(sa.select(Point.id).order_by(Point.id).limit(1))[0][0]
    page = f"/consultaties/{SLUG}/punten/{point}"
    url = f"{page}/berichten"
    key = form_key(client.page(page), url)
    form = {"kind": "comment", "body": "Eenmaal verstuurd bericht dubbelbericht.", "form_key": key}
    answers = at_once([lambda: client.send(url, form, hx=True)] * 4)
    assert [a.status for a in answers] == [204] * 4
    assert site.count(Message, Message.body == form["body"]) == 1
    nxt = client.send(url, {"kind": "comment", "body": "Het volgende bericht.",
                            "form_key": answers[0].headers["X-Form-Key"]}, hx=True)
    assert nxt.status == 204
    assert site.count(Message, Message.body == "Het volgende bericht.") == 1


def test_create_forms_sent_twice_store_once(site):
    client = secretary(site)
    # a destination
    url = f"/consultaties/{SLUG}/bestemmingen"
    form = {"title": "Dubbel geklikte bestemming", "kind": "document_section",
            "form_key": form_key(client.page(url), url)}
    answers = at_once([lambda: client.send(url, form)] * 3)
    assert [a.status for a in answers] == [303] * 3
    assert site.count(Destination, Destination.title == form["title"]) == 1
    # a commitment
    reaction_id = fresh_reaction(site, client, "Toezegging dubbel")
    response_id = answered_once(site, client, reaction_id, "Antwoord met een toezegging.")
    url = f"/consultaties/{SLUG}/toezeggingen"
    form = {"response_id": str(response_id), "description": "Evaluatie na een jaar dubbel.",
            "owner": "Inkoopteam", "due_on": "2027-03-01",
            "form_key": form_key(client.page(url), url)}
    answers = at_once([lambda: client.send(url, form)] * 3)
    assert [a.status for a in answers] == [303] * 3
    assert site.count(Commitment, Commitment.description == form["description"]) == 1
    # an advisory board's new draft
    member = Client(site.base, "advisory_member")
    url = f"/portaal/{SLUG}/concept"
    form = {"title": "Nieuw concept dubbel", "text": ADVICE, "submit": "0",
            "form_key": form_key(member.page(url), url)}
    answers = at_once([lambda: member.send(url, form)] * 3)
    assert [a.status for a in answers] == [303] * 3
    assert len({a.headers["Location"] for a in answers}) == 1
    assert site.count(Reaction, Reaction.title == form["title"]) == 1


def test_a_new_consultation_sent_twice_is_made_once_and_one_step_of_eight_is_taken(site):
    client = secretary(site)
    url = "/consultaties/nieuw"
    form = {"title": "Inkoopkader in één keer", "form_key": form_key(client.page(url), url)}
    answers = at_once([lambda: client.send(url, form)] * 3)
    assert [a.status for a in answers] == [303] * 3
    assert {a.headers["Location"] for a in answers} == {"/consultaties/inkoopkader-in-een-keer"}
    assert site.count(Consultation, Consultation.title == form["title"]) == 1
    consultation_id = site.query(sa.select(Consultation.id).where(
        Consultation.title == form["title"]))[0][0]
    # eight tabs (the secretary's and the admin's) show "concept"; all open it at once
    step = "/consultaties/inkoopkader-in-een-keer/status/openen"
    people = [secretary(site) if n % 2 else Client(site.base, "admin") for n in range(8)]
    forms = [{"from": "concept", "form_key": form_key(
        p.page("/consultaties/inkoopkader-in-een-keer"), step)} for p in people]
    answers = at_once([lambda p=p, f=f: p.send(step, f) for p, f in zip(people, forms,
                                                                      strict=True)])
    statuses = sorted(a.status for a in answers)
    assert statuses == [303] + [409] * 7, statuses
    assert all("Deze stap kan nu niet" in a.body for a in answers if a.status == 409)
    assert site.count(AuditEvent, AuditEvent.entity == "consultation",
                      AuditEvent.entity_id == consultation_id,
                      AuditEvent.action == "transition") == 1
    assert site.query(sa.select(Consultation.status).where(
        Consultation.id == consultation_id))[0][0] == "open"


def test_a_point_marked_done_by_two_secretaries_at_once_lands_once(site):
    client = secretary(site)
    reaction_id = fresh_reaction(site, client, "Tegelijk afgerond")
    privacy = site.query(sa.select(Destination.id).where(Destination.title == "Privacy"))[0][0]
    answer = client.send(f"/consultaties/{SLUG}/reacties/{reaction_id}/antwoorden",
                         {"selection": "1", "body": "Naar privacy.", "status": "adopted",
                          "destination_ids": str(privacy)}, hx=True)
    assert answer.status == 200
    point = site.query(sa.select(Point.id).where(Point.reaction_id == reaction_id,
                                                 Point.number == "1"))[0][0]
    page = f"/consultaties/{SLUG}/bestemmingen/{privacy}"
    url = f"{page}/punten/{point}/geland"
    people = [secretary(site), Client(site.base, "admin"), secretary(site)]
    forms = [{"reference": f"Inkoopplan v{n}, §{n}", "form_key": form_key(p.page(page), url)}
             for n, p in enumerate(people)]
    answers = at_once([lambda p=p, f=f: p.send(url, f, hx=True) for p, f in zip(people, forms,
                                                                                strict=True)])
    assert sorted(a.status for a in answers) == [200, 409, 409]
    for answer, form in zip(answers, forms, strict=True):
        if answer.status == 409:  # told, with what they typed
            assert f"Niet opgeslagen: “{form['reference']}”" in answer.body
    assert site.count(Landing, Landing.point_id == point, Landing.archived == False) == 1  # noqa: E712
    # A repeat of the winner's form gets the winner's answer again; nothing more is stored.
    winner = next(n for n, a in enumerate(answers) if a.status == 200)
    again = people[winner].send(url, forms[winner], hx=True)
    assert again.status == 200 and forms[winner]["reference"] in again.body
    assert site.count(Landing, Landing.point_id == point) == 1


def test_a_double_click_on_follow_follows(site):
    councillor = Client(site.base, "councillor")
    point = site.query(sa.select(Point.id).order_by(Point.id.desc()).limit(1))[0][0]
    page = f"/consultaties/{SLUG}/punten/{point}"
    url = f"{page}/volgen"
    form = {"form_key": form_key(councillor.page(page), url)}
    answers = at_once([lambda: councillor.send(url, form, hx=True)] * 2)
    assert [a.status for a in answers] == [200, 200]
    assert all('aria-pressed="true"' in a.body for a in answers)
    user_id = site.query(sa.select(User.id).where(User.email == "raadslid@consult.example"))[0][0]
    assert site.count(Follow, Follow.user_id == user_id, Follow.point_id == point) == 1
    # One click more (a fresh key, as the swapped-in button has) unfollows.
    html = councillor.page(page)
    assert 'aria-pressed="true"' in html
    undone = councillor.send(url, {"form_key": form_key(html, url)}, hx=True)
    assert undone.status == 200 and 'aria-pressed="false"' in undone.body
    assert site.count(Follow, Follow.user_id == user_id, Follow.point_id == point) == 0



def test_a_commitment_kept_by_two_secretaries_at_once_keeps_both_words(site):
    client = secretary(site)
    reaction_id = fresh_reaction(site, client, "Toezegging tegelijk")
    response_id = answered_once(site, client, reaction_id, "Antwoord met een belofte.")
    url = f"/consultaties/{SLUG}/toezeggingen"
    made = client.send(url, {"response_id": str(response_id), "owner": "Inkoopteam",
                             "description": "Belofte tegelijk nagekomen.", "due_on": "2027-01-01"})
    assert made.status == 303
    commitment_id = site.query(sa.select(Commitment.id).where(
        Commitment.description == "Belofte tegelijk nagekomen."))[0][0]
    status_url = f"{url}/{commitment_id}/status"
    people = [secretary(site), Client(site.base, "admin")]
    forms = []
    for n, person in enumerate(people):  # each form as its page shows it: still open
        html = person.page(url)
        row = html[html.index(status_url):]
        forms.append({"status": "done", "evidence": f"Inkoopplan versie {n}",
                      "was_status": re.search(r'name="was_status" value="([^"]*)"', row)[1],
                      "was_evidence": re.search(r'name="was_evidence" value="([^"]*)"', row)[1]})
    answers = at_once([lambda p=p, f=f: p.send(status_url, f) for p, f in zip(people, forms,
                                                                              strict=True)])
    assert sorted(a.status for a in answers) == [303, 409]
    loser = next(f for a, f in zip(answers, forms, strict=True) if a.status == 409)
    assert f"Niet opgeslagen: “{loser['evidence']}”" in next(
        a.body for a in answers if a.status == 409)
    winner = next(f for a, f in zip(answers, forms, strict=True) if a.status == 303)
    assert site.query(sa.select(Commitment.evidence).where(
        Commitment.id == commitment_id))[0][0] == winner["evidence"]


# --- the stakeholder registry ---------------------------------------------------------------


def test_four_renames_of_one_stakeholder_at_once_store_one(site):
    """Four secretaries save the form of one version of a stakeholder at the same moment: one
    is stored, three get the conflict page with their own name still in the form."""
    clients = [secretary(site) for _ in range(4)]
    sid, version = site.query(sa.select(Stakeholder.id, Stakeholder.version)
                              .where(Stakeholder.name == "Nieuwkoop"))[0]
    url = f"/indieners/{sid}/beheer"
    forms = [{"name": f"Nieuwkoop {n}x", "kind": "municipality", "version": str(version)}
             for n in range(4)]
    answers = at_once([lambda c=c, f=f: c.send(url, f) for c, f in zip(clients, forms,
                                                                       strict=True)])
    assert sorted(a.status for a in answers) == [303, 409, 409, 409]
    stored = site.query(sa.select(Stakeholder.name, Stakeholder.version)
                        .where(Stakeholder.id == sid))[0]
    winner = next(f for f, a in zip(forms, answers, strict=True) if a.status == 303)
    assert tuple(stored) == (winner["name"], version + 1)
    for form, answer in zip(forms, answers, strict=True):
        if answer.status == 409:
            assert f'value="{form["name"]}"' in answer.body


def test_the_same_new_stakeholder_form_sent_four_times_is_stored_once(site):
    client = secretary(site)
    key = form_key(client.page("/indieners/beheer"), "/indieners/beheer")
    form = {"name": "Jongerenraad Tegelijkdorp", "kind": "advisory_board", "form_key": key}
    answers = at_once([lambda: client.send("/indieners/beheer", form)] * 4)
    assert [a.status for a in answers] == [303] * 4
    assert site.count(Stakeholder, Stakeholder.name == "Jongerenraad Tegelijkdorp") == 1


def test_two_merges_of_one_pair_both_ways_at_once_merge_once(site):
    clients = [secretary(site), secretary(site)]
    rows = dict(site.query(sa.select(Stakeholder.name, Stakeholder.id).where(
        Stakeholder.name.in_(["Zoeterwoude", "Leiderdorp"]))))
    z, ld = rows["Zoeterwoude"], rows["Leiderdorp"]
    answers = at_once([
        lambda: clients[0].send(f"/indieners/{z}/samenvoegen?met={ld}", {}),
        lambda: clients[1].send(f"/indieners/{ld}/samenvoegen?met={z}", {}),
    ])
    assert sorted(a.status for a in answers) in ([303, 409], [303, 422]), [
        a.status for a in answers]
    merged = site.query(sa.select(Stakeholder.name, Stakeholder.merged_into_id).where(
        Stakeholder.id.in_([z, ld])))
    assert sorted(m is None for _n, m in merged) == [False, True]


def test_a_bulk_action_undone_twice_at_once_is_undone_once(site):
    """The attack: two "Ongedaan maken" clicks at once both ran (12 bulk_undo events for 6
    points, answers archived twice). The undo is claimed in the database: one runs, the other
    is told it was undone already."""
    from consult.bulk.models import BulkAction

    client = secretary(site)
    reaction_id = fresh_reaction(site, client, "Bulk ongedaan")
    answered_once(site, client, reaction_id, "Wordt bekeken.")
    points = [p for (p,) in site.query(sa.select(Point.id).where(Point.reaction_id == reaction_id))]
    from consult.themes.models import Theme

    made = client.send(f"/consultaties/{SLUG}/themas", {"title": "Ongedaan tegelijk"})
    assert made.status in (200, 303), made.body[:300]
    theme = site.query(sa.select(Theme.id).where(Theme.title == "Ongedaan tegelijk"))[0][0]
    added = client.send(f"/consultaties/{SLUG}/selectie", {
        "scope": "some", "point_ids": points, "action": "theme", "theme_id": theme})
    assert added.status == 303, added.body[:300]
    action_id = site.query(sa.select(sa.func.max(BulkAction.id)))[0][0]
    before = site.count(AuditEvent, AuditEvent.action == "bulk_undo")
    answers = at_once([lambda: client.send(f"/consultaties/{SLUG}/selectie/{action_id}/ongedaan",
                                           {}) for _ in range(4)])
    assert [a.status for a in answers] == [303] * 4
    changed = [a for (a,) in site.query(sa.select(AuditEvent.after).where(
        AuditEvent.action == "bulk_theme")) if a.get("bulk_action") == action_id]
    assert changed
    assert site.count(AuditEvent, AuditEvent.action == "bulk_undo") - before == len(changed)
