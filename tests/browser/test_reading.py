"""In Chromium: a point's sub-items start lines of their own on every page that shows its
text, and one answer for two consecutive points stands once beside both (issue 16)."""

import pytest
from playwright.sync_api import expect

from ..conftest import DEMO_PASSWORDS
from ..test_reading import LINES, SHARED, SLUG, _ids, _pages
from .conftest import _serve, login

_TOPS = """(needles) => {
  // The first shown element, in document order, that holds all the needles and holds no
  // smaller such element: the point's own text, not a later copy (the thread's similar
  // points, loaded by htmx a moment later, may show the same text with its words marked).
  const holders = [...document.querySelectorAll('body *')].filter(e =>
    e.offsetParent !== null && needles.every(n => e.textContent.includes(n)));
  const box = holders.find(h => !holders.some(o => o !== h && h.contains(o)));
  if (!box) return null;
  const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
  const tops = {};
  while (walker.nextNode()) {
    const node = walker.currentNode;
    for (const n of needles) {
      const at = node.data.indexOf(n);
      if (at < 0 || n in tops) continue;
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + n.length);
      const rect = range.getClientRects()[0];
      if (rect) tops[n] = rect.top + window.scrollY;
    }
  }
  return needles.map(n => tops[n]);
}"""


def _line_tops(page, needles: list[str]) -> list[float]:
    """The y position (px) at which each needle's text starts on the page."""
    tops = page.evaluate(_TOPS, needles)
    assert tops is not None and None not in tops, (needles, tops)
    return tops


def _each_starts_a_line(page, needles: list[str]) -> None:
    tops = _line_tops(page, needles)
    # Each item lower than the one before by at least most of a line (a run-on line would
    # put "a." and "b." at the same height, or both on one wrapped line at random).
    assert all(b - a >= 10 for a, b in zip(tops, tops[1:], strict=False)), list(
        zip(needles, tops, strict=True))


@pytest.fixture
def reading_url(tmp_path):
    """The demo with sub-items in points 67 (which shares its answer with 68) and 4 of
    Alphen's reaction (unanswered); yields (base URL, ids)."""
    ids = {}
    yield from ((url, ids) for url in _serve(tmp_path, lambda app: ids.update(_ids(app))))


# Every line's first words: a needle per line of LINES.
NEEDLES = [line[:14] for line in LINES]


@pytest.mark.parametrize("where", ["reaction", "stakeholder", "municipality", "destination",
                                   "public", "table", "thread", "move"])
def test_sub_items_start_lines_of_their_own(reading_url, page, where):
    url, ids = reading_url
    login(page, url, *DEMO_PASSWORDS["secretary"])
    page.goto(url + _pages(ids)[where])
    _each_starts_a_line(page, NEEDLES)


def test_sub_items_start_lines_in_excerpts_and_search(reading_url, page):
    url, ids = reading_url
    login(page, url, *DEMO_PASSWORDS["secretary"])
    page.goto(f"{url}/consultaties/{SLUG}/dashboard")  # "Points still without an answer"
    _each_starts_a_line(page, NEEDLES[:3])
    page.goto(f"{url}/zoeken?q=tweede+ronde+evaluatie")
    expect(page.locator(".snippet mark").first).to_be_visible()
    _each_starts_a_line(page, ["a. meer", "b. een"])  # (matches are <mark>s of their own)
    # The channel unfolds a reaction's points: their excerpts keep the lines too.
    page.goto(f"{url}/consultaties/{SLUG}")
    alphen = page.locator("#channel .reaction").filter(
        has_text="College van B&W Alphen aan den Rijn")
    alphen.locator("details.unfold summary").first.click()
    expect(alphen.locator(".mini-points")).to_be_visible()
    _each_starts_a_line(page, NEEDLES[:3])


@pytest.mark.parametrize("where", ["stakeholder", "destination"])
def test_a_shared_answer_stands_once_beside_both_points(reading_url, page, where):
    url, ids = reading_url
    login(page, url, *DEMO_PASSWORDS["secretary"])
    page.goto(url + _pages(ids)[where])
    rows = [page.locator(f"#{'todo' if where == 'destination' else 'punt'}-{ids[p]}")
            for p in ("p67", "p68")]
    cell = page.locator("td.group-answer").filter(has_text=SHARED)
    expect(cell).to_have_count(1)
    expect(cell).to_contain_text("Punten 67 en 68")
    box, first, second = (x.bounding_box() for x in (cell, *rows))
    assert box["y"] <= first["y"] + 1 and box["y"] + box["height"] >= second["y"] + second[
        "height"] - 1
    assert page.get_by_text(SHARED, exact=False).count() == 1
