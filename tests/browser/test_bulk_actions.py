"""Bulk actions in Chromium (issue 17): filter a selection of points, route all of it to a
destination in one go, undo it with one click, and every point is back as before."""

import re

from playwright.sync_api import expect

from .conftest import login

SLUG = "holland-rijnland-jeugdhulp-2016"
TARGET = "Strategisch overleg jeugd"


def _rows(page) -> dict[str, str]:
    """Each listed point's whole row as shown (sender, text, status, destinations), by id."""
    rows = page.locator("table.selection tbody tr")
    return {rows.nth(i).get_attribute("id"): rows.nth(i).inner_text()
            for i in range(rows.count())}


def _destinations(page) -> dict[str, str]:
    """Each listed point's destinations cell, by point id."""
    rows = page.locator("table.selection tbody tr")
    return {rows.nth(i).get_attribute("id"): rows.nth(i).locator("td.destinations").inner_text()
            for i in range(rows.count())}


def test_filter_route_and_undo_a_selection(live_url, page):
    login(page, live_url, "secretaris@consult.example", "demo-secretaris-2016")
    page.goto(f"{live_url}/consultaties/{SLUG}")
    page.get_by_role("link", name="Punten selecteren").click()
    expect(page.locator("#match-count")).to_contain_text("punten voldoen")

    filters = page.locator("#filters")
    filters.get_by_label("Afzender").select_option(label="Leiden")
    filters.get_by_label("Status").select_option(label="vastgesteld")
    filters.get_by_role("button", name="Filteren").click()
    page.wait_for_url(re.compile(r"stakeholder=\d+.*status=adopted"))
    count = page.locator("#match-count")
    expect(count).to_contain_text(re.compile(r"^\d+ punt(en)? voldoe"))
    matching = int(count.inner_text().split()[0])
    assert 0 < matching < 50
    before, shown = _destinations(page), _rows(page)
    assert len(before) == matching
    assert any(TARGET not in cell for cell in before.values())

    form = page.locator("#bulk-form")
    # Ticking a point switches to "only the ticked points"; unticking it back to all (the
    # trial: two ticks, then "Gedaan: 210 punten gewijzigd").
    scope_all = form.get_by_label(re.compile(r"alle \d+ punten die voldoen|het 1 punt dat voldoet"))
    expect(scope_all).to_be_checked()
    first = form.locator("input[name=point_ids]").first
    first.check()
    expect(form.get_by_label("alleen de aangevinkte punten op deze pagina")).to_be_checked()
    first.uncheck()
    expect(scope_all).to_be_checked()
    scope_all.check()
    form.get_by_label("Sturen naar").check()
    where = form.get_by_label("Bestemming", exact=True)
    where.select_option(where.locator("option", has_text=TARGET).first.get_attribute("value"))
    form.get_by_role("button", name="Toepassen").click()

    undo = page.locator(".flash.undo")
    expect(undo).to_contain_text("Gedaan:")
    routed = _destinations(page)
    assert set(routed) == set(before)  # the same filtered selection is shown again
    assert all(TARGET in cell for cell in routed.values())

    # Another page, then back: the undo is still there, in the list of recent actions.
    page.get_by_role("link", name="Antwoordsjablonen en statusnamen").click()
    # there before going back: a click does not wait for its navigation, and on a busy machine
    # (CI, 1 December) the back step came first and the reload reloaded the templates page
    page.wait_for_url(re.compile(r"/sjablonen"))
    page.go_back()
    page.wait_for_url(re.compile(r"/selectie"))
    page.reload()
    recent = page.locator(".recent-bulk li").first
    expect(recent).to_contain_text(f"Doorgestuurd naar {TARGET}")
    recent.get_by_role("button", name="Ongedaan maken").click()
    expect(page.locator(".flash")).to_contain_text("Ongedaan gemaakt:")
    expect(page.locator(".recent-bulk li").first).to_contain_text("ongedaan gemaakt")
    assert _destinations(page) == before
    assert _rows(page) == shown


def test_the_answer_panel_fills_in_a_template(live_url, page):
    """A template made on its page, chosen in the answer panel: the explanation is filled in
    for the ticked points and destination, and can be saved as it stands."""
    login(page, live_url, "secretaris@consult.example", "demo-secretaris-2016")
    page.goto(f"{live_url}/consultaties/{SLUG}/sjablonen")
    new = page.locator("#new-template")
    new.get_by_label("Naam").fill("Meegenomen")
    new.get_by_label("Tekst").fill("{indiener}: punt {punt} wordt meegenomen in {bestemming}.")
    new.get_by_role("button", name="Toevoegen").click()
    expect(page.locator(".flash")).to_contain_text("Sjabloon opgeslagen.")

    page.goto(f"{live_url}/consultaties/{SLUG}")
    page.locator("#channel .reaction").filter(has_text="Leiden").first.get_by_role(
        "link").first.click()
    page.locator("#answer-panel summary").click()
    panel = page.locator("#answer-panel")
    panel.locator("input[name=selection]").fill("1 t/m 3")
    expect(page.locator("input.pick:checked")).to_have_count(3)
    panel.get_by_label(TARGET).first.check()
    panel.get_by_label("Antwoordsjabloon").select_option(label="Meegenomen")
    body = panel.locator("textarea[name=body]")
    expect(body).to_have_value(re.compile(
        rf"^Leiden: punt 1-3 wordt meegenomen in {TARGET}\.$"))
