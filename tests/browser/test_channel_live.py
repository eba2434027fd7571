"""The consultation page's channel follows what happens while it is open (its poll), in
Chromium: a board's advice drafted before a letter was logged and submitted while the page is
open arrives once (its id is older than the newest row the page has: the poll asked only for
newer ids, and it never came until a reload), and a poll that sends it again does not add it
a second time."""

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from consult import demo
from consult.db import get_session
from consult.models import Reaction

from ..conftest import Actor, make_app, reopen
from .conftest import live_server, login

SLUG = "holland-rijnland-jeugdhulp-2016"
ADVICE = "Advies tweede ronde\n\n1. Betrek cliënten.\n2. Meet de tevredenheid.\n"


@pytest.fixture
def open_site(tmp_path):
    """The demo open for reactions again on a live server: (app, base URL)."""
    app = make_app(f"sqlite:///{tmp_path / 'consult.sqlite3'}", tmp_path, SEARCH_MODE="inline")
    with app.app_context():
        session = get_session()
        demo.load(session)
        session.commit()
    reopen(app)
    for url in live_server(app):
        yield app, url


def _a_draft_advice(app):
    """A board's draft advice (its id taken now): (member, admin, draft id, its version, a
    sender for the letters logged after it)."""
    member, admin = Actor(app.test_client(), "advisory_member"), Actor(app.test_client(), "admin")
    assert member.form_post(f"/portaal/{SLUG}/concept",
                            {"title": "Advies tweede ronde", "text": ADVICE}).status_code == 303
    with app.app_context():
        session = get_session()
        draft = session.exec(select(Reaction).where(Reaction.title == "Advies tweede ronde")
                             ).one()
        sender = session.exec(select(Reaction.stakeholder_id)).first()
        return member, admin, draft.id, draft.version, sender


def test_an_advice_drafted_earlier_arrives_once_and_stays_once(open_site, page):
    app, url = open_site
    member, admin, draft_id, version, sender = _a_draft_advice(app)
    logged = admin.hx_post(f"/consultaties/{SLUG}/reacties", {
        "stakeholder_id": sender, "channel": "collegebrief", "title": "Collegebrief daarna",
        "text": "1. Een punt.\n"})
    assert logged.status_code == 201

    login(page, url, "secretaris@consult.example", "demo-secretaris-2016")
    page.goto(f"{url}/consultaties/{SLUG}")
    rows = page.locator("#channel > li.reaction")
    expect(rows.filter(has_text="Collegebrief daarna")).to_have_count(1)
    shown = rows.count()

    assert member.form_post(f"/portaal/concepten/{draft_id}", {
        "version": version, "title": "Advies tweede ronde", "text": ADVICE,
        "submit": "1"}).status_code == 303
    expect(rows.filter(has_text="Advies tweede ronde")).to_have_count(1, timeout=15_000)
    expect(rows).to_have_count(shown + 1)

    # the next polls (another letter logged within the minute the poll looks back) send the
    # advice again: it takes its own place, it is not added a second time
    assert admin.hx_post(f"/consultaties/{SLUG}/reacties", {
        "stakeholder_id": sender, "channel": "collegebrief", "title": "Nog een collegebrief",
        "text": "1. Nog een punt.\n"}).status_code == 201
    expect(rows.filter(has_text="Nog een collegebrief")).to_have_count(1, timeout=15_000)
    expect(rows).to_have_count(shown + 2)
    expect(rows.filter(has_text="Advies tweede ronde")).to_have_count(1)
    assert page.locator("#channel > li.reaction[id]").evaluate_all(
        "rs => rs.map(r => r.id).filter((id, i, all) => all.indexOf(id) !== i)") == []


def test_an_advice_a_poll_appended_is_not_shown_twice_once_scrolling_reaches_its_place(
        open_site, page):
    """The channel shows 20 reactions and loads more on scrolling. The advice, submitted
    while the page is open, sits in the part not loaded yet; the poll appends it at the end
    meanwhile; scrolling then loads it in its place: it is shown once."""
    from .conftest import scroll_to_end

    app, url = open_site
    member, admin, draft_id, version, sender = _a_draft_advice(app)
    for n in range(5):  # 17 in the demo + 5: a second page, logged today (after 2016's)
        assert admin.hx_post(f"/consultaties/{SLUG}/reacties", {
            "stakeholder_id": sender, "channel": "collegebrief", "title": f"Collegebrief {n}",
            "text": "1. Een punt.\n"}).status_code == 201
    login(page, url, "secretaris@consult.example", "demo-secretaris-2016")
    page.goto(f"{url}/consultaties/{SLUG}")
    rows = page.locator("#channel > li.reaction")
    expect(rows).to_have_count(20)
    assert member.form_post(f"/portaal/concepten/{draft_id}", {
        "version": version, "title": "Advies tweede ronde", "text": ADVICE,
        "submit": "1"}).status_code == 303
    expect(rows.filter(has_text="Advies tweede ronde")).to_have_count(1, timeout=15_000)
    expect(rows).to_have_count(21)  # appended after the part not loaded yet
    scroll_to_end(page, "#channel > li.reaction", "#channel-more")
    expect(rows).to_have_count(23)  # 17 + 5 letters + the advice, each once
    expect(rows.filter(has_text="Advies tweede ronde")).to_have_count(1)
