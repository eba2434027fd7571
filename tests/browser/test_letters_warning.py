"""Before letters are made, the letters page says how many points have no answer yet and
links to them; the letters can still be downloaded (issue 16) — in Chromium."""

import io

import pytest
from docx import Document
from playwright.sync_api import expect

from ..test_export_layout import BOARD, plant
from .conftest import _serve, login

SLUG = "holland-rijnland-jeugdhulp-2016"


@pytest.fixture
def live_with_open_points(tmp_path):
    """The demo, with a board's reaction of 7 points of which 4 have no answer yet."""
    yield from _serve(tmp_path, plant)


def test_the_letters_page_warns_about_unanswered_points(live_with_open_points, page):
    base = live_with_open_points
    login(page, base, "secretaris@consult.example", "demo-secretaris-2016")
    page.goto(f"{base}/consultaties/{SLUG}/antwoordbrieven")
    warning = page.locator("#onbeantwoord")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("punten hebben nog geen antwoord")
    count = int(warning.inner_text().split()[0])
    assert count >= 4
    board = page.locator("ul.letters li", has_text=BOARD)
    expect(board).to_contain_text("4 punten niet beantwoord")
    # The user can still go on: the letter downloads and says which points are unanswered.
    with page.expect_download() as waiting:
        board.get_by_role("link", name=BOARD).click()
    with open(waiting.value.path(), "rb") as file:
        text = "\n".join(p.text for p in Document(io.BytesIO(file.read())).paragraphs)
    assert text.count("Op dit punt hebben wij nog niet geantwoord.") >= 2
    # The link shows exactly the unanswered points.
    warning.get_by_role("link").click()
    expect(page).to_have_url(f"{base}/consultaties/{SLUG}/tabel?status=open")
    expect(page.get_by_text("Tekst van punt 2a")).to_be_visible()
    expect(page.get_by_text("Tekst van punt 1.2", exact=True)).to_have_count(0)


def test_the_warning_meets_wcag_21_aa(live_with_open_points, browser):
    from .test_accessibility import check_pages, describe

    failing = check_pages(browser, live_with_open_points, "secretary",
                          [f"/consultaties/{SLUG}/antwoordbrieven"])
    assert not failing, "\n".join(f"{url}\n{describe(v)}" for url, v in failing.items())
