"""What a phone (375 px) shows on its first screen, and sticky boxes that cover nothing
(issue 16): search showed ~40 lines of filters before the first result; the thread's sticky
message box covered "Volg dit punt"."""

import pytest
from playwright.sync_api import expect

from ..conftest import DEMO_PASSWORDS
from .conftest import login
from .test_accessibility import C, demo_ids

PHONE = {"width": 375, "height": 812}
LAPTOP = {"width": 1366, "height": 768}


def test_the_first_search_result_is_on_a_phones_first_screen(live_url, page):
    login(page, live_url, *DEMO_PASSWORDS["secretary"])
    page.set_viewport_size(PHONE)
    page.goto(live_url + "/zoeken?q=huisartsen")
    first = page.locator(".hit").first
    expect(first).to_be_visible()
    assert first.bounding_box()["y"] < PHONE["height"]
    # the filters are one tap away, folded; chosen ones count in the fold's title
    filters = page.locator(".facets summary")
    expect(filters).to_have_text("Filters")
    expect(page.locator(".facet").first).to_be_hidden()
    filters.click()
    kind = page.locator(".facet", has=page.get_by_role("heading", name="Soort tekst"))
    kind.get_by_role("link", name="punt").click()
    expect(page.locator(".facets summary")).to_have_text("Filters (1)")
    expect(page.locator(".hit")).to_have_count(5)


def test_a_laptop_shows_the_filters_and_tips_unfolded(live_url, page):
    page.set_viewport_size(LAPTOP)
    page.goto(live_url + "/zoeken?q=huisartsen")
    expect(page.locator(".facet").first).to_be_visible()
    expect(page.locator(".facets summary")).to_be_hidden()
    expect(page.locator("#search-help")).to_be_visible()


def covered(page) -> list[str]:
    """The main content's links, buttons and fields that keyboard focus leaves (partly) under
    something else, such as a sticky box at the foot of the screen."""
    return page.evaluate("""() => {
        const out = [];
        for (const el of document.querySelectorAll(
                'main :is(a[href], button, input:not([type=hidden]), select, textarea)')) {
            if (!el.checkVisibility() || el.closest('details:not([open])')) continue;
            el.focus();
            // the middle of its first and last line (a link may wrap over lines)
            const lines = [...el.getClientRects()].filter(r => r.width && r.height);
            if (!lines.length) continue;
            const spots = [lines[0], lines[lines.length - 1]].map(
                r => [r.left + r.width / 2, r.top + r.height / 2]);
            const hidden = spots.some(([x, y]) => {
                const top = document.elementFromPoint(x, y);
                return top && top !== el && !el.contains(top) && !top.contains(el);
            });
            if (hidden) out.push((el.textContent || el.name || el.id).trim().slice(0, 40));
        }
        return out;
    }""")


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["375", "1366"])
@pytest.mark.parametrize("role", ["secretary", "councillor"])
def test_no_control_of_a_thread_hides_under_its_message_box(
        live_url, page, tmp_path, viewport, role):
    login(page, live_url, *DEMO_PASSWORDS[role])
    page.set_viewport_size(viewport)
    page.goto(f"{live_url}{C}/punten/{demo_ids(tmp_path)['point']}")
    follow = page.get_by_role("button", name="Volg dit punt")
    follow.focus()
    expect(follow).to_be_in_viewport()
    assert covered(page) == []
    follow.click()  # a real click reaches it
    expect(page.get_by_role("button", name="Gevolgd")).to_be_visible()


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["375", "1366"])
def test_no_control_of_a_reaction_hides_under_the_open_answer_panel(
        live_url, page, tmp_path, viewport):
    login(page, live_url, *DEMO_PASSWORDS["secretary"])
    page.set_viewport_size(viewport)
    page.goto(f"{live_url}{C}/reacties/{demo_ids(tmp_path)['reaction']}")
    page.locator("#answer-panel summary").click()
    assert covered(page) == []


def test_a_phones_top_bar_folds_its_menu_behind_one_button(live_url, page):
    """At 375 px the links, the user's name, "Uitloggen" and the languages took ~170 px above
    every page; now brand, "Menu" and search, and the rest one tap away."""
    login(page, live_url, *DEMO_PASSWORDS["secretary"])
    page.set_viewport_size(PHONE)
    page.goto(live_url + "/")
    bar = page.locator("header.topbar")
    assert bar.bounding_box()["height"] <= 100
    menu = bar.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(bar.get_by_role("button", name="Uitloggen")).to_be_hidden()
    expect(bar.get_by_role("searchbox")).to_be_visible()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(bar.get_by_role("button", name="Uitloggen")).to_be_visible()
    page.keyboard.press("Escape")  # closes it and gives the focus back to the button
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    expect(bar.get_by_role("link", name="Betrokkenen")).to_be_hidden()
    menu.click()
    bar.get_by_role("link", name="Betrokkenen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Betrokkenen")
    # a new page starts with the menu folded again
    expect(page.locator("header.topbar").get_by_role("button", name="Menu")).to_have_attribute(
        "aria-expanded", "false")
    # on a laptop there is no button: everything is in the bar
    page.set_viewport_size(LAPTOP)
    expect(page.locator("header.topbar").get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()
