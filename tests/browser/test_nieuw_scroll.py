"""Nieuw lists the newest threads a page at a time and loads the next page as the reader
scrolls (htmx "revealed"), until every thread with news is there, each once, newest first."""

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from consult import follows
from consult.db import get_session
from consult.models import Point, ThreadVisit, User

from ..conftest import DEMO_PASSWORDS
from .conftest import _serve, login


def _everything_unseen(app) -> None:
    """The secretary opened every thread before anything was written in it: all is new."""
    with app.app_context():
        session = get_session()
        secretary = session.exec(select(User).where(User.role == "secretary")).one()
        for point_id in session.exec(select(Point.id)).all():
            session.add(ThreadVisit(user_id=secretary.id, point_id=point_id, seen_message_id=0))
        session.commit()


@pytest.fixture
def news_url(tmp_path, monkeypatch):
    monkeypatch.setattr(follows, "NEW_PAGE", 15)
    yield from _serve(tmp_path, _everything_unseen)


def test_scrolling_down_loads_every_thread_once(news_url, page):
    login(page, news_url, *DEMO_PASSWORDS["secretary"])
    page.goto(f"{news_url}/nieuw")
    items = page.locator("#unread-list .inbox-item")
    expect(items).to_have_count(15)
    expect(page.get_by_text("verder scrollen laadt er meer")).to_be_visible()
    for _ in range(100):
        if not page.locator(".unread-more").count():
            break
        before = items.count()
        page.mouse.wheel(0, 1_000_000)
        page.wait_for_function(
            "n => document.querySelectorAll('#unread-list .inbox-item').length > n"
            " || !document.querySelector('.unread-more')", arg=before)
    links = [a.get_attribute("href") for a in items.locator("a[href*='#bericht-']").all()]
    assert len(links) > 30 and len(set(links)) == len(links)
    entries = [int(link.rsplit("-", 1)[1]) for link in links]
    assert entries == sorted(entries, reverse=True)  # newest first, across the pages
