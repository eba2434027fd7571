"""Points that share an answer, listed once: "Punten 1-3" beside one copy of the answer.

One answer often covers several points of a reaction (the demo's explanations cover up to a
dozen); pages that printed it under every point became tens of thousands of pixels tall. A
page lists its points in their own order and groups each run of consecutive points of one
reaction that have exactly the same answers (the Word table's rows do the same).
"""

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

_WHOLE = re.compile(r"^\d+$")


@dataclass
class AnswerGroup:
    """A run of listed points (``items``: rows of a page, each with ``.point`` and
    ``.answers``) that share ``answers`` (one point alone when they share nothing)."""

    items: list = field(default_factory=list)

    @property
    def answers(self) -> list:
        return self.items[0].answers

    @property
    def shared(self) -> bool:
        """Whether more than one point is answered here at once."""
        return len(self.items) > 1

    @property
    def numbers(self) -> str:
        """The points' numbers as a reader writes them: "1-3", "1, 2 en 4", "4.1 en 4.2"."""
        return number_list([item.point.number for item in self.items])


def _key(item) -> tuple:
    return (item.point.reaction_id, tuple(a.response.id for a in item.answers))


def answer_groups(items) -> list[AnswerGroup]:
    """The rows in their order, consecutive rows of one reaction with the same (non-empty)
    answers in one group; a row without an answer is a group of its own."""
    groups: list[AnswerGroup] = []
    for item in items:
        last = groups[-1] if groups else None
        if last and item.answers and _key(last.items[-1]) == _key(item):
            last.items.append(item)
        else:
            groups.append(AnswerGroup([item]))
    return groups


def number_list(numbers: list[str]) -> str:
    """Point numbers in their order, three or more consecutive whole numbers as a range:
    ["1", "2", "3", "5"] -> "1-3 en 5"; ["1", "2", "4"] -> "1, 2 en 4" (English: "and")."""
    parts: list[str] = []
    run: list[int] = []

    def close() -> None:
        if len(run) >= 3:
            parts.append(f"{run[0]}-{run[-1]}")
        else:
            parts.extend(str(n) for n in run)
        run.clear()

    for number in numbers:
        if _WHOLE.match(number) and run and int(number) == run[-1] + 1:
            run.append(int(number))
            continue
        close()
        if _WHOLE.match(number):
            run.append(int(number))
        else:
            parts.append(number)
    close()
    if len(parts) == 1:
        return parts[0]
    return _("%(list)s and %(last)s", list=", ".join(parts[:-1]), last=parts[-1])
