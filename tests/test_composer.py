"""The composer: paste a letter, see and edit its points, log it; bad input loses nothing."""

import io
import re
from pathlib import Path

import pytest
from docx import Document
from sqlmodel import func, select

from consult import files
from consult.models import Message, Point, Reaction, Stakeholder

SLUG = "holland-rijnland-jeugdhulp-2016"
LETTER = """Gemeente Leiden
Kenmerk: 2015/123

Vanuit de gemeenteraad:

1. kind/gezin centraal
2. sturingsmogelijkheden moeten sterker
gemarkeerd ( hoe gaan we dat doen, blijven binnen budget?)
3. maak goede afspraken over opnamestops, pas op dat ze niet gebruikt worden als pressiemiddel
4. samenwerken en innoveren ( met ruimte voor experimenten en goed luisteren naar cliënten en
professionals)
"""


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def _count(session, model):
    return session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def secretary(as_role):
    return as_role("secretary")


@pytest.fixture
def leiden(session):
    return session.exec(select(Stakeholder).where(Stakeholder.name == "Leiden")).one()


def test_preview_shows_the_points_before_anything_is_saved(secretary, session):
    before = _count(session, Point)
    response = secretary.hx_post(f"/consultaties/{SLUG}/composer/voorbeeld", data={"text": LETTER})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    numbers = re.findall(r'name="point_number" value="([^"]*)"', html)
    assert [n for n in numbers if n] == ["1", "2", "3", "4"]
    assert "sturingsmogelijkheden moeten sterker gemarkeerd" in html
    assert _count(session, Point) == before



def test_preview_of_a_letter_of_more_than_999_points_shows_them_all(secretary):
    """The preview stopped at point 999: "1000." and on were read as text of point 999; a
    number repeated past 999 was not noted either."""
    letter = "\n".join(f"{n}. Punt {n} over de inkoop." for n in range(1, 1003))
    response = secretary.hx_post(f"/consultaties/{SLUG}/composer/voorbeeld",
                                 data={"text": letter + "\n1002. Nog eens punt 1002."})
    html = response.get_data(as_text=True)
    numbers = re.findall(r'name="point_number" value="([^"]*)"', html)
    assert [n for n in numbers if n] == [str(n) for n in range(1, 1003)]
    assert "Puntnummer 1002 staat meer dan eens in de tekst" in html


def test_save_logs_the_reaction_with_its_points_and_threads(secretary, session, leiden):
    data = {"stakeholder_id": leiden.id, "channel": "zienswijze", "title": "Raad Leiden",
            "received_on": "2015-12-01", "text": LETTER,
            "point_number": ["1", "2"], "point_heading": ["", "Sturing"],
            "point_text": ["kind/gezin centraal", "sturingsmogelijkheden moeten sterker"]}
    response = secretary.hx_post(f"/consultaties/{SLUG}/reacties", data=data)
    assert response.status_code == 201
    assert response.headers["HX-Trigger"] == "reaction-logged"
    assert "Gelogd: Leiden, 2 punten." in _text(response)
    reaction = session.exec(select(Reaction).where(Reaction.title == "Raad Leiden")).one()
    points = session.exec(select(Point).where(Point.reaction_id == reaction.id)
                          .order_by(Point.position)).all()
    assert [(p.number, p.heading, p.body) for p in points] == [
        ("1", None, "kind/gezin centraal"),
        ("2", "Sturing", "sturingsmogelijkheden moeten sterker"),
    ]
    assert reaction.original_text == LETTER
    assert str(reaction.received_on) == "2015-12-01"
    logged = session.exec(select(Message).where(Message.point_id == points[0].id)).one()
    assert logged.event == "logged"
    page = _text(secretary.get(f"/consultaties/{SLUG}"))
    assert "Leiden — Raad Leiden" in page


def test_saving_without_preview_splits_the_text_itself(secretary, session, leiden):
    response = secretary.hx_post(f"/consultaties/{SLUG}/reacties", data={
        "stakeholder_id": leiden.id, "channel": "zienswijze", "title": "Zonder voorbeeld",
        "text": LETTER})
    assert response.status_code == 201
    reaction = session.exec(select(Reaction).where(Reaction.title == "Zonder voorbeeld")).one()
    numbers = session.exec(select(Point.number).where(Point.reaction_id == reaction.id)
                           .order_by(Point.position)).all()
    assert numbers == ["1", "2", "3", "4"]


def test_new_stakeholder_inline(secretary, session, leiden):
    response = secretary.hx_post(f"/consultaties/{SLUG}/reacties", data={
        "new_stakeholder_name": "Fractie GroenLinks Leiden", "new_stakeholder_kind":
        "council_faction", "new_stakeholder_parent": leiden.id, "channel": "zienswijze",
        "text": "1. Meer aandacht voor preventie."})
    assert response.status_code == 201
    faction = session.exec(select(Stakeholder).where(
        Stakeholder.name == "Fractie GroenLinks Leiden")).one()
    assert (faction.kind, faction.parent_id) == ("council_faction", leiden.id)


@pytest.mark.parametrize(("name", "channel", "kind"), [
    # the trial: an advice logged as "advies" from a new board became a municipality, and
    # its letter opened "Geacht college,"
    ("Adviesraad Sociaal Domein Zandvoort", "advies", "advisory_board"),
    ("Adviesraad Sociaal Domein Urk", "zienswijze", "advisory_board"),  # by its name
    ("Seniorenraad Texel", "other", "advisory_board"),
    ("Fractie D66 Vlieland", "zienswijze", "council_faction"),
    ("Raadswerkgroep Jeugd Ameland", "zienswijze", "working_group"),
    ("College van B&W Terschelling", "other", "executive"),
    ("De gemeenteraad van Schiermonnikoog", "zienswijze", "council"),
    ("Stichting Kwadraad Almere", "advies", "advisory_board"),  # the name says nothing: the channel
    ("Gemeente Zeewolde", "ambtelijke_uitvraag", "municipality"),
    ("Zorgbureau Zuid", "zienswijze", "municipality"),
])
def test_a_new_senders_kind_follows_its_name_or_the_channel(secretary, session, name, channel,
                                                             kind):
    """The kind left at its first choice, "afleiden uit naam of kanaal"."""
    response = secretary.hx_post(f"/consultaties/{SLUG}/reacties", data={
        "new_stakeholder_name": name, "new_stakeholder_kind": "", "channel": channel,
        "text": "1. Meer aandacht voor preventie."})
    assert response.status_code == 201, response.get_data(as_text=True)[:300]
    made = session.exec(select(Stakeholder).where(Stakeholder.name == name)).one()
    assert made.kind == kind


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"channel": "zienswijze", "text": "1. Punt"}, "Kies wie deze reactie stuurde"),
        ({"channel": "zienswijze", "text": "   "}, "Er zijn geen punten om op te slaan"),
        ({"channel": "zienswijze", "text": "x",
          "point_number": ["1", "1"], "point_heading": ["", ""], "point_text": ["a", "b"]},
         "Puntnummer 1 komt twee keer voor."),
    ],
)
def test_bad_input_gets_a_message_and_nothing_is_saved(secretary, session, leiden, data, message):
    if "Kies" not in message:
        data = {**data, "stakeholder_id": leiden.id}
    before = (_count(session, Reaction), _count(session, Point), _count(session, Stakeholder))
    response = secretary.hx_post(f"/consultaties/{SLUG}/reacties", data=data)
    assert response.status_code == 422
    assert message in _text(response)
    assert (_count(session, Reaction), _count(session, Point),
            _count(session, Stakeholder)) == before


def test_a_5_mb_paste_is_refused_with_a_clear_message(secretary, session, leiden):
    huge = ("1. " + "woord " * 900_000)[: 5 * 1024 * 1024]
    before = _count(session, Reaction)
    preview = secretary.hx_post(f"/consultaties/{SLUG}/composer/voorbeeld", data={"text": huge})
    assert preview.status_code == 200
    assert "Deze tekst is te lang" in _text(preview)
    saved = secretary.hx_post(f"/consultaties/{SLUG}/reacties", data={
        "stakeholder_id": leiden.id, "channel": "other", "text": huge})
    assert saved.status_code == 422
    assert "Deze tekst is te lang" in _text(saved)
    assert _count(session, Reaction) == before


def test_upload_docx_fills_the_text_and_the_preview(secretary):
    document = Document()
    document.add_paragraph("Advies van de adviesraad")
    document.add_paragraph("1. Betrek cliënten bij het proces.")
    document.add_paragraph("2. Benut ervaringsdeskundigheid.")
    buffer = io.BytesIO()
    document.save(buffer)
    response = secretary.hx_post(
        f"/consultaties/{SLUG}/composer/voorbeeld",
        data={"file": (io.BytesIO(buffer.getvalue()), "advies.docx")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'hx-swap-oob="outerHTML:#composer-text"' in html
    assert "Betrek cliënten bij het proces." in html
    numbers = [n for n in re.findall(r'name="point_number" value="([^"]*)"', html) if n]
    assert numbers == ["1", "2"]


def test_malformed_upload_gets_a_dutch_message(secretary):
    response = secretary.hx_post(
        f"/consultaties/{SLUG}/composer/voorbeeld",
        data={"file": (io.BytesIO(b"%PDF-1.4 not really"), "brief.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert 'class="error"' in response.get_data(as_text=True)


def test_merge_split_and_renumber_in_the_preview(secretary):
    base = {"point_number": ["1", "2", "3"], "point_heading": ["", "", ""],
            "point_text": ["Eerste.", "Tweede zin. Derde zin.", "Vierde."]}
    url = f"/consultaties/{SLUG}/composer/bewerk"

    def points(response):
        html = response.get_data(as_text=True)
        return re.findall(r'name="point_number" value="([^"]*)"', html), \
            re.findall(r'<textarea name="point_text"[^>]*>([^<]*)</textarea>', html)

    numbers, texts = points(secretary.hx_post(url, data={**base, "action": "merge:1"}))
    assert numbers == ["1", "3"] and texts[0] == "Eerste.\nTweede zin. Derde zin."
    numbers, texts = points(secretary.hx_post(url, data={**base, "action": "split:1"}))
    assert texts == ["Eerste.", "Tweede zin.", "Derde zin.", "Vierde."]
    numbers, texts = points(secretary.hx_post(url, data={**base, "action": "renumber",
                                                         "renumber_from": "16"}))
    assert numbers == ["16", "17", "18"]
    numbers, texts = points(secretary.hx_post(url, data={**base, "action": "delete:0"}))
    assert numbers == ["2", "3"]


def test_composer_is_for_the_secretariat(as_role, session, leiden):
    for role in (None, "viewer", "councillor", "advisory_member"):
        actor = as_role(role)
        assert "Reactie opslaan" not in actor.get(f"/consultaties/{SLUG}").get_data(as_text=True)
        response = actor.hx_post(f"/consultaties/{SLUG}/reacties", data={
            "stakeholder_id": leiden.id, "channel": "other", "text": "1. x"})
        assert response.status_code == 403


def test_uploaded_original_is_kept_and_served_only_as_a_download(secretary, as_role, session,
                                                                  leiden, demo_app):
    from consult.models import Attachment

    body = b"1. Eerste punt uit het bestand.\n2. Tweede punt.\n"
    response = secretary.hx_post(
        f"/consultaties/{SLUG}/reacties",
        data={"stakeholder_id": leiden.id, "channel": "collegebrief", "title": "Met bijlage",
              "file": (io.BytesIO(body), "../../etc/passwd<script>.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    attachment = session.exec(select(Attachment)).one()
    assert attachment.filename == "passwdscript.txt"
    assert re.fullmatch(r"[0-9a-f]{32}", attachment.stored_name)
    assert files.of(demo_app).read("uploads", attachment.stored_name) == body
    reaction = session.exec(select(Reaction).where(Reaction.title == "Met bijlage")).one()
    page = secretary.get(f"/consultaties/{SLUG}/reacties/{reaction.id}").get_data(as_text=True)
    assert f"/bijlagen/{attachment.id}" in page
    # Originals name people: readers with an account download them, the public does not.
    assert as_role(None).get(f"/consultaties/{SLUG}/bijlagen/{attachment.id}").status_code == 404
    download = as_role("viewer").get(f"/consultaties/{SLUG}/bijlagen/{attachment.id}")
    assert download.status_code == 200 and download.data == body
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.mimetype == "text/plain"
    download.close()
    assert as_role(None).get(f"/consultaties/{SLUG}/bijlagen/999999").status_code == 404


LEIDEN_COUNCIL = """Vanuit de gemeenteraad:

1. kind/gezin centraal
2. sturingsmogelijkheden moeten sterker

gemarkeerd ( hoe gaan we dat doen, blijven
binnen budget?)

3. maak goede afspraken over opnamestops, pas op
dat ze niet gebruikt worden als pressiemiddel

4. samenwerken en innoveren ( met ruimte voor
experimenten en goed luisteren naar cliënten en
professionals)
"""


def _log_through_preview(secretary, stakeholder_id, title, text):
    """What the composer does: preview the text, then save the points as previewed."""
    html = secretary.hx_post(f"/consultaties/{SLUG}/composer/voorbeeld",
                             data={"text": text}).get_data(as_text=True)
    numbers = re.findall(r'name="point_number" value="([^"]*)"', html)
    headings = re.findall(r'name="point_heading" value="([^"]*)"', html)
    texts = [t.replace("&#39;", "'").replace("&#34;", '"').replace("&amp;", "&")
             for t in re.findall(r'<textarea name="point_text"[^>]*>([^<]*)</textarea>', html)]
    saved = secretary.hx_post(f"/consultaties/{SLUG}/reacties", data={
        "stakeholder_id": stakeholder_id, "channel": "ambtelijke_uitvraag", "title": title,
        "text": text, "point_number": numbers, "point_heading": headings, "point_text": texts})
    assert saved.status_code == 201, saved.get_data(as_text=True)


def test_the_whole_leiden_reaction_logged_from_pasted_text_matches_the_table(secretary, session):
    """Done-when of the intake issue: Leiden's three reactions, pasted, equal the transcription."""
    fixture = (Path(__file__).parent / "fixtures" / "leiden_2016.txt").read_text(encoding="utf-8")
    officials, advice = fixture.split("WMO Adviesraad \n", 1)
    names = {s.name: s.id for s in session.exec(select(Stakeholder))}
    pastes = [("Leiden", "Tweede invoer ambtelijk", officials),
              ("WMO Adviesraad Leiden", "Tweede invoer advies", advice),
              ("Gemeenteraad Leiden", "Tweede invoer raad", LEIDEN_COUNCIL)]
    for stakeholder, title, text in pastes:
        _log_through_preview(secretary, names[stakeholder], title, text)

    def points_of(title, stakeholder=None):
        query = select(Reaction).where(Reaction.title == title)
        if stakeholder:
            query = query.where(Reaction.stakeholder_id == names[stakeholder])
        reaction = session.exec(query).one()
        return [(p.number, " ".join(p.body.split())) for p in session.exec(
            select(Point).where(Point.reaction_id == reaction.id).order_by(Point.position))]

    expected = {  # the hand transcription of the same table (the demo data)
        "Tweede invoer ambtelijk": ("Leiden", "Ambtelijke uitvraag"),
        "Tweede invoer advies": ("WMO Adviesraad Leiden", "WMO Adviesraad"),
        "Tweede invoer raad": ("Gemeenteraad Leiden", "Vanuit de gemeenteraad"),
    }
    for logged, (stakeholder, original) in expected.items():
        assert points_of(logged) == points_of(original, stakeholder), logged
    assert [len(points_of(t)) for t in expected] == [10, 6, 4]
