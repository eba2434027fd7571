"""A secretary logs a letter, answers a range, and two people talk in one thread — in Chromium."""

import re

from playwright.sync_api import expect

from .conftest import login

SLUG = "holland-rijnland-jeugdhulp-2016"
LETTER = """Vanuit de gemeenteraad:

1. kind/gezin centraal
2. sturingsmogelijkheden moeten sterker
gemarkeerd ( hoe gaan we dat doen, blijven binnen budget?)
3. maak goede afspraken over opnamestops, pas op dat ze niet gebruikt worden als
pressiemiddel
4. samenwerken en innoveren ( met ruimte voor experimenten en goed luisteren naar
cliënten en professionals)
"""


def test_paste_preview_save_then_answer_a_range(live_url, page):
    login(page, live_url, "secretaris@consult.example", "demo-secretaris-2016")
    page.goto(f"{live_url}/consultaties/{SLUG}")
    composer = page.locator(".composer")
    composer.locator("select[name=stakeholder_id]").select_option(label="Gemeenteraad Leiden")
    composer.locator("select[name=channel]").select_option(label="zienswijze")
    composer.get_by_label("Titel", exact=True).fill("Tweede ronde")
    composer.get_by_label("Tekst van de brief").fill(LETTER)

    preview = composer.locator(".preview-point")
    expect(preview).to_have_count(4)
    expect(preview.nth(1).locator("textarea")).to_have_value(
        "sturingsmogelijkheden moeten sterker gemarkeerd ( hoe gaan we dat doen, blijven binnen "
        "budget?)"
    )
    expect(preview.nth(0).locator("input[name=point_number]")).to_have_value("1")
    # the secretary corrects a point in the preview before saving
    preview.nth(0).locator("textarea").fill("kind en gezin centraal")
    composer.get_by_role("button", name="Reactie opslaan").click()
    expect(composer.locator(".success")).to_contain_text("Gelogd: Gemeenteraad Leiden, 4 punten.")
    expect(composer.get_by_label("Tekst van de brief")).to_have_value("")

    # the new reaction arrives in the channel without a reload
    channel = page.locator("#channel .reaction")
    message = channel.filter(has_text="Gemeenteraad Leiden — Tweede ronde")
    expect(message).to_have_count(1)
    message.locator("summary").click()
    expect(message.locator(".mini-points li")).to_have_count(4)
    expect(message.locator(".mini-points")).to_contain_text("kind en gezin centraal")

    # answer "1 t/m 3" on the reaction page
    message.get_by_role("link", name="Gemeenteraad Leiden — Tweede ronde").click()
    page.locator("#answer-panel summary").click()
    panel = page.locator("#answer-panel")
    panel.locator("input[name=selection]").fill("1 t/m 3")
    panel.locator("textarea[name=body]").fill("Wordt **meegenomen** in het inkoopplan.")
    expect(panel.locator("#answer-preview strong")).to_have_text("meegenomen")
    panel.get_by_label("Inkoopplan 2017", exact=True).check()
    panel.get_by_role("button", name="Antwoord opslaan").click()
    expect(page.locator("#reaction-progress")).to_contain_text("3 van 4 punten beantwoord")
    expect(page.locator("#punt-4 .no-answer")).to_be_visible()

    for number in ("1", "2", "3"):
        page.locator(f"#punt-{number} .thread-link").click()
        thread = page.locator("#thread")
        expect(thread).to_contain_text("Beantwoord door Sanne Secretaris")
        expect(thread.locator(".destination")).to_have_text(["Inkoopplan 2017"])
        page.go_back()


def test_bad_range_says_so_and_keeps_the_text(live_url, page):
    login(page, live_url, "secretaris@consult.example", "demo-secretaris-2016")
    page.goto(f"{live_url}/consultaties/{SLUG}")
    nieuwkoop = page.locator("#channel .reaction").filter(has_text="Nieuwkoop")
    nieuwkoop.get_by_role("link").first.click()
    page.locator("#answer-panel summary").click()
    panel = page.locator("#answer-panel")
    panel.locator("input[name=selection]").fill("punten 3 t/m 1")
    panel.locator("textarea[name=body]").fill("Mijn zorgvuldige toelichting.")
    panel.get_by_role("button", name="Antwoord opslaan").click()
    expect(panel.locator("#answer-result")).to_contain_text("Het bereik 3 t/m 1 loopt achteruit")
    expect(panel.locator("textarea[name=body]")).to_have_value(
        "Mijn zorgvuldige toelichting.")


def test_two_people_in_one_thread_see_each_other_live(live_url, browser):
    councillor_ctx, secretary_ctx = browser.new_context(), browser.new_context()
    councillor, secretary = councillor_ctx.new_page(), secretary_ctx.new_page()
    login(councillor, live_url, "raadslid@consult.example", "demo-raadslid-2016")
    login(secretary, live_url, "secretaris@consult.example", "demo-secretaris-2016")
    councillor.goto(f"{live_url}/consultaties/{SLUG}")
    councillor.get_by_role("link", name="Gemeenteraad Katwijk").click()
    councillor.locator("#punt-67 .thread-link").click()
    expect(councillor).to_have_url(re.compile(r"/punten/\d+$"))
    secretary.goto(councillor.url)

    box = councillor.get_by_placeholder(re.compile("Schrijf een bericht"))
    box.fill("Is de uitbreiding van het aantal JGT’s al besproken?")
    box.press("Shift+Enter")
    box.type("Graag voor de raadsvergadering.")
    expect(box).to_have_value(
        "Is de uitbreiding van het aantal JGT’s al besproken?\nGraag voor de raadsvergadering.")
    box.press("Enter")
    expect(box).to_have_value("")
    expect(councillor.locator("#thread .entry-question")).to_contain_text(
        "Is de uitbreiding van het aantal JGT’s al besproken?")
    # the other browser sees it without reloading
    expect(secretary.locator("#thread .entry-question")).to_contain_text(
        "Graag voor de raadsvergadering.", timeout=8000)

    reply = secretary.get_by_placeholder(re.compile("Schrijf een bericht"))
    secretary.locator("select[name=kind]").select_option(label="antwoord")
    reply.fill("Ja, in het PHO van 16 december.")
    reply.press("Enter")
    expect(councillor.locator("#thread .entry-answer")).to_contain_text(
        "Ja, in het PHO van 16 december.", timeout=8000)
    councillor_ctx.close()
    secretary_ctx.close()
