"""Found by a new-user trial at 120k points (30 November): real letters carry long unbroken
links, which widened every page that shows them past a phone's screen; the advisory member's
inbox listed its newest 50 entries only and then marked every older one as read."""

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from consult import followup, portal
from consult.db import get_session
from consult.models import Point, Reaction, Stakeholder

from ..conftest import DEMO_PASSWORDS
from .conftest import _serve, login, scroll_to_end

PHONE = {"width": 390, "height": 844}
LINK = ("https://www.hollandrijnland.nl/wp-content/uploads/2016/05/"
        "Concept-Regionaal-Inkoopplan-Jeugdhulp-2017-Holland-Rijnland-versie-12-mei-2016.pdf")
SLUG = "holland-rijnland-jeugdhulp-2016"


def _a_long_link_in_a_leiden_point(app) -> None:
    with app.app_context():
        session = get_session()
        point = session.exec(
            select(Point).join(Reaction, Reaction.id == Point.reaction_id)
            .join(Stakeholder, Stakeholder.id == Reaction.stakeholder_id)
            .where(Stakeholder.name == "Leiden").order_by(Point.id)).first()
        point.body = f"Zie {LINK} voor de onderbouwing (bijlage_inkoopplan_jeugdhulp_2017)."
        session.add(point)
        session.commit()


@pytest.fixture
def long_link_url(tmp_path):
    yield from _serve(tmp_path, _a_long_link_in_a_leiden_point)


def test_a_long_link_wraps_on_a_phone_on_every_page_that_shows_it(long_link_url, page):
    login(page, long_link_url, *DEMO_PASSWORDS["secretary"])
    page.set_viewport_size(PHONE)
    page.goto(f"{long_link_url}/zoeken?q=hollandrijnland")
    thread = page.locator("a[href*='/punten/']").first.get_attribute("href").split("#")[0]
    page.goto(long_link_url + thread)
    reaction = page.locator("a[href*='/reacties/']").first.get_attribute("href")
    page.goto(f"{long_link_url}/indieners")
    leiden = page.get_by_role("link", name="Leiden", exact=True).first.get_attribute("href")
    for url in (thread, reaction, leiden, f"/consultaties/{SLUG}/tabel",
                f"/consultaties/{SLUG}/openbaar", "/zoeken?q=hollandrijnland"):
        page.goto(long_link_url + url)
        expect(page.get_by_text("Concept-Regionaal-Inkoopplan").first).to_be_visible()
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= PHONE["width"], (url, width)


@pytest.fixture
def short_pages_url(tmp_path, monkeypatch):
    monkeypatch.setattr(followup, "PAGE_SIZE", 3)
    yield from _serve(tmp_path)


def test_a_stakeholders_lists_load_more_on_a_click_not_by_scrolling(short_pages_url, page):
    """One list per consultation: a sentinel that loaded itself on scrolling ended above the
    screen once the list below it grew (a patchwork of half-loaded lists at 120k points).
    Scrolling loads nothing; each click adds the next points in place, each once."""
    login(page, short_pages_url, *DEMO_PASSWORDS["councillor"])
    page.set_viewport_size(PHONE)
    page.goto(f"{short_pages_url}/indieners")
    page.get_by_role("link", name="Leiden", exact=True).first.click()
    rows = page.locator("tr[id^='punt-']")
    expect(rows).to_have_count(3)
    page.mouse.wheel(0, 100_000)
    page.wait_for_timeout(500)
    expect(rows).to_have_count(3)
    more = page.get_by_role("link", name=re.compile(r"Meer punten: vanaf punt 4 van \d+"))
    url = page.url
    more.click()
    expect(rows).to_have_count(6)
    assert page.url == url  # in place, not a new page
    ids = [r.get_attribute("id") for r in rows.all()]
    assert len(set(ids)) == len(ids)


@pytest.fixture
def inbox_url(tmp_path, monkeypatch):
    monkeypatch.setattr(portal, "INBOX_PAGE", 2)
    yield from _serve(tmp_path)


def test_the_inbox_lists_every_entry_as_new_across_its_pages_once(inbox_url, page):
    """Every entry of the advisory member's inbox is reachable by scrolling, each once and
    newest first, and "new" means the same on every page (the first page's visit marks the
    inbox as read, which must not turn the later pages' entries old); the next visit has
    none new."""
    login(page, inbox_url, *DEMO_PASSWORDS["advisory_member"])
    pages = []
    page.on("request", lambda r: pages.append(r.url) if "/portaal?voor=" in r.url else None)
    page.goto(f"{inbox_url}/portaal")
    items = page.locator("#portal-inbox .inbox-item")
    expect(items.first).to_be_visible()
    scroll_to_end(page, "#portal-inbox .inbox-item", "#portal-inbox .unread-more")
    assert len(pages) >= 2  # a page of two entries at a time
    links = [a.get_attribute("href") for a in items.locator("a[href*='#bericht-']").all()]
    assert len(links) > 4 and len(set(links)) == len(links)
    entries = [int(link.rsplit("-", 1)[1]) for link in links]
    assert entries == sorted(entries, reverse=True)
    assert page.locator("#portal-inbox .inbox-item.new").count() == len(links)
    page.goto(f"{inbox_url}/portaal")
    expect(items.first).to_be_visible()
    assert page.locator("#portal-inbox .inbox-item.new").count() == 0


def test_log_a_reaction_is_one_tap_from_the_top_of_a_long_channel(long_link_url, page):
    """The form to log a reaction sits below the channel, which loads more as one scrolls
    (1,098 reactions: 55 pages before the form came into view); a link at the top jumps there."""
    login(page, long_link_url, *DEMO_PASSWORDS["secretary"])
    page.set_viewport_size(PHONE)
    page.goto(f"{long_link_url}/consultaties/{SLUG}")
    page.locator("header.page-head").get_by_role("link", name="Reactie loggen").click()
    expect(page.get_by_role("heading", name="Reactie loggen")).to_be_in_viewport()


def test_a_wrong_password_says_so_in_the_servers_own_words(long_link_url, page):
    """The login form is boosted by htmx; its 401 page carries the sentence. It showed a
    toast "Er ging iets mis; er is niets gewijzigd ... (401)" instead."""
    page.goto(long_link_url + "/inloggen")
    page.get_by_label("E-mailadres").fill(DEMO_PASSWORDS["secretary"][0])
    page.get_by_label("Wachtwoord").fill("niet-het-wachtwoord")
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("alert")).to_have_text("E-mailadres of wachtwoord klopt niet.")
    expect(page.locator("#toast")).to_be_hidden()
    expect(page.get_by_label("E-mailadres")).to_have_value(DEMO_PASSWORDS["secretary"][0])
