"""Answer letters: one stakeholder's points of a consultation, each followed by our answer and
where it went, between the consultation's own opening and closing.

The letter goes out under the organiser's name, so its opening and closing are what the
consultation's secretaries stored (audited like every change), never text from a request.
"""

import io

from flask_babel import gettext as _
from pydantic import ValidationError
from sqlmodel import Session

from . import audit, followup, richtext
from .cleantext import clean_text
from .exports.word import A4
from .models import Consultation, LetterTextsUpdate, Stakeholder, User

DEFAULT_OPENING = (
    "Hartelijk dank voor uw reactie op {document}. Hieronder leest u per punt hoe wij uw "
    "reactie hebben verwerkt en waar het punt terecht is gekomen."
)
DEFAULT_CLOSING = "Met vriendelijke groet,\n\n{organiser}"
MAX_TEXT = 5_000  # characters, each of opening and closing
PLACEHOLDERS = ("document", "organiser", "stakeholder")


class LetterError(ValueError):
    """Texts that cannot be stored; the message says why, in the user's language."""


def texts(consultation: Consultation) -> tuple[str, str]:
    """The (opening, closing) of the consultation's letters: what its secretaries stored, or
    the defaults where they stored nothing."""
    return (consultation.letter_opening.strip() or DEFAULT_OPENING,
            consultation.letter_closing.strip() or DEFAULT_CLOSING)


def save_texts(session: Session, actor: User | None, consultation: Consultation,
               opening: str, closing: str) -> None:
    """Store the opening and closing (at most MAX_TEXT characters each; blank = the default,
    and so is the default itself); audited. Raises LetterError. Flushes only."""
    try:
        checked = LetterTextsUpdate(letter_opening=opening.strip(), letter_closing=closing.strip())
    except ValidationError as exc:
        raise LetterError(
            _("The opening and the closing may each be at most %(n)s characters.", n=MAX_TEXT)
        ) from exc
    new_opening = "" if checked.letter_opening == DEFAULT_OPENING else checked.letter_opening
    new_closing = "" if checked.letter_closing == DEFAULT_CLOSING else checked.letter_closing
    if (new_opening, new_closing) == (consultation.letter_opening, consultation.letter_closing):
        return
    before = audit.snapshot(consultation)
    consultation.letter_opening, consultation.letter_closing = new_opening, new_closing
    session.add(consultation)
    session.flush()
    audit.record(session, actor, "change", consultation, before)


def senders(session: Session, consultation: Consultation) -> list[Stakeholder]:
    """Everyone who sent points in the consultation (the letters there are to write), by name."""
    found = {p.sender.id: p.sender for p in followup.consultation_points(session, consultation)}
    return sorted(found.values(), key=lambda s: s.name.lower())


def answer_letter(session: Session, consultation: Consultation, stakeholder: Stakeholder,
                  whole: bool = True) -> bytes:
    """The letter (.docx bytes) to ``stakeholder`` about its points in ``consultation`` (with
    those of everything under it when ``whole``), with the stored opening and closing."""
    report = followup.stakeholder_report(session, stakeholder,
                                         lambda c: c.id == consultation.id, whole)
    return render(report, consultation)


def render(report: followup.StakeholderReport, consultation: Consultation) -> bytes:
    """The letter for a report already read (its points of ``consultation`` only): the
    stakeholder's points in their own order, each followed by our answers and where they
    went. All text goes in as plain runs (no fields, no links) and cleaned (see cleantext)."""
    from docx import Document
    from docx.shared import Pt

    from .labels import label

    points = [p for p in report.points if p.consultation.id == consultation.id]
    values = {
        "document": consultation.document or consultation.title,
        "organiser": consultation.organiser or consultation.decided_by,
        "stakeholder": report.stakeholder.name,
    }
    opening, closing = texts(consultation)
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = A4  # python-docx's template is US Letter
    document.styles["Normal"].font.size = Pt(10.5)
    document.add_paragraph(clean_text(report.stakeholder.name))
    document.add_heading(clean_text(f"Reactie op uw inbreng: {consultation.title}"), level=1)
    for paragraph in _fill(opening, values).split("\n\n"):
        document.add_paragraph(paragraph)
    current = None
    for p in points:
        if p.point.heading and p.point.heading != current:
            current = p.point.heading
            document.add_heading(clean_text(current), level=2)
        said = document.add_paragraph()
        said.add_run(clean_text(f"{p.point.number}. ")).bold = True
        if p.sender.id != report.stakeholder.id:
            said.add_run(clean_text(f"({p.sender.name}) ")).italic = True
        said.add_run(clean_text(p.point.body.strip())).italic = True
        if not p.answers:
            document.add_paragraph("Op dit punt hebben wij nog niet geantwoord.")
        for a in p.answers:
            for runs in richtext.runs(a.response.body_html, a.response.body) or [[("", "")]]:
                paragraph = document.add_paragraph()
                for text, style in runs:
                    run = paragraph.add_run(text)
                    if style:
                        setattr(run, "bold" if style == "b" else "italic", True)
            where = "; ".join(a.destinations)
            status = label(a.response.status)
            document.add_paragraph(clean_text(
                f"Status: {status}." + (f" Verwerkt in: {where}." if where else "")
            )).runs[0].italic = True
    for paragraph in _fill(closing, values).split("\n\n"):
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _fill(template: str, values: dict) -> str:
    """{document}, {organiser} and {stakeholder} filled in; other braces left as typed."""
    for key, value in values.items():
        template = template.replace("{" + key + "}", value or "")
    return clean_text(template)
