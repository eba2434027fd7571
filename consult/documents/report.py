"""Two versions of a document compared, as a Word report: per section added, removed or
changed its label, the word-level diff (removed words struck through in red, added ones
underlined in green, as Word shows tracked changes) and the points that landed in it."""

import io
from datetime import date

from babel.dates import format_date

from ..cleantext import clean_text
from ..exports.word import A4
from ..models import Destination
from .compare import Change, Piece
from .models import DocumentVersion
from .operations import section_label

KIND_WORDS = {"added": "Toegevoegd", "removed": "Verwijderd", "changed": "Gewijzigd"}
RED, GREEN = "C00000", "00703C"  # the colours of removed and added words (hex RGB)


def comparison_docx(destination: Destination, old: DocumentVersion, new: DocumentVersion,
                    changes: list[Change], same: int) -> bytes:
    """The comparison (compare.compare's changes, and how many sections stayed the same) as
    a .docx, A4 portrait, in Dutch: a heading per changed section, its diff as one paragraph
    of runs, then the points landed there ("Leiden · punt 3", with the quoted sentence)."""
    from docx import Document
    from docx.shared import Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = A4
    document.styles["Normal"].font.size = Pt(10)
    document.add_heading(clean_text(f"{destination.title}: wat er veranderde"), level=1)
    document.add_paragraph(clean_text(
        f"Van {old.label} ({day(old.dated)}) naar {new.label} ({day(new.dated)}): "
        f"{_count(len(changes), 'onderdeel', 'onderdelen')} veranderd, "
        f"{_count(same, 'onderdeel', 'onderdelen')} hetzelfde."))
    if not changes:
        document.add_paragraph("De twee versies hebben dezelfde onderdelen en tekst.")
    for change in changes:
        _change(document, change)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def day(value: date) -> str:
    """A date as a Dutch report writes it: "16 december 2016", whatever the reader's language."""
    return format_date(value, "long", locale="nl")


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _change(document, change: Change) -> None:
    """One changed section: heading (kind, label, the old label when it was renamed), the
    diff, and the points that landed in it."""
    shown = change.new or change.old
    title = f"{KIND_WORDS[change.kind]}: {section_label(shown)}"
    if change.kind == "changed" and section_label(change.old) != section_label(change.new):
        title += f" (was: {section_label(change.old)})"
    document.add_heading(clean_text(title), level=2)
    _diff(document.add_paragraph(), change.pieces)
    if not change.landed:
        document.add_paragraph("Hier zijn geen punten verwerkt.").runs[0].italic = True
        return
    document.add_paragraph().add_run(
        _count(len(change.landed), "punt", "punten") + " hier verwerkt:").bold = True
    for landed in change.landed:
        line = f"{landed.sender.name} · punt {landed.point.number}"
        if landed.quote:
            line += f": “{landed.quote}”"
        document.add_paragraph(clean_text(line), style="List Bullet")


def _diff(paragraph, pieces: list[Piece]) -> None:
    """The diff's pieces as runs: removed words struck through in red, added ones underlined
    in green, unchanged ones plain; a space between pieces."""
    from docx.shared import RGBColor

    for k, (kind, text) in enumerate(pieces):
        if k:
            paragraph.add_run(" ")
        run = paragraph.add_run(clean_text(text))
        if kind == "del":
            run.font.strike = True
            run.font.color.rgb = RGBColor.from_string(RED)
        elif kind == "ins":
            run.font.underline = True
            run.font.color.rgb = RGBColor.from_string(GREEN)
