"""Reading a point on every page that shows it: its sub-items keep their own lines, and one
answer that covers several consecutive points is printed once beside them (issue 16)."""

import re

import pytest
from sqlmodel import select

from consult.answergroups import number_list
from consult.db import get_session
from consult.models import Destination, Point, Reaction, Response, ResponsePoint, Stakeholder

from .conftest import Actor

SLUG = "holland-rijnland-jeugdhulp-2016"
JOINT = "Portefeuillehouders Jeugd Katwijk, Lisse, Noordwijk, Noordwijkerhout en Teylingen"
# The forms real letters use for sub-items, each on a line of its own inside one point.
SUB_ITEMS = ("Wij vragen het volgende:\na. meer tijd voor de evaluatie\nb. een tweede ronde\n"
             "c) een reactie per brief\n- de raad informeren\n• de cliëntenraad horen\n"
             "1) binnen een jaar\n   ingesprongen: ook de aanbieders")
LINES = ["Wij vragen het volgende:", "a. meer tijd voor de evaluatie", "b. een tweede ronde",
         "c) een reactie per brief", "- de raad informeren", "• de cliëntenraad horen",
         "1) binnen een jaar", "ingesprongen: ook de aanbieders"]
SHARED = "De doorontwikkeling van de JGT’s (punt 67)"  # the answer of points 67 and 68


def _ids(app) -> dict:
    """Points 67 and 68 of the joint letter (one answer for both) get sub-items in their
    text; so does the unanswered point 4 of Alphen's reaction (it shows in excerpt lists)."""
    with app.app_context():
        session = get_session()

        def reaction_of(name):
            return session.exec(select(Reaction).join(
                Stakeholder, Stakeholder.id == Reaction.stakeholder_id).where(
                Stakeholder.name == name)).one()

        def point(reaction, number):
            return session.exec(select(Point).where(Point.reaction_id == reaction.id,
                                                    Point.number == number)).one()

        joint = reaction_of(JOINT)
        alphen = reaction_of("College van B&W Alphen aan den Rijn")
        p67, p68, p4 = point(joint, "67"), point(joint, "68"), point(alphen, "4")
        for p in (p67, p4):
            p.body = SUB_ITEMS
        council = session.get(Stakeholder, p67.stakeholder_id)
        destination = session.exec(select(Destination).where(
            Destination.title == "Sturing en monitoring")).one()
        answer = session.exec(select(Response).join(ResponsePoint).where(
            ResponsePoint.point_id == p67.id)).first()
        ids = {"reaction": joint.id, "alphen": alphen.id, "p67": p67.id, "p68": p68.id,
               "p4": p4.id, "council": council.id, "municipality": council.parent_id,
               "destination": destination.id, "answer": answer.id}
        session.commit()
    return ids


def _pages(ids) -> dict[str, str]:
    """Every page that shows point 67's text, with its answer where the page has answers."""
    return {
        "reaction": f"/consultaties/{SLUG}/reacties/{ids['reaction']}",
        "stakeholder": f"/indieners/{ids['council']}?alleen=1",
        "municipality": f"/indieners/{ids['municipality']}",
        "destination": f"/consultaties/{SLUG}/bestemmingen/{ids['destination']}",
        "public": f"/consultaties/{SLUG}/openbaar",
        "table": f"/consultaties/{SLUG}/tabel",
        "thread": f"/consultaties/{SLUG}/punten/{ids['p67']}",
        "move": f"/consultaties/{SLUG}/punten/{ids['p67']}/verplaatsen",
    }


def _lines_in(html: str) -> list[str]:
    """The text of the one rendered copy of SUB_ITEMS in the page, split at its <br>s."""
    start = html.index("Wij vragen het volgende:")
    end = html.index("ook de aanbieders", start) + len("ook de aanbieders")
    return [" ".join(re.sub(r"<[^>]+>", "", piece).split())
            for piece in html[start:end].split("<br>")]


@pytest.fixture
def reading(demo_app):
    return demo_app, _ids(demo_app)


@pytest.mark.parametrize("page", list(_pages({k: 0 for k in (
    "reaction", "council", "municipality", "destination", "p67")})))
def test_sub_items_keep_their_own_lines_on_every_page(reading, page):
    app, ids = reading
    html = Actor(app.test_client(), "secretary").get(_pages(ids)[page]).get_data(as_text=True)
    assert _lines_in(html) == LINES


@pytest.mark.parametrize("where", ["dashboard", "mini-points"])
def test_excerpts_of_a_point_keep_its_lines(reading, where):
    """Lists that show a point's first words as plain text keep its line breaks (CSS
    pre-line on the excerpt): "a." and "b." start lines there too."""
    app, ids = reading
    secretary = Actor(app.test_client(), "secretary")
    url = {"dashboard": f"/consultaties/{SLUG}/dashboard",
           "mini-points": f"/consultaties/{SLUG}/reacties/{ids['alphen']}/punten"}[where]
    html = secretary.hx_get(url).get_data(as_text=True) if where == "mini-points" else (
        secretary.get(url).get_data(as_text=True))
    excerpt = re.search(r'class="keep-lines">(Wij vragen het volgende:[^<]*)<', html)
    assert excerpt and "\na. meer tijd" in excerpt.group(1)


def _answer_count(html: str) -> int:
    return html.count(SHARED)


@pytest.mark.parametrize("page", ["reaction", "stakeholder", "municipality", "destination",
                                  "public", "table"])
def test_one_answer_for_points_67_and_68_is_printed_once(reading, page):
    app, ids = reading
    html = Actor(app.test_client(), "secretary").get(_pages(ids)[page]).get_data(as_text=True)
    assert _answer_count(html) == 1, page
    if page == "reaction":
        assert "Antwoord op punten 67 en 68" in html
    elif page in ("stakeholder", "municipality", "destination"):
        assert "Punten 67 en 68" in html
        cell = html[html.rindex("<td", 0, html.index(SHARED)):html.index(SHARED)]
        assert 'rowspan="2" class="group-answer"' in cell
    else:  # the answered table: one row, both points in its first column
        row = html[html.rindex("<tr>", 0, html.index(SHARED)):html.index(SHARED)]
        assert row.count('class="point-line"') == 2


def test_a_row_marked_done_keeps_the_shared_answer_cell(reading):
    """Marking the first point of a group done replaces its row with one that still holds
    the shared answer (rowspan 2); the second row's replacement has no answer cell."""
    app, ids = reading
    secretary = Actor(app.test_client(), "secretary")
    url = _pages(ids)["destination"]
    page = secretary.get(url).get_data(as_text=True)
    row67 = page[page.index(f'<tr id="todo-{ids["p67"]}"'):
                 page.index(f'<tr id="todo-{ids["p68"]}"')]
    assert 'name="span" value="2"' in row67 and 'name="numbers" value="67 en 68"' in row67
    first = secretary.hx_post(f"{url}/punten/{ids['p67']}/geland",
                              data={"reference": "Inkoopplan v2", "span": "2",
                                    "numbers": "67 en 68"}).get_data(as_text=True)
    assert 'rowspan="2" class="group-answer"' in first and "Punten 67 en 68" in first
    assert _answer_count(first) == 1 and 'class="done"' in first
    second = secretary.hx_post(f"{url}/punten/{ids['p68']}/geland",
                               data={"reference": "Inkoopplan v2", "span": "0"}
                               ).get_data(as_text=True)
    assert _answer_count(second) == 0 and second.count("<td") == 2
    undo = secretary.hx_post(f"{url}/punten/{ids['p67']}/niet-geland",
                             data={"span": "2", "numbers": "67 en 68"}).get_data(as_text=True)
    assert 'rowspan="2"' in undo and 'class="to-do"' in undo
    for junk in ("x<script>", "²", "①", "9" * 5000, "-3"):  # digits to isdigit, not to int
        assert secretary.hx_post(f"{url}/punten/{ids['p67']}/niet-geland",
                                 data={"span": junk}).status_code == 200


@pytest.mark.parametrize(("numbers", "shown"), [
    (["1", "2", "3"], "1-3"),
    (["1", "2", "4"], "1, 2 en 4"),
    (["1", "2", "3", "5", "7", "8", "9", "10"], "1-3, 5 en 7-10"),
    (["67", "68"], "67 en 68"),
    (["4.1", "4.2", "5"], "4.1, 4.2 en 5"),
    (["12"], "12"),
])
def test_point_numbers_read_as_a_letter_writes_them(demo_app, numbers, shown):
    with demo_app.test_request_context(headers={"Accept-Language": "nl"}):
        assert number_list(numbers) == shown
