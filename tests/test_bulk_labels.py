"""Answer templates in the answer panel and a consultation's own status names (issue 17)."""

import re
from html import unescape

import pytest
from sqlmodel import func, select

from consult.bulk.models import AnswerTemplate, StatusLabel
from consult.models import AuditEvent, Destination, Point, Reaction, Stakeholder

SLUG = "holland-rijnland-jeugdhulp-2016"
OWN = "akkoordverklaard"  # a word the demo never uses
BASE = f"/consultaties/{SLUG}"


@pytest.fixture
def secretary(as_role):
    return as_role("secretary")


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _labels(actor, **words):
    return actor.form_post(f"{BASE}/statusnamen", {f"label_{k}": v for k, v in words.items()})


def _leiden_reaction(session):
    return session.exec(
        select(Reaction).join(Stakeholder, Stakeholder.id == Reaction.stakeholder_id)
        .where(Stakeholder.name == "Leiden")).first()


def test_own_status_names_show_on_the_consultations_pages_counts_stay(secretary, as_role,
                                                                      session):
    """'vastgesteld' becomes 'akkoordverklaard' on the reaction page, the dashboard, the answered
    table and the public page; the numbers beside it stay the same."""
    pages = [f"{BASE}/dashboard", f"{BASE}/tabel", f"{BASE}/openbaar"]
    reader = as_role(None)
    before = {url: _text(reader.get(url).get_data(as_text=True)) for url in pages}
    assert all("vastgesteld" in before[url] and OWN not in before[url] for url in pages[:2])
    assert _labels(secretary, adopted=OWN).status_code == 303
    for url in pages:
        after = _text(reader.get(url).get_data(as_text=True))
        if url in pages[:2]:
            assert OWN in after, url
        # Only the word changes: every count on the page (the public one too) stays.
        assert after.replace(OWN, "vastgesteld") == before[url], url
    reaction = _leiden_reaction(session)
    page = _text(secretary.get(f"{BASE}/reacties/{reaction.id}").get_data(as_text=True))
    assert OWN in page
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "status_labels")).one(
        ).after == {"adopted": OWN}
    # Back to the standard word: the field left empty.
    _labels(secretary, adopted="")
    assert OWN not in _text(reader.get(f"{BASE}/openbaar").get_data(as_text=True))
    assert session.exec(select(func.count()).select_from(StatusLabel)).one() == 0


def test_other_pages_keep_the_standard_word(secretary, as_role):
    _labels(secretary, adopted=OWN)
    text = _text(as_role(None).get("/zoeken?q=jeugd&status=adopted").get_data(as_text=True))
    assert OWN not in text


@pytest.mark.parametrize("words, says", [
    ({"adopted": "klaar", "done": "Klaar"}, "Geef elke status een eigen naam"),
    ({"adopted": "x" * 61}, "hoogstens 60 tekens"),
    # the attack: a standard word of another state, or "open" of unanswered points
    ({"adopted": "Voorgesteld"}, "Geef elke status een eigen naam"),
    ({"adopted": "Open"}, "Geef elke status een eigen naam"),
    ({"done": "vastgesteld"}, "Geef elke status een eigen naam"),
])
def test_bad_status_names_are_refused_in_dutch(secretary, session, words, says):
    response = _labels(secretary, **words)
    assert response.status_code == 422
    assert says in _text(response.get_data(as_text=True))
    assert session.exec(select(func.count()).select_from(StatusLabel)).one() == 0


def test_the_answer_panel_fills_a_template_for_the_ticked_points(secretary, session):
    secretary.form_post(f"{BASE}/sjablonen", {
        "title": "Mee", "body": "{indiener}, punt {punt}: mee in {bestemming}."})
    template = session.exec(select(AnswerTemplate)).one()
    reaction = _leiden_reaction(session)
    page = secretary.get(f"{BASE}/reacties/{reaction.id}").get_data(as_text=True)
    assert 'id="answer-template"' in page and ">Mee</option>" in page
    points = session.exec(select(Point).where(Point.reaction_id == reaction.id)
                          .order_by(Point.position)).all()[:3]
    target = session.exec(select(Destination).where(
        Destination.title == "Strategisch overleg jeugd")).first()
    query = (f"template_id={template.id}&reaction_id={reaction.id}&destination_ids={target.id}&"
             + "&".join(f"point_ids={p.id}" for p in points))
    filled = secretary.hx_get(f"{BASE}/sjablonen/invullen?{query}")
    assert filled.status_code == 200
    numbers = f"{points[0].number}-{points[2].number}"
    assert (f">Leiden, punt {numbers}: mee in Strategisch overleg jeugd.</textarea>"
            in unescape(filled.get_data(as_text=True)))
    no_destination = secretary.hx_get(f"{BASE}/sjablonen/invullen?template_id={template.id}&"
                                      f"reaction_id={reaction.id}&point_ids={points[0].id}")
    assert no_destination.status_code == 422
    assert "kies een bestemming" in _text(no_destination.get_data(as_text=True))
    no_points = secretary.hx_get(f"{BASE}/sjablonen/invullen?template_id={template.id}&"
                                 f"reaction_id={reaction.id}&destination_ids={target.id}")
    assert "Vink eerst de punten aan" in _text(no_points.get_data(as_text=True))


def test_a_template_can_be_changed_archived_and_not_broken(secretary, session):
    secretary.form_post(f"{BASE}/sjablonen", {"title": "Mee", "body": "Mee in {bestemming}."})
    template = session.exec(select(AnswerTemplate)).one()
    bad = secretary.form_post(f"{BASE}/sjablonen/{template.id}/wijzigen",
                              {"title": "Mee", "body": "Mee in {bestemmng}."})
    assert bad.status_code == 422
    assert "Onbekende invulplek {bestemmng}" in _text(bad.get_data(as_text=True))
    session.expire_all()
    assert session.get(AnswerTemplate, template.id).body == "Mee in {bestemming}."
    secretary.form_post(f"{BASE}/sjablonen/{template.id}/archiveren", {})
    session.expire_all()
    assert session.get(AnswerTemplate, template.id).archived
    reaction = _leiden_reaction(session)
    assert 'id="answer-template"' not in secretary.get(
        f"{BASE}/reacties/{reaction.id}").get_data(as_text=True)


def test_two_tabs_editing_one_template_never_overwrite_each_other(secretary, session):
    """The trial: tab A saved a new text, tab B (read before) saved a new name over it and A's
    text was gone. B's save is refused (409) with its own text kept in the form and A's
    version shown under it; saving B again then replaces A's, knowingly."""
    secretary.form_post(f"{BASE}/sjablonen", {"title": "Mee", "body": "Mee in {bestemming}."})
    template = session.exec(select(AnswerTemplate)).one()
    page = secretary.get(f"{BASE}/sjablonen").get_data(as_text=True)
    token = re.search(rf'sjabloon-{template.id}".*?name="seen" value="([0-9a-f]+)"', page,
                      re.S).group(1)
    a = secretary.form_post(f"{BASE}/sjablonen/{template.id}/wijzigen", {
        "title": "Mee", "body": "Wordt meegenomen in {bestemming}.", "seen": token})
    assert a.status_code == 303
    b = secretary.form_post(f"{BASE}/sjablonen/{template.id}/wijzigen", {
        "title": "Meegenomen", "body": "Mee in {bestemming}.", "seen": token})
    assert b.status_code == 409
    said = _text(b.get_data(as_text=True))
    assert "Iemand anders heeft dit sjabloon intussen gewijzigd" in said
    assert "Nu opgeslagen: Mee — Wordt meegenomen in {bestemming}." in said
    assert 'value="Meegenomen"' in b.get_data(as_text=True)  # B's input kept
    session.expire_all()
    assert session.get(AnswerTemplate, template.id).body == "Wordt meegenomen in {bestemming}."
    fresh = re.search(rf'sjabloon-{template.id}".*?name="seen" value="([0-9a-f]+)"',
                      b.get_data(as_text=True), re.S).group(1)
    again = secretary.form_post(f"{BASE}/sjablonen/{template.id}/wijzigen", {
        "title": "Meegenomen", "body": "Mee in {bestemming}.", "seen": fresh})
    assert again.status_code == 303
    session.expire_all()
    saved = session.get(AnswerTemplate, template.id)
    assert (saved.title, saved.body) == ("Meegenomen", "Mee in {bestemming}.")
