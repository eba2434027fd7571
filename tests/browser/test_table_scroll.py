"""The public "you said, we did" page of a big consultation loads its table a page at a time
as the reader scrolls (htmx "revealed"), until every point is there, in the table's order."""

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from consult import reports
from consult.db import get_session
from consult.models import Consultation

from ..test_costs_table import BIG, add_big_consultation
from .conftest import _serve, scroll_to_end


@pytest.fixture
def big_url(tmp_path):
    """The demo and a published consultation of 1,200 points beside it."""
    holder = {}

    def prepare(app):
        add_big_consultation(app, points=1200)
        with app.app_context():
            session = get_session()
            consultation = session.exec(select(Consultation).where(Consultation.slug == BIG)).one()
            holder["bodies"] = [p.point.body for p in
                                reports.answered_table(session, consultation).points]

    for url in _serve(tmp_path, prepare):
        yield url, holder["bodies"]


def test_scrolling_down_loads_every_point_in_order(big_url, page):
    url, bodies = big_url
    page.goto(f"{url}/consultaties/{BIG}/openbaar")
    lines = page.locator("table.answered-table .point-line")
    first = lines.count()
    assert 0 < first < len(bodies)
    scroll_to_end(page, ".point-line", "#meer-reacties", pages=len(bodies))
    expect(lines).to_have_count(len(bodies))
    expect(page.locator("#meer-reacties")).to_have_count(0)
    shown = [t.split(". ", 1)[1].strip() for t in lines.all_inner_texts()]
    assert shown == bodies
