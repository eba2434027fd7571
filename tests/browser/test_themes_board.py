"""The theme board in Chromium (issue 17): two themes built from suggestions, one of them
answered once for points of at least four reactions, the answer then on a reaction page; on
a phone-sized screen as well as a laptop."""

import re
import sqlite3

import pytest
from playwright.sync_api import expect

from ..conftest import DEMO_PASSWORDS
from .conftest import login
from .test_accessibility import C

PHONE = {"width": 375, "height": 812}
LAPTOP = {"width": 1366, "height": 768}


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["375", "1366"])
def test_two_themes_from_suggestions_and_one_answer_for_four_reactions(live_url, page, viewport,
                                                                      tmp_path):
    login(page, live_url, *DEMO_PASSWORDS["secretary"])
    page.set_viewport_size(viewport)
    page.goto(f"{live_url}{C}/themas")
    expect(page.get_by_role("heading", name="Thema's", exact=True)).to_be_visible()
    page.get_by_role("button", name="Thema's voorstellen").click()
    # Suggesting is computed: seconds on a loaded CI machine.
    expect(page.locator(".flash")).to_contain_text("thema's voorgesteld", timeout=20_000)
    suggestions = page.locator(".theme-suggestion")
    assert suggestions.count() >= 12

    # Accept the PGB/ZIN suggestion, then the (new) first one.
    pgb = suggestions.filter(has=page.locator("h3", has_text="PGB"))
    pgb.get_by_role("button", name="Aannemen als thema").click()
    expect(page.locator(".flash")).to_contain_text("Thema toegevoegd")
    first = page.locator(".theme-suggestion").first
    other_label = first.locator("h3").inner_text()
    first.get_by_role("button", name="Aannemen als thema").click()
    themes = page.locator("section.theme")
    expect(themes).to_have_count(2)
    expect(themes.nth(1).locator("h2")).to_have_text(other_label)

    theme = themes.filter(has=page.locator("h2", has_text="PGB"))
    senders = theme.locator(".theme-sender h4").count()
    assert senders >= 4
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    theme.get_by_role("link", name="Dit thema in één keer beantwoorden").click()
    heading = re.compile("Het thema .*PGB.* beantwoorden")
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    ticks = page.locator("input[name=point_ids]")
    assert ticks.count() >= 4
    page.get_by_label("Toelichting (Markdown)").fill(
        "PGB en zorg in natura worden samen uitgewerkt in het inkoopplan 2017.")
    page.get_by_label("Status").select_option("adopted")
    page.get_by_role("button", name="Antwoord opslaan").click()
    flash = page.locator(".flash")
    expect(flash).to_contain_text("Opgeslagen: één antwoord voor")
    reactions = int(re.search(r"van (\d+) reacties", flash.inner_text()).group(1))
    assert reactions >= 4
    # The answer shows on a reaction page like any other.
    with sqlite3.connect(tmp_path / "consult.sqlite3") as db:
        [(oegstgeest,)] = db.execute(
            "SELECT r.id FROM reaction r JOIN stakeholder s ON s.id = r.stakeholder_id"
            " WHERE s.name = 'Oegstgeest'").fetchall()
    page.goto(f"{live_url}{C}/reacties/{oegstgeest}")
    expect(page.get_by_text("PGB en zorg in natura worden samen uitgewerkt").first).to_be_visible()


def _ids(tmp_path, sql, *args):
    with sqlite3.connect(tmp_path / "consult.sqlite3") as db:
        return db.execute(sql, args).fetchall()


def test_a_point_joins_a_second_theme_and_an_answer_comes_from_a_template(live_url, page,
                                                                         tmp_path):
    """Issue 17's leftovers in Chromium: "Ook in thema" beside a point in a theme (htmx, only
    the changed theme swapped, undone by its button), and the theme answer page filling the
    explanation from an answer template, with htmx and with JavaScript switched off."""
    login(page, live_url, *DEMO_PASSWORDS["secretary"])
    page.goto(f"{live_url}{C}/sjablonen")
    page.get_by_label("Naam").last.fill("Werkgroep")
    page.get_by_label("Tekst").last.fill("{indiener}: punt {punt} wordt meegenomen in "
                                         "{bestemming}.")
    page.get_by_role("button", name="Toevoegen").click()
    expect(page.locator(".flash")).to_be_visible()
    page.goto(f"{live_url}{C}/themas")
    for title in ("Overgang 18-/18+", "Wachtlijsten"):
        new = page.locator("details.theme-new")
        if new.get_attribute("open") is None:
            new.locator("summary").click()
        new.get_by_label("Titel").fill(title)
        new.get_by_role("button", name="Thema toevoegen").click()
        expect(page.locator("section.theme h2", has_text=title)).to_be_visible()
    [(first,), (second,)] = _ids(tmp_path, "SELECT id FROM theme ORDER BY position")
    [(pid,)] = _ids(tmp_path, "SELECT p.id FROM point p JOIN reaction r ON r.id = p.reaction_id"
                    " JOIN stakeholder s ON s.id = r.stakeholder_id"
                    " WHERE s.name = 'Leiden' AND p.number = '9'")
    page.locator(f"#into-{pid}").select_option(str(first))
    page.locator(f"#tp-0-{pid}").get_by_role("button", name="Aan thema toevoegen").click()
    expect(page.locator(f"#tp-{first}-{pid}")).to_be_visible()
    page.evaluate("window.consultMarker = 1")  # gone if the page were loaded again
    line = page.locator(f"#tp-{first}-{pid}")
    line.get_by_role("link", name="Punt 9 van Leiden verplaatsen, of ook in een ander thema "
                                  "zetten").click()
    line.locator(f"#to-{first}-{pid}").select_option(str(second))
    line.get_by_role("button", name="Ook in thema").click()
    expect(page.locator(f"#tp-{second}-{pid}")).to_be_visible()
    expect(page.locator(f"#tp-{first}-{pid}")).to_be_visible()  # still in the first one
    undo = page.locator("#theme-undo")
    expect(undo).to_contain_text("Punt 9 staat nu in Wachtlijsten.")
    assert page.evaluate("window.consultMarker") == 1
    undo.get_by_role("button", name="Ongedaan maken").click()
    expect(page.locator(f"#tp-{second}-{pid}")).to_have_count(0)
    expect(page.locator(f"#tp-{first}-{pid}")).to_be_visible()
    expect(undo.get_by_role("button")).to_have_count(0)
    assert _ids(tmp_path, "SELECT theme_id FROM themepoint WHERE point_id = ?", pid) == \
        [(first,)]

    # The answer page: picking the template fills the explanation (htmx).
    [(destination,)] = _ids(tmp_path, "SELECT title FROM destination WHERE archived = 0 "
                                      "ORDER BY id LIMIT 1")
    answer = f"{live_url}{C}/themas/{first}/beantwoorden"
    page.goto(answer)
    page.get_by_label(destination, exact=True).first.check()
    page.get_by_label("Antwoordsjabloon").select_option(label="Werkgroep")
    filled = f"Leiden: punt 9 wordt meegenomen in {destination}."
    expect(page.get_by_label("Toelichting (Markdown)")).to_have_value(filled)

    # Without JavaScript: "Gebruik sjabloon" does it on the server, the rest kept.
    context = page.context.browser.new_context(locale="nl-NL", java_script_enabled=False)
    plain = context.new_page()
    try:
        login(plain, live_url, *DEMO_PASSWORDS["secretary"])
        plain.goto(answer)
        plain.get_by_label("Besloten door").fill("PHO Jeugdhulp")
        plain.get_by_label(destination, exact=True).first.check()
        plain.get_by_label("Antwoordsjabloon").select_option(label="Werkgroep")
        plain.get_by_role("button", name="Gebruik sjabloon").click()
        expect(plain.get_by_label("Toelichting (Markdown)")).to_have_value(filled)
        expect(plain.get_by_label("Besloten door")).to_have_value("PHO Jeugdhulp")
        expect(plain.get_by_label(destination, exact=True).first).to_be_checked()
    finally:
        context.close()
