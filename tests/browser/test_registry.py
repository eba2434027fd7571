"""A secretary logs a letter from a stakeholder that is not in the registry yet: the close
match already there is offered first, and she declines it or takes it — in Chromium."""

import re

from playwright.sync_api import expect

from .conftest import login

SLUG = "holland-rijnland-jeugdhulp-2016"
LETTER = "1. Betrek de jongerenraad bij de inkoop.\n2. Houd de lijnen kort.\n"


def _type_new_stakeholder(page, live_url, name: str):
    """Open the composer's new-stakeholder part, type the name, wait for the offered matches."""
    login(page, live_url, "secretaris@consult.example", "demo-secretaris-2016")
    page.goto(f"{live_url}/consultaties/{SLUG}")
    composer = page.locator(".composer")
    composer.locator("select[name=channel]").select_option(label="collegebrief")
    composer.get_by_label("Titel", exact=True).fill("Brief over de jongerenraad")
    composer.get_by_label("Tekst van de brief").fill(LETTER)
    expect(composer.locator(".preview-point")).to_have_count(2)
    composer.locator("summary", has_text="Nieuwe betrokkene").click()
    composer.get_by_label("Naam", exact=True).press_sequentially(name, delay=20)
    offered = composer.locator("#new-stakeholder-matches")
    expect(offered).to_contain_text(f'"{name}" lijkt op:')
    return composer, offered


def test_she_is_offered_katwijk_declines_and_the_new_stakeholder_is_made(live_url, page):
    composer, offered = _type_new_stakeholder(page, live_url, "Gemeente Katwijk")
    expect(offered.get_by_label("Gebruik Katwijk", exact=True)).to_be_visible()
    expect(offered.get_by_label("Gebruik Noordwijk")).to_have_count(0)
    offered.get_by_label('Nee, "Gemeente Katwijk" is een nieuwe indiener').check()
    composer.get_by_role("button", name="Reactie opslaan").click()
    expect(composer.locator(".success")).to_contain_text("Gelogd: Gemeente Katwijk, 2 punten.")
    expect(offered.locator("fieldset")).to_have_count(0)  # the offer is gone with the letter
    expect(page.locator("#channel .reaction").filter(
        has_text="Gemeente Katwijk — Brief over de jongerenraad")).to_have_count(1)
    # the registry has both now, each on its own
    page.goto(f"{live_url}/indieners/beheer")
    tree = page.locator(".registry-tree")
    expect(tree.get_by_role("link", name="Gemeente Katwijk", exact=True)).to_have_count(1)
    expect(tree.get_by_role("link", name="Katwijk", exact=True)).to_have_count(1)


def test_she_is_offered_katwijk_and_takes_it(live_url, page):
    composer, offered = _type_new_stakeholder(page, live_url, "gemeente Katwijk")
    offered.get_by_label("Gebruik Katwijk", exact=True).check()
    composer.get_by_role("button", name="Reactie opslaan").click()
    expect(composer.locator(".success")).to_contain_text(re.compile(r"Gelogd: Katwijk, 2 punten"))
    expect(page.locator("#channel .reaction").filter(
        has_text="Katwijk — Brief over de jongerenraad")).to_have_count(1)
    page.goto(f"{live_url}/indieners/beheer")
    tree = page.locator(".registry-tree")
    expect(tree.get_by_role("link", name="Katwijk", exact=True)).to_have_count(1)
    expect(tree.get_by_role("link", name="gemeente Katwijk")).to_have_count(0)


def test_the_registry_pages_and_the_offer_meet_wcag_21_aa(live_url, browser, tmp_path):
    from .test_accessibility import (
        AXE,
        BLOCKING,
        assert_clean,
        axe_violations,
        check_pages,
        demo_ids,
    )

    leiden = demo_ids(tmp_path)["stakeholder"]
    failing = check_pages(browser, live_url, "secretary", [
        "/indieners/beheer", "/indieners/beheer?archief=1", f"/indieners/{leiden}/beheer",
        f"/indieners/{leiden}/samenvoegen?met={leiden + 1}"])
    # the composer and the registry form while they offer close matches
    context = browser.new_context(locale="nl-NL")
    context.add_init_script(script=AXE)
    page = context.new_page()
    login(page, live_url, "secretaris@consult.example", "demo-secretaris-2016")
    page.goto(f"{live_url}/indieners/beheer")
    page.get_by_label("Naam", exact=True).press_sequentially("Raad Katwijk", delay=20)
    expect(page.locator("#registry-matches")).to_contain_text("Gebruik Gemeenteraad Katwijk")
    offered = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    if offered:
        failing["secretary /indieners/beheer (matches offered)"] = offered
    context.close()
    assert_clean(failing)
