"""A consultation's life (consult/lifecycle): create, edit, every step by every role, who sees
it in each state, late reactions, starting from an earlier round — on SQLite and PostgreSQL.

The people: the admin, a secretary who is a member (she creates the consultation), a secretary
who is not, a councillor, an advisory-board member and a reader who are members, and an
anonymous visitor. Allowed steps answer 303, change the state and are audited; a refused one
answers 403 to someone who may see the consultation in that state and 404 to someone who may
not, and changes nothing at all.
"""

import io
import re
from datetime import UTC, date, datetime, timedelta
from functools import cache

import pytest
import sqlalchemy as sa
from babel.dates import format_date
from sqlmodel import SQLModel, func, select

from consult import lifecycle, search
from consult.accounts import create_user, hash_password
from consult.db import get_session
from consult.intake import DraftPoint, create_stakeholder, log_reaction
from consult.lifecycle import operations as ops
from consult.models import (
    Attachment,
    AuditEvent,
    Consultation,
    Destination,
    Membership,
    Reaction,
    User,
)
from consult.processing import destinations_of
from consult.submissions import new_key

from .conftest import Actor, csrf_token, make_app

PASSWORD = "levensloop-2027-test"
PEOPLE = {  # who -> (e-mail, name, role)
    "admin": ("bea@lc.example", "Bea Beheer", "admin"),
    "secretary": ("sanne@lc.example", "Sanne Secretaris", "secretary"),
    "outsider": ("niels@lc.example", "Niels Nietlid", "secretary"),
    "councillor": ("ruud@lc.example", "Ruud Raadslid", "councillor"),
    "advisory_member": ("aisha@lc.example", "Aisha Adviesraad", "advisory_member"),
    "viewer": ("lotte@lc.example", "Lotte Lezer", "viewer"),
}
WHO = (*PEOPLE, None)
MEMBERS = ("secretary", "councillor", "advisory_member", "viewer")
TITLE = "Inkoopkader Jeugdhulp 2027"
DECISION = ("PHO Jeugdhulp", "2015-12-16")

# How to bring a fresh concept into each state, through the operations themselves.
PATHS = {
    "concept": [],
    "open": ["open"],
    "closed": ["open", "close"],
    "decided": ["open", "close", "decide"],
    "published": ["open", "close", "decide", "publish"],
    "archived": ["archive"],  # a round that never started
    "archived-published": ["open", "close", "decide", "publish", "archive"],
}

# (step, the path to its starting point, the state it leads to)
STEP_CASES = [
    ("open", "concept", "open"),
    ("close", "open", "closed"),
    ("reopen", "closed", "open"),
    ("decide", "closed", "decided"),
    ("undo_decision", "decided", "closed"),
    ("publish", "decided", "published"),
    ("unpublish", "published", "decided"),
    ("archive", "published", "archived"),
    ("archive", "concept", "archived"),
    ("restore", "archived-published", "published"),
    ("restore", "archived", "concept"),
]


def who_id(who):
    return who or "anonymous"


@cache
def _hash() -> str:
    return hash_password(PASSWORD)  # argon2 is slow on purpose: once per process


def sees(who, state: str) -> bool:
    """The rule of access.can_view, written out for the people of these tests."""
    if who == "admin":
        return True
    if state.startswith("archived"):
        return False
    return state == "published" or who in MEMBERS


def may_change(who) -> bool:
    return who in ("admin", "secretary")


def login(app, who) -> Actor:
    """An Actor (tests/conftest.py) logged in as one of PEOPLE, or anonymous."""
    client = app.test_client()
    actor = Actor.__new__(Actor)
    actor.client, actor.role = client, who
    if who:
        response = client.post("/inloggen", data={
            "email": PEOPLE[who][0], "password": PASSWORD, "csrf_token": csrf_token(client)})
        assert response.status_code == 303, response.get_data(as_text=True)
    actor.token = csrf_token(client)
    return actor


@pytest.fixture
def people(app):
    """The accounts (and the advisory board the board member speaks for); ids by who."""
    return create_people(app)


def create_people(app) -> dict:
    """Make PEOPLE's accounts and their advisory board; ids by who (and "board")."""
    with app.app_context():
        session = get_session()
        board = create_stakeholder(session, slug="wmo-leiden", name="WMO Adviesraad Leiden",
                                   kind="advisory_board")
        ids = {}
        for who, (email, name, role) in PEOPLE.items():
            user = create_user(session, email=email, name=name, role=role,
                               stakeholder_id=board.id if who == "advisory_member" else None)
            user.password_hash = _hash()
            ids[who] = user.id
        ids["board"] = board.id
        session.commit()
    return ids


@pytest.fixture
def actors(app, people):
    """A logged-in client per person (and one anonymous), made once per test."""
    return {who: login(app, who) for who in WHO}


def make(app, people, state: str = "concept", title: str = TITLE, closes_on=None) -> str:
    """A consultation created by the member secretary, with the other members, taken through
    the steps to ``state``; its slug."""
    with app.app_context():
        session = get_session()
        secretary = session.get(User, people["secretary"])
        consultation = lifecycle.create(
            session, secretary, lifecycle.Facts(title=title, organiser="Holland Rijnland",
                                                closes_on=closes_on))
        for who in MEMBERS[1:]:
            session.add(Membership(consultation_id=consultation.id, user_id=people[who]))
        for step in PATHS[state]:
            lifecycle.take_step(session, secretary, consultation, step,
                                *((None, *DECISION) if step == "decide" else ()))
        session.commit()
        return consultation.slug


def row(app, slug) -> Consultation:
    with app.app_context():
        session = get_session()
        found = session.exec(select(Consultation).where(Consultation.slug == slug)).one()
        session.expunge(found)
        return found


def state_of(app, slug) -> tuple:
    """Everything a step may change, and how many audit events the consultation has."""
    with app.app_context():
        session = get_session()
        c = session.exec(select(Consultation).where(Consultation.slug == slug)).one()
        events = session.exec(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity == "consultation", AuditEvent.entity_id == c.id)).one()
        return (c.status, c.published, c.archived, c.version, c.decided_by, c.decided_on,
                events)


def rows_per_table(app) -> dict:
    with app.app_context():
        session = get_session()
        return {t.name: session.exec(select(func.count()).select_from(t)).one()
                for t in SQLModel.metadata.sorted_tables}


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def download(actor, url):
    """GET a file: (status, bytes, response); the response is closed (it holds the file)."""
    response = actor.get(url)
    data = response.get_data()
    response.close()
    return response.status_code, data, response


def step_path(name: str) -> str:
    return ops.STEPS[name].path


def post_step(actor, slug, name, source, **extra):
    data = {"from": source.split("-")[0], "form_key": new_key(), **extra}
    if name == "decide":
        data.setdefault("decided_by", DECISION[0])
        data.setdefault("decided_on", DECISION[1])
    return actor.form_post(f"/consultaties/{slug}/status/{step_path(name)}", data)


# --- every step by every role --------------------------------------------------------------


@pytest.mark.parametrize(("step", "source", "target"), STEP_CASES,
                         ids=[f"{s}-from-{f}" for s, f, _t in STEP_CASES])
def test_every_step_by_every_role(app, people, actors, step, source, target):
    failures = []
    for who in WHO:
        slug = make(app, people, source)
        before, tables = state_of(app, slug), rows_per_table(app)
        response = post_step(actors[who], slug, step, source)
        if may_change(who) and (sees(who, source)):
            if response.status_code != 303:
                failures.append(f"{who_id(who)}: {response.status_code}, expected 303")
                continue
            c = row(app, slug)
            assert (c.status, c.published, c.archived) == (
                target, target == "published", target == "archived"), who
            with app.app_context():
                event = get_session().exec(
                    select(AuditEvent).where(AuditEvent.entity == "consultation",
                                             AuditEvent.entity_id == c.id)
                    .order_by(AuditEvent.id.desc())).first()
            assert (event.action, event.user_id) == ("transition", people[who])
            assert (event.before["status"], event.after["status"]) == (
                source.split("-")[0], target)
            # back to the consultation, or to the list when it is now out of sight
            expected = "/" if not sees(who, target) else f"/consultaties/{slug}"
            assert response.headers["Location"] == expected
        else:
            expected = 403 if sees(who, source) else 404
            if response.status_code != expected:
                failures.append(f"{who_id(who)}: {response.status_code}, expected {expected}")
            if state_of(app, slug) != before or rows_per_table(app) != tables:
                failures.append(f"{who_id(who)}: a refused step changed something")
    assert not failures, "\n".join(failures)


def test_the_outsider_secretary_may_not_step_even_where_she_may_read(app, people, actors):
    """A secretary who is not a member reads a published consultation but changes nothing."""
    slug = make(app, people, "published")
    assert actors["outsider"].get(f"/consultaties/{slug}").status_code == 200
    assert "Publicatie intrekken" not in text_of(actors["outsider"].get(f"/consultaties/{slug}"))
    assert post_step(actors["outsider"], slug, "unpublish", "published").status_code == 403
    assert actors["outsider"].get(f"/consultaties/{slug}/bewerken").status_code == 404
    assert row(app, slug).status == "published"


def test_a_step_that_does_not_fit_the_state_changes_nothing(app, people, actors):
    """Two tabs show "open"; the first closes it, the second's close gets 409 and a reason."""
    slug = make(app, people, "open")
    assert post_step(actors["secretary"], slug, "close", "open").status_code == 303
    before = state_of(app, slug)
    again = post_step(actors["admin"], slug, "close", "open")
    assert again.status_code == 409
    assert "gesloten, in verwerking" in text_of(again)
    assert "niets gewijzigd" in text_of(again)
    # publishing straight from "closed" is no step at all
    assert post_step(actors["admin"], slug, "publish", "closed").status_code == 409
    assert state_of(app, slug) == before


def test_a_double_click_takes_the_step_once(app, people, actors):
    slug = make(app, people, "open")
    data = {"from": "open", "form_key": new_key()}
    url = f"/consultaties/{slug}/status/sluiten"
    first = actors["secretary"].form_post(url, data)
    second = actors["secretary"].form_post(url, data)
    assert (first.status_code, second.status_code) == (303, 303)
    assert row(app, slug).status == "closed"
    with app.app_context():
        steps = get_session().exec(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "transition")).one()
    assert steps == 2  # opened by make(), closed once


def test_the_decision_needs_a_body_and_a_real_date(app, people, actors):
    slug = make(app, people, "closed")
    before = state_of(app, slug)
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    for extra, message in [
        ({"decided_by": "", "decided_on": "2015-12-16"}, "Vul in welk orgaan besloot"),
        ({"decided_by": "PHO Jeugdhulp", "decided_on": ""}, "Vul de datum van het besluit in"),
        ({"decided_by": "PHO Jeugdhulp", "decided_on": "16 december"}, "Vul een datum in"),
        ({"decided_by": "PHO Jeugdhulp", "decided_on": "2015-02-30"}, "Vul een datum in"),
        ({"decided_by": "PHO Jeugdhulp", "decided_on": tomorrow}, "ligt in de toekomst"),
        ({"decided_by": "P" * 301, "decided_on": "2015-12-16"}, "hoogstens 300 tekens"),
    ]:
        refused = post_step(actors["secretary"], slug, "decide", "closed", **extra)
        assert refused.status_code == 422, extra
        assert message in text_of(refused), (extra, text_of(refused)[-800:])
        # what was typed stays in the form
        if extra["decided_by"]:
            assert f'value="{extra["decided_by"]}"' in refused.get_data(as_text=True)
        assert state_of(app, slug) == before
    decided = post_step(actors["secretary"], slug, "decide", "closed")
    assert decided.status_code == 303
    page = text_of(actors["secretary"].get(f"/consultaties/{slug}"))
    assert "Besloten PHO Jeugdhulp, 16 december 2015" in page
    assert "door Sanne Secretaris — PHO Jeugdhulp, 16 december 2015" in page
    # undoing the decision clears it; the history keeps it
    assert post_step(actors["secretary"], slug, "undo_decision", "decided").status_code == 303
    c = row(app, slug)
    assert (c.status, c.decided_by, c.decided_on) == ("closed", "", None)
    assert "Besluit teruggedraaid op" in text_of(actors["secretary"].get(f"/consultaties/{slug}"))


def test_the_page_shows_the_state_and_its_history(app, people, actors):
    slug = make(app, people, "published")
    today = format_date(ops.local_today(), "long", locale="nl")  # "3 januari 2027"
    page = text_of(actors["councillor"].get(f"/consultaties/{slug}"))
    assert "Status: gepubliceerd" in page
    for line in ("Aangemaakt", "Geopend", "Gesloten", "Besloten", "Gepubliceerd"):
        assert f"{line} op {today} door Sanne Secretaris" in page, line
    # the public line: people with an account read names, a visitor without one does not
    anonymous = text_of(actors[None].get(f"/consultaties/{slug}"))
    assert "Gepubliceerd op" in anonymous and "Sanne Secretaris" not in anonymous
    # steps only for who may take them, each with its one-line explanation
    assert "Publicatie intrekken" not in page
    secretary = text_of(actors["secretary"].get(f"/consultaties/{slug}"))
    assert "Publicatie intrekken Alleen leden zien de consultatie weer." in secretary


def test_an_open_round_counts_the_days_to_its_deadline(app, people, actors):
    today = ops.local_today()
    for days, text in ((10, "Nog 10 dagen om te reageren."), (1, "Nog 1 dag om te reageren."),
                       (0, "Vandaag is de laatste dag om te reageren."),
                       (-1, "De termijn is verstreken.")):
        slug = make(app, people, "open", title=f"Termijn {days}",
                    closes_on=today + timedelta(days=days))
        page = text_of(actors["viewer"].get(f"/consultaties/{slug}"))
        assert text in page, days
        assert (f"Reageren kan tot {format_date(today + timedelta(days=days), 'long', locale='nl')}"
                in text_of(actors["viewer"].get("/")))
    closed = make(app, people, "closed", closes_on=today + timedelta(days=3))
    assert "om te reageren" not in text_of(actors["viewer"].get(f"/consultaties/{closed}"))


# --- who sees a consultation in each state ---------------------------------------------------


@pytest.mark.parametrize("state", list(PATHS))
def test_who_sees_a_consultation_in_each_state(app, people, actors, state):
    slug = make(app, people, state, title=f"Zichtbaarheid {state}")
    failures = []
    for who in WHO:
        actor = actors[who]
        expected = 200 if sees(who, state) else 404
        for url in (f"/consultaties/{slug}", f"/consultaties/{slug}/tabel",
                    f"/consultaties/{slug}/dashboard", f"/consultaties/{slug}/toezeggingen"):
            got = actor.get(url).status_code
            if got != expected:
                failures.append(f"GET {url} as {who_id(who)}: {got}, expected {expected}")
        public = actor.get(f"/consultaties/{slug}/openbaar").status_code
        if public != (200 if state == "published" else 404):
            failures.append(f"public page in {state} as {who_id(who)}: {public}")
        listed = f"Zichtbaarheid {state}" in text_of(actor.get("/"))
        if listed != sees(who, state):
            failures.append(f"home page as {who_id(who)} lists it: {listed}")
    assert not failures, "\n".join(failures)


def test_a_concept_is_not_found_in_search_by_outsiders(database_url, tmp_path):
    app = make_app(database_url, tmp_path, SEARCH_MODE="inline")
    people = create_people(app)
    slug = make(app, people, "open", title="Verkenning kwartiermakers")
    _log(app, people, slug, text="Het woord kwartiermakersoverleg komt alleen hier voor.")
    assert search.service(app).wait_until_applied()
    for state in ("open", "published"):
        if state == "published":
            with app.app_context():
                session = get_session()
                c = session.exec(select(Consultation).where(Consultation.slug == slug)).one()
                for step in ("close", "decide", "publish"):
                    lifecycle.take_step(session, None, c, step,
                                        *((None, *DECISION) if step == "decide" else ()))
                session.commit()
            assert search.service(app).wait_until_applied()
        for who in WHO:
            page = login(app, who).get("/zoeken?q=kwartiermakersoverleg").get_data(as_text=True)
            assert ("Verkenning kwartiermakers" in page) == sees(who, state), (state, who)
    app.extensions["consult.engine"].dispose()


def _board(session, user):
    from consult.models import Stakeholder

    return session.get(Stakeholder, user.stakeholder_id)


# --- create --------------------------------------------------------------------------------


def _docx_bytes() -> bytes:
    from docx import Document

    document = Document()
    document.add_paragraph("Voorlopige uitgangspunten inkoopkader 2027")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_who_may_create(app, people, actors):
    expected = {"admin": 200, "secretary": 200, "outsider": 200, "councillor": 403,
                "advisory_member": 403, "viewer": 403, None: 302}
    for who in WHO:
        assert actors[who].get("/consultaties/nieuw").status_code == expected[who], who
        home = text_of(actors[who].get("/"))
        assert ("Nieuwe consultatie" in home) == (expected[who] == 200), who
        before = rows_per_table(app)
        made = actors[who].form_post("/consultaties/nieuw", {"title": f"Ronde van {who}"})
        if expected[who] == 200:
            assert made.status_code == 303
        else:
            assert made.status_code == expected[who]
            assert rows_per_table(app) == before


def test_create_with_a_docx_the_creator_becomes_a_member(app, people, actors):
    data = _docx_bytes()
    made = actors["secretary"].form_post("/consultaties/nieuw", {
        "title": "Inkoopkader Jeugdhulp 2027", "organiser": "Holland Rijnland",
        "document": "Voorlopig inkoopkader", "description": "Reageren **graag** per punt.",
        "closes_on": "2027-01-31", "file": (io.BytesIO(data), "inkoopkader.docx"),
        "form_key": new_key(),
    }, content_type="multipart/form-data")
    assert made.status_code == 303
    assert made.headers["Location"] == "/consultaties/inkoopkader-jeugdhulp-2027"
    c = row(app, "inkoopkader-jeugdhulp-2027")
    assert (c.status, c.published, c.closes_on) == ("concept", False, date(2027, 1, 31))
    with app.app_context():
        session = get_session()
        assert session.get(Membership, (c.id, people["secretary"])) is not None
        created = session.exec(select(AuditEvent).where(
            AuditEvent.entity == "consultation", AuditEvent.entity_id == c.id)).one()
        assert (created.action, created.user_id) == ("create", people["secretary"])
    page = actors["secretary"].get(made.headers["Location"])
    html = page.get_data(as_text=True)
    assert "Reageren kan tot" in text_of(page) and "31 januari 2027" in text_of(page)
    assert "<strong>graag</strong>" in html
    assert "Downloaden (inkoopkader.docx)" in text_of(page)
    status, body, got = download(actors["secretary"], f"/consultaties/{c.slug}/document")
    assert status == 200 and body == data
    assert "attachment" in got.headers["Content-Disposition"]
    assert "sandbox" in got.headers["Content-Security-Policy"]
    assert got.mimetype.endswith("wordprocessingml.document")
    # a concept: the other secretary, and visitors, do not even get the document
    assert download(actors["outsider"], f"/consultaties/{c.slug}/document")[0] == 404
    assert download(actors[None], f"/consultaties/{c.slug}/document")[0] == 404
    # the admin creates too, and becomes a member of what she made
    assert actors["admin"].form_post("/consultaties/nieuw", {
        "title": "Ronde van de beheerder"}).status_code == 303
    with app.app_context():
        mine = get_session().exec(select(Membership).join(
            Consultation, Consultation.id == Membership.consultation_id).where(
            Consultation.title == "Ronde van de beheerder")).one()
    assert mine.user_id == people["admin"]


def test_create_with_a_link(app, people, actors):
    url = "https://www.hollandrijnland.nl/notitie-2027.pdf"
    made = actors["secretary"].form_post("/consultaties/nieuw", {
        "title": "Jeugdhulp met een link", "document": "Notitie 2027", "document_url": url})
    assert made.status_code == 303
    html = actors["secretary"].get(made.headers["Location"]).get_data(as_text=True)
    assert f'<a href="{url}" rel="noopener noreferrer nofollow">Notitie 2027</a>' in html
    assert actors["secretary"].get(
        f"{made.headers['Location']}/document").status_code == 404  # no file: a link


@pytest.mark.parametrize(("fields", "upload", "message"), [
    ({"title": ""}, None, "Geef de consultatie een titel."),
    ({"title": "T" * 301}, None, "De titel is hoogstens 300 tekens."),
    ({"document_url": "javascript:alert(1)"}, None, "Een link begint met https://"),
    ({"document_url": "ftp://example.org/x.pdf"}, None, "Een link begint met https://"),
    ({"closes_on": "31-01-2027"}, None, "Vul een datum in"),
    ({}, ("brief.txt", b"1. Een brief"), "Upload het document als Word-bestand (.docx)"),
    ({}, ("notitie.pdf", b"geen pdf"), "Dit bestand is geen leesbare PDF."),
    ({}, ("notitie.docx", b"%PDF-1.4"), "Dit bestand is geen leesbaar Word-bestand"),
    ({}, ("leeg.pdf", b""), "Het bestand is leeg."),
    ({"document_url": "https://example.org/a.pdf"}, ("notitie.pdf", b"%PDF-1.4 x"),
     "Upload een bestand of geef een link, niet allebei."),
])
def test_create_refuses_bad_input_in_dutch_and_keeps_it(app, people, actors, fields, upload,
                                                        message):
    data = {"title": "Een ronde", "description": "Mijn uitleg blijft staan.", **fields}
    if upload:
        data["file"] = (io.BytesIO(upload[1]), upload[0])
    before = rows_per_table(app)
    refused = actors["secretary"].form_post("/consultaties/nieuw", data,
                                            content_type="multipart/form-data")
    assert refused.status_code == 422
    assert message in text_of(refused)
    assert "Mijn uitleg blijft staan." in refused.get_data(as_text=True)
    assert 'aria-invalid="true"' in refused.get_data(as_text=True)
    assert rows_per_table(app) == before


def test_control_characters_never_reach_the_exports(app, people, actors):
    """A title pasted from a PDF with control characters in it: stored without them, and the
    Word table (lxml refuses them) still builds."""
    made = actors["secretary"].form_post("/consultaties/nieuw", {
        "title": "Inkoop\x01kader\x0b 2027", "organiser": "Holland\x00 Rijnland",
        "description": "Regel een\r\nRegel\x07 twee\tmet tab"})
    assert made.status_code == 303
    c = row(app, made.headers["Location"].rsplit("/", 1)[-1])
    assert (c.title, c.organiser, c.description) == (
        "Inkoopkader 2027", "Holland Rijnland", "Regel een\nRegel twee\tmet tab")
    word = actors["secretary"].get(f"/consultaties/{c.slug}/tabel.docx")
    assert word.status_code == 200


def test_the_slug_comes_from_the_title_and_is_unique(app, people, actors):
    slugs = []
    for title in ("Jeugdhulp 2027: inkoop & kader", "Jeugdhulp 2027: inkoop & kader", "Nieuw"):
        made = actors["secretary"].form_post("/consultaties/nieuw", {"title": title})
        slugs.append(made.headers["Location"].rsplit("/", 1)[-1])
    assert slugs[:2] == ["jeugdhulp-2027-inkoop-kader", "jeugdhulp-2027-inkoop-kader-2"]
    assert slugs[2] != "nieuw"  # /consultaties/nieuw is the form, not a consultation
    assert actors["secretary"].get(f"/consultaties/{slugs[2]}").status_code == 200


def test_a_double_click_makes_one_consultation(app, people, actors):
    data = {"title": "Dubbel geklikt", "form_key": new_key()}
    first = actors["secretary"].form_post("/consultaties/nieuw", data)
    second = actors["secretary"].form_post("/consultaties/nieuw", data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    with app.app_context():
        assert get_session().exec(select(func.count()).select_from(Consultation).where(
            Consultation.title == "Dubbel geklikt")).one() == 1
    # the same key with other content is not a repeat: refused, the text kept
    changed = actors["secretary"].form_post("/consultaties/nieuw",
                                            {**data, "title": "Dubbel, maar anders"})
    assert changed.status_code == 409
    assert "Dubbel, maar anders" in changed.get_data(as_text=True)


# --- start from an earlier consultation --------------------------------------------------


def test_start_from_an_earlier_consultation_copies_the_destination_tree(
        demo_app, as_role, session):
    earlier = session.exec(select(Consultation)).one()
    secretary = as_role("secretary")
    made = secretary.form_post("/consultaties/nieuw", {
        "title": "Uitgangspunten toekomst Jeugdhulp 2027", "copy_from": str(earlier.id)})
    assert made.status_code == 303
    new = session.exec(select(Consultation).where(
        Consultation.title == "Uitgangspunten toekomst Jeugdhulp 2027")).one()

    def tree(consultation_id):
        rows = destinations_of(session, consultation_id)
        by_id = {d.id: d for d, _depth in rows}
        return [(depth, d.title, d.kind, d.position,
                 by_id[d.parent_id].title if d.parent_id else None) for d, depth in rows]

    assert tree(new.id) == tree(earlier.id)
    assert len(tree(new.id)) == 20
    old_slugs = set(session.exec(select(Destination.slug).where(
        Destination.consultation_id == earlier.id)))
    new_slugs = set(session.exec(select(Destination.slug).where(
        Destination.consultation_id == new.id)))
    assert "financiele-paragraaf" in new_slugs and "inkoopplan.financien" in old_slugs
    assert "Financiële paragraaf" in text_of(
        secretary.get(f"/consultaties/{new.slug}/bestemmingen"))
    # only what was live: an archived destination of the earlier round stays behind
    # (nothing else of it is copied: no reactions, no answers)
    assert session.exec(select(func.count()).select_from(Reaction).where(
        Reaction.consultation_id == new.id)).one() == 0


def test_start_only_from_a_consultation_one_may_read(app, people, actors):
    hidden = make(app, people, "concept", title="Niet van Niels")
    hidden_id = row(app, hidden).id
    refused = actors["outsider"].form_post("/consultaties/nieuw", {
        "title": "Ronde van Niels", "copy_from": str(hidden_id)})
    assert refused.status_code == 422
    assert "Kies een consultatie uit de lijst." in text_of(refused)
    assert "Niet van Niels" not in refused.get_data(as_text=True)


def test_copying_an_earlier_round_copies_its_live_invitations(app, people):
    """The lifecycle's hook goes through consult/invitations (tests/test_invitations.py tests
    it from the form): live invitations are copied, removed ones are not, each audited."""
    from consult.invitations import invite, uninvite
    from consult.invitations.models import Invitation
    from consult.models import Stakeholder

    earlier = row(app, make(app, people, "published", title="Ronde 2026"))
    with app.app_context():
        session = get_session()
        secretary = session.get(User, people["secretary"])
        earlier = session.get(Consultation, earlier.id)
        board = session.get(Stakeholder, people["board"])
        other = create_stakeholder(session, slug="katwijk", name="Katwijk", kind="municipality")
        invite(session, secretary, earlier, board)
        invite(session, secretary, earlier, other)
        uninvite(session, secretary, earlier, other)
        new = lifecycle.create(session, secretary, lifecycle.Facts(title="Ronde 2027"))
        assert ops.copy_invitations(session, secretary, earlier, new) == 1
        copied = session.exec(select(Invitation).where(
            Invitation.consultation_id == new.id)).all()
        assert [(i.stakeholder_id, i.invited_by_id, i.archived) for i in copied] == [
            (people["board"], people["secretary"], False)]
        session.rollback()


# --- edit ---------------------------------------------------------------------------------


def test_edit_the_facts_with_the_audit_trail(app, people, actors):
    slug = make(app, people, "open", closes_on=date(2027, 1, 31))
    version = row(app, slug).version
    saved = actors["secretary"].form_post(f"/consultaties/{slug}/bewerken", {
        "version": version, "title": "Inkoopkader Jeugdhulp 2027 (herzien)",
        "organiser": "Holland Rijnland", "closes_on": "2027-02-14",
        "description": "Nieuwe uitleg.", "form_key": new_key()})
    assert saved.status_code == 303
    c = row(app, slug)
    assert (c.title, c.closes_on, c.version, c.slug) == (
        "Inkoopkader Jeugdhulp 2027 (herzien)", date(2027, 2, 14), version + 1, slug)
    with app.app_context():
        event = get_session().exec(select(AuditEvent).where(
            AuditEvent.entity == "consultation", AuditEvent.action == "change")).one()
    assert event.before["title"] == TITLE and event.after["title"].endswith("(herzien)")
    assert event.before["closes_on"] == "2027-01-31"
    assert "Gegevens gewijzigd op" in text_of(actors["secretary"].get(f"/consultaties/{slug}"))
    # an upload replaces the document and is downloadable
    replaced = actors["secretary"].form_post(f"/consultaties/{slug}/bewerken", {
        "version": version + 1, "title": c.title, "closes_on": "2027-02-14",
        "file": (io.BytesIO(b"%PDF-1.7 herzien"), "kader-v2.pdf")},
        content_type="multipart/form-data")
    assert replaced.status_code == 303
    _status, body, got = download(actors["viewer"], f"/consultaties/{slug}/document")
    assert body == b"%PDF-1.7 herzien" and got.mimetype == "application/pdf"


def test_edit_with_a_stale_version_is_a_conflict_that_keeps_the_text(app, people, actors):
    slug = make(app, people, "open")
    version = row(app, slug).version
    url = f"/consultaties/{slug}/bewerken"
    assert actors["admin"].form_post(url, {"version": version, "title": "Titel van Bea"}
                                     ).status_code == 303
    stale = actors["secretary"].form_post(url, {"version": version, "title": "Titel van Sanne",
                                                "description": "Sannes lange uitleg."})
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "Iemand anders heeft deze consultatie intussen gewijzigd." in text_of(stale)
    assert 'value="Titel van Sanne"' in html and "Sannes lange uitleg." in html
    assert "Titel van Bea" in text_of(stale)  # what is saved now, to compare
    assert row(app, slug).title == "Titel van Bea"
    # a lifecycle step also makes a new version: a form from before it is stale too
    form = actors["secretary"].get(url).get_data(as_text=True)
    current = int(re.search(r'name="version" value="(\d+)"', form)[1])
    assert post_step(actors["admin"], slug, "close", "open").status_code == 303
    assert actors["secretary"].form_post(url, {"version": current, "title": "Later"}
                                         ).status_code == 409


def test_who_may_edit(app, people, actors):
    for who in WHO:
        for state in ("open", "published"):
            slug = make(app, people, state, title=f"Bewerken {who} {state}")
            version = row(app, slug).version
            page = actors[who].get(f"/consultaties/{slug}/bewerken").status_code
            post = actors[who].form_post(f"/consultaties/{slug}/bewerken",
                                         {"version": version, "title": "Gewijzigd"}).status_code
            if may_change(who):
                assert (page, post) == (200, 303), (who, state)
            else:
                seen = sees(who, state)
                assert (page, post) == (404, 403 if seen else 404), (who, state)
                assert row(app, slug).title == f"Bewerken {who} {state}"


# --- late reactions, logging and drafting by state -----------------------------------------


def _log(app, people, slug, received_on=None, text="Een punt."):
    with app.app_context():
        session = get_session()
        c = session.exec(select(Consultation).where(Consultation.slug == slug)).one()
        board = _board(session, session.get(User, people["advisory_member"]))
        reaction = log_reaction(session, None, c, board, [DraftPoint("1", text)],
                                channel="advies", title=f"Advies {received_on}",
                                received_on=received_on)
        session.commit()
        return reaction.id


def test_late_reactions_are_kept_and_marked(app, people, actors):
    slug = make(app, people, "open", closes_on=date(2027, 1, 31))
    on_time = _log(app, people, slug, date(2027, 1, 31))
    late = _log(app, people, slug, date(2027, 2, 1))
    secretary = actors["secretary"]
    assert post_step(secretary, slug, "close", "open").status_code == 303
    # logged after closing, through the composer: kept, and marked
    logged = secretary.hx_post(f"/consultaties/{slug}/reacties", {
        "stakeholder_id": str(people["board"]), "channel": "advies", "title": "Te late brief",
        "received_on": "2027-02-03", "text": "1. Nog een punt."})
    assert logged.status_code == 201
    channel = secretary.get(f"/consultaties/{slug}").get_data(as_text=True)
    cards = dict(re.findall(r'<li class="reaction msg" id="reactie-(\d+)">(.*?)</li>', channel,
                            re.S))
    assert "te laat" not in cards[str(on_time)]
    assert "te laat" in cards[str(late)]
    assert sum("te laat" in card for card in cards.values()) == 2
    page = text_of(secretary.get(f"/consultaties/{slug}/reacties/{late}"))
    assert "te laat" in page
    assert "te laat" not in text_of(secretary.get(f"/consultaties/{slug}/reacties/{on_time}"))
    # derived, not stored: a later deadline takes the mark away
    c = row(app, slug)
    assert secretary.form_post(f"/consultaties/{slug}/bewerken", {
        "version": c.version, "title": c.title, "closes_on": "2027-02-28"}).status_code == 303
    assert 'class="chip late"' not in secretary.get(f"/consultaties/{slug}").get_data(
        as_text=True)


def test_late_without_a_received_date_counts_the_day_it_was_logged_in_dutch_time():
    c = Consultation(slug="x", title="x", status="open", closes_on=date(2027, 1, 31))
    before_midnight = Reaction(consultation_id=1, stakeholder_id=1, channel="advies",
                               title="x", created_at=datetime(2027, 1, 31, 22, 30, tzinfo=UTC))
    after_midnight = Reaction(consultation_id=1, stakeholder_id=1, channel="advies",
                              title="x", created_at=datetime(2027, 1, 31, 23, 30, tzinfo=UTC))
    # 23:30 UTC is 00:30 on 1 February in Amsterdam: a day late
    assert not lifecycle.is_late(before_midnight, c)
    assert lifecycle.is_late(after_midnight, c)
    # the received date wins over the logging date
    after_midnight.received_on = date(2027, 1, 30)
    assert not lifecycle.is_late(after_midnight, c)
    c.closes_on = None
    assert not lifecycle.is_late(Reaction(received_on=date(2099, 1, 1)), c)


@pytest.mark.parametrize(("state", "status"), [
    ("concept", 409), ("open", 201), ("closed", 201), ("decided", 201), ("published", 201),
])
def test_where_reactions_can_be_logged(app, people, actors, state, status):
    slug = make(app, people, state)
    page = actors["secretary"].get(f"/consultaties/{slug}").get_data(as_text=True)
    assert ('id="composer-form"' in page) == (status == 201)
    logged = actors["secretary"].hx_post(f"/consultaties/{slug}/reacties", {
        "stakeholder_id": str(people["board"]), "channel": "advies", "text": "1. Een punt."})
    assert logged.status_code == status
    if status == 409:
        assert "concept" in text_of(logged)


@pytest.mark.parametrize("state", ["concept", "open", "closed", "decided"])
def test_advisory_boards_draft_only_while_open(app, people, actors, state):
    slug = make(app, people, state)
    board = actors["advisory_member"]
    new = board.form_post(f"/portaal/{slug}/concept", {"title": "Ons advies",
                                                       "text": "1. Een punt."})
    assert new.status_code == (303 if state == "open" else 403)
    inbox = text_of(board.get("/portaal"))
    assert (TITLE in inbox) == (state == "open")


def test_a_draft_from_an_open_round_is_kept_when_it_closes(app, people, actors):
    slug = make(app, people, "open")
    board = actors["advisory_member"]
    saved = board.form_post(f"/portaal/{slug}/concept", {"title": "Ons advies",
                                                         "text": "1. Een punt."})
    draft_url = saved.headers["Location"].split("?")[0]
    assert post_step(actors["secretary"], slug, "close", "open").status_code == 303
    refused = board.form_post(draft_url, {"version": 1, "title": "Ons advies",
                                          "text": "1. Een punt.\n2. Nog iets belangrijks.",
                                          "submit": "1"})
    assert refused.status_code == 409
    assert "niet meer open voor reacties" in text_of(refused)
    assert "Nog iets belangrijks." in refused.get_data(as_text=True)
    with app.app_context():
        draft = get_session().exec(select(Reaction).where(Reaction.title == "Ons advies")).one()
        assert draft.status == "draft" and "Nog iets" not in draft.original_text


# --- the old statuses -------------------------------------------------------------------------


def test_the_migration_maps_the_old_statuses(database_url):
    from consult.db import upgrade

    upgrade(database_url, "0011")
    engine = sa.create_engine(database_url)
    table = sa.table("consultation", *(sa.column(n) for n in (
        "slug", "title", "document", "organiser", "status", "description", "decided_by",
        "revision", "published", "archived", "created_at", "updated_at")))
    now = datetime.now(UTC)
    old = [("open", False, False), ("processing", False, False), ("answered", False, False),
           ("closed", False, False), ("answered", True, False), ("open", True, False),
           ("answered", True, True), ("processing", False, True)]
    with engine.begin() as conn:
        conn.execute(sa.insert(table), [
            {"slug": f"c{i}", "title": f"C{i}", "document": "", "organiser": "", "status": s,
             "description": "", "decided_by": "", "revision": 0, "published": p,
             "archived": a, "created_at": now, "updated_at": now}
            for i, (s, p, a) in enumerate(old)])
    upgrade(database_url)
    with engine.connect() as conn:
        found = dict(conn.execute(sa.text("SELECT slug, status FROM consultation")).all())
        versions = set(conn.execute(sa.text("SELECT version FROM consultation")).scalars())
    engine.dispose()
    assert [found[f"c{i}"] for i in range(len(old))] == [
        "open", "closed", "decided", "closed", "published", "published", "archived",
        "archived"]
    assert versions == {1}
    assert [lifecycle.legacy_state(s, p, a) for s, p, a in old] == [
        found[f"c{i}"] for i in range(len(old))]


def test_the_document_is_not_a_letter_of_a_reaction(app, people, actors):
    """The document under consultation is never served as a reaction's original, and a
    reaction's original never as the document."""
    slug = make(app, people, "published")
    actors["secretary"].form_post(f"/consultaties/{slug}/bewerken", {
        "version": row(app, slug).version, "title": TITLE,
        "file": (io.BytesIO(b"%PDF-1.4 notitie"), "notitie.pdf")},
        content_type="multipart/form-data")
    with app.app_context():
        document = get_session().exec(select(Attachment)).one()
    assert document.reaction_id is None
    assert actors[None].get(f"/consultaties/{slug}/bijlagen/{document.id}").status_code == 404
    assert download(actors[None], f"/consultaties/{slug}/document")[1] == b"%PDF-1.4 notitie"
