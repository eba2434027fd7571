"""A live server on a real SQLite file with the demo loaded, and real headless Chromium."""

import re
import threading

import pytest
from werkzeug.serving import make_server

from consult import demo
from consult.db import get_session

from ..conftest import make_app, reopen

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def live_url(tmp_path):
    """Serve the demo consultation (published) on a free loopback port during a test."""
    yield from _serve(tmp_path)


@pytest.fixture
def live_open_url(tmp_path):
    """The same, with the demo consultation open for reactions again (advisory boards draft
    only then): members only."""
    yield from _serve(tmp_path, reopen)


def _closed_when_done(app):
    """The app, its response closed as soon as it has been read to the end.

    Werkzeug's development server closes a response only after draining the request socket,
    and a read there that fails (Chromium resetting a cancelled favicon request) skips the
    close: the static file stayed open until the garbage collector found it, and its
    ResourceWarning failed whichever later test that happened in."""

    def wsgi(environ, start_response):
        body = app(environ, start_response)
        try:
            yield from body
        finally:
            if hasattr(body, "close"):
                body.close()

    return wsgi


def _serve(tmp_path, prepare=None):
    app = make_app(f"sqlite:///{tmp_path / 'consult.sqlite3'}", tmp_path, SEARCH_MODE="inline")
    with app.app_context():
        session = get_session()
        demo.load(session)
        session.commit()
    if prepare is not None:
        prepare(app)
    yield from live_server(app)


def live_server(app):
    """Serve ``app`` on a free loopback port (yields its base URL) until the test ends; then
    stop the server and close the app's connections."""
    server = make_server("127.0.0.1", 0, _closed_when_done(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    app.extensions["consult.engine"].dispose()


def scroll_to_end(page, items: str, sentinel: str, pages: int = 100) -> None:
    """Scroll down until the list has no "load more" sentinel left: each time the wheel
    reaches the end, wait until more ``items`` (a CSS selector) arrived or the ``sentinel``
    went."""
    for _ in range(pages):
        if not page.locator(sentinel).count():
            return
        before = page.locator(items).count()
        page.mouse.wheel(0, 1_000_000)
        page.wait_for_function(
            "([items, sentinel, n]) => document.querySelectorAll(items).length > n"
            " || !document.querySelector(sentinel)", arg=[items, sentinel, before])


def _unexpected(message) -> bool:
    """Console errors fail a test, except the browser noting a validation answer (401 from a
    wrong password, 409, 422)."""
    if message.type != "error":
        return False
    return not re.search(r"status of (401|409|422)\b", message.text)


@pytest.fixture
def page(tmp_path):
    """A fresh Chromium page; console errors (such as CSP violations) fail the test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="nl-NL")
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if _unexpected(m) else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        yield page
        context.close()
        browser.close()
    assert errors == [], errors


def login(page, base_url: str, email: str, password: str) -> None:
    """Log in through the login form and wait until the page says so."""
    page.goto(base_url + "/inloggen")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    # attached, not visible: on a phone it sits in the folded menu
    page.get_by_role("button", name="Uitloggen", include_hidden=True).wait_for(state="attached")


@pytest.fixture
def browser():
    """A Chromium browser for tests that need several contexts (two people at once)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()
