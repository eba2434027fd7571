"""The composer's preview: the points a text splits into, and the secretary's edits to them."""

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from .intake import MAX_POINTS, DraftPoint, check_points

MAX_TEXT_CHARS = 1_000_000


@dataclass
class Preview:
    points: list[DraftPoint] = field(default_factory=list)
    error: str | None = None


def check_length(text: str) -> str | None:
    """A Dutch message when the text is too long to log as one reaction."""
    if len(text) > MAX_TEXT_CHARS:
        return _(
            "This text is too long (%(n)s characters); one reaction can hold at most %(max)s. "
            "Nothing was saved and your text is still here: split the letter into parts.",
            n=f"{len(text):,}".replace(",", "."),
            max=f"{MAX_TEXT_CHARS:,}".replace(",", "."),
        )
    return None


def from_text(text: str) -> Preview:
    """Split a pasted or extracted text into draft points (a message instead when the text
    or the number of points is more than one reaction holds)."""
    from .splitter import split

    error = check_length(text)
    if error:
        return Preview(error=error)
    result = split(text, limit=MAX_POINTS)
    return of_points([DraftPoint(p.number, p.text, p.heading) for p in result.points])


def of_points(points: list[DraftPoint]) -> Preview:
    """The preview of these points, or only a message when there are too many to show."""
    error = check_points(len(points))
    return Preview(error=error) if error else Preview(points)


def from_form(numbers: list[str], headings: list[str], texts: list[str]) -> list[DraftPoint]:
    """The preview as the secretary edited it (parallel form lists)."""
    return [
        DraftPoint(number=n.strip(), heading=(h.strip() or None), text=t)
        for n, h, t in zip(numbers, headings, texts, strict=False)
    ]


def _split_text(text: str) -> tuple[str, str]:
    """Cut a text in two: at the first line break, else at the sentence nearest the middle."""
    text = text.strip()
    if "\n" in text:
        head, tail = text.split("\n", 1)
        return head.strip(), tail.strip()
    cuts = [m.end() for m in re.finditer(r"[.!?;:]\s+", text)]
    if not cuts:
        middle = len(text) // 2
        space = text.find(" ", middle)
        cuts = [space + 1] if space > 0 else []
    if not cuts:
        return text, ""
    cut = min(cuts, key=lambda c: abs(c - len(text) / 2))
    return text[:cut].strip(), text[cut:].strip()


def apply_action(points: list[DraftPoint], action: str, start: str = "1") -> list[DraftPoint]:
    """Merge a point into the previous one, split it, delete it, or renumber all points."""
    verb, _sep, arg = action.partition(":")
    if verb == "renumber":
        first = int(start) if re.fullmatch(r"[0-9]{1,6}", start.strip()) else 1
        for offset, p in enumerate(points):
            p.number = str(first + offset)
        return points
    if not re.fullmatch(r"[0-9]{1,6}", arg) or not 0 <= int(arg) < len(points):
        return points
    i = int(arg)
    if verb == "merge" and i > 0:
        prev = points[i - 1]
        prev.text = prev.text.rstrip() + "\n" + points[i].text.lstrip()
        del points[i]
    elif verb == "split":
        head, tail = _split_text(points[i].text)
        if tail:
            points[i].text = head
            points.insert(i + 1, DraftPoint(number="", text=tail, heading=points[i].heading))
    elif verb == "delete":
        del points[i]
    return points
