"""E-mail and other letter files in the composer: the parts to choose from, the sender, date
and subject filled in, the originals kept; and the kinds told apart by content."""

import io
import re
from pathlib import Path

import pytest
from sqlmodel import select

from consult.extract import ExtractError, extract_text, read_letter
from consult.extract.kinds import kind
from consult.models import Attachment, Point, Reaction

from . import hostile_uploads as hostile

SLUG = "holland-rijnland-jeugdhulp-2016"
UPLOADS = Path(__file__).parent / "fixtures" / "realworld" / "uploads"
WITH_ATTACHMENT = UPLOADS / "reactie_met_bijlage_duin_bollenstreek.eml"


@pytest.fixture
def secretary(as_role):
    return as_role("secretary")


def _preview(secretary, path: Path, **form):
    return secretary.hx_post(
        f"/consultaties/{SLUG}/composer/voorbeeld",
        data={"file": (io.BytesIO(path.read_bytes()), path.name), **form},
        content_type="multipart/form-data",
    ).get_data(as_text=True)


def _numbers(html: str) -> list[str]:
    return [n for n in re.findall(r'name="point_number" value="([^"]*)"', html) if n]


def test_an_email_offers_its_body_and_its_attached_letter(secretary):
    html = _preview(secretary, WITH_ATTACHMENT)
    assert "E-mail van Secretariaat Duin- en Bollenstreek" in html
    assert 'value="1" checked' in html and 'value="body"' in html
    assert "het bijgevoegde bestand Gezamenlijke reactie D&amp;B.docx" in html
    assert _numbers(html)[-7:] == ["16", "17", "18", "19", "20", "21", "22"]
    assert 'id="composer-received" value="2015-11-30" hx-swap-oob="true"' in html
    assert 'value="Gezamenlijke reactie Duin- en Bollenstreek" hx-swap-oob="true"' in html


def test_choosing_the_body_reads_the_mail_text(secretary):
    html = _preview(secretary, WITH_ATTACHMENT, part="body")
    assert 'value="body" checked' in html
    assert "Bijgaand onze gezamenlijke reactie." in html
    assert _numbers(html) == []


def test_the_sender_chooses_the_stakeholder_when_exactly_one_matches(secretary, session):
    html = _preview(secretary, UPLOADS / "collegebrief_teylingen.eml")
    selected = re.findall(r'<option value="(\d+)" selected>([^<]+)</option>', html)
    assert [name for _id, name in selected] == ["Teylingen"]
    assert 'id="composer-received" value="2015-12-02"' in html  # 23:40 UTC is 2 December here


def test_saving_an_email_keeps_the_message_and_the_letter_used(secretary, session):
    from consult.models import Stakeholder

    dnb = session.exec(select(Stakeholder).where(Stakeholder.name == "Duin- en Bollenstreek")).one()
    data = WITH_ATTACHMENT.read_bytes()
    response = secretary.hx_post(
        f"/consultaties/{SLUG}/reacties",
        data={"stakeholder_id": dnb.id, "channel": "gezamenlijke_reactie",
              "title": "Gezamenlijke reactie", "received_on": "2015-11-30",
              "file": (io.BytesIO(data), WITH_ATTACHMENT.name), "part": "1"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    reaction = session.exec(select(Reaction).where(Reaction.title == "Gezamenlijke reactie")).one()
    points = session.exec(select(Point).where(Point.reaction_id == reaction.id)).all()
    # the letter's own numbers 1-22 (16-18 and 19-22 set in Word), the intro and closing after
    assert {str(n) for n in range(1, 23)} <= {p.number for p in points}
    kept = session.exec(select(Attachment).where(Attachment.reaction_id == reaction.id)
                        .order_by(Attachment.id)).all()
    assert [(a.filename, a.content_type) for a in kept] == [
        (WITH_ATTACHMENT.name, "message/rfc822"),
        ("Gezamenlijke reactie D&B.docx",
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ]


def test_a_hostile_attachment_gets_a_message_and_the_parts_stay():
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@b.nl", "c@d.nl", "Reactie"
    message["Date"] = "Mon, 30 Nov 2015 10:00:00 +0100"
    message.set_content("Zie bijlage.")
    message.add_attachment(hostile.docx_many_paragraphs(), maintype="application",
                           subtype="octet-stream", filename="brief.docx")
    letter = read_letter("bom.eml", bytes(message))
    assert letter.error.startswith("Dit bestand is te ingewikkeld om te lezen")
    assert [p.name or p.key for p in letter.parts] == ["body", "brief.docx"]


def test_images_and_signatures_in_a_mail_are_not_offered():
    letter = read_letter("x.eml", (UPLOADS / "doorgestuurd_motie_hillegom.eml").read_bytes())
    assert [p.name or p.key for p in letter.parts] == ["body", "motie 17-09-2015.pdf"]


# --- telling kinds apart ---------------------------------------------------------------------


def test_a_pasted_forward_in_dutch_is_text_not_an_email():
    text = "Van: Griffie\nVerzonden: maandag\nAan: secretariaat\nOnderwerp: reactie\n\n1. Punt\n"
    assert kind(text.encode()) == "text"
    assert extract_text("brief.txt", text.encode()) == text


def test_a_saved_message_is_an_email_whatever_its_name():
    data = (UPLOADS / "collegebrief_teylingen.eml").read_bytes()
    assert kind(data) == "eml"
    assert "19. De gemeente wil" in extract_text("brief.txt", data)


@pytest.mark.parametrize("name", ["brief", "brief.txt", "brief.rtf", "brief.eml"])
def test_an_odt_by_another_name_is_read_by_its_content(name):
    data = (UPLOADS / "joint_letter_duin_bollenstreek.odt").read_bytes()
    assert "19. De gemeente wil" in extract_text(name, data)


@pytest.mark.parametrize(("name", "message"), [
    ("brief.odt", "geen leesbaar OpenDocument-tekstbestand"),
    ("brief.msg", "Dit e-mailbericht kon niet worden gelezen."),
    ("brief.docx", "geen leesbaar Word-bestand"),
])
def test_a_name_the_content_contradicts_is_an_error(name, message):
    data = (UPLOADS / "leiden_2016.rtf").read_bytes()
    with pytest.raises(ExtractError, match=message):
        extract_text(name, data)


def test_an_odt_that_unpacks_too_large():
    """A zip bomb in OpenDocument clothes: refused before unpacking."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", b"<a>" + b" " * (100 * 1024 * 1024) + b"</a>")
    assert len(buffer.getvalue()) < 200_000
    with pytest.raises(ExtractError, match="uitgepakt te groot"):
        extract_text("bom.odt", buffer.getvalue())


@pytest.mark.parametrize(("start", "first"), [
    ("3", "3."), ("²", "1."), ("①", "1."), ("9" * 5000, "1."), ("x", "1."), (" 4 ", "4."),
    ("123456789012", "1."),
])
def test_a_junk_list_start_in_an_html_mail_numbers_from_one_and_loses_no_letter(start, first):
    """An HTML mail's <ol start> is read tolerantly: "²" and "①" are digits to str.isdigit
    but not to int(), and 5,000 digits pass Python's int() limit; the whole mail was refused
    ("kon niet worden gelezen") for one attribute."""
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@b.nl", "c@d.nl", "Reactie"
    message.set_content(f'<html><body><p>Reactie</p><ol start="{start}"><li>Eerste punt over '
                        "de inkoop.</li><li>Tweede punt.</li></ol></body></html>", subtype="html")
    text = extract_text("reactie.eml", bytes(message))
    assert f"{first} Eerste punt over de inkoop." in text


@pytest.mark.parametrize(("kind", "start", "first"), [
    ("a", "99999", "99999."), ("A", "2", "B."), ("i", "99999", "99999."), ("I", "4", "IV."),
    ("a", "780", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz."),
])
def test_a_letter_numbered_list_starting_far_out_stays_a_readable_letter(kind, start, first):
    """Letters and Roman numerals past what they can write (a..zz.. up to 780, i..mmmcmxcix)
    are written as decimals: a list in letters starting at 99,999 made 3,847 characters a
    point and a 35 KB mail was refused as too long (found by a reviewer)."""
    from email.message import EmailMessage

    from consult import composer

    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@b.nl", "c@d.nl", "Reactie"
    message.set_content(f'<html><body><p>Reactie</p><ol type="{kind}" start="{start}">'
                        + "<li>Een punt over de inkoop.</li>" * 300 + "</ol></body></html>",
                        subtype="html")
    text = extract_text("reactie.eml", bytes(message))
    assert f"{first} Een punt over de inkoop." in text
    assert len(text) < 40_000 and not composer.check_length(text)
