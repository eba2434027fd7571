"""A reader opens the demo consultation in a real browser and finds Katwijk's point 67."""

import re

from playwright.sync_api import expect


def test_katwijk_point_67_with_its_answer(live_url, page, tmp_path):
    page.goto(live_url + "/")
    page.get_by_role("link", name="Uitgangspunten toekomst Jeugdhulp Holland Rijnland").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Uitgangspunten toekomst Jeugdhulp Holland Rijnland"
    )
    expect(page.locator("#progress")).to_contain_text("203 van 204 punten beantwoord")

    # Katwijk's council added points to the joint Duin & Bollenstreek letter: follow that link.
    page.get_by_role("link", name="Gemeenteraad Katwijk").click()
    expect(page).to_have_url(re.compile(r"/reacties/\d+#punt-67$"))
    point = page.locator("#punt-67")
    expect(point).to_be_visible()
    expect(point).to_contain_text("robuuste en goed geoutilleerde JGT’s")
    expect(point).to_contain_text("Gemeenteraad Katwijk")
    # Points 67 and 68 share one answer: it is shown once, after point 68, saying so.
    expect(point.locator(".answer")).to_have_count(0)
    point = page.locator("#punt-68")
    expect(point.locator(".answer-group-label")).to_have_text("Antwoord op punten 67 en 68")
    expect(point.locator(".answer")).to_contain_text(
        "De doorontwikkeling van de JGT’s (punt 67) en het thema sturing en monitoring (punt 68)"
    )
    expect(point.locator(".destination")).to_have_text(
        ["Aangescherpte uitgangspunten › Doorontwikkeling JGT’s",
         "Inkoopplan 2017 › Sturing en monitoring"]
    )
    page.screenshot(path=str(tmp_path / "point-67.png"), full_page=False)


def test_keyboard_reaches_the_content_and_english_works(live_url, page):
    page.goto(live_url + "/")
    page.keyboard.press("Tab")
    expect(page.locator(".skip")).to_be_focused()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultations")
    expect(page.locator(".progress-text").first).to_contain_text("203 of 204 points answered")
