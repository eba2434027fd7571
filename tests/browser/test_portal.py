"""An advisory-board member drafts and submits advice and sees the answer arrive — in Chromium."""

from playwright.sync_api import expect

from .conftest import login

SLUG = "holland-rijnland-jeugdhulp-2016"
ADVICE = """Advies WMO Adviesraad Leiden over de tweede ronde

1. Betrek cliënten als volwaardige partner bij de inkoop.
2. Zorg voor onafhankelijke cliëntondersteuning in elke
gemeente.
"""


def test_board_drafts_submits_and_reads_the_answer(live_open_url, browser):
    live_url = live_open_url  # advisory boards draft while the consultation is open
    board_ctx, secretariat_ctx = browser.new_context(), browser.new_context()
    board, secretary = board_ctx.new_page(), secretariat_ctx.new_page()
    login(board, live_url, "adviesraad@consult.example", "demo-adviesraad-2016")
    board.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Postvak").click()
    expect(board.get_by_role("heading", level=1)).to_have_text("Postvak")
    board.get_by_role("link", name="Uitgangspunten toekomst Jeugdhulp Holland Rijnland").click()

    board.locator("input[name=title]").fill("Advies tweede ronde")
    board.locator("#composer-text").fill(ADVICE)
    expect(board.locator(".preview-point")).to_have_count(2)
    expect(board.locator(".preview-point").nth(1).locator("textarea")).to_have_value(
        "Zorg voor onafhankelijke cliëntondersteuning in elke gemeente.")
    board.get_by_role("button", name="Concept opslaan").click()
    expect(board.locator(".success")).to_contain_text("Concept opgeslagen")

    # the secretariat does not see a draft
    login(secretary, live_url, "secretaris@consult.example", "demo-secretaris-2016")
    secretary.goto(f"{live_url}/consultaties/{SLUG}")
    expect(secretary.locator("#channel")).not_to_contain_text("Advies tweede ronde")

    # Submitting cannot be undone: it asks once; "Annuleren" sends nothing.
    asked = []
    board.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    board.get_by_role("button", name="Indienen bij het secretariaat").click()
    expect(board.get_by_role("button", name="Concept opslaan")).to_be_enabled()
    assert asked == ["Dit advies indienen bij het secretariaat? Daarna kan het niet meer "
                     "worden gewijzigd."]
    expect(board.locator(".success")).not_to_contain_text("Ingediend")
    board.once("dialog", lambda d: d.accept())
    board.get_by_role("button", name="Indienen bij het secretariaat").click()
    expect(board.locator(".success")).to_contain_text("Ingediend")
    # and shows exactly what the secretariat received
    received = board.locator("section.submitted")
    expect(received.get_by_role("heading", level=2)).to_have_text(
        "Wat het secretariaat heeft ontvangen: 2 punten")
    expect(received.locator("li.point-heading")).to_have_text(
        ["Advies WMO Adviesraad Leiden over de tweede ronde"])
    expect(received.locator("li.point")).to_have_text([
        "Punt 1 Betrek cliënten als volwaardige partner bij de inkoop.",
        "Punt 2 Zorg voor onafhankelijke cliëntondersteuning in elke gemeente."])

    # it arrives in the secretary's open channel without a reload
    arrived = secretary.locator("#channel .reaction").filter(has_text="Advies tweede ronde")
    expect(arrived).to_have_count(1, timeout=10000)
    arrived.get_by_role("link", name="WMO Adviesraad Leiden — Advies tweede ronde").click()
    # and it is news: a count beside "Nieuw" in the menu, one item for the whole advice
    menu = secretary.get_by_role("navigation", name="Hoofdmenu")
    expect(menu.locator("#nav-new-count")).to_have_text("1 nieuw")
    # on a phone, where the menu is folded away, its button carries the same count
    size = secretary.viewport_size
    secretary.set_viewport_size({"width": 375, "height": 812})
    expect(secretary.get_by_role("button", name="Menu")).to_have_accessible_name("Menu 1 nieuw")
    expect(secretary.locator(".menu-toggle .nav-count")).to_be_visible()
    secretary.set_viewport_size(size)
    menu.get_by_role("link", name="Nieuw").click()
    item = secretary.locator(".inbox-item.arrived")
    expect(item).to_contain_text("nieuwe reactie")
    expect(item).to_contain_text("Advies tweede ronde — 2 punten")
    item.get_by_role("link", name="Advies tweede ronde").click()
    secretary.locator("#answer-panel summary").click()
    panel = secretary.locator("#answer-panel")
    panel.locator("input[name=selection]").fill("alle punten")
    panel.locator("textarea[name=body]").fill("Beide punten komen in het inkoopplan 2017.")
    panel.get_by_label("Inkoopplan 2017", exact=True).check()
    panel.get_by_role("button", name="Antwoord opslaan").click()
    expect(secretary.locator("#reaction-progress")).to_contain_text("2 van 2 punten beantwoord")

    board.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Postvak").click()
    expect(board.get_by_role("heading", level=1)).to_have_text("Postvak")
    inbox = board.locator(".inbox")
    expect(inbox).to_contain_text("Beantwoord — Inkoopplan 2017")
    expect(inbox.locator(".inbox-item.new")).to_have_count(2)
    inbox.get_by_role("link").first.click()
    expect(board.locator("#thread")).to_contain_text("Beide punten komen in het inkoopplan 2017.")
    board_ctx.close()
    secretariat_ctx.close()
