"""Point selections as the documents write them: "1 t/m 5", "4, 9 en 11", "alle punten"."""

import re

from flask_babel import gettext as _


class SelectionError(ValueError):
    """A selection that names no points, a reversed range, or points that do not exist."""


_ALL = re.compile(r"^(alle|alle punten|all|all points)$")
_LEAD = re.compile(r"^(de\s+)?(punten|punt|points|point)\s+")
_RANGE = re.compile(r"^(\S+?)\s*(?:t/m|tot en met|-|–|to)\s*(\S+)$")
# A range still being typed, or cut off: "1-", "1 t/m", "t/m 3", "-3".
_OPEN = re.compile(r"^(?:\S+\s*(?:t/m|-|–|to)|(?:t/m|-|–|to)\s*\S+|t/m|-|–|to)$")


def _expand(start: str, end: str, numbers: list[str]) -> list[str]:
    """The numbers from start to end inclusive, in the reaction's own order."""
    for n in (start, end):
        if n not in numbers:
            raise SelectionError(_("Point %(number)s does not exist in this reaction.", number=n))
    i, j = numbers.index(start), numbers.index(end)
    if i > j:
        raise SelectionError(
            _("The range %(start)s to %(end)s runs backwards.", start=start, end=end)
        )
    return numbers[i : j + 1]


def parse_selection(text: str, numbers: list[str]) -> list[str]:
    """Resolve a selection against the reaction's point numbers (in order); raise SelectionError."""
    cleaned = " ".join(text.lower().replace("\u00a0", " ").split()).rstrip(".:")
    if not cleaned:
        raise SelectionError(_("Name at least one point."))
    if _ALL.match(cleaned):
        if not numbers:
            raise SelectionError(_("This reaction has no points yet."))
        return list(numbers)
    cleaned = _LEAD.sub("", cleaned)
    # Ranges first ("1 t/m 5", "6-9"), then the single numbers between them.
    cleaned = re.sub(r"\s*(t/m|tot en met)\s*", " t/m ", cleaned)
    cleaned = re.sub(r"(\S)\s*[-–]\s*(\S)", r"\1-\2", cleaned).strip()
    chosen: list[str] = []
    for part in re.split(r"\s*(?:,|;|\ben\b|\band\b)\s*", cleaned):
        if not part:
            continue
        m = _RANGE.match(part)
        if part not in numbers and _OPEN.match(part):
            raise SelectionError(
                _("The range “%(range)s” is not complete: name its first and last point, "
                  "as in “1 t/m 3”.", range=part)
            )
        if m:
            picked = _expand(m.group(1), m.group(2), numbers)
        else:
            picked = []
            for n in part.split():
                if n not in numbers:
                    raise SelectionError(
                        _("Point %(number)s does not exist in this reaction.", number=n)
                    )
                picked.append(n)
        chosen.extend(p for p in picked if p not in chosen)
    if not chosen:
        raise SelectionError(_("Name at least one point."))
    return sorted(chosen, key=numbers.index)


def format_selection(chosen: list[str], numbers: list[str]) -> str:
    """The chosen point numbers written as a selection parse_selection reads back: runs of
    three or more neighbours in the reaction's order as "1 t/m 3", the rest one by one, joined
    by ", " ("1 t/m 3, 5, 7"); "" when nothing is chosen. Numbers not in ``numbers`` are
    left out."""
    wanted = set(chosen)
    positions = [i for i, n in enumerate(numbers) if n in wanted]
    parts: list[str] = []
    run: list[int] = []
    for i in positions + [None]:
        if run and (i is None or i != run[-1] + 1):
            if len(run) >= 3:
                parts.append(f"{numbers[run[0]]} t/m {numbers[run[-1]]}")
            else:
                parts.extend(numbers[j] for j in run)
            run = []
        if i is not None:
            run.append(i)
    return ", ".join(parts)
