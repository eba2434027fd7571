"""Every POST route's error path, once, in Chromium: the page shows the server's own Dutch
sentence for a 4xx, never the generic "Er ging iets mis ..." line, and the browser logs no
error but the 4xx itself.

The routes are read from the app's URL map, so a new POST route is covered the day it is
added. Each is sent the way the pages send their actions (an htmx form posting in place),
twice: by a reader, who may change nothing here (no permission), and as a form that has gone
stale (an expired CSRF token). A few actions whose 4xx is a form answered in place (409, 413,
422) are driven through their own forms further down."""

import re

import pytest
from sqlmodel import select

from consult import demo
from consult.db import get_session
from consult.models import (
    Point,
    Reaction,
    Response,
    ResponseDestination,
    ResponsePoint,
    Stakeholder,
    User,
)

from ..conftest import DEMO_PASSWORDS, Actor, make_app
from .conftest import CHROMIUM, CHROMIUM_ARGS, live_server, login

SLUG = "holland-rijnland-jeugdhulp-2016"
GENERIC = "Er ging iets mis"
# The form a page shows that posts these is a whole page (hx-boost): login, password pages.
BOOSTED = {"auth.login", "auth.forgot_password", "auth.set_password"}
# What a reader may do everywhere: no 4xx to provoke as a reader (the stale form still is).
READER_MAY = {"i18n.switch", "auth.logout", "unread.mark_all_seen", "threads.seen",
              "threads.follow", "landings.follow", "portal.inbox_seen",
              "portal.follow_stakeholder", "processing.markdown_preview"} | BOOSTED
# A reader never has this form on a page (the thread's message box is for those who may
# post); its refusal is answered out of band into that box: see the test at the end.
READER_HAS_NO_FORM = {"threads.post"}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The demo (published) on a live server, with the ids the routes need."""
    folder = tmp_path_factory.mktemp("post-errors")
    app = make_app(f"sqlite:///{folder / 'consult.sqlite3'}", folder, SEARCH_MODE="inline")
    with app.app_context():
        session = get_session()
        demo.load(session)
        session.commit()
        point = session.exec(select(Point).order_by(Point.id)).first()
        ids = {
            "slug": SLUG, "point_id": point.id, "reaction_id": point.reaction_id,
            "response_id": session.exec(select(Response.id)).first(),
            "stakeholder_id": session.exec(select(Stakeholder.id)).first(),
            "user_id": session.exec(select(User.id)).first(),
            "destination_id": 1, "commitment_id": 1, "record_id": point.id,
            "kind": "punt", "token": "verlopen", "lang": "nl", "step": "sluiten",
            "action": "archiveren",
            # themes, bulk actions, templates, document versions: none made here, so their
            # routes refuse with their own 404 sentence
            "theme_id": 1, "suggestion_id": 1, "action_id": 1, "template_id": 1,
            "version_id": 1,
        }
        assert session.get(Reaction, point.reaction_id) is not None
        rules = sorted((r.endpoint, r.rule) for r in app.url_map.iter_rules()
                       if "POST" in r.methods)
    for url in live_server(app):
        yield url, ids, rules, app


_THE_4XX = re.compile(r"status of 4\d\d \(|^Response Status Error Code 4\d\d from ")


@pytest.fixture
def page():
    """A Chromium page whose console may report the 4xx answers themselves, nothing else."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="nl-NL")
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text)
                if m.type == "error" and not _THE_4XX.search(m.text) else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        yield page
        context.close()
        browser.close()
    assert errors == [], errors


def _path(rule: str, ids: dict) -> str:
    def fill(match):
        name = match.group(1).split(":")[-1]
        choices = re.match(r"any\((.*)\)", match.group(1).split(":", 1)[0] if
                           match.group(1).startswith("any(") else "")
        if choices:
            return choices.group(1).split(",")[0].strip()
        return str(ids[name])

    return re.sub(r"<([^>]+)>", fill, rule)


def _post_in_place(page, path: str, stale: bool, boosted: bool):
    """Put a form on the page that posts ``path`` as the pages' own forms do (hx-post in
    place, or a boosted page form) and send it; the response."""
    page.evaluate("""([path, stale, boosted]) => {
        const form = document.createElement('form');
        form.id = 'probe';
        if (boosted) { form.method = 'post'; form.action = path; }
        else { form.setAttribute('hx-post', path); }
        if (stale) form.setAttribute('hx-headers', '{"X-CSRFToken": "verlopen"}');
        const field = document.createElement('input');
        field.type = 'hidden'; field.name = 'csrf_token';
        field.value = stale ? 'verlopen'
            : JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken'];
        form.appendChild(field);
        const marker = document.createElement('input');
        marker.type = 'hidden'; marker.name = 'probe'; marker.value = 'ja';
        form.appendChild(marker);
        const button = document.createElement('button');
        button.textContent = 'Probeer'; button.id = 'probe-button';
        form.appendChild(button);
        document.querySelector('main').prepend(form);
        htmx.process(form);
    }""", [path, stale, boosted])
    with page.expect_response(lambda r: r.url.endswith(path)
                              and "probe=ja" in (r.request.post_data or "")) as answer:
        page.locator("#probe-button").click()
    return answer.value


def _message(response) -> str:
    """The server's own sentence: the plain text, or the alert/error text of its HTML."""
    body = response.text()
    if response.headers.get("content-type", "").startswith("text/plain"):
        return body.strip()
    found = re.search(r'role="alert"[^>]*>\s*(?:<[^>]+>\s*)*([^<]+)', body) or re.search(
        r'class="(?:error|lead)[^"]*"[^>]*>\s*([^<]+)', body)
    assert found, (response.url, body[:500])
    return " ".join(found.group(1).split())


def _check(page, response, where: str) -> None:
    assert 400 <= response.status <= 499, (where, response.status)
    said = _message(response)
    import html

    said = html.unescape(said)
    try:
        page.wait_for_function("(text) => document.body.innerText.replace(/\\s+/g, ' ')"
                           ".includes(text)", arg=" ".join(said.split())[:60], timeout=5000)
    except Exception as exc:
        raise AssertionError((where, response.status, said,
                              page.locator("body").inner_text()[:300])) from exc
    assert GENERIC not in page.locator("body").inner_text(), (where, response.status)


# The page an action is taken on, where the page's answer has its place (an error line the
# response fills out of band); others start from the consultation page.
START = {"threads.": "/consultaties/{slug}/punten/{point_id}",
         "processing.answer": "/consultaties/{slug}/reacties/{reaction_id}"}


def _start(page, base: str, endpoint: str, ids: dict) -> None:
    where = next((path for prefix, path in START.items() if endpoint.startswith(prefix)),
                 "/consultaties/{slug}")
    page.goto(base + where.format(**ids))


def test_every_post_route_says_why_it_refused(served, page):
    base, ids, rules, _app = served
    login(page, base, *DEMO_PASSWORDS["viewer"])
    failures = []
    for endpoint, rule in rules:
        path = _path(rule, ids)
        boosted = endpoint in BOOSTED
        for stale in (False, True):
            if (not stale and endpoint in READER_MAY | READER_HAS_NO_FORM) or (
                    stale and endpoint == "auth.logout"):
                continue  # nothing to refuse; a stale logout is refused, but ends the test
            _start(page, base, endpoint, ids)
            try:
                _check(page, _post_in_place(page, path, stale, boosted),
                       f"{'stale' if stale else 'reader'} {endpoint}")
            except AssertionError as failure:
                failures.append(str(failure)[:400])
    assert failures == [], "\n".join(failures)


# --- the forms answered in place (409, 422) -----------------------------------------------------


def test_marking_a_point_done_that_moved_away_meanwhile_says_so(served, page):
    """A point whose answer was archived in another tab is no longer routed to the
    destination: "Markeer als gedaan" on the open page said "Er ging iets mis aan onze kant"
    (a bare 409 with the 500 sentence) and put that text where the row's form was."""
    base, ids, _rules, app = served
    login(page, base, *DEMO_PASSWORDS["secretary"])
    with app.app_context():
        session = get_session()
        destination_id, point_id = session.exec(
            select(ResponseDestination.destination_id, ResponsePoint.point_id)
            .join(ResponsePoint, ResponsePoint.response_id == ResponseDestination.response_id)
            .join(Response, Response.id == ResponsePoint.response_id)
            .where(Response.archived == False)  # noqa: E712
            .order_by(ResponsePoint.point_id)).first()
        answers = session.exec(
            select(Response.id).join(ResponsePoint).join(
                ResponseDestination, ResponseDestination.response_id == Response.id)
            .where(ResponsePoint.point_id == point_id, Response.archived == False,  # noqa: E712
                   ResponseDestination.destination_id == destination_id)).all()
    page.goto(f"{base}/consultaties/{SLUG}/bestemmingen/{destination_id}?na={point_id - 1}")
    row = page.locator(f"#todo-{point_id}")
    elsewhere = Actor(app.test_client(), "secretary")  # the other tab
    for answer in answers:
        archived = elsewhere.form_post(f"/consultaties/{SLUG}/archiveren/antwoord/{answer}")
        assert archived.status_code == 303
    row.get_by_role("textbox").fill("Inkoopplan 2017, §4")
    with page.expect_response(lambda r: r.url.endswith("/geland")) as answer:
        row.get_by_role("button", name="Markeer als afgerond").click()
    assert answer.value.status == 409
    toast = page.locator("#toast")
    expect_text = "niet meer naar deze bestemming"
    toast.filter(has_text=expect_text).wait_for()
    assert GENERIC not in page.locator("body").inner_text()
    assert row.get_by_role("textbox").input_value() == "Inkoopplan 2017, §4"  # nothing lost


def test_an_empty_message_is_refused_in_the_secretarys_words(served, page):
    """The thread's message box: a message of spaces only gets the server's sentence beside
    the box (422, swapped out of band), the box keeps what was typed."""
    base, ids, _rules, _app = served
    login(page, base, *DEMO_PASSWORDS["secretary"])
    page.goto(f"{base}/consultaties/{SLUG}/punten/{ids['point_id']}")
    box = page.locator("form.chat-input textarea")
    box.fill("   ")
    with page.expect_response(lambda r: r.url.endswith("/berichten")) as answer:
        page.locator("form.chat-input").get_by_role("button", name="Versturen").click()
    assert answer.value.status == 422
    said = " ".join(re.sub(r"<[^>]+>", " ", answer.value.text()).split())
    assert said and GENERIC not in said
    page.locator("#post-error").filter(has_text=said[:40]).wait_for()
    assert GENERIC not in page.locator("body").inner_text()
