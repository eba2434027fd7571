"""Answer letters: one stakeholder's points of a consultation, each followed by our answer and
where it went, between the consultation's own opening and closing.

The letter goes out under the organiser's name, so its opening and closing are what the
consultation's secretaries stored (audited like every change), never text from a request.
"""

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from pydantic import ValidationError
from sqlmodel import Session, select

from . import audit, followup, letterforms, richtext
from .cleantext import clean_text
from .documents.operations import told
from .exports.word import A4
from .models import Consultation, LetterTextsUpdate, Reaction, Stakeholder, User
from .reports import natural_order

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
    audit.change(session, actor, "change", consultation, letter_opening=new_opening,
                 letter_closing=new_closing)


def senders(session: Session, consultation: Consultation) -> list[Stakeholder]:
    """Everyone who sent points in the consultation, and everyone whose reaction without
    points was answered as a whole (the letters there are to write), by name."""
    return overview(session, consultation)[0]


def open_points(session: Session, consultation: Consultation) -> dict[int, int]:
    """The unanswered points of the consultation per sender (stakeholder id -> count; senders
    with none left out): what a letter would still call unanswered."""
    return overview(session, consultation)[1]


def overview(session: Session, consultation: Consultation
             ) -> tuple[list[Stakeholder], dict[int, int]]:
    """(senders, open points per sender id), from one read of the consultation's points."""
    points = followup.consultation_points(session, consultation)
    found = {p.sender.id: p.sender for p in points}
    counts: dict[int, int] = {}
    for p in points:
        if not p.answers:
            counts[p.sender.id] = counts.get(p.sender.id, 0) + 1
    answered = {a.response.reaction_id for answers in _whole_answers(session, consultation)
                .values() for a in answers}
    if answered:
        for stakeholder in session.exec(
            select(Stakeholder).join(Reaction, Reaction.stakeholder_id == Stakeholder.id)
            .where(Reaction.id.in_(sorted(answered)))
        ):
            found.setdefault(stakeholder.id, stakeholder)
    return sorted(found.values(), key=lambda s: s.name.lower()), counts


def answer_letter(session: Session, consultation: Consultation, stakeholder: Stakeholder,
                  whole: bool = True, today: date | None = None) -> bytes:
    """The letter (.docx bytes) to ``stakeholder`` about its points in ``consultation`` (with
    those of everything under it when ``whole``), with the stored opening and closing, dated
    ``today`` (default: today in the Netherlands)."""
    report = followup.stakeholder_report(session, stakeholder,
                                         lambda c: c.id == consultation.id, whole)
    reactions = _reactions(session, consultation, report)
    return render(report, consultation, reactions, _whole_answers(session, consultation),
                  today or datetime.now(ZoneInfo("Europe/Amsterdam")).date())


def _reactions(session: Session, consultation: Consultation,
               report: followup.StakeholderReport) -> list[Reaction]:
    """The reactions the letter answers, in table order: those of its points, and those the
    stakeholder (or a member) sent without points of their own (answered as a whole)."""
    members = [m.id for m in report.members]
    found = session.exec(select(Reaction).where(
        Reaction.consultation_id == consultation.id, Reaction.archived == False,  # noqa: E712
        Reaction.status == "submitted",
        Reaction.stakeholder_id.in_(members) | Reaction.id.in_(
            sorted({p.reaction.id for p in report.points})),
    )).all()
    return sorted(found, key=lambda r: (r.position, r.id))


def _whole_answers(session: Session, consultation: Consultation) -> dict[int, list]:
    from .reports import _reaction_answers

    return _reaction_answers(session, consultation)


@dataclass
class Part:
    """Consecutive points of one reaction that share their answers, with the answers first
    printed here (``answers``) and the points where the others were printed (``see``)."""

    points: list[followup.FollowedPoint]
    answers: list = field(default_factory=list)  # consultations.Answer
    see: list[str] = field(default_factory=list)  # "punten 1-3", where an answer stands


def parts(points: list[followup.FollowedPoint]) -> list[Part]:
    """The points (one reaction's, in order) as parts: consecutive points with the same,
    non-empty answers together; each answer printed once, at the first part it covers (a
    later part refers to it)."""
    out: list[Part] = []
    printed: dict[int, str] = {}  # response id -> the part's label where it stands
    for p in points:
        key = [a.response.id for a in p.answers]
        last = out[-1] if out else None
        if last and key and [a.response.id for a in last.points[-1].answers] == key:
            last.points.append(p)
            continue
        out.append(Part([p]))
    for part in out:
        label = points_label(part.points).lower()
        for answer in part.points[0].answers:
            if answer.response.id in printed:
                if printed[answer.response.id] not in part.see:
                    part.see.append(printed[answer.response.id])
            else:
                printed[answer.response.id] = label
                part.answers.append(answer)
    return out


def points_label(points: list[followup.FollowedPoint]) -> str:
    """ "Punt 4", "Punten 1 en 2", "Punten 1-3" (first to last, as they stand in the letter)."""
    numbers = [p.point.number for p in points]
    if len(numbers) == 1:
        return f"Punt {numbers[0]}"
    if len(numbers) == 2:
        return f"Punten {numbers[0]} en {numbers[1]}"
    return f"Punten {numbers[0]}-{numbers[-1]}"


def long_date(day: date) -> str:
    """A date as a Dutch letter writes it: "3 maart 2016" (Babel)."""
    from babel.dates import format_date

    return format_date(day, format="long", locale="nl")


def reference(consultation: Consultation, stakeholder: Stakeholder) -> str:
    """Our reference ("Ons kenmerk"): the consultation's and the addressee's slugs, the same
    for every copy of this letter and different for every other."""
    return f"{consultation.slug}/{stakeholder.slug}"


def your_letter(reactions: list[Reaction]) -> str:
    """The "Uw brief" line: the dates the reactions were received; where no date was
    recorded, the reaction's title and that the date is not known (never a made-up date)."""
    days = sorted({r.received_on for r in reactions if r.received_on})
    if not days:
        titles = "; ".join(f"“{r.title}”" for r in reactions) or "uw reactie"
        return f"Uw brief: {titles} (datum van ontvangst niet vastgelegd)"
    written = [long_date(d) for d in days]
    if len(written) == 1:
        line = f"Uw brief van: {written[0]}"
    else:
        line = f"Uw brieven van: {', '.join(written[:-1])} en {written[-1]}"
    if len(days) < len(reactions):
        line += " (en een reactie zonder vastgelegde datum)"
    return line


SALUTATIONS = {
    "municipality": "Geacht college,",
    "executive": "Geacht college,",
    "council": "Geachte leden van de raad,",
    "council_faction": "Geachte fractieleden,",
    "advisory_board": "Geachte leden van de adviesraad,",
    "working_group": "Geachte leden van de werkgroep,",
    "joint_group": "Geachte bestuurders,",
}
SALUTATION = "Geachte heer, mevrouw,"


def salutation(stakeholder: Stakeholder) -> str:
    """How the letter addresses the stakeholder, by its kind (a college, a council, a board)."""
    return SALUTATIONS.get(stakeholder.kind, SALUTATION)


def render(report: followup.StakeholderReport, consultation: Consultation,
           reactions: list[Reaction] | None = None, whole: dict[int, list] | None = None,
           today: date | None = None) -> bytes:
    """The letter for a report already read (its points of ``consultation`` only): the head
    (addressee, date, our reference, their letter, subject, salutation), the opening, then per
    reaction its points in natural order with each answer once beside its group of points
    and the answers to the reaction as a whole, and the closing. All text goes in as plain
    runs (no fields, no links) and cleaned (see cleantext)."""
    from docx import Document
    from docx.shared import Pt

    points = natural_order([p for p in report.points if p.consultation.id == consultation.id])
    reactions = reactions if reactions is not None else list(
        {p.reaction.id: p.reaction for p in points}.values())
    whole = whole or {}
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
    _head(document, consultation, report.stakeholder, reactions, today or date.today())
    opening_paragraphs = _fill(opening, values).split("\n\n")
    if not letterforms.salutation(opening_paragraphs[0].split("\n")[0].strip()):
        document.add_paragraph(salutation(report.stakeholder))
    for paragraph in opening_paragraphs:
        document.add_paragraph(paragraph)
    for reaction in reactions:
        mine = [p for p in points if p.reaction.id == reaction.id]
        if len(reactions) > 1 and (mine or whole.get(reaction.id)):
            document.add_heading(clean_text(reaction.title), level=2)
        _points(document, report.stakeholder, mine)
        for answer in whole.get(reaction.id, []):
            _label(document, "Uw reactie als geheel")
            _answer(document, answer)
    for paragraph in _fill(closing, values).split("\n\n"):
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _head(document, consultation: Consultation, stakeholder: Stakeholder,
          reactions: list[Reaction], today: date) -> None:
    """Addressee, date, references and subject, as a Dutch letter starts."""
    if consultation.organiser:
        document.add_paragraph(clean_text(consultation.organiser))
    document.add_paragraph(clean_text(stakeholder.name))
    document.add_paragraph(f"Datum: {long_date(today)}")
    document.add_paragraph(clean_text(f"Ons kenmerk: {reference(consultation, stakeholder)}"))
    document.add_paragraph(clean_text(your_letter(reactions)))
    document.add_heading(clean_text(f"Reactie op uw inbreng: {consultation.title}"), level=1)


def _points(document, stakeholder: Stakeholder, points: list[followup.FollowedPoint]) -> None:
    current = None
    for part in parts(points):
        for p in part.points:
            if p.point.heading and p.point.heading != current:
                current = p.point.heading
                document.add_heading(clean_text(current), level=2)
            said = document.add_paragraph()
            said.add_run(clean_text(f"{p.point.number}. ")).bold = True
            if p.sender.id != stakeholder.id:
                said.add_run(clean_text(f"({p.sender.name}) ")).italic = True
            # its text as the pages show it (bold, list items), never "**" or "- "
            for k, runs in enumerate(richtext.runs(p.point.body_html,
                                                   clean_text(p.point.body))):
                if k:
                    said = document.add_paragraph()
                _add_runs(said, runs, italic=True)
        label = points_label(part.points)
        if not part.points[0].answers:
            document.add_paragraph(
                "Op dit punt hebben wij nog niet geantwoord." if len(part.points) == 1
                else f"Op {label.lower()} hebben wij nog niet geantwoord.")
            continue
        if part.answers:
            _label(document, label)
        for answer in part.answers:
            _answer(document, answer)
        if part.see:
            document.add_paragraph(clean_text(
                f"Zie ook ons antwoord bij {' en '.join(part.see)}." if part.answers
                else f"Zie ons antwoord bij {' en '.join(part.see)}."))
        _landed(document, part.points)


def _landed(document, points: list[followup.FollowedPoint]) -> None:
    """Where each point was taken in ("Verwerkt in Inkoopplan 2017, §4.3 Sturing en
    monitoring."), named by its number when the answer covers several points."""
    for p in points:
        for landed in p.landings:
            prefix = f"Punt {p.point.number}: v" if len(points) > 1 else "V"
            where = told(landed.landing.reference)  # the table's "Verwerkt in" words
            end = "" if where.endswith((".", "?", "!")) else "."
            document.add_paragraph(clean_text(f"{prefix}erwerkt in {where}{end}")
                                   ).runs[0].italic = True


def _label(document, text: str) -> None:
    """The bold line that says what the answer below answers: "Punten 1-3"."""
    document.add_paragraph().add_run(clean_text(text)).bold = True


def _answer(document, answer) -> None:
    """An answer's paragraphs (bold, italics, list items: richtext) and its status line."""
    from .labels import state

    for runs in richtext.runs(answer.response.body_html, answer.response.body) or [[("", "")]]:
        _add_runs(document.add_paragraph(), runs)
    where = "; ".join(answer.destinations)
    status = state("answer", answer.response.status).word  # the consultation's own word
    document.add_paragraph(clean_text(
        f"Status: {status}." + (f" Verwerkt in: {where}." if where else "")
    )).runs[0].italic = True


def _add_runs(paragraph, runs, italic: bool = False) -> None:
    """(text, style) runs (consult.richtext) into a Word paragraph: "b" bold, "i" italic;
    ``italic`` for all of them (a point, quoted)."""
    for text, style in runs:
        run = paragraph.add_run(text)
        if style == "b":
            run.bold = True
        if italic or style == "i":
            run.italic = True


def _fill(template: str, values: dict) -> str:
    """{document}, {organiser} and {stakeholder} filled in; other braces left as typed."""
    for key, value in values.items():
        template = template.replace("{" + key + "}", value or "")
    return clean_text(template)
