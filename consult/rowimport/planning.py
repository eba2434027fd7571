"""Checking the rows of an answered table against a consultation, then creating them.

`plan` checks every row and says what would be created, writing nothing: the reactions with
their points and answers, the stakeholders each name stands for (an existing one, found by
`consult.imports.match_stakeholder`, or a new one), and new destinations. `apply` creates
exactly that (flushes; the caller commits), and only for a plan without problems.

How rows become reactions: consecutive rows of one stakeholder and channel form one reaction.
With a reaction column (our own export has one, "Reactie"), rows of another sender go on in the
reaction when its title and channel are the same and the numbering goes on (points 16-18 from
Lisse, 19-30 from Teylingen, in one joint letter); each such point names its own sender. Rows of
one reaction with the same answer share one answer ("De punten 1 t/m 5 ..."). A row with an
answer but no number and no text answers its reaction as a whole.
"""

from dataclasses import dataclass, field

from flask_babel import force_locale
from sqlmodel import Session

from ..labels import LABELS
from ..models import Channel, Consultation, ResponseStatus, Stakeholder, StakeholderKind
from ..processing import destination_paths
from .reading import Problem, Row, Table

# A status that means "no answer yet" (our export writes it for points without one).
OPEN_STATUSES = ("open", "nog open", "geen antwoord", "nog geen antwoord")
PATH_SEPARATOR = "›"
_LIMITS = {"stakeholder": 300, "parent": 300, "title": 300, "heading": 300}


@dataclass
class Group:
    """The rows that become one reaction."""

    stakeholder: str  # the name as written in its first row
    channel: str  # a Channel code
    title: str  # as written in the reaction column ("" without one)
    rows: list[Row] = field(default_factory=list)

    @property
    def reaction_title(self) -> str:
        """The reaction's title: as written, else the channel's name ("Collegebrief")."""
        if self.title:
            return self.title
        label = LABELS.get(self.channel)
        return str(label).capitalize() if label else self.channel

    @property
    def points(self) -> list[Row]:
        return [r for r in self.rows if r.values.get("number") or r.values.get("text")]

    @property
    def whole(self) -> list[Row]:
        """Rows that answer the reaction as a whole."""
        return [r for r in self.rows if not (r.values.get("number") or r.values.get("text"))]


@dataclass
class Plan:
    rows: list[Row]
    notices: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    # name as written (lower case) -> the existing stakeholder it stands for, None for new
    matches: dict[str, Stakeholder | None] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # lower case -> as first written
    kinds: dict[str, str] = field(default_factory=dict)  # lower case -> kind of a new one
    parents: dict[str, str] = field(default_factory=dict)  # lower case -> parent's name
    first_rows: dict[str, Row] = field(default_factory=dict)  # a new name's first row
    new_destinations: list[str] = field(default_factory=list)  # paths, parents first
    answers: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def reactions(self) -> int:
        return len(self.groups)

    @property
    def points(self) -> int:
        return sum(len(g.points) for g in self.groups)

    @property
    def new_stakeholders(self) -> list[str]:
        return [self.names[k] for k, found in self.matches.items() if found is None]

    def problem(self, row: Row, column: str, message: str) -> None:
        self.problems.append(Problem(row.number, column, message))


# --- codes from what people write -------------------------------------------------------------


def _labels(codes) -> dict[str, str]:
    """Every way a code may be written (the code, its English and Dutch label) -> the code."""
    out = {}
    for code in codes:
        out[code] = code
        label = LABELS.get(code)
        if label is not None:
            out[label._args[0].lower()] = code
            with force_locale("nl"):
                out[str(label).lower()] = code
    return out


def code_of(value: str, table: dict[str, str]) -> str | None:
    """A stored code from its code or its label (any case, spaces collapsed)."""
    return table.get(" ".join(value.split()).lower().replace(" ", "_")) or table.get(
        " ".join(value.split()).lower())


@dataclass
class _Codes:
    kinds: dict[str, str]
    channels: dict[str, str]
    statuses: dict[str, str]

    @classmethod
    def load(cls) -> "_Codes":
        return cls(_labels(k.value for k in StakeholderKind), _labels(c.value for c in Channel),
                   _labels(s.value for s in ResponseStatus))


# --- checking -----------------------------------------------------------------------------------


def plan(session: Session, consultation: Consultation, rows: "Table | list[Row]") -> Plan:
    """Check every row; say what would be created. Writes nothing."""
    from ..imports import stakeholder_matcher

    table = rows if isinstance(rows, Table) else Table(list(rows), [])
    result = Plan(table.rows, list(table.notices))
    match = stakeholder_matcher(session)
    codes = _Codes.load()
    paths = {p.lower(): p for p in destination_paths(session, consultation.id).values()}
    for row in table.rows:
        result.problems.extend(row.problems)
        _check_row(result, row, codes, paths, match)
    _check_kinds(result)
    result.groups = _groups(table.rows, codes, "title" in table.columns)
    for group in result.groups:
        _check_group(result, group, codes)
    result.problems.sort(key=lambda p: p.row)  # in the order of the file (stable)
    return result


def _match(result: Plan, match, name: str) -> Stakeholder | None:
    key = name.lower()
    if key not in result.matches:
        result.matches[key] = match(name)
        result.names[key] = name
    return result.matches[key]


def _check_row(result: Plan, row: Row, codes: _Codes, paths: dict, match) -> None:
    """The problems of one row on its own."""
    v = row.values
    is_point = bool(v.get("number") or v.get("text"))
    required = ("stakeholder", "channel", "number", "text") if is_point or not v.get("answer") \
        else ("stakeholder", "channel")
    for column in required:
        if not v.get(column):
            result.problem(row, column, "is leeg.")
    for column, most in _LIMITS.items():
        if len(v.get(column) or "") > most:
            result.problem(row, column, f"langer dan {most} tekens.")
    if v.get("channel") and code_of(v["channel"], codes.channels) is None:
        result.problem(row, "channel", f"onbekend kanaal “{v['channel']}”.")
    if v.get("stakeholder") and _match(result, match, v["stakeholder"]) is None:
        key = v["stakeholder"].lower()
        kind = code_of(v.get("kind") or "", codes.kinds)
        result.first_rows.setdefault(key, row)
        if v.get("kind") and kind is None:
            result.problem(row, "kind", f"onbekende soort indiener “{v['kind']}”.")
        elif kind and result.kinds.get(key) and result.kinds[key] != kind:
            result.problem(row, "kind", f"“{v['stakeholder']}” heeft hier een andere soort "
                                        "dan in een eerdere rij.")
        elif kind:
            result.kinds[key] = kind
        parent = v.get("parent") or ""
        if parent and parent.lower() != key:
            result.parents.setdefault(key, parent)
            _match(result, match, parent)  # a new one is of kind "other" unless a row says
    _check_answer(result, row, codes, paths)


def _check_kinds(result: Plan) -> None:
    """A new stakeholder needs its kind in one of its rows (a parent only named: "other")."""
    for key, row in result.first_rows.items():
        if not result.kinds.get(key):
            result.problem(row, "kind", f"“{result.names[key]}” is nieuw: geef een geldige "
                                        "soort indiener.")
    for key, found in result.matches.items():
        if found is None and key not in result.first_rows:
            result.kinds[key] = StakeholderKind.other.value


def _check_answer(result: Plan, row: Row, codes: _Codes, paths: dict) -> None:
    """Status and destinations of one row: they need an answer, and must be known."""
    v = row.values
    status = v.get("status") or ""
    if status.lower() in OPEN_STATUSES:
        if v.get("answer"):
            result.problem(row, "status", f"“{status}” past niet bij een toelichting: geef de "
                                          "status van het antwoord, of laat de cel leeg.")
    elif status and code_of(status, codes.statuses) is None:
        result.problem(row, "status", f"onbekende status “{status}”.")
    elif status and not v.get("answer"):
        result.problem(row, "answer", f"status “{status}” zonder toelichting.")
    for path in filter(None, (p.strip() for p in (v.get("destinations") or "").split(";"))):
        path = " › ".join(part.strip() for part in path.split(PATH_SEPARATOR))
        if path.lower() in paths:
            continue
        if paths:  # a consultation with destinations of its own: a new name is a typo
            result.problem(row, "destinations", f"onbekende bestemming “{path}”.")
        elif any(len(part) > 300 for part in path.split(" › ")):
            result.problem(row, "destinations", "een bestemming is langer dan 300 tekens.")
        else:  # a consultation without any: the table brings them
            parts = path.split(" › ")
            for depth in range(1, len(parts) + 1):
                prefix = " › ".join(parts[:depth])
                if prefix not in result.new_destinations:
                    result.new_destinations.append(prefix)
    if v.get("destinations") and not v.get("answer"):
        result.problem(row, "answer", "bestemmingen zonder antwoord.")


def _leading_number(number: str) -> int | None:
    digits = ""
    for ch in number:
        if not ch.isdigit():
            break
        digits += ch
    return int(digits) if digits else None


def _groups(rows: list[Row], codes: _Codes, titled: bool) -> list[Group]:
    """Consecutive rows of one reaction (see the module's docstring)."""
    groups: list[Group] = []
    for row in rows:
        v = row.values
        channel = code_of(v.get("channel") or "", codes.channels) or ""
        title = (v.get("title") or "") if titled else ""
        sender = (v.get("stakeholder") or "").lower()
        last = groups[-1] if groups else None
        if last is not None and last.channel == channel and last.title == title and (
            sender == last.rows[-1].values.get("stakeholder", "").lower()
            or (titled and _continues(last, row))
        ):
            last.rows.append(row)
            continue
        groups.append(Group(v.get("stakeholder") or "", channel, title, [row]))
    return groups


def _continues(group: Group, row: Row) -> bool:
    """A row of another sender goes on in the reaction (a joint letter) when its number
    follows the reaction's last one; an answer to the whole reaction from its own sender."""
    v = row.values
    if not (v.get("number") or v.get("text")):
        return (v.get("stakeholder") or "").lower() == group.stakeholder.lower()
    if not v.get("parent") or v["parent"] != group.rows[0].values.get("parent"):
        return False  # a letter's senders share their municipality or subregion
    previous = [r for r in group.points]
    if not previous:
        return False
    before = _leading_number(previous[-1].values.get("number") or "")
    now = _leading_number(v.get("number") or "")
    return before is not None and now is not None and now > before


def _check_group(result: Plan, group: Group, codes: _Codes) -> None:
    """Duplicate numbers in a reaction; rows that share an answer must agree on its status."""
    seen: dict[str, int] = {}
    for row in group.points:
        number = row.values.get("number") or ""
        if number and number in seen:
            result.problem(row, "number", f"punt {number} staat al eerder in deze reactie.")
        seen.setdefault(number, row.number)
    shared: dict[tuple, Row] = {}
    for row in group.rows:
        body = row.values.get("answer")
        if not body:
            continue
        key = (bool(row.values.get("number") or row.values.get("text")), body)
        first = shared.setdefault(key, row)
        if first is row:
            result.answers += 1
            continue
        mine, theirs = row.values.get("status") or "", first.values.get("status") or ""
        if code_of(mine, codes.statuses) != code_of(theirs, codes.statuses):
            result.problem(row, "status", f"dezelfde toelichting als rij {first.number}, maar "
                                          f"een andere status (“{mine}” en “{theirs}”).")
