"""Nieuw lists the newest threads a page at a time and loads the next page as the reader
scrolls (htmx "revealed"), until every thread with news is there, each once, newest first."""

import pytest
from playwright.sync_api import expect

from consult import follows

from ..conftest import DEMO_PASSWORDS, everything_unseen
from .conftest import _serve, login, scroll_to_end


@pytest.fixture
def news_url(tmp_path, monkeypatch):
    monkeypatch.setattr(follows, "NEW_PAGE", 15)
    yield from _serve(tmp_path, everything_unseen)


def test_scrolling_down_loads_every_thread_once(news_url, page):
    login(page, news_url, *DEMO_PASSWORDS["secretary"])
    page.goto(f"{news_url}/nieuw")
    items = page.locator("#unread-list .inbox-item")
    expect(items).to_have_count(15)
    expect(page.get_by_text("verder scrollen laadt er meer")).to_be_visible()
    scroll_to_end(page, "#unread-list .inbox-item", ".unread-more")
    links = [a.get_attribute("href") for a in items.locator("a[href*='#bericht-']").all()]
    assert len(links) > 30 and len(set(links)) == len(links)
    entries = [int(link.rsplit("-", 1)[1]) for link in links]
    assert entries == sorted(entries, reverse=True)  # newest first, across the pages
