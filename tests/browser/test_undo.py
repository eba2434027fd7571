"""Archiving in Chromium: one click, then a line that says exactly what went, with "Ongedaan
maken" right there; the page the secretary was on stays (no 405 after a fragment)."""

import re

from playwright.sync_api import expect

from .conftest import login

SLUG = "holland-rijnland-jeugdhulp-2016"


def _letter(page, title: str) -> None:
    composer = page.locator(".composer")
    composer.locator("select[name=stakeholder_id]").select_option(label="Gemeenteraad Leiden")
    composer.get_by_label("Titel", exact=True).fill(title)
    composer.get_by_label("Tekst van de brief").fill(
        "1. Betrek jongeren bij de inkoop.\n2. Meet de wachttijden per aanbieder.\n"
        "3. Houd de toegang dichtbij.\n")
    expect(composer.locator(".preview-point")).to_have_count(3)
    composer.get_by_role("button", name="Reactie opslaan").click()
    expect(composer.locator(".success")).to_contain_text("Gelogd: Gemeenteraad Leiden")
    page.locator("#channel .reaction").filter(has_text=title).get_by_role(
        "link", name=re.compile(title)).click()
    expect(page.locator("#punt-3")).to_be_visible()


def _no_error(page) -> None:
    expect(page.locator("#toast")).to_be_hidden()
    expect(page.get_by_text("niet mogelijk")).to_have_count(0)


def test_archive_a_point_right_after_answering_then_undo(live_url, page):
    login(page, live_url, "secretaris@consult.example", "demo-secretaris-2016")
    page.goto(f"{live_url}/consultaties/{SLUG}")
    _letter(page, "Brief om te archiveren")
    reaction_url = page.url.split("#")[0]
    page.locator("#answer-panel summary").click()
    panel = page.locator("#answer-panel")
    panel.locator("input[name=selection]").fill("2")
    panel.locator("textarea[name=body]").fill("Wordt meegenomen in het inkoopplan.")
    panel.get_by_role("button", name="Antwoord opslaan").click()
    expect(page.locator("#punt-2 .answer")).to_have_count(1)

    # The points block was just re-rendered by the answer form's POST: archiving from it
    # goes back to the reaction page, and says what went.
    page.locator("#punt-3").get_by_role("button", name="Archiveren").click()
    undo = page.locator(".flash.undo")
    expect(undo).to_contain_text(
        "Gearchiveerd: punt 3 van Gemeenteraad Leiden („Houd de toegang dichtbij.”).")
    _no_error(page)
    assert page.url.split("#")[0] == reaction_url
    expect(page.locator("#punt-3")).to_have_count(0)

    undo.get_by_role("button", name="Ongedaan maken").click()
    expect(page.locator(".flash")).to_contain_text(
        "Teruggezet: punt 3 van Gemeenteraad Leiden („Houd de toegang dichtbij.”).")
    expect(page.locator("#punt-3")).to_contain_text("Houd de toegang dichtbij.")
    assert page.url.split("#")[0] == reaction_url

    # The answer: archived with its points named, and back again.
    page.locator("#punt-2 .answer").get_by_role("button", name="Archiveren").click()
    expect(page.locator(".flash.undo")).to_contain_text(
        "Gearchiveerd: het antwoord op punt 2 van Gemeenteraad Leiden („Wordt meegenomen in "
        "het inkoopplan.”).")
    expect(page.locator("#punt-2 .answer")).to_have_count(0)
    expect(page.locator("#punt-2 .no-answer")).to_be_visible()
    page.locator(".flash.undo").get_by_role("button", name="Ongedaan maken").click()
    expect(page.locator("#punt-2 .answer")).to_contain_text("Wordt meegenomen")
    _no_error(page)


def test_archive_a_whole_reaction_then_undo(live_url, page):
    login(page, live_url, "secretaris@consult.example", "demo-secretaris-2016")
    page.goto(f"{live_url}/consultaties/{SLUG}")
    _letter(page, "Hele brief weg")
    page.get_by_role("button", name="Reactie archiveren").click()
    undo = page.locator(".flash.undo")
    expect(undo).to_contain_text(
        "Gearchiveerd: de reactie „Hele brief weg” van Gemeenteraad Leiden.")
    _no_error(page)
    other = page.context.new_page()  # the channel, beside the page with the undo line
    other.goto(f"{live_url}/consultaties/{SLUG}")
    expect(other.locator("#channel .reaction").filter(has_text="Hele brief weg")).to_have_count(0)
    undo.get_by_role("button", name="Ongedaan maken").click()
    expect(page.locator(".flash")).to_contain_text("Teruggezet: de reactie „Hele brief weg”")
    other.reload()
    expect(other.locator("#channel .reaction").filter(has_text="Hele brief weg")).to_have_count(1)
