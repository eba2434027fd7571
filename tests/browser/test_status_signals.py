"""Status words and dates as a reader sees them in Chromium (issue 16, "Reading").

Each state has one word and one colour on every page (consult/labels.py STATES), no page says
two things at once (a card's words agree with its open count), and dates are written the one
way of the reader's language, a reaction dated by the day it was received."""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.support import Translations
from sqlmodel import select

import consult
from consult import commitments, followup
from consult.db import get_session
from consult.labels import STATES, state
from consult.models import (
    Consultation,
    Destination,
    Point,
    Reaction,
    Response,
    ResponseDestination,
    ResponsePoint,
)

from .conftest import _serve, login

SLUG = "holland-rijnland-jeugdhulp-2016"
RECEIVED = date(2015, 11, 3)
DUTCH = Translations.load(str(Path(consult.__file__).parent / "translations"), ["nl"])
ORANGE = "rgb(179, 84, 30)"   # --tone-action
GREEN = "rgb(42, 116, 72)"    # --tone-done


def _every_state(app) -> None:
    """Give the demo one of each state: answers proposed, not adopted, done and a draft, a
    point marked done at its destination, commitments open (overdue), done and cancelled, and
    the first reaction a date of receipt in 2015."""
    with app.app_context():
        session = get_session()
        c = session.exec(select(Consultation).where(Consultation.slug == SLUG)).one()
        # The reaction with the most answers comes first in the channel, received in 2015.
        answer_count = sa.func.count(sa.distinct(ResponsePoint.response_id))
        reaction_id = session.exec(
            select(Point.reaction_id).join(ResponsePoint, ResponsePoint.point_id == Point.id)
            .join(Reaction, Reaction.id == Point.reaction_id)
            .where(Reaction.consultation_id == c.id).group_by(Point.reaction_id)
            .order_by(answer_count.desc())).first()
        first = session.get(Reaction, reaction_id)
        first.received_on, first.position = RECEIVED, -1
        answers = session.exec(
            select(Response).join(ResponsePoint, ResponsePoint.response_id == Response.id)
            .join(Point, Point.id == ResponsePoint.point_id).where(Point.reaction_id == first.id)
            .distinct().order_by(Response.id)).all()
        for response, status in zip(answers[1:5], ("proposed", "not_adopted", "done", "draft"),
                                    strict=True):
            response.status = status
        routed = session.exec(select(ResponsePoint.point_id, ResponseDestination.destination_id)
                              .join(ResponseDestination, ResponseDestination.response_id
                                    == ResponsePoint.response_id)
                              .where(ResponsePoint.response_id == answers[0].id)).first()
        followup.land(session, None, session.get(Point, routed[0]),
                      session.get(Destination, routed[1]), "Inkoopplan 2017, §4", "Inkoopplan")
        made = [commitments.create(session, None, answers[0], f"Toezegging {n}", "TWO Jeugdhulp",
                                   date.today() - timedelta(days=10), "") for n in range(3)]
        made[1].status, made[2].status = "done", "cancelled"
        session.commit()


@pytest.fixture
def every_state_url(tmp_path):
    """The published demo with one of every state, served."""
    yield from _serve(tmp_path, _every_state)


def _pages(page, base: str) -> list[str]:
    """The pages that show states or dates, as the secretary reaches them."""
    page.goto(f"{base}/consultaties/{SLUG}")
    reaction = page.locator("a.reaction-title").first.get_attribute("href")
    page.goto(f"{base}/indieners")
    alphen = page.get_by_role("link", name="Alphen aan den Rijn", exact=True).get_attribute("href")
    page.goto(f"{base}/consultaties/{SLUG}/dashboard")
    destination = page.locator("svg.stacked a").first.get_attribute("href")
    page.goto(base + reaction)
    thread = page.locator("a.thread-link").first.get_attribute("href")
    return ["/", f"/consultaties/{SLUG}", f"/consultaties/{SLUG}/dashboard", reaction,
            "/indieners", alphen, destination, f"/consultaties/{SLUG}/tabel",
            f"/consultaties/{SLUG}/openbaar", f"/consultaties/{SLUG}/toezeggingen",
            "/zoeken?q=jeugd", "/zoeken?q=jeugd&status=open", thread]


# Every element that shows a state: its key, its word, and the one colour it is shown in (a
# word's text colour, a chart bar's fill, a legend key's background).
_SIGNALS = """() => [...document.querySelectorAll('[data-state]')].map(el => {
    const style = getComputedStyle(el);
    const colour = el instanceof SVGElement ? style.fill
        : el.classList.contains('key') ? style.backgroundColor : style.color;
    return {key: el.dataset.state, text: el.textContent.trim(), colour,
            mark: el instanceof SVGElement || el.classList.contains('key')};
})"""


def _open_all(page) -> None:
    """Unfold the channel's reactions, so that their points' states load too."""
    for summary in page.locator("details.unfold summary").all()[:4]:
        summary.click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('details.unfold[open] .points-slot')]"
        ".every(s => s.querySelector('.mini-points'))")


def test_each_state_has_one_word_and_one_colour_on_every_page(every_state_url, page):
    login(page, every_state_url, "secretaris@consult.example", "demo-secretaris-2016")
    colours: dict[str, set[str]] = {}
    seen: dict[str, list[str]] = {}
    for path in _pages(page, every_state_url):
        page.goto(every_state_url + path)
        if path == f"/consultaties/{SLUG}":
            _open_all(page)
        for s in page.evaluate(_SIGNALS):
            kind, value = s["key"].split(":")
            expected = state(kind, value)
            assert s["key"] == expected.key, (path, s)
            word = DUTCH.gettext(expected.word)  # the English msgid outside a request
            if not s["mark"]:
                # The word itself, or the word with its count ("5 open", "1 te laat").
                assert word in s["text"] or s["text"] == "alles beantwoord", (path, s)
            colours.setdefault(word, set()).add(s["colour"])
            seen.setdefault(s["key"], []).append(path)
    # One colour per word, whichever page, badge, chart or legend shows it.
    assert {w: c for w, c in colours.items() if len(c) != 1} == {}
    # Every state of a point, an answer, a destination and a commitment was on some page.
    shown = {k for k in seen}
    wanted = {f"{kind}:{value}" for kind, value in STATES
              if kind in ("point", "answer", "destination", "commitment")}
    assert wanted - shown == set()
    # Green only for answered, adopted and done; orange only for what needs action.
    assert colours["niet overgenomen"] == colours["concept"] == {"rgb(91, 100, 117)"}
    assert colours["vastgesteld"] == colours["afgerond"] == colours["beantwoord"] == {GREEN}
    assert colours["open"] == colours["te laat"] == {ORANGE}
    assert colours["te doen"] != {ORANGE}  # a destination's follow-up is not an alarm
    assert colours["gepubliceerd"] != {GREEN}  # a phase, not a verdict on the points


def test_no_card_or_chart_contradicts_its_numbers(every_state_url, page):
    login(page, every_state_url, "secretaris@consult.example", "demo-secretaris-2016")
    page.goto(every_state_url + "/")
    cards = page.locator(".card")
    assert cards.count() >= 1
    for card in cards.all():
        text = card.inner_text()
        answered, total = map(int, re.search(r"(\d+) van (\d+) punten beantwoord", text).groups())
        words = card.locator("[data-state]")
        keys = [w.get_attribute("data-state") for w in words.all()]
        if total > answered:
            assert card.locator('[data-state="point:open"]').inner_text() == (
                f"{total - answered} open")
            assert "point:answered" not in keys
            # Nothing green beside open points: the state of the round is a phase, not "done".
            assert all("tone-done" not in (w.get_attribute("class") or "") for w in words.all())
        else:
            assert "point:open" not in keys
    # The dashboard: under "answered" (green), the destinations' "to do" is not orange.
    page.goto(f"{every_state_url}/consultaties/{SLUG}/dashboard")
    to_do = page.locator('svg.stacked [data-state="destination:to_do"]').first
    assert to_do.evaluate("el => getComputedStyle(el).fill") != ORANGE
    answered = page.locator('svg.stacked [data-state="point:answered"]').first
    assert answered.evaluate("el => getComputedStyle(el).fill") == GREEN
    # The meaning of the colours is on the page, with every word.
    page.get_by_text("Wat de kleuren betekenen").click()
    legend = page.locator(".states-legend")
    for word in ("open", "beantwoord", "vastgesteld", "niet overgenomen", "te doen"):
        assert legend.get_by_text(word, exact=True).count() == 1


def _received(page):
    return page.locator(".reaction-date").first


def test_a_reaction_is_dated_by_the_day_it_was_received(every_state_url, page):
    login(page, every_state_url, "secretaris@consult.example", "demo-secretaris-2016")
    page.goto(f"{every_state_url}/consultaties/{SLUG}")
    first = page.locator("li.reaction").filter(has_text="Ontvangen 3 november 2015").first
    dated = first.locator(".reaction-date")
    assert dated.inner_text().startswith("Ontvangen 3 november 2015")
    logged = dated.locator(".logged")  # the day it was logged: a detail beside it
    assert re.fullmatch(r"· gelogd \d{1,2} [a-z]+ 20\d\d", logged.inner_text())
    size = logged.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    assert size < dated.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    # A reaction logged without its date of receipt says so, not the day it was logged; the
    # demo's Hillegom motion has its date (17-09-2015).
    dates = page.locator("li.reaction .reaction-date").all_inner_texts()
    assert any(d.startswith("Datum van ontvangst onbekend") for d in dates)
    assert any(d.startswith("Ontvangen 17 september 2015") for d in dates)
    first.locator("a.reaction-title").click()
    page.wait_for_url("**/reacties/**")
    assert _received(page).inner_text().startswith("Ontvangen 3 november 2015")


DUTCH_DATE = re.compile(r"\b\d{1,2} (januari|februari|maart|april|mei|juni|juli|augustus"
                        r"|september|oktober|november|december) \d{4}\b")
ENGLISH_DATE = re.compile(r"\b(January|February|March|April|May|June|July|August|September"
                          r"|October|November|December) \d{1,2}, \d{4}\b")


# The page's own words: its text without what people wrote (letters, answers, descriptions quote
# dates such as "16 december 2015" in their own language).
_UI_TEXT = """() => {
    const main = document.querySelector('main').cloneNode(true);
    main.querySelectorAll('.description, .body, .answer-body, .answer, .snippet, .point-line, '
        + '.bubble-body, .original, pre, .mini-points a, .hit-head a, textarea, '
        + '.answered-table td').forEach(el => el.remove());
    return main.innerText;
}"""


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_dates_in_the_one_format_of_the_language(every_state_url, page, lang):
    login(page, every_state_url, "secretaris@consult.example", "demo-secretaris-2016")
    page.context.add_cookies([{"name": "consult_lang", "value": lang, "url": every_state_url}])
    own, other = (DUTCH_DATE, ENGLISH_DATE) if lang == "nl" else (ENGLISH_DATE, DUTCH_DATE)
    expected = {
        f"/consultaties/{SLUG}": ("3 november 2015", "November 3, 2015"),
        f"/consultaties/{SLUG}/dashboard": ("16 december 2015", "December 16, 2015"),
        f"/consultaties/{SLUG}/openbaar": ("16 december 2015", "December 16, 2015"),
    }
    for path in _pages(page, every_state_url):
        page.goto(every_state_url + path)
        if path == f"/consultaties/{SLUG}/dashboard":
            page.locator("details.numbers summary").first.click()
        text = page.evaluate(_UI_TEXT)
        assert not other.search(text), (path, other.search(text)[0])
        if path in expected:
            assert expected[path][lang == "en"] in text, path
    # A thread's times: the date as everywhere, with the hour.
    page.goto(every_state_url + _pages(page, every_state_url)[-1])
    times = page.locator("main time").all_inner_texts()
    assert times and all(own.search(t) for t in times), times
