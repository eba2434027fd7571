"""A councillor finds what happened to Leiden's points; the answered table prints as a table."""

import re
import time

from playwright.sync_api import expect

from ..conftest import DEMO_PASSWORDS
from .conftest import login


def test_a_leiden_councillor_finds_every_point_and_its_answer(live_url, page, tmp_path):
    started = time.monotonic()
    login(page, live_url, *DEMO_PASSWORDS["councillor"])
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Betrokkenen").click()
    page.get_by_role("link", name="Leiden", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Leiden")
    rows = page.locator(".followup-table tbody tr")
    expect(rows).to_have_count(20)
    expect(page.locator("figure.chart svg")).to_have_attribute(
        "aria-label", "Punten per status: vastgesteld 20")
    first = rows.first
    expect(first).to_contain_text("Samenwerking / aansluiting op lokaal niveau")
    expect(first).to_contain_text("De punten 1 t/m 7 zijn meegenomen")
    expect(first.locator(".chip.destination").first).to_be_visible()
    assert time.monotonic() - started < 60
    page.screenshot(path=str(tmp_path / "leiden.png"), full_page=True)
    # Each point number leads to its thread.
    first.get_by_role("link", name="Punt 1").click()
    expect(page).to_have_url(re.compile(r"/punten/\d+$"))


def test_the_answered_table_prints_as_the_table(live_url, page, tmp_path):
    page.goto(live_url + "/consultaties/holland-rijnland-jeugdhulp-2016/tabel")
    table = page.locator("table.answered-table")
    expect(table.locator("thead th")).to_have_text(
        ["Gemeente / subregio", "Uitgangspunten", "Toelichting", "Verwerkt in"])
    expect(table.locator("tbody th").first).to_have_text("Alphen aan den Rijn")
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator(".table-filters")).to_be_hidden()
    expect(table).to_be_visible()
    page.screenshot(path=str(tmp_path / "table-print.png"), full_page=False)
    pdf = page.pdf(format="A4", landscape=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000


def test_dashboard_charts_with_their_numbers(live_url, page, tmp_path):
    page.goto(live_url + "/consultaties/holland-rijnland-jeugdhulp-2016")
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    chart = page.get_by_role("group", name=re.compile("^Punten per gemeente of subregio"))
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box["width"] > 300 and box["height"] > 100
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    numbers = page.locator(".chart-section details.numbers").first
    numbers.locator("summary").click()
    expect(numbers.locator("tbody tr", has_text="Leiden")).to_contain_text("20")
    # A bar's label leads to that municipality's points.
    chart.get_by_text("Leiden", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Leiden")


def _one_answer_proposed_again_today(app):
    """The secretary sets one answer back to proposed today: the timeline gets a second day."""
    from sqlmodel import select

    from consult import processing
    from consult.db import get_session
    from consult.models import Response

    with app.app_context():
        session = get_session()
        response = session.exec(select(Response).order_by(Response.id)).first()
        processing.revise(session, None, response, response.version, response.body, "proposed",
                          [])
        session.commit()


def test_the_status_timeline_and_its_numbers_read_on_a_phone(tmp_path, page):
    """A timeline of two days: its first and last dates were printed on top of each other
    ("2 dec16 decemb 2026 2015"), and at 375 px its numbers table broke words
    ("voo/rge/steld", "dece/mber"). A bar of one point stays visible."""
    from .conftest import _serve

    served = _serve(tmp_path, _one_answer_proposed_again_today)
    live_url = next(served)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_url + "/consultaties/holland-rijnland-jeugdhulp-2016/dashboard")
    chart = page.locator("svg.status-columns")
    labels = chart.locator("text.bar-label")
    expect(labels).to_have_count(2)
    first, last = labels.nth(0).bounding_box(), labels.nth(1).bounding_box()
    assert first["x"] + first["width"] <= last["x"], (first, last)
    heights = [float(h) for h in chart.locator("rect").evaluate_all(
        "rects => rects.map(r => r.getBBox().height)")]
    assert heights and min(heights) >= 2, heights
    numbers = page.locator("figure", has=chart).locator("details.numbers")
    numbers.locator("summary").click()
    # A word broken inside makes more lines than the cell has words.
    lines = """c => { const r = document.createRange(); r.selectNodeContents(c);
                      return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size }"""
    cells = [*numbers.locator("thead th").all(), numbers.locator("tbody th").first]
    for cell in cells:
        assert cell.evaluate(lines) <= len(cell.inner_text().split()), cell.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    next(served, None)  # stop the server
