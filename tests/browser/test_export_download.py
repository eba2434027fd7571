"""A download of the answered table shows that the file is being made, and stops saying so
once the file has arrived (consult.js, data-busy)."""

from playwright.sync_api import expect

SLUG = "holland-rijnland-jeugdhulp-2016"


def test_the_excel_link_is_busy_until_the_file_arrives(page, live_url):
    page.goto(f"{live_url}/consultaties/{SLUG}/tabel")
    link = page.locator('p.downloads a[href*="tabel.xlsx"]')
    # Every state the link goes through (the demo's file is made in a blink).
    link.evaluate("""a => { window.seen = [];
        new MutationObserver(() => window.seen.push([a.getAttribute("aria-busy"),
                                                     a.textContent]))
            .observe(a, {attributes: true, childList: true, characterData: true}); }""")
    with page.expect_download() as waiting:
        link.click()
    download = waiting.value
    assert download.suggested_filename == f"{SLUG}-tabel.xlsx"
    assert "klaar=" in download.url
    expect(link).not_to_have_attribute("aria-busy", "true", timeout=5000)
    expect(link).to_have_text("Excel")
    seen = page.evaluate("window.seen")
    assert ["true", "Bestand wordt gemaakt…"] in seen, seen
