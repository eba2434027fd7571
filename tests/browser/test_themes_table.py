"""The answered table per theme in Chromium (issue 17 item 7): from the theme board to the
page per theme, then its Word and Excel files, each with the theme before its points."""

import io

from docx import Document
from openpyxl import load_workbook
from playwright.sync_api import expect

from ..conftest import DEMO_PASSWORDS
from .conftest import login
from .test_accessibility import C

SLUG = "holland-rijnland-jeugdhulp-2016"


def test_from_the_board_to_the_table_per_theme_and_its_files(live_url, page):
    login(page, live_url, *DEMO_PASSWORDS["secretary"])
    page.goto(f"{live_url}{C}/themas")
    page.get_by_role("button", name="Thema's voorstellen").click()
    # Suggesting is computed: seconds on a loaded CI machine.
    expect(page.locator(".flash")).to_contain_text("thema's voorgesteld", timeout=20_000)
    pgb = page.locator(".theme-suggestion").filter(has=page.locator("h3", has_text="PGB"))
    pgb.get_by_role("button", name="Aannemen als thema").click()
    expect(page.locator(".flash")).to_contain_text("Thema toegevoegd")
    title = page.locator("section.theme h2").first.inner_text()
    in_theme = page.locator("section.theme").first.locator("li.theme-point").count()
    assert in_theme >= 4

    page.get_by_role("link", name="Beantwoording per thema").click()
    expect(page.get_by_role("heading", name="Beantwoording per thema", level=1)).to_be_visible()
    headings = page.locator("h2.theme-title")
    expect(headings.first).to_have_text(title)
    # the PGB theme's points, then every other point under "Zonder thema" (a page at a time)
    expect(page.locator("h2.theme-title", has_text="Zonder thema").first).to_be_attached()
    expect(page.get_by_role("link", name="per reactie")).to_be_visible()

    with page.expect_download() as waiting:
        page.locator('p.downloads a[href*="tabel.docx"]').click()
    download = waiting.value
    assert download.suggested_filename == f"{SLUG}-tabel-per-thema.docx"
    table = Document(io.BytesIO(download.path().read_bytes())).tables[0]
    heads = [row.cells[0].text for row in table.rows[1:]
             if row.cells[0].text == row.cells[1].text == row.cells[2].text]
    assert heads == [title, "Zonder thema"]

    with page.expect_download() as waiting:
        page.locator('p.downloads a[href*="tabel.xlsx"]').click()
    download = waiting.value
    assert download.suggested_filename == f"{SLUG}-tabel-per-thema.xlsx"
    sheet = load_workbook(io.BytesIO(download.path().read_bytes())).worksheets[0]
    themes = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert sheet.cell(1, 1).value == "Thema"
    assert themes[0] == title and themes[-1] == "Zonder thema"
    assert themes.count(title) == in_theme  # one row a point of the theme


def test_moving_a_point_swaps_only_what_changed(live_url, page):
    """Into a theme and out again: the point shows in its new place, the counts follow, and
    the rest of the board is the same DOM (a marker set on it survives each move)."""
    login(page, live_url, *DEMO_PASSWORDS["secretary"])
    page.goto(f"{live_url}{C}/themas")
    page.get_by_label("Titel").first.fill("Overgang 18-/18+")
    page.get_by_role("button", name="Thema toevoegen").click()
    expect(page.locator("section.theme h2")).to_have_text("Overgang 18-/18+")
    theme = page.locator("section.theme")
    unthemed = page.locator("#zonder-thema")
    counts = page.locator("#zonder-thema-telling")
    before = int(counts.inner_text().split()[0])
    page.evaluate("document.querySelector('.theme-new').dataset.marker = 'still here'")
    line = unthemed.locator("li.theme-point").first
    point = line.get_attribute("id").split("-")[-1]
    sender = line.locator("xpath=ancestor::section[1]").get_attribute("id")
    line.get_by_role("button", name="Aan thema toevoegen").click()
    expect(theme.locator(f"#tp-{theme.get_attribute('id').split('-')[1]}-{point}")).to_be_visible()
    expect(page.locator(f"#tp-0-{point}")).to_have_count(0)
    expect(counts).to_contain_text(f"{before - 1} punten")
    assert page.evaluate("document.querySelector('.theme-new').dataset.marker") == "still here"
    theme.locator("form.theme-move button").first.click()
    back = page.locator(f"#tp-0-{point}")
    expect(back).to_be_visible()
    expect(back.locator("xpath=ancestor::section[1]")).to_have_attribute("id", sender)
    expect(counts).to_contain_text(f"{before} punten")
    expect(theme.locator("li.theme-point")).to_have_count(0)
    assert page.evaluate("document.querySelector('.theme-new').dataset.marker") == "still here"
    assert page.locator(f"#{sender}").count() == 1
