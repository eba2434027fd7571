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
    expect(page.locator(".flash")).to_contain_text("thema's voorgesteld")
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
