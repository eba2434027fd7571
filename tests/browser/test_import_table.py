"""A secretary imports an answered table in Chromium: a file with two bad rows is refused with
each row named, the fixed file imports with one click, and the table shows the new points."""

from playwright.sync_api import expect

from .conftest import login
from .test_accessibility import AXE, BLOCKING, axe_violations, describe

SLUG = "holland-rijnland-jeugdhulp-2016"
HEADER = "Indiener;Soort indiener;Kanaal;Nummer;Kop;Punt;Toelichting;Bestemmingen;Status\r\n"
FIXED = (HEADER
         + "Gemeente Katwijk;;collegebrief;1;;\"Wij steunen dit; mits de regie lokaal blijft.\";"
           "De regie blijft lokaal.;PHO Jeugdhulp;vastgesteld\r\n"
         + "Gemeente Katwijk;;collegebrief;2;;Aandacht voor 18+;;;\r\n"
         + "Jongerenraad Katwijk;adviesraad;advies;1;;Luister naar jongeren in de regio;;;\r\n")
BROKEN = FIXED.replace("vastgesteld", "zo zo").replace(";collegebrief;2;", ";collegebrief;1-feb;")


def _choose(page, text: str) -> None:
    page.get_by_label("Bestand (.xlsx, .csv, .json)").set_input_files(
        {"name": "reacties.csv", "mimeType": "text/csv", "buffer": text.encode("utf-8")})
    page.get_by_role("button", name="Bestand controleren").click()


def test_a_secretary_fixes_two_bad_rows_and_imports_the_table(live_url, browser):
    context = browser.new_context(locale="nl-NL")
    context.add_init_script(script=AXE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, live_url, "secretaris@consult.example", "demo-secretaris-2016")
    page.goto(f"{live_url}/consultaties/{SLUG}")
    page.get_by_role("link", name="Tabel (Excel, CSV) of archief (JSON) inlezen").click()
    expect(page.get_by_role("heading", name="Tabel of archief inlezen")).to_be_visible()

    _choose(page, BROKEN)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("2 problemen; er is niets ingelezen.")
    expect(alert).to_contain_text("Rij 2, kolom status: onbekende status “zo zo”.")
    expect(alert).to_contain_text("Rij 3, kolom number: “1-feb” is een datum")
    expect(page.locator(".problem-row")).to_have_count(2)  # each beside its row, too
    expect(page.get_by_role("button", name="Inlezen", exact=True)).to_have_count(0)
    blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    assert not blocking, describe(blocking)

    _choose(page, FIXED)
    expect(page.get_by_role("status")).to_contain_text(
        "Geen problemen. Inlezen maakt aan: punten 3, reacties 2, antwoorden 1.")
    matches = page.locator(".matches")
    expect(matches).to_contain_text("“Gemeente Katwijk” → Katwijk bestaand")
    expect(matches).to_contain_text("“Jongerenraad Katwijk” → nieuw (adviesraad)")
    expect(page.locator(".import-table")).to_contain_text(
        "Wij steunen dit; mits de regie lokaal blijft.")
    page.get_by_role("button", name="Inlezen", exact=True).click()

    expect(page).to_have_url(f"{live_url}/consultaties/{SLUG}/tabel")
    expect(page.get_by_role("status").first).to_contain_text(
        "Ingelezen: 3 punten in 2 reacties.")
    # The new reactions come last: scrolling loads the table's next page.
    for _ in range(5):
        if page.locator("main").get_by_text("Luister naar jongeren in de regio").count():
            break
        page.mouse.wheel(0, 20000)
        page.wait_for_timeout(500)
    expect(page.locator("main")).to_contain_text("Luister naar jongeren in de regio")
    expect(page.locator("main")).to_contain_text("Wij steunen dit; mits de regie lokaal blijft.")
    assert page.locator("main").get_by_text("Luister naar jongeren in de regio").count() == 1
    assert errors == []
    context.close()
