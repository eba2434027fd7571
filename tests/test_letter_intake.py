"""A framed letter through the composer and the portal: the salutation and closing are never
saved as points, the points keep the letter's order, glyph bullets never show as boxes."""

import io
import re

import pytest
from docx import Document
from sqlmodel import select

from consult.models import Point, Reaction, Stakeholder

from .conftest import reopen

SLUG = "holland-rijnland-jeugdhulp-2016"
FRAMED = """Geacht bestuur,

Graag geven wij u ons advies over de concept-inkoopstrategie jeugdhulp.

1. Betrek cliënten als volwaardige partner bij de inkoop.
2. Zorg voor onafhankelijke cliëntondersteuning in elke gemeente.
3. Meet de tevredenheid van jongeren zelf, niet alleen die van hun ouders.

Met vriendelijke groet,

Wmo-adviesraad
J. Bakker, secretaris
"""
BODIES = [
    "Betrek cliënten als volwaardige partner bij de inkoop.",
    "Zorg voor onafhankelijke cliëntondersteuning in elke gemeente.",
    "Meet de tevredenheid van jongeren zelf, niet alleen die van hun ouders.",
]


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def _preview_form(html: str) -> dict:
    """The preview's form fields, as the browser would send them back."""

    def unescape(t: str) -> str:
        return t.replace("&#39;", "'").replace("&#34;", '"').replace("&lt;", "<") \
            .replace("&gt;", ">").replace("&amp;", "&")

    return {
        "point_number": re.findall(r'name="point_number" value="([^"]*)"', html),
        "point_heading": [unescape(h) for h in
                          re.findall(r'name="point_heading" value="([^"]*)"', html)],
        "point_text": [unescape(t) for t in
                       re.findall(r'<textarea name="point_text"[^>]*>([^<]*)</textarea>', html)],
        "preview_intro": [unescape(t) for t in
                          re.findall(r'<textarea name="preview_intro" hidden>([^<]*)</textarea>',
                                     html)],
        "preview_outro": [unescape(t) for t in
                          re.findall(r'<textarea name="preview_outro" hidden>([^<]*)</textarea>',
                                     html)],
    }


def _saved(session, reaction_id: int) -> list[tuple[str, str]]:
    return [(p.number, p.body) for p in session.exec(
        select(Point).where(Point.reaction_id == reaction_id).order_by(Point.position))]


@pytest.fixture
def member(as_role, demo_app):
    """The demo's advisory-board member, in the round reopened (boards draft only then)."""
    reopen(demo_app)
    return as_role("advisory_member")


@pytest.fixture
def secretary(as_role):
    return as_role("secretary")


def test_board_advice_in_a_letter_frame_is_saved_as_its_points_in_order(member, session,
                                                                         secretary):
    """The report: 'Geacht bestuur,' became point 4, listed first; the closing point 5."""
    response = member.form_post(f"/portaal/{SLUG}/concept", {"title": "Advies in briefvorm",
                                                             "text": FRAMED})
    assert response.status_code == 303, response.get_data(as_text=True)
    draft = session.exec(select(Reaction).where(Reaction.title == "Advies in briefvorm")).one()
    assert member.form_post(f"/portaal/concepten/{draft.id}", {
        "version": draft.version, "title": draft.title, "text": FRAMED, "submit": "1",
    }).status_code == 303
    assert _saved(session, draft.id) == list(zip(["1", "2", "3"], BODIES, strict=True))
    page = _text(secretary.get(f"/consultaties/{SLUG}/reacties/{draft.id}"))
    assert "0 van 3 punten beantwoord" in page
    points = _text(secretary.get(f"/consultaties/{SLUG}/reacties/{draft.id}/punten"))
    assert points.index("Betrek cliënten") < points.index("Zorg voor") < points.index("Meet de")
    assert "Geacht bestuur" not in points and "Met vriendelijke groet" not in points
    session.refresh(draft)
    assert draft.original_text == FRAMED  # the frame is kept with the letter


def test_the_preview_sets_the_frame_apart_and_the_board_can_keep_it_as_a_point(member):
    html = member.hx_post(f"/portaal/{SLUG}/voorbeeld", data={"text": FRAMED}) \
        .get_data(as_text=True)
    form = _preview_form(html)
    assert form["point_number"] == ["1", "2", "3"]
    assert form["point_text"] == BODIES
    assert form["preview_intro"] == [
        "Geacht bestuur,\nGraag geven wij u ons advies over de concept-inkoopstrategie jeugdhulp."
    ]
    assert form["preview_outro"] == [
        "Met vriendelijke groet,\nWmo-adviesraad J. Bakker, secretaris"
    ]
    assert "Aanhef en inleiding — geen punt" in html
    assert "Afsluiting en ondertekening — geen punt" in html
    kept = member.hx_post(f"/portaal/{SLUG}/voorbeeld/bewerk",
                          data={**form, "action": "keep:intro"}).get_data(as_text=True)
    after = _preview_form(kept)
    assert after["point_number"] == ["", "1", "2", "3"]
    assert after["point_text"][0].startswith("Geacht bestuur,")
    assert after["preview_intro"] == [] and after["preview_outro"] == form["preview_outro"]


def test_composer_saves_a_framed_letter_without_its_frame(secretary, session):
    leiden = session.exec(select(Stakeholder).where(Stakeholder.name == "Leiden")).one()
    letter = "Ons kenmerk: 2023/12\nBetreft: reactie\n\nGeachte heer Jansen, geacht college,\n" \
        + FRAMED.split("\n\n", 2)[2]
    preview = secretary.hx_post(f"/consultaties/{SLUG}/composer/voorbeeld", data={"text": letter})
    form = _preview_form(preview.get_data(as_text=True))
    assert form["point_number"] == ["1", "2", "3"]
    assert "Geachte heer Jansen, geacht college," in form["preview_intro"][0]
    for data, title in (({"text": letter}, "Zonder voorbeeld"),
                        ({"text": letter, **form}, "Met voorbeeld")):
        response = secretary.hx_post(f"/consultaties/{SLUG}/reacties", data={
            "stakeholder_id": leiden.id, "channel": "collegebrief", "title": title, **data})
        assert response.status_code == 201, response.get_data(as_text=True)
        assert "3 punten" in _text(response)
        reaction = session.exec(select(Reaction).where(Reaction.title == title)).one()
        assert _saved(session, reaction.id) == list(zip(["1", "2", "3"], BODIES, strict=True))


def test_unnumbered_points_are_numbered_in_the_letters_order(secretary, session):
    """A section without number before the numbered points comes first and is numbered so."""
    leiden = session.exec(select(Stakeholder).where(Stakeholder.name == "Leiden")).one()
    response = secretary.hx_post(f"/consultaties/{SLUG}/reacties", data={
        "stakeholder_id": leiden.id, "channel": "collegebrief", "title": "Volgorde",
        "text": "x", "point_number": ["", "1", "", "2", ""],
        "point_heading": ["Algemeen", "", "", "", ""],
        "point_text": ["Algemene opmerking.", "Eerste.", "Tussendoor.", "Tweede.", "Slot."]})
    assert response.status_code == 201, response.get_data(as_text=True)
    reaction = session.exec(select(Reaction).where(Reaction.title == "Volgorde")).one()
    assert [n for n, _ in _saved(session, reaction.id)] == ["0", "1", "1a", "2", "3"]
    answered = secretary.hx_post(
        f"/consultaties/{SLUG}/reacties/{reaction.id}/antwoorden",
        data={"selection": "1 t/m 2", "body": "Komt in het inkoopplan.", "status": "adopted"})
    assert answered.status_code == 200
    page = _text(secretary.get(f"/consultaties/{SLUG}/reacties/{reaction.id}"))
    assert "3 van 5 punten beantwoord" in page  # 1, 1a and 2: the range takes what lies between


def test_glyph_bullets_from_a_word_file_show_as_bullets(secretary):
    document = Document()
    document.add_paragraph("1. De adviesraad vraagt aandacht voor:")
    document.add_paragraph("\uf0b7\tde wachttijden;")
    document.add_paragraph("\uf0a7\tde bereikbaarheid.")
    document.add_paragraph("2. Tweede punt.")
    buffer = io.BytesIO()
    document.save(buffer)
    response = secretary.hx_post(
        f"/consultaties/{SLUG}/composer/voorbeeld",
        data={"file": (io.BytesIO(buffer.getvalue()), "advies.docx")},
        content_type="multipart/form-data",
    )
    form = _preview_form(response.get_data(as_text=True))
    assert form["point_number"] == ["1", "2"]
    assert form["point_text"][0] == (
        "De adviesraad vraagt aandacht voor:\n• de wachttijden;\n▪ de bereikbaarheid."
    )
    # nor in the letter's text put back into the composer
    assert not re.search("[\ue000-\uf8ff]", response.get_data(as_text=True))


def test_the_saved_letter_shows_glyph_bullets_as_bullets(secretary, session):
    leiden = session.exec(select(Stakeholder).where(Stakeholder.name == "Leiden")).one()
    letter = "Geacht college,\n1. Wij vragen aandacht voor:\n\uf0b7 de wachttijden;\n2. Slot.\n"
    response = secretary.hx_post(f"/consultaties/{SLUG}/reacties", data={
        "stakeholder_id": leiden.id, "channel": "collegebrief", "title": "Met glyphs",
        "text": letter})
    assert response.status_code == 201
    reaction = session.exec(select(Reaction).where(Reaction.title == "Met glyphs")).one()
    assert reaction.original_text == letter  # kept as received
    page = secretary.get(f"/consultaties/{SLUG}/reacties/{reaction.id}").get_data(as_text=True)
    assert "• de wachttijden;" in page
    assert not re.search("[\ue000-\uf8ff]", page)
