"""Searching in a real browser: results as you type, highlighted, with facet counts."""

import re

from playwright.sync_api import expect


def test_type_a_query_see_marks_and_facets(live_url, page, tmp_path):
    page.goto(live_url + "/")
    # The header box: results drop down while typing, the matched words marked.
    box = page.get_by_role("searchbox", name="Zoeken")
    box.fill("huisarts")
    quick = page.locator("#quick-results")
    expect(quick.locator("mark").first).to_have_text(re.compile("^huisarts", re.I))
    expect(quick.get_by_role("link", name=re.compile("Toon alle"))).to_be_visible()
    page.keyboard.press("Escape")
    expect(quick.locator("a")).to_have_count(0)
    # Nothing found says so, with no link to an empty page; spaces close the drop-down.
    box.fill("zwaluwstaartje")
    expect(quick).to_have_text(re.compile(r"^\s*Geen resultaten voor zwaluwstaartje\s*$"))
    expect(quick.locator("a")).to_have_count(0)
    box.fill("   ")
    expect(quick).to_be_hidden()

    # Enter opens the full page: grouped results, facet counts, a shareable URL.
    box.fill("huisartsen")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/zoeken\?q=huisartsen$"))
    expect(page.locator(".result-count")).to_contain_text("resultaten")
    kind = page.locator(".facet", has=page.get_by_role("heading", name="Soort tekst"))
    expect(kind.locator("li", has_text="punt").locator(".count")).to_have_text("5")
    expect(page.locator(".hit-group h2").first).to_have_text(
        "Uitgangspunten toekomst Jeugdhulp Holland Rijnland")

    # A facet narrows the results in place and the address follows.
    kind.get_by_role("link", name="punt").click()
    expect(page).to_have_url(re.compile(r"kind=point"))
    expect(page.locator(".result-count")).to_have_text(re.compile(r"^5 resultaten"))
    expect(page.locator(".hit")).to_have_count(5)
    expect(page.locator(".hit mark").first).to_be_visible()

    # Typing a phrase updates the results live, still within the chosen facet.
    query = page.get_by_role("searchbox", name="Zoeken naar")
    query.fill('"lokale sturing"')
    expect(page).to_have_url(re.compile(r"q=%22lokale(\+|%20)sturing%22"))
    expect(page.locator(".result-count")).to_have_text(re.compile(r"^1 resultaat"))
    expect(page.locator(".hit mark")).to_have_text(["lokale", "sturing"])
    page.screenshot(path=str(tmp_path / "search.png"), full_page=True)

    # The thread of the result shows points on the same theme.
    page.locator(".hit-head a").first.click()
    expect(page.locator("#similar h2")).to_have_text("Vergelijkbare punten")
    expect(page.locator("#similar .hit").first).to_be_visible()


def test_a_filter_with_more_values_unfolds_in_place_on_a_phone(live_url, page):
    """"inkoop" in the demo has 20 senders: the filter shows 12 and "nog 8", which lists all
    20 in place (the results stay, the address follows); choosing one of the eight narrows."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_url + "/zoeken?q=inkoop")
    page.locator(".facets summary").click()  # folded on a phone
    senders = page.locator(".facet", has=page.get_by_role("heading", name="Indiener", exact=True))
    expect(senders.locator("li")).to_have_count(12)
    before = page.locator(".result-count").inner_text()
    senders.get_by_role("link", name="nog 8").click()
    expect(page).to_have_url(re.compile(r"alle=stakeholder"))
    senders = page.locator(".facet", has=page.get_by_role("heading", name="Indiener", exact=True))
    # the fold stays open: the list that grew is in view (it closed again, found by a tester)
    expect(page.locator(".facets details")).to_have_attribute("open", "")
    expect(senders.locator("li")).to_have_count(20)
    expect(senders.locator("li").last).to_be_visible()
    expect(senders.get_by_role("link", name="nog 8")).to_have_count(0)
    expect(page.locator(".result-count")).to_have_text(before)
    last = senders.locator("li a").last
    name = last.inner_text().strip()
    last.click()
    expect(page.locator(".chosen-filters")).to_contain_text(f"Indiener: {name}")
    expect(page).not_to_have_url(re.compile(r"alle="))


def test_sorting_keeps_an_unfolded_filter_and_the_language_keeps_a_typed_search(live_url, page):
    """Sorting by date keeps the unfolded list (paging did, sorting folded it); the language
    buttons bring the reader back to the search typed on the page (htmx moved the address,
    the buttons still pointed at the empty page)."""
    page.goto(live_url + "/zoeken?q=inkoop&alle=stakeholder")
    senders = page.locator(".facet", has=page.get_by_role("heading", name="Indiener", exact=True))
    expect(senders.locator("li")).to_have_count(20)
    page.get_by_label("Sorteren op").select_option("date")
    expect(page).to_have_url(re.compile(r"sort=date"))
    expect(page).to_have_url(re.compile(r"alle=stakeholder"))
    expect(senders.locator("li")).to_have_count(20)

    page.goto(live_url + "/zoeken")
    page.get_by_role("searchbox", name="Zoeken naar").fill("-inkoop")
    expect(page).to_have_url(re.compile(r"q=-inkoop"))
    expect(page.locator("#results .notice")).to_contain_text("uit te sluiten woorden")
    page.locator("form.language-switch button[lang=en]").first.click()
    expect(page).to_have_url(re.compile(r"/zoeken\?q=-inkoop"))
    expect(page.locator("#results .notice")).to_contain_text("words to leave out only")


def test_nothing_found_for_a_long_word_fits_a_phone(live_url, page):
    """"Geen resultaten voor …" with a 60-letter word ran past the drop-down's edge at 375
    pixels (found by a reviewer); it wraps."""
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(live_url + "/")
    page.get_by_role("searchbox", name="Zoeken").fill("x" * 60)
    none = page.locator("#quick-results .quick-none")
    expect(none).to_be_visible()
    assert none.evaluate("e => e.scrollWidth <= e.clientWidth")
