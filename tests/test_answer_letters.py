"""The answer letter as it goes out (issue 16): a Dutch letter's head (addressee, date, our
reference, their letter, salutation), each answer printed once beside its group of points,
answers to a reaction as a whole included; the letters page warns about unanswered points."""

import io
import re
from datetime import date

from docx import Document
from sqlmodel import select

from consult import letters
from consult.consultations import get_consultation
from consult.db import get_session
from consult.models import Point, Reaction, Stakeholder
from consult.processing import answer

from .conftest import Actor
from .test_export_layout import BOARD, NATURAL, SLUG, plant

TODAY = date(2026, 11, 30)


def _letter(app, stakeholder_id: int, whole: bool = False) -> list[str]:
    with app.test_request_context("/"):
        session = get_session()
        data = letters.answer_letter(session, get_consultation(session, SLUG),
                                     session.get(Stakeholder, stakeholder_id), whole=whole,
                                     today=TODAY)
    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


def _id(app, name: str) -> int:
    with app.app_context():
        return get_session().exec(select(Stakeholder.id).where(Stakeholder.name == name)).one()


def test_the_letter_has_date_reference_addressee_salutation_and_their_letter(demo_app):
    ids = plant(demo_app, received_on=date(2016, 3, 3))
    paragraphs = _letter(demo_app, ids["board"])
    head = paragraphs[:paragraphs.index("Geachte leden van de adviesraad,")]
    assert head[:2] == ["Holland Rijnland, TWO Jeugdhulp", BOARD]  # sender, addressee
    assert "Datum: 30 november 2026" in head
    assert f"Ons kenmerk: {SLUG}/adviesraad-volgorde" in head
    assert "Uw brief van: 3 maart 2016" in head
    # The salutation comes once, before the opening.
    assert paragraphs.count("Geachte leden van de adviesraad,") == 1
    assert paragraphs[len(head) + 1].startswith("Hartelijk dank voor uw reactie")


def test_salutations_by_kind_and_a_letter_without_a_date_received(demo_app):
    """The demo's reactions have no date received: the letter says so, not "van None"."""
    for name, salutation in [("Leiden", "Geacht college,"),
                             ("Gemeenteraad Teylingen", "Geachte leden van de raad,"),
                             ("WMO Adviesraad Leiden", "Geachte leden van de adviesraad,")]:
        paragraphs = _letter(demo_app, _id(demo_app, name))
        assert salutation in paragraphs, name
        assert any(p.startswith("Uw brief: “") and p.endswith(
            "” (datum van ontvangst niet vastgelegd)") for p in paragraphs), name
        assert not any("None" in p for p in paragraphs)


def test_a_stored_salutation_is_not_doubled(demo_app):
    secretary = Actor(demo_app.test_client(), "secretary")
    assert secretary.form_post(f"/consultaties/{SLUG}/antwoordbrieven", {
        "opening": "Geachte {stakeholder},\n\nDank u wel.", "closing": "Groet"}).status_code == 303
    paragraphs = _letter(demo_app, _id(demo_app, "WMO Adviesraad Leiden"))
    assert "Geachte WMO Adviesraad Leiden," in paragraphs
    assert not any(p.startswith("Geachte leden") for p in paragraphs)


def test_an_answer_to_several_points_stands_once_beside_its_group(demo_app):
    """Leiden's points 1 to 7 have one answer: printed once, after point 7, under "Punten
    1-7" (the old letter printed it seven times)."""
    paragraphs = _letter(demo_app, _id(demo_app, "Leiden"))
    answer_text = next(p for p in paragraphs if p.startswith("De punten 1 t/m 7"))
    assert paragraphs.count(answer_text) == 1
    at = paragraphs.index("Punten 1-7")
    assert paragraphs[at - 1].startswith("7. ") and paragraphs[at + 1] == answer_text
    assert [p.split(".")[0] for p in paragraphs[at - 7:at]] == [str(n) for n in range(1, 8)]


def test_a_shared_answer_further_on_is_referred_to_not_repeated(demo_app):
    ids = plant(demo_app)
    with demo_app.app_context():
        session = get_session()
        points = {p.number: p for p in session.exec(
            select(Point).where(Point.reaction_id == ids["reaction"]))}
        answer(session, None, get_consultation(session, SLUG), [points["2"], points["10"]], [],
               "Punt 2 en punt 10 gaan samen naar het inkoopplan.", "adopted")
        session.commit()
    paragraphs = _letter(demo_app, ids["board"])
    assert [m[1] for p in paragraphs if (m := re.match(r"^(\S+)\. Tekst van punt", p))] == NATURAL
    assert paragraphs.count("Deze punten zijn meegenomen.") == 1  # points 1, 1.2 and 1.10
    assert "Punten 1-1.10" in paragraphs
    assert paragraphs.count("Punt 2 en punt 10 gaan samen naar het inkoopplan.") == 1
    after_ten = paragraphs[paragraphs.index("10. Tekst van punt 10") + 1]
    assert after_ten == "Zie ons antwoord bij punt 2."
    # Points 2a and 9 have no answer: the letter says so for them.
    assert "Op dit punt hebben wij nog niet geantwoord." in paragraphs


def test_an_answer_to_the_reaction_as_a_whole_is_in_the_letter(demo_app):
    """Duin- en Bollenstreek's official reaction has no points, only "Geen opmerkingen." as
    an answer to the whole reaction: it gets a letter, and the letter has that answer; so
    does a reaction with points that also got an answer as a whole."""
    dnb = _id(demo_app, "Duin- en Bollenstreek")
    page = Actor(demo_app.test_client(), "secretary").get(
        f"/consultaties/{SLUG}/antwoordbrieven").get_data(as_text=True)
    assert f"/antwoordbrieven/{dnb}.docx" in page
    paragraphs = _letter(demo_app, dnb)
    at = paragraphs.index("Uw reactie als geheel")
    assert paragraphs[at + 1] == "Geen opmerkingen."
    ids = plant(demo_app)
    with demo_app.app_context():
        session = get_session()
        reaction = session.get(Reaction, ids["reaction"])
        answer(session, None, get_consultation(session, SLUG), [], [],
               "Dank voor het heldere advies als geheel.", "adopted", reaction_id=reaction.id)
        session.commit()
    paragraphs = _letter(demo_app, ids["board"])
    at = paragraphs.index("Uw reactie als geheel")
    assert paragraphs[at + 1] == "Dank voor het heldere advies als geheel."
    assert at > paragraphs.index("10. Tekst van punt 10")


def test_the_letters_page_counts_the_unanswered_points_and_links_to_them(demo_app):
    secretary = Actor(demo_app.test_client(), "secretary")
    page = f"/consultaties/{SLUG}/antwoordbrieven"
    with demo_app.app_context():
        session = get_session()
        before = sum(letters.open_points(session, get_consultation(session, SLUG)).values())
    ids = plant(demo_app)  # 7 points, 3 answered
    html = secretary.get(page).get_data(as_text=True)
    total = before + 4
    assert f"{total} punten hebben nog geen antwoord" in html
    assert f'href="/consultaties/{SLUG}/tabel?status=open"' in html
    assert "4 punten niet beantwoord" in html
    assert f"/antwoordbrieven/{ids['board']}.docx" in html  # still there to download
    listed = secretary.get(f"/consultaties/{SLUG}/tabel?status=open").get_data(as_text=True)
    assert "Tekst van punt 2a" in listed and "Tekst van punt 1.2" not in listed
