"""A secretary starts a consultation from the home page and takes it from concept to
published; then a visitor without an account reads it — in Chromium."""

import re

from playwright.sync_api import expect

from .conftest import login

TITLE = "Inkoopkader Jeugdhulp 2027"


def _step(page, button: str, state: str) -> None:
    page.get_by_role("button", name=button).click()
    expect(page.locator("#verloop h2")).to_have_text(f"Status: {state}")


def test_a_secretary_runs_a_round_and_a_visitor_reads_it(live_url, browser):
    secretariat, public = browser.new_context(), browser.new_context()
    page, visitor = secretariat.new_page(), public.new_page()
    login(page, live_url, "secretaris@consult.example", "demo-secretaris-2016")
    page.get_by_role("link", name="Nieuwe consultatie").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nieuwe consultatie")
    page.get_by_role("textbox", name="Titel (verplicht)").fill(TITLE)
    page.get_by_label("Organisator").fill("Holland Rijnland")
    page.get_by_label("Naam van het document").fill("Voorlopig inkoopkader")
    page.get_by_label(re.compile("^Uploaden")).set_input_files(files=[{
        "name": "inkoopkader.pdf", "mimeType": "application/pdf",
        "buffer": b"%PDF-1.4\n% het voorlopige inkoopkader\n"}])
    page.get_by_label("Toelichting (Markdown)").fill("Reageer **per punt**.")
    page.get_by_label("Reageren kan tot").fill("2027-01-31")
    page.get_by_label("Beginnen vanuit een eerdere consultatie").select_option(
        label="Uitgangspunten toekomst Jeugdhulp Holland Rijnland")
    page.get_by_role("button", name="Consultatie aanmaken").click()

    expect(page).to_have_url(f"{live_url}/consultaties/inkoopkader-jeugdhulp-2027")
    expect(page.locator(".flash")).to_contain_text("aangemaakt als concept")
    expect(page.locator("#verloop h2")).to_have_text("Status: concept")
    expect(page.locator(".description strong")).to_have_text("per punt")
    expect(page.get_by_role("link", name="Downloaden (inkoopkader.pdf)")).to_be_visible()
    expect(page.locator(".chart")).to_contain_text("Inkoopplan 2017")  # the copied tree

    # Not for the public yet: as if it did not exist.
    gone = visitor.goto(f"{live_url}/consultaties/inkoopkader-jeugdhulp-2027")
    assert gone.status == 404

    _step(page, "Openen voor reacties", "open voor reacties")
    expect(page.locator(".history")).to_contain_text("Geopend op")
    expect(page.locator(".history")).to_contain_text("door Sanne Secretaris")
    _step(page, "Sluiten voor reacties", "gesloten, in verwerking")
    decide = page.locator(".step-form").filter(has=page.get_by_role(
        "button", name="Besluit vastleggen"))
    decide.get_by_label("Besloten door").fill("PHO Jeugdhulp")
    decide.get_by_label("Op", exact=True).fill("2026-11-25")
    _step(page, "Besluit vastleggen", "besloten")
    expect(page.locator(".facts")).to_contain_text("PHO Jeugdhulp, 25 november 2026")
    _step(page, "Publiceren", "gepubliceerd")

    visitor.goto(live_url)
    visitor.get_by_role("link", name=TITLE).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(visitor.locator("#verloop h2")).to_have_text("Status: gepubliceerd")
    expect(visitor.locator(".history")).to_contain_text("Gepubliceerd op")
    expect(visitor.locator(".history")).not_to_contain_text("Sanne")  # no names for the public
    expect(visitor.get_by_role("button", name="Publicatie intrekken")).to_have_count(0)
    expect(visitor.get_by_role("link", name="Wat u zei, wat wij deden")).to_be_visible()
    secretariat.close()
    public.close()
