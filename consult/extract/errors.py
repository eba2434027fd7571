"""What can go wrong with an upload, in the words the user reads (Dutch), and the limits that
keep one upload from costing more than a few seconds of one core.

The figures come from measurements on this kind of machine (2 cores; see bench/extract_bench.py):
pypdf extracts about 0.5 MB of page content per second, so the content budget bounds a PDF to a
few seconds; a real letter of 50 pages has ~0.3 MB of content, 2,000 paragraphs and < 300 styles.
"""

from dataclasses import dataclass


class ExtractError(ValueError):
    """An upload that cannot be read as a letter; str(error) is a Dutch message for the user."""


@dataclass(frozen=True)
class Limits:
    """Ceilings for reading one upload. Past any of them the upload is refused with a message."""

    seconds: float = 10.0  # wall clock for the whole reading, whatever the file's producer
    memory: int = 1024 * 1024 * 1024  # bytes the reader may map on top of what it has at start
    paragraphs: int = 20_000  # Word / OpenDocument paragraphs, table cells included
    styles: int = 5_000  # style definitions in a Word or OpenDocument file
    list_definitions: int = 5_000  # list (numbering) definitions
    xml_part: int = 32 * 1024 * 1024  # unpacked bytes of one XML part of a .docx / .odt
    zip_entries: int = 5_000  # parts in a .docx / .odt
    pages: int = 1_000  # PDF pages
    pdf_content: int = 3 * 1024 * 1024  # decoded page-content bytes, summed over the pages
    pdf_objects: int = 100_000  # declared PDF objects (trailer /Size)
    stream: int = 20 * 1024 * 1024  # one decoded PDF stream
    text_chars: int = 2_000_000  # characters of text a file may yield


LIMITS = Limits()

TOO_COMPLEX = (
    "Dit bestand is te ingewikkeld om te lezen ({what}). "
    "Sla het op als PDF of platte tekst, of plak de tekst in het tekstvak."
)
TOO_SLOW = (
    "Het lezen van dit bestand duurde te lang (meer dan {seconds} seconden); het is te "
    "ingewikkeld. Sla het op als PDF of platte tekst, of plak de tekst in het tekstvak."
)
TOO_BIG_UNPACKED = "Dit bestand is uitgepakt te groot om te lezen."


class Paragraphs:
    """The paragraph lines a Word or OpenDocument reader collects, counted against the limits
    (``limits.paragraphs`` paragraphs, ``limits.text_chars`` characters); raises ExtractError
    past either."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.lines: list[str] = []
        self.levels: list[int | None] = []  # per kept line: its heading level (1 = chapter)
        self.count = self.chars = 0

    def opened(self) -> None:
        """One more paragraph, before its text is read."""
        self.count += 1
        if self.count > self.limits.paragraphs:
            raise too_complex(f"meer dan {self.limits.paragraphs:,} alinea's".replace(",", "."))

    def add(self, line: str, level: int | None = None) -> None:
        """The paragraph's line (its number in front), and its heading level if the file marks
        it as a heading; a blank one is counted, not kept."""
        self.chars += len(line)
        if self.chars > self.limits.text_chars:
            raise too_complex("te veel tekst")
        if line.strip():
            self.lines.append(line)
            self.levels.append(level)

    def blocks(self) -> list[tuple[int | None, str]]:
        """The kept lines with their heading levels (None for body text)."""
        return list(zip(self.levels, self.lines, strict=True))

    def text(self) -> str:
        """The paragraphs, a blank line between them."""
        return "\n\n".join(self.lines)


def too_complex(what: str) -> ExtractError:
    """The error for a file past one of the limits; `what` says which, in Dutch."""
    return ExtractError(TOO_COMPLEX.format(what=what))
