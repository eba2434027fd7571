"""An advisory board pastes its advice as a whole letter into the portal — in Chromium.

The report: "Geacht bestuur, ..." was saved as point 4 and listed first, "Met vriendelijke
groet ..." as point 5; both counted as open points. Now the preview sets the frame apart, and
the submitted reaction has the letter's points, in the letter's order, and nothing else.
"""

from playwright.sync_api import expect

from .conftest import login

SLUG = "holland-rijnland-jeugdhulp-2016"
LETTER = """Wmo-adviesraad Leiden
Postbus 9100
2300 PC Leiden

Betreft: advies inkoopstrategie jeugdhulp

Geacht bestuur,
1. Betrek cliënten als volwaardige partner bij de inkoop:
\uf0b7\tin de werkgroepen;
\uf0b7\tbij de beoordeling van de offertes.
2. Zorg voor onafhankelijke cliëntondersteuning in elke
Pagina 1 van 2
gemeente.
3. Meet de tevredenheid van jongeren zelf.

Met vriendelijke groet,

J. Bakker
secretaris
"""


def test_board_pastes_a_framed_letter_and_submits_its_points_in_order(live_open_url, page):
    login(page, live_open_url, "adviesraad@consult.example", "demo-adviesraad-2016")
    page.goto(f"{live_open_url}/portaal/{SLUG}/concept")
    page.locator("input[name=title]").fill("Advies in briefvorm")
    page.locator("#composer-text").fill(LETTER)

    points = page.locator(".preview-point")
    expect(points).to_have_count(3)
    for k, number in enumerate(["1", "2", "3"]):
        expect(points.nth(k).locator("input[name=point_number]")).to_have_value(number)
    expect(points.nth(0).locator("textarea")).to_have_value(
        "Betrek cliënten als volwaardige partner bij de inkoop:\n• in de werkgroepen;\n"
        "• bij de beoordeling van de offertes."
    )
    expect(points.nth(1).locator("textarea")).to_have_value(
        "Zorg voor onafhankelijke cliëntondersteuning in elke gemeente."
    )
    intro = page.get_by_role("region", name="Aanhef en inleiding — geen punt")
    expect(intro).to_contain_text("Geacht bestuur,")
    outro = page.get_by_role("region", name="Afsluiting en ondertekening — geen punt")
    expect(outro).to_contain_text("Met vriendelijke groet,")

    page.once("dialog", lambda d: d.accept())  # it asks once: cannot be undone
    page.get_by_role("button", name="Indienen bij het secretariaat").click()
    expect(page.locator(".success")).to_contain_text("Ingediend")
    page.get_by_role("link", name="Bekijk het met de antwoorden").click()

    saved = page.locator("ol.points li.point")
    expect(saved).to_have_count(3)
    expect(saved.locator(".number")).to_have_text(["Punt 1", "Punt 2", "Punt 3"])
    expect(saved.nth(0)).to_contain_text("Betrek cliënten als volwaardige partner")
    expect(saved.nth(2)).to_contain_text("Meet de tevredenheid van jongeren zelf.")
    listing = page.locator("ol.points")
    for frame in ("Geacht bestuur", "Met vriendelijke groet", "Pagina 1 van 2", "Postbus"):
        expect(listing).not_to_contain_text(frame)
    expect(page.locator("body")).to_contain_text("0 van 3 punten beantwoord")


def test_the_preview_with_the_letters_frame_meets_wcag_21_aa(live_open_url, browser):
    """The intro and outro beside the points are regions with a name, readable by everyone."""
    from .test_accessibility import BLOCKING, assert_clean, axe_violations, open_as

    context, page, errors = open_as(browser, live_open_url, "advisory_member")
    page.goto(f"{live_open_url}/portaal/{SLUG}/concept")
    page.locator("#composer-text").fill(LETTER)
    expect(page.locator(".preview-point")).to_have_count(3)
    expect(page.locator(".preview-frame")).to_have_count(2)
    violations = axe_violations(page)
    assert_clean({"portal preview with frame": violations} if any(
        v["impact"] in BLOCKING for v in violations) else {})
    page.get_by_role("button", name="Toch als punt opnemen").first.click()
    expect(page.locator(".preview-point")).to_have_count(4)
    expect(page.locator(".preview-point").first.locator("textarea")).to_contain_text(
        "Geacht bestuur,")
    assert errors == []
    context.close()
