"""The composer's preview: the points a text splits into, and the secretary's edits to them."""

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from .intake import MAX_POINTS, DraftPoint, check_points
from .letterforms import display_text

# Words in stakeholder names that say what kind of body it is, not which one.
_GENERIC_WORDS = frozenset(
    "gemeente gemeenteraad raad college van de het en b w burgemeester wethouders "
    "fractie adviesraad wmo sociaal domein werkgroep regio".split()
)

MAX_TEXT_CHARS = 1_000_000


@dataclass
class Preview:
    """The points as the preview shows them, and the letter's frame beside them."""

    points: list[DraftPoint] = field(default_factory=list)
    error: str | None = None
    intro: str = ""  # the letter's opening: letterhead, salutation, preamble (never a point)
    outro: str = ""  # its closing: courtesy, greeting, signature (never a point)
    notes: list[str] = field(default_factory=list)  # what to check before saving


# A line that starts like a numbered point: "2.", "2)", "12a.", "1000." (the splitter's own forms,
# up to its longest number, letterforms.LONGEST_NUMBER).
_NUMBERED_LINE = re.compile(r"^[ \t]*(\d{1,6}[a-z]?)[.)][ \t]+\S", re.MULTILINE)


def repeated_numbers(text: str, points: list[DraftPoint]) -> list[str]:
    """Point numbers that start more lines of the text than the split has points with that
    number ("2." twice: the splitter reads the second as part of point 2), in text order."""
    starts: dict[str, int] = {}
    for found in _NUMBERED_LINE.finditer(text):
        starts[found.group(1)] = starts.get(found.group(1), 0) + 1
    kept: dict[str, int] = {}
    for p in points:
        kept[p.number.strip()] = kept.get(p.number.strip(), 0) + 1
    return [n for n, count in starts.items() if count > 1 and 0 < kept.get(n, 0) < count]


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
    """Split a pasted or extracted text into draft points; the letter's intro and outro are
    set apart (they are kept in the reaction's original text, never numbered), and symbol-font
    bullets are shown as bullets (`letterforms.display_text`). Only a message when the text or
    the number of points is more than one reaction holds (``MAX_POINTS``)."""
    from .splitter import split

    error = check_length(text)
    if error:
        return Preview(error=error)
    result = split(text, limit=MAX_POINTS)
    shown = display_text
    points = [
        DraftPoint(p.number, shown(p.text), shown(p.heading) if p.heading else None)
        for p in result.body
    ]
    preview = of_points(points, intro=shown(result.intro), outro=shown(result.outro))
    preview.notes = [
        _("Point number %(number)s appears more than once in the text; the preview keeps them "
          "as one point %(number)s. Check it and split it where a new point starts.", number=n)
        for n in repeated_numbers(text, points)
    ]
    return preview


def of_points(points: list[DraftPoint], intro: str = "", outro: str = "") -> Preview:
    """The preview of these points (and the letter's frame), or only a message when there are
    more than ``MAX_POINTS`` to show."""
    error = check_points(len(points))
    return Preview(error=error) if error else Preview(points, intro=intro, outro=outro)


def from_form(numbers: list[str], headings: list[str], texts: list[str],
              senders: list[int | None] | None = None) -> list[DraftPoint]:
    """The preview as the secretary edited it (parallel form lists); ``senders`` are the
    points' own senders inside a joint letter (stakeholder ids, None for the letter's own
    sender), only from the secretariat's composer."""
    senders = list(senders or [])
    senders += [None] * (len(texts) - len(senders))
    return [
        DraftPoint(number=n.strip(), heading=(h.strip() or None), text=t, stakeholder_id=s)
        for n, h, t, s in zip(numbers, headings, texts, senders, strict=False)
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


def edit(preview: Preview, action: str, start: str = "1") -> Preview:
    """An edit of the preview: "keep:intro" / "keep:outro" make the letter's opening or closing
    a point after all (first or last); any other action goes to `apply_action`."""
    if action == "keep:intro" and preview.intro.strip():
        preview.points.insert(0, DraftPoint(number="", text=preview.intro))
        preview.intro = ""
    elif action == "keep:outro" and preview.outro.strip():
        preview.points.append(DraftPoint(number="", text=preview.outro))
        preview.outro = ""
    else:
        preview.points = apply_action(preview.points, action, start)
    return preview


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
            points.insert(i + 1, DraftPoint(number="", text=tail, heading=points[i].heading,
                                            stakeholder_id=points[i].stakeholder_id))
    elif verb == "delete":
        del points[i]
    return points


@dataclass
class MailForm:
    """What the composer shows for an uploaded e-mail: the parts to take the letter from, and
    the sender, date and subject to fill in (the stakeholder when the sender names one)."""

    letter: object  # consult.extract.Letter
    stakeholders: list = field(default_factory=list)
    suggested: object | None = None  # the Stakeholder the sender names, if exactly one
    preview_url: str = ""


def _words(text: str) -> set[str]:
    """Lower-case words and address parts ("info@teylingen.nl" -> info, teylingen, nl)."""
    return set(re.findall(r"[a-zà-ÿ0-9]+", text.lower()))


def suggest_stakeholder(stakeholders: list, sender: str):
    """The one stakeholder an e-mail's sender names ("Gemeente Teylingen <info@teylingen.nl>"
    -> Teylingen): every distinctive word of its name appears in the sender's name or address.
    Of several, the one whose whole name appears ("Teylingen", not "Gemeenteraad Teylingen");
    None when that leaves no stakeholder or more than one."""
    said = _words(sender)
    matches, whole = [], []
    for stakeholder in stakeholders:
        words = re.findall(r"[a-zà-ÿ0-9]+", stakeholder.name.lower())
        ordered = [w for w in words if w not in _GENERIC_WORDS]
        if ordered and (set(ordered) <= said or "".join(ordered) in said):
            matches.append(stakeholder)
            if set(words) <= said:
                whole.append(stakeholder)
    for found in (matches, whole):
        if len(found) == 1:
            return found[0]
    return None
