"""Correcting a saved point in Chromium: the secretary corrects a point's text inside the
reaction page, the page refreshes in place, and the versions page shows both wordings."""

import re

from playwright.sync_api import expect

from .conftest import login

SLUG = "holland-rijnland-jeugdhulp-2016"


def test_the_secretary_corrects_a_point_on_the_reaction_page(live_url, page):
    login(page, live_url, "secretaris@consult.example", "demo-secretaris-2016")
    page.goto(f"{live_url}/consultaties/{SLUG}")
    page.get_by_role("link", name="Leiden — Ambtelijke uitvraag").click()
    point = page.locator("#punt-1")
    original = point.locator(".point-text .body").inner_text().strip()
    assert original
    point.get_by_role("link", name="Corrigeren punt 1").click()
    form = point.locator("form.correct-form")
    expect(form).to_be_visible()
    text = form.get_by_label("Tekst van punt 1")
    expect(text).to_have_value(re.compile(re.escape(original[:30])))
    corrected = "Gecorrigeerd in de browser: " + original
    text.fill(corrected)
    form.get_by_label("Afzender").select_option(label="Gemeenteraad Leiden")
    form.get_by_role("button", name="Correctie opslaan").click()
    # The points refresh in place: the form is gone, the new text and its sender are shown,
    # with a link to the versions.
    expect(point.locator("form.correct-form")).to_have_count(0)
    expect(point.locator(".point-text .body")).to_contain_text("Gecorrigeerd in de browser:")
    expect(point.locator(".sender")).to_have_text("Gemeenteraad Leiden")
    point.get_by_role("link", name="gecorrigeerd: versie 2").click()
    expect(page.get_by_role("heading", name="Versies van punt 1")).to_be_visible()
    versions = page.locator(".versions .version")
    expect(versions).to_have_count(2)
    expect(versions.nth(0)).to_contain_text("Gecorrigeerd in de browser:")
    expect(versions.nth(0)).to_contain_text("Sanne Secretaris")
    expect(versions.nth(1)).to_contain_text("zoals vastgelegd")
    expect(versions.nth(1).locator(".body")).to_have_text(re.compile(re.escape(original[:40])))
    assert "Gecorrigeerd in de browser" not in versions.nth(1).inner_text()
    # The thread tells it.
    page.get_by_role("link", name="Gesprek").click()
    expect(page.locator("#thread")).to_contain_text("Punt gecorrigeerd door Sanne Secretaris")
