"""WCAG 2.1 AA: axe-core finds no serious or critical violation on any main page, in real
Chromium, as each role sees it (and in the states htmx swaps in); new thread messages land in
a live region that screen readers announce."""

import sqlite3
import time
from contextlib import closing
from pathlib import Path

from playwright.sync_api import expect

from ..conftest import DEMO_PASSWORDS
from .conftest import login

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
SLUG = "holland-rijnland-jeugdhulp-2016"
C = f"/consultaties/{SLUG}"


def demo_ids(tmp_path) -> dict[str, int]:
    """Ids of demo records to visit, read from the live server's SQLite file."""
    katwijk = ("FROM reaction r JOIN stakeholder s ON s.id = r.stakeholder_id"
               " WHERE s.name LIKE 'Portefeuillehouders Jeugd Katwijk%'")
    queries = {
        "reaction": f"SELECT r.id {katwijk}",
        "point": f"SELECT p.id FROM point p WHERE p.number = '67'"
                 f" AND p.reaction_id = (SELECT r.id {katwijk})",
        "stakeholder": "SELECT id FROM stakeholder WHERE name = 'Leiden'",
        "destination": "SELECT id FROM destination WHERE title = 'Inkoopplan 2017'",
        "response": "SELECT MIN(id) FROM response",
    }
    with closing(sqlite3.connect(tmp_path / "consult.sqlite3")) as db:
        return {name: db.execute(sql).fetchone()[0] for name, sql in queries.items()}


def open_as(browser, base_url: str, role: str | None):
    """A page in a fresh context, logged in as the demo user of the role (None: anonymous).

    axe arrives as an init script, which Playwright injects through the DevTools protocol
    before the page's own scripts: the page's CSP (script-src 'self') does not apply to it,
    so no bypass_csp is needed and every page is checked under its real CSP.
    """
    context = browser.new_context(locale="nl-NL")
    context.add_init_script(script=AXE)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    if role:
        login(page, base_url, *DEMO_PASSWORDS[role])
    return context, page, errors


def settle(page) -> None:
    """Wait until htmx has no request in flight (fragments loaded on page load)."""
    page.wait_for_function(
        "() => window.htmx && !document.querySelector('.htmx-request')", timeout=10_000)


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.0/2.1 A and AA violations on the page as it is now."""
    settle(page)
    return page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']}).then(r => r.violations)",
        WCAG_21_AA,
    )


def describe(violations: list[dict]) -> str:
    """Every violation (all impacts) with the elements it was found on."""
    lines = []
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])} elements)")
        for node in v["nodes"][:5]:
            summary = node["failureSummary"].splitlines()[-1].strip()
            lines.append(f"      {node['target']}: {summary}")
    return "\n".join(lines)


def check_pages(browser, base_url: str, role: str | None, urls: list[str]) -> dict[str, list]:
    """Run axe on each URL as the role; the pages with a serious or critical violation."""
    context, page, errors = open_as(browser, base_url, role)
    failing = {}
    for url in urls:
        began = time.monotonic()
        response = page.goto(base_url + url)
        assert response.ok, (url, response.status)
        violations = axe_violations(page)
        counts = {}
        for v in violations:
            counts[v["impact"]] = counts.get(v["impact"], 0) + len(v["nodes"])
        print(f"axe {role or 'anonymous':16} {url:55} {time.monotonic() - began:4.1f} s"
              f" {counts or 'no violations'}")
        if any(v["impact"] in BLOCKING for v in violations):
            failing[f"{role or 'anonymous'} {url}"] = violations
    context.close()
    assert errors == [], errors
    return failing


def assert_clean(failing: dict[str, list]) -> None:
    assert not failing, "axe found serious or critical violations:\n" + "\n".join(
        f"{where}:\n{describe(v)}" for where, v in failing.items())


def test_processing_pages_meet_wcag_21_aa(live_url, browser, tmp_path):
    """Every page a secretary works on, as the secretary sees it."""
    started = time.monotonic()
    ids = demo_ids(tmp_path)
    urls = [
        "/",
        C,  # the channel, with the composer at its foot
        f"{C}/reacties/{ids['reaction']}",
        f"{C}/punten/{ids['point']}",
        "/zoeken?q=huisartsen",
        "/indieners",
        f"/indieners/{ids['stakeholder']}",
        f"{C}/bestemmingen/{ids['destination']}",
        f"{C}/bestemmingen",
        f"{C}/dashboard",
        f"{C}/tabel",
        f"{C}/toezeggingen",
        f"{C}/antwoordbrieven",
        f"{C}/antwoorden/{ids['response']}/bewerken",
        f"{C}/antwoorden/{ids['response']}/versies",
        f"{C}/archief",
        "/nieuw",
        "/consultaties/nieuw",  # the lifecycle: a new consultation, its facts
        f"{C}/bewerken",
        # correcting a saved point (consult.corrections)
        f"{C}/punten/{ids['point']}/corrigeren",
        f"{C}/punten/{ids['point']}/versies",
        f"{C}/punten/{ids['point']}/verplaatsen",
        f"{C}/punten/{ids['point']}/samenvoegen",
        f"{C}/punten/{ids['point']}/splitsen",
    ]
    assert_clean(check_pages(browser, live_url, "secretary", urls))
    print(f"processing pages: {time.monotonic() - started:.1f} s")


def test_public_portal_and_admin_pages_meet_wcag_21_aa(live_url, browser, tmp_path):
    """The pages without login, the councillor's and advisory board's portal, the admin's."""
    started = time.monotonic()
    ids = demo_ids(tmp_path)
    failing = check_pages(browser, live_url, None, ["/inloggen", f"{C}/openbaar", C])
    failing |= check_pages(
        browser, live_url, "councillor", ["/portaal", f"{C}/punten/{ids['point']}"])
    failing |= check_pages(browser, live_url, "advisory_member", ["/portaal"])
    failing |= check_pages(browser, live_url, "admin", ["/beheer/gebruikers"])
    assert_clean(failing)
    print(f"public, portal and admin pages: {time.monotonic() - started:.1f} s")


def test_the_advice_form_meets_wcag_21_aa(live_open_url, browser):
    """The advisory board's draft form: there while the consultation is open for reactions."""
    assert_clean(check_pages(browser, live_open_url, "advisory_member",
                             [f"/portaal/{SLUG}/concept"]))


def test_swapped_in_states_meet_wcag_21_aa_and_new_messages_are_announced(
        live_url, browser, tmp_path):
    """Drop-downs, previews and unfolded parts that htmx swaps in are checked too; a message
    posted by someone else arrives in the thread's live region."""
    started = time.monotonic()
    ids = demo_ids(tmp_path)
    context, page, errors = open_as(browser, live_url, "secretary")
    failing = {}

    def check(state: str) -> None:
        violations = axe_violations(page)
        if any(v["impact"] in BLOCKING for v in violations):
            failing[state] = violations

    # The channel: every reaction unfolded into its points, the composer with a preview.
    page.goto(live_url + C)
    page.locator("details").evaluate_all("ds => ds.forEach(d => { d.open = true; })")
    expect(page.locator(".mini-points").first).to_be_visible()
    page.locator("#composer-text").fill("1. Eerste punt\n2. Tweede punt\n")
    expect(page.locator(".preview-point")).to_have_count(2)
    check("channel unfolded, composer preview")

    # The header search's drop-down with results.
    page.locator("#header-q").fill("huisartsen")
    expect(page.locator("#quick-results a").first).to_be_visible()
    check("header search drop-down")
    page.locator("#header-q").fill("-zwaluwstaartje")
    expect(page.locator("#quick-results .quick-none")).to_be_visible()
    check("header search drop-down: a note and nothing found")

    # The reaction page with the answer panel open and a Markdown preview.
    page.goto(f"{live_url}{C}/reacties/{ids['reaction']}")
    page.locator("#answer-panel summary").click()
    page.locator("#answer-panel textarea[name=body]").fill("Wordt **meegenomen**.")
    expect(page.locator("#answer-preview strong")).to_have_text("meegenomen")
    check("answer panel with preview")
    page.locator("#punt-67").get_by_role("link", name="Corrigeren punt 67").click()
    expect(page.locator("#punt-67 form.correct-form")).to_be_visible()
    check("a point's correction form inside the reaction page")

    # The dashboard with every table of numbers open.
    page.goto(f"{live_url}{C}/dashboard")
    page.locator("details").evaluate_all("ds => ds.forEach(d => { d.open = true; })")
    check("dashboard numbers")

    # A thread: a councillor's question arrives by polling in the secretary's live region.
    thread_url = f"{live_url}{C}/punten/{ids['point']}"
    page.goto(thread_url)
    live = page.locator("#thread")
    other, councillor, other_errors = open_as(browser, live_url, "councillor")
    councillor.goto(thread_url)
    box = councillor.get_by_role("textbox", name="Bericht")
    box.fill("Wanneer komt dit in de raad?")
    box.press("Enter")
    expect(box).to_have_value("")
    other.close()
    expect(live.locator("li").last).to_contain_text("Wanneer komt dit in de raad?", timeout=8000)
    # ... and the list it was swapped into is still a polite live region for additions.
    expect(live).to_have_attribute("aria-live", "polite")
    expect(live).to_have_attribute("aria-relevant", "additions")
    check("thread after a new message")

    context.close()
    assert errors == [] and other_errors == [], errors + other_errors
    assert_clean(failing)
    print(f"swapped-in states: {time.monotonic() - started:.1f} s")
