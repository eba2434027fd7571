"""Every page a user reaches works on a phone (375 px) and on a laptop (1366 px): nothing
scrolls sideways, every link and button of the top bar is on the screen, and axe finds no
serious or critical WCAG 2.1 AA violation on the phone (issue 16: every page was 1,057 px wide
on a phone).

The pages are the app's GET routes (its url_map): each is either visited below, as each role
that may see it, or named in NOT_PAGES with the reason; a new route fails the first test until
it is one or the other."""

import re
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlmodel import select

from consult import accounts, files, portal
from consult.db import get_session
from consult.intake import DraftPoint
from consult.models import Consultation, User

from ..conftest import DEMO_PASSWORDS, make_app, reopen
from .conftest import _serve
from .test_accessibility import BLOCKING, SLUG, axe_violations, describe, open_as
from .test_accessibility import demo_ids as accessibility_ids

C = f"/consultaties/{SLUG}"
WIDTHS = (375, 1366)
ROLES = (None, "councillor", "secretary", "advisory_member", "admin")

# endpoint -> the page's URL, from the demo's ids
PAGES = {
    "consultations.index": lambda i: "/",
    "auth.login": lambda i: "/inloggen",
    "auth.forgot_password": lambda i: "/wachtwoord-vergeten",
    "auth.set_password": lambda i: f"/account/wachtwoord/{i['token']}",
    "admin.users": lambda i: "/beheer/gebruikers",
    "consultations.show": lambda i: C,
    "consultations.reaction": lambda i: f"{C}/reacties/{i['reaction']}",
    "consultations.dashboard": lambda i: f"{C}/dashboard",
    "letters.index": lambda i: f"{C}/antwoordbrieven",
    "processing.edit": lambda i: f"{C}/antwoorden/{i['response']}/bewerken",
    "processing.versions": lambda i: f"{C}/antwoorden/{i['response']}/versies",
    "records.archive": lambda i: f"{C}/archief",
    "records.history": lambda i: f"{C}/geschiedenis/punt/{i['point']}",
    "destinations.index": lambda i: f"{C}/bestemmingen",
    "landings.show": lambda i: f"{C}/bestemmingen/{i['destination']}",
    "documents.show": lambda i: f"{C}/bestemmingen/{i['destination']}/document",
    "documents.compare": lambda i: f"{C}/bestemmingen/{i['destination']}/document/vergelijken",
    "lifecycle.edit": lambda i: f"{C}/bewerken",
    "lifecycle.create": lambda i: "/consultaties/nieuw",
    "invitations.reminders": lambda i: f"{C}/herinneringen",
    "imports.show": lambda i: f"{C}/inlezen",
    "reports.public": lambda i: f"{C}/openbaar",
    "reports.show": lambda i: f"{C}/tabel",
    "commitments.index": lambda i: f"{C}/toezeggingen",
    "threads.show": lambda i: f"{C}/punten/{i['point']}",
    "corrections.edit": lambda i: f"{C}/punten/{i['point']}/corrigeren",
    "corrections.merge": lambda i: f"{C}/punten/{i['point']}/samenvoegen",
    "corrections.split": lambda i: f"{C}/punten/{i['point']}/splitsen",
    "corrections.move": lambda i: f"{C}/punten/{i['point']}/verplaatsen",
    "corrections.history": lambda i: f"{C}/punten/{i['point']}/versies",
    "stakeholders.index": lambda i: "/indieners",
    "stakeholders.show": lambda i: f"/indieners/{i['stakeholder']}",
    "registry.manage": lambda i: "/indieners/beheer",
    "registry.edit": lambda i: f"/indieners/{i['stakeholder']}/beheer",
    "registry.merge_confirm":
        lambda i: f"/indieners/{i['stakeholder']}/samenvoegen?met={i['other_stakeholder']}",
    "search.index": lambda i: "/zoeken?q=huisartsen",
    "unread.index": lambda i: "/nieuw",
    "portal.inbox": lambda i: "/portaal",
    "themes.board": lambda i: f"{C}/themas",
    "bulk.index": lambda i: f"{C}/selectie",
    "bulk.templates": lambda i: f"{C}/sjablonen",
}
# pages there only while the consultation is open for reactions: the advisory board's drafts
OPEN_PAGES = {
    "portal.new_draft": lambda i: f"/portaal/{SLUG}/concept",
    "portal.draft": lambda i: f"/portaal/concepten/{i['draft']}",
}
NOT_PAGES = {
    "static": "files",
    "health.check": "for the load balancer, plain text",
    "consultations.attachment": "a download",
    "lifecycle.document": "a download",
    "documents.original": "a download (a document version as uploaded)",
    "letters.download": "a download (.docx)",
    "documents.compare_docx": "a download (.docx): two versions compared",
    "reports.download": "a download (.xlsx, .csv, .docx)",
    "consultations.more": "a fragment: the channel's next page (htmx)",
    "consultations.changes": "a fragment: what changed (htmx polling)",
    "consultations.reaction_points": "a fragment: a reaction's points unfolded (htmx)",
    "threads.new_entries": "a fragment: new messages (htmx polling)",
    "threads.similar": "a fragment: similar points (htmx)",
    "search.quick": "a fragment: the header search's drop-down (htmx)",
    "registry.matches": "a fragment: close matches inside a form (htmx)",
    "processing.selection": "a fragment: the answer panel's chosen points (htmx)",
    "unread.count": "a fragment: the menu's count beside Nieuw (htmx, after each page)",
    "themes.answer_form": "needs a theme: on a phone in tests/browser/test_themes_board.py",
    "themes.choose": "a point's other themes, put into its line on the board by htmx (the "
                     "board is checked on a phone); its page without JavaScript in "
                     "tests/test_themes_views.py",
    "bulk.fill": "a fragment: the answer panel's explanation filled from a template (htmx)",
}


def test_every_get_route_is_checked_below_or_named_as_not_a_page(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'routes.sqlite3'}", tmp_path)
    get_routes = {r.endpoint for r in app.url_map.iter_rules() if "GET" in r.methods}
    known = set(PAGES) | set(OPEN_PAGES) | set(NOT_PAGES)
    assert get_routes - known == set(), "a GET route nobody checks on a phone"
    assert known - get_routes == set(), "a checked route that no longer exists"


def _a_reset_link(app, found: dict) -> None:
    with app.app_context():
        session = get_session()
        viewer = accounts.user_by_email(session, DEMO_PASSWORDS["viewer"][0])
        found["token"] = accounts.issue_token(session, viewer, "reset")
        session.commit()


def _a_document(app) -> None:
    """Two versions of the strategy on Inkoopplan 2017 (consult/documents), to show and
    compare."""
    from datetime import date

    from consult.documents import operations as documents
    from consult.models import Destination

    from ..test_documents import SEED, definitief_text

    with app.app_context():
        session = get_session()
        plan = session.exec(select(Destination).where(Destination.title == "Inkoopplan 2017")
                            ).one()
        for label, day, text in (("concept", date(2016, 9, 1), SEED.read_text()),
                                 ("definitief", date(2016, 12, 16), definitief_text())):
            documents.add_version(session, None, files.of(app), plan, label, day, text=text)
        session.commit()


def _ids(tmp_path: Path, found: dict) -> dict:
    with closing(sqlite3.connect(tmp_path / "consult.sqlite3")) as db:
        found["other_stakeholder"] = db.execute(
            "SELECT MIN(id) FROM stakeholder WHERE name != 'Leiden'").fetchone()[0]
    return {**accessibility_ids(tmp_path), **found}


@pytest.fixture
def published(tmp_path):
    """The published demo (every page but the board's drafts), with the ids to visit."""
    found: dict = {}
    served = _serve(tmp_path, lambda app: (_a_reset_link(app, found), _a_document(app)))
    base = next(served)
    yield base, _ids(tmp_path, found)
    next(served, None)


def _open_with_a_draft(app, found: dict) -> None:
    reopen(app)
    with app.app_context():
        session = get_session()
        board = accounts.user_by_email(session, DEMO_PASSWORDS["advisory_member"][0])
        consultation = session.exec(select(Consultation).where(Consultation.slug == SLUG)).one()
        draft = portal.save_draft(session, session.get(User, board.id), consultation,
                                  "Advies", "1. Een punt\n", [DraftPoint("1", "Een punt")])
        session.commit()
        found["draft"] = draft.id


@pytest.fixture
def open_for_reactions(tmp_path):
    found: dict = {}
    served = _serve(tmp_path, lambda app: _open_with_a_draft(app, found))
    base = next(served)
    yield base, found
    next(served, None)


def header_out_of_reach(page) -> list[str]:
    """The top bar's links, buttons and fields that are hidden or (partly) off the screen
    (the menu button, shown on a phone only, is folded_menu_problems' to check)."""
    return page.evaluate("""() => {
        const width = window.innerWidth, out = [];
        const controls = 'header.topbar :is(a, button:not([data-menu-toggle]),'
                         + ' input:not([type=hidden]))';
        for (const el of document.querySelectorAll(controls)) {
            const box = el.getBoundingClientRect(), style = getComputedStyle(el);
            const shown = box.width > 0 && box.height > 0 && style.visibility !== 'hidden';
            if (!shown || box.left < 0 || box.right > width + 0.5)
                out.push(`${el.textContent.trim() || el.name || el.id}`
                         + ` (${Math.round(box.left)}..${Math.round(box.right)} of ${width})`);
        }
        return out;
    }""")


def folded_menu_problems(page, width: int) -> list[str]:
    """On a phone the top bar is one short bar with a "Menu" button that opens the rest
    (before: ~170 px of links, name and languages above every page at 375 px); on a laptop
    there is no button and everything is in the bar. Leaves the menu open, so that
    header_out_of_reach can check every control in it."""
    toggle = page.locator("header.topbar [data-menu-toggle]")
    height = page.evaluate("() => document.querySelector('header.topbar').offsetHeight")
    if width >= 1024:
        return ["a menu button on a wide screen"] if toggle.is_visible() else []
    found = []
    if height > 100:
        found.append(f"top bar {height} px high with its menu folded")
    if not toggle.is_visible():
        return found + ["no menu button"]
    if toggle.get_attribute("aria-expanded") != "false":
        found.append("menu button does not say it is closed")
    toggle.click()
    if toggle.get_attribute("aria-expanded") != "true":
        found.append("menu button does not say it is open")
    return found


def small_chart_text(page) -> list[str]:
    """The texts of the page's charts (SVG) drawn smaller than 11 px on the screen."""
    return page.evaluate("""() => [...document.querySelectorAll('main svg text')]
        .map(t => [t.textContent, parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a])
        .filter(([, px]) => px < 11).map(([text, px]) => `${text} (${px.toFixed(1)} px)`)
        .slice(0, 5)""")


def check_role(browser, base: str, role: str | None, pages: dict, ids: dict) -> tuple:
    """Visit each page the role may see at each width; the pages it reached and the
    problems found: {"<role> <url> @<width>": [sentences]}."""
    context, page, errors = open_as(browser, base, role)
    reached, problems = set(), {}
    for endpoint, url_of in pages.items():
        url = url_of(ids)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            response = page.goto(base + url)
            elsewhere = page.url.split("?")[0] != (base + url).split("?")[0]
            if response.status in (403, 404) or elsewhere:
                break  # not this role's page (refused, or sent to the login form)
            assert response.ok, (role, url, response.status)
            reached.add(endpoint)
            found = []
            scroll = page.evaluate("document.scrollingElement.scrollWidth")
            if scroll > width:
                found.append(f"{scroll} px wide")
            # and with every folded part unfolded (the dashboard's colour legend was 552 px)
            scroll = page.evaluate("""() => { document.querySelectorAll('details')
                .forEach((d) => { d.open = true; });
                return document.scrollingElement.scrollWidth; }""")
            if scroll > width:
                found.append(f"{scroll} px wide with its <details> open")
            if small := small_chart_text(page):
                found.append(f"chart text under 11 px: {small}")
            found += folded_menu_problems(page, width)
            if out := header_out_of_reach(page):
                found.append(f"top bar out of reach: {out}")
            if width == WIDTHS[0]:
                # axe on the phone, with the menu open: its rules read the page's elements
                # (names, labels, roles, contrast), which are the same markup on a laptop;
                # tests/browser/test_accessibility.py runs axe on the main pages at laptop
                # width (Playwright's 1280 px), each as the role that works on it
                violations = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
                if violations:
                    found.append(describe(violations))
            if found:
                problems[f"{role or 'anonymous'} {url} @{width}"] = found
    context.close()
    # the refused pages' own 403/404 are expected; anything else on a page is a problem
    unexpected = [e for e in errors if not re.search(r"status of (403|404)\b", e)]
    if unexpected:
        problems["console"] = unexpected
    return reached, problems


def _report(problems: dict) -> str:
    return "\n".join(f"{where}: " + "\n    ".join(found) for where, found in problems.items())


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_each_page_fits_a_phone_and_a_laptop(published, browser, role):
    base, ids = published
    reached, problems = check_role(browser, base, role, PAGES, ids)
    assert reached, "the role reached no page"
    assert not problems, _report(problems)


def test_every_page_is_reached_by_some_role(published, browser):
    """A page nobody reaches would be checked by nobody (a wrong URL or id above)."""
    base, ids = published
    reached = set()
    for role in (None, "secretary", "admin", "advisory_member"):
        context, _page, _ = open_as(browser, base, role)
        for endpoint, url_of in PAGES.items():
            # the logged-in context's cookies, without rendering the page (rendering is what
            # check_role does, role by role)
            response = context.request.get(base + url_of(ids))
            if response.ok and response.url.split("?")[0] == (base + url_of(ids)).split("?")[0]:
                reached.add(endpoint)
        context.close()
    assert set(PAGES) - reached == set()


def test_the_boards_draft_pages_fit_a_phone_and_a_laptop(open_for_reactions, browser):
    base, ids = open_for_reactions
    reached, problems = check_role(browser, base, "advisory_member", OPEN_PAGES, ids)
    assert reached == set(OPEN_PAGES)
    assert not problems, _report(problems)
