"""Forms that stay on the page, in Chromium: a double click stores once, and the next, different
submission is stored too (the form got a fresh one-time key after each save)."""

import re

from playwright.sync_api import expect

from .conftest import login

SLUG = "holland-rijnland-jeugdhulp-2016"


def _fill(page, title: str, text: str):
    """Fill the composer with a letter of Gemeenteraad Leiden; returns the composer once its
    preview shows the letter's points."""
    composer = page.locator(".composer")
    composer.locator("select[name=stakeholder_id]").select_option(label="Gemeenteraad Leiden")
    composer.get_by_label("Titel", exact=True).fill(title)
    composer.get_by_label("Tekst van de brief").fill(text)
    expect(composer.locator(".preview-point")).to_have_count(text.count("\n"))
    return composer


def _log(page, title: str, text: str) -> None:
    composer = _fill(page, title, text)
    composer.get_by_role("button", name="Reactie opslaan").click()
    expect(composer.locator(".success")).to_contain_text("Gelogd: Gemeenteraad Leiden")
    expect(composer.get_by_label("Tekst van de brief")).to_have_value("")


def _answer(page, selection: str, body: str, double: bool = False) -> None:
    panel = page.locator("#answer-panel")
    panel.locator("input[name=selection]").fill(selection)
    panel.locator("textarea[name=body]").fill(body)
    button = panel.get_by_role("button", name="Antwoord opslaan")
    button.dblclick() if double else button.click()
    expect(panel.locator("textarea[name=body]")).to_have_value("")


def test_saving_again_and_again_on_one_page(live_url, page):
    login(page, live_url, "secretaris@consult.example", "demo-secretaris-2016")
    page.goto(f"{live_url}/consultaties/{SLUG}")
    _log(page, "Eerste brief", "1. Eerste punt.\n2. Tweede punt.\n")
    _log(page, "Tweede brief", "1. Punt een.\n2. Punt twee.\n3. Punt drie.\n")
    channel = page.locator("#channel .reaction")
    expect(channel.filter(has_text="Gemeenteraad Leiden — Eerste brief")).to_have_count(1)
    expect(channel.filter(has_text="Gemeenteraad Leiden — Tweede brief")).to_have_count(1)

    channel.filter(has_text="Tweede brief").get_by_role("link", name=re.compile("Tweede brief")
                                                         ).click()
    page.locator("#answer-panel summary").click()
    _answer(page, "1", "Antwoord op punt een.", double=True)
    expect(page.locator("#punt-1 .answer")).to_have_count(1)
    _answer(page, "2", "Antwoord op punt twee.")
    _answer(page, "3", "Antwoord op punt drie.")
    expect(page.locator("#reaction-progress")).to_contain_text("3 van 3 punten beantwoord")
    for number in ("1", "2", "3"):
        expect(page.locator(f"#punt-{number} .answer")).to_have_count(1)

    page.locator("#punt-1 .thread-link").click()
    box = page.get_by_placeholder(re.compile("Schrijf een bericht"))
    for text in ("Eerste opmerking.", "Tweede opmerking."):
        box.fill(text)
        box.press("Enter")
        expect(box).to_have_value("")
        expect(page.locator("#thread")).to_contain_text(text)
    expect(page.locator("#thread .entry-comment")).to_have_count(2)


def test_a_double_click_sends_a_form_once_and_keeps_its_message(live_url, page):
    login(page, live_url, "secretaris@consult.example", "demo-secretaris-2016")
    page.goto(f"{live_url}/consultaties/{SLUG}")
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST"
            and r.url.endswith(f"/consultaties/{SLUG}/reacties") else None)
    composer = _fill(page, "Dubbelklik", "1. Eerste punt.\n2. Tweede punt.\n")
    save = composer.get_by_role("button", name="Reactie opslaan")
    save.dblclick()
    expect(composer.locator(".success")).to_contain_text("Gelogd: Gemeenteraad Leiden")
    page.wait_for_timeout(1500)  # a queued second request would have come back by now
    expect(composer.locator(".success")).to_contain_text("Gelogd: Gemeenteraad Leiden")
    expect(composer.locator(".error")).to_have_count(0)
    assert len(posts) == 1, posts
    expect(save).to_be_enabled()  # ready for the next letter
    expect(page.locator("#channel .reaction").filter(has_text="Dubbelklik")).to_have_count(1)


def test_a_form_shows_it_is_busy_while_it_is_sent(live_url, page):
    login(page, live_url, "secretaris@consult.example", "demo-secretaris-2016")
    page.goto(f"{live_url}/consultaties/{SLUG}")
    held = []
    page.route(f"**/consultaties/{SLUG}/reacties", lambda route: held.append(route))
    composer = _fill(page, "Traag", "1. Eerste punt.\n")
    save = composer.get_by_role("button", name="Reactie opslaan")
    save.click()
    expect(save).to_be_disabled()  # the request is held: work under way
    expect(composer.locator("form[aria-busy=true], .composer[aria-busy=true]")).to_have_count(1)
    assert len(held) == 1
    held[0].continue_()
    expect(composer.locator(".success")).to_contain_text("Gelogd: Gemeenteraad Leiden")
    expect(save).to_be_enabled()
