"""The answer panel on a reaction page (issue 16): the typed selection and the ticks follow
each other, the count says how many points are chosen, saving says in the panel which points
got which answer, and the panel never hides the points being answered (beside them on a
laptop, docked below them on a phone)."""

import re

import pytest
from playwright.sync_api import expect

from ..conftest import DEMO_PASSWORDS
from .conftest import login
from .test_accessibility import C, demo_ids

PHONE = {"width": 375, "height": 812}
LAPTOP = {"width": 1366, "height": 768}


def open_panel(page, base: str, reaction: int, viewport: dict):
    login(page, base, *DEMO_PASSWORDS["secretary"])
    page.set_viewport_size(viewport)
    page.goto(f"{base}{C}/reacties/{reaction}")
    page.locator("#answer-panel summary").click()
    return page.locator("#answer-panel")


def chosen(n) -> re.Pattern:
    """The count for n chosen points, with or without how many of them were answered before
    (tests/test_processing.py checks that part exactly)."""
    return re.compile(rf"^{n} punten gekozen(, waarvan \d+ al een antwoord (heeft|hebben))?$")


def expect_ticked(page, numbers: list[str]) -> None:
    """The ticked points are those numbered ``numbers``, in the page's order. Waits for as
    many ticks first: they follow the count a moment later (consult.js applies them on
    htmx:load, when the count's swap settles)."""
    expect(page.locator(".point:has(.pick:checked)")).to_have_count(len(numbers))
    assert page.locator(".point:has(.pick:checked) .number").evaluate_all(
        "ns => ns.map(n => n.lastChild.textContent.trim())") == numbers


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["375", "1366"])
def test_typed_range_and_ticks_follow_each_other_with_a_count(live_url, page, tmp_path, viewport):
    panel = open_panel(page, live_url, demo_ids(tmp_path)["reaction"], viewport)
    typed = panel.locator("input[name=selection]")
    count = panel.locator("#selection-state")

    typed.fill("1 t/m 3")
    expect(count).to_have_text(chosen(3))
    expect_ticked(page, ["1", "2", "3"])
    # the chosen points are marked
    assert page.locator("#punt-2").evaluate("p => getComputedStyle(p).boxShadow") != "none"
    assert page.locator("#punt-4").evaluate("p => getComputedStyle(p).boxShadow") == "none"

    page.locator("#punt-5 .pick").check()
    expect(typed).to_have_value("1 t/m 3, 5")
    expect(count).to_have_text(chosen(4))
    page.locator("#punt-2 .pick").uncheck()
    expect(typed).to_have_value("1, 3, 5")
    expect(count).to_have_text(chosen(3))

    every = page.locator(".pick").count()
    typed.fill("alle punten")
    expect(count).to_have_text(chosen(every))
    expect(page.locator(".point:has(.pick:checked)")).to_have_count(every)

    typed.fill("3 t/m 1")  # read with consult/ranges.py's rules and its Dutch message
    expect(count).to_have_text("Het bereik 3 t/m 1 loopt achteruit: begin bij het laagste punt.")
    # what is typed is what is chosen: a selection not understood chooses nothing (the trial
    # saw every point still ticked beside "Punt 1- bestaat niet")
    expect(page.locator(".point:has(.pick:checked)")).to_have_count(0)
    typed.fill("1-")
    expect(count).to_have_text(
        "Het bereik „1-” is niet af: noem het eerste en het laatste punt, zoals in „1 t/m 3”.")
    typed.fill("1-2")
    expect(count).to_have_text(chosen(2))
    expect_ticked(page, ["1", "2"])


def test_saving_says_in_the_panel_which_points_got_which_answer(live_url, page, tmp_path):
    panel = open_panel(page, live_url, demo_ids(tmp_path)["reaction"], PHONE)
    panel.locator("input[name=selection]").fill("1 t/m 3")
    expect(panel.locator("#selection-state")).to_have_text(chosen(3))
    panel.locator("textarea[name=body]").fill("Wordt **meegenomen** in het inkoopplan.")
    panel.get_by_label("Inkoopplan 2017", exact=True).check()
    panel.get_by_role("button", name="Antwoord opslaan").click()
    saved = panel.get_by_role("status").filter(has_text="Opgeslagen")
    expect(saved).to_contain_text("Opgeslagen: punten 1-3 hebben dit antwoord gekregen.")
    expect(saved.locator("strong").last).to_have_text("meegenomen")
    expect(saved).to_contain_text("Inkoopplan 2017")
    expect(saved).to_be_in_viewport()  # in the docked panel's part on the screen
    expect(panel).to_have_attribute("open", "")
    # the form is ready for the next answer: nothing chosen, nothing typed
    expect(panel.locator("input[name=selection]")).to_have_value("")
    expect(panel.locator("#selection-state")).to_have_text("")
    expect(page.locator(".point:has(.pick:checked)")).to_have_count(0)
    # one answer for the three, printed once after the group (its last point)
    expect(page.locator("#punt-3")).to_contain_text("meegenomen")
    expect(page.locator("#punt-3")).to_contain_text("Antwoord op punten 1-3")


def uncovered(page, selector: str) -> bool:
    """Whether the element is on the screen and nothing lies over its middle."""
    return page.locator(selector).evaluate("""el => {
        const r = el.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
        if (r.bottom <= 0 || r.top >= innerHeight) return false;
        const top = document.elementFromPoint(x, y);
        return top === el || el.contains(top);
    }""")


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["375", "1366"])
def test_the_open_panel_leaves_the_chosen_points_in_view(live_url, page, tmp_path, viewport):
    panel = open_panel(page, live_url, demo_ids(tmp_path)["reaction"], viewport)
    panel.locator("input[name=selection]").fill("1 t/m 3")
    expect(panel.locator("#selection-state")).to_have_text(chosen(3))
    expect(page.locator(".point:has(.pick:checked)")).to_have_count(3)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= viewport["width"]
    box = panel.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    # the first chosen point is shown beside or above the panel, not under it
    assert uncovered(page, "#punt-1 .pick")
    if viewport is LAPTOP:  # side by side: the panel's column is beside the points'
        point = page.locator("#punt-1").bounding_box()
        assert point["x"] + point["width"] <= box["x"]
    # every chosen point can be brought into view with the panel open (keyboard focus too)
    for n in ("1", "2", "3"):
        page.locator(f"#punt-{n} .pick").focus()
        assert uncovered(page, f"#punt-{n} .pick"), n
