"""Close matches for a stakeholder name: is "Gemeente Katwijk" the "Katwijk" we already have?

Dutch organisation names say two things at once: which place or body (Katwijk, Leiden, CDA
Leiden) and what kind of organisation of it ("gemeente", "gemeenteraad", "college van B&W",
"Wmo-adviesraad", "fractie"). The kind words are how people write the same organisation in
different ways ("Wmo-adviesraad Leiden", "WMO Adviesraad Leiden", "Adviesraad Sociaal Domein
Leiden"), but they also tell different organisations of one place apart: "Raad Leiden" and
"College Leiden" are two stakeholders. So a name is split into its *kind* (the kind words,
mapped to one class each: council, executive, Wmo advisory board, faction ...) and its *core*
(the rest), and two names are close when their kinds are the same and their cores are close.
"Gemeente" and "stichting" only say it is the municipality or an organisation: no class.

The cores are compared by RapidFuzz's ``token_sort_ratio`` (an edit-distance similarity on the
sorted words, 0-100), so word order and typing errors do not count ("Katwjik" ≈ "Katwijk"),
but a different place does ("Noordwijk" ≠ "Noordwijkerhout": 75); and every word must have a
close counterpart in the other name (``fuzz.ratio`` per word), so that a long shared place name
does not hide a different party ("PvdA-fractie Heerenveen" ≠ "VVD-fractie Heerenveen"). A
Dutch place named by its first part is the same place: "Alphen" ≈ "Alphen aan den Rijn",
"Kaag" ≈ "Kaag en Braassem".

How well this works on real names (tests/test_registry.py, MATCH_TABLE): see the report there.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from rapidfuzz import fuzz, process
from sqlmodel import Session, select

from ..models import Stakeholder

CUTOFF = 85.0  # below this a name is not offered as a match (token_sort_ratio, 0-100)
SHORT_FORM = 88.0  # "Alphen" for "Alphen aan den Rijn": close, but below an exact match
MAX_NAME = 300  # longer input is not a name (Stakeholder.name holds 300 characters)

# Kind phrases, as word sequences after normalising (lower case, no accents, "&" -> "en",
# punctuation and hyphens -> spaces), mapped to their class. None: the phrase says nothing
# that tells two stakeholders of one place apart (the municipality itself, a legal form).
_PHRASES: dict[str, str | None] = {
    # the municipality (its officials): the bare place name means the same
    "gemeente": None, "ambtelijke organisatie": None, "ambtelijk": None,
    "ambtenaren": None, "stichting": None, "regio": None,
    # the executive
    "college van burgemeester en wethouders": "executive",
    "college van b en w": "executive", "college b en w": "executive",
    "college van b w": "executive", "college bw": "executive", "college": "executive",
    "burgemeester en wethouders": "executive", "b en w": "executive", "b w": "executive",
    "bw": "executive", "wethouder": "executive", "wethouders": "executive",
    "portefeuillehouder": "executive", "portefeuillehouders": "executive",
    # the council
    "gemeenteraad": "council", "raad": "council", "de raad": "council",
    # council factions and working groups (parts of a council: see _CLASSES_OVER)
    "fractie": "faction", "raadsfractie": "faction", "fracties": "faction",
    "werkgroep": "working_group", "raadswerkgroep": "working_group",
    # the Wmo / social-domain advisory board and its many names
    "wmo raad": "wmo_board", "wmoraad": "wmo_board", "wmo adviesraad": "wmo_board",
    "adviesraad wmo": "wmo_board", "wmo adviesraden": "wmo_board",
    "adviesraad sociaal domein": "wmo_board", "asd": "wmo_board",
    "participatieraad": "wmo_board", "adviesraad": "wmo_board",
    "adviesraad participatie": "wmo_board",
    # other advisory bodies of a municipality: not the same board as the Wmo-raad
    "clientenraad": "client_council", "jongerenraad": "youth_council",
    "jeugdraad": "youth_council", "seniorenraad": "senior_council",
    "ouderenraad": "senior_council", "ouderenadviesraad": "senior_council",
}
# A faction or working group of the council is that, not the council itself.
_CLASSES_OVER = {"faction": {"council"}, "working_group": {"council"}}
# Words that carry no meaning in a name's core ("de gemeenteraad van Leiden").
_STOP = frozenset("de het van der den en voor t s op in aan a d".split())
# A place named by its first part: "Alphen" + "aan den Rijn", "Kaag" + "en Braassem".
_CONNECTORS = frozenset("aan a en op bij in onder".split())
_LONGEST = max(len(p.split()) for p in _PHRASES)
_SINGLE_KIND_WORDS = [p for p, c in _PHRASES.items() if " " not in p and c and len(p) >= 7]


@dataclass(frozen=True)
class Name:
    """A name taken apart: the class of organisation its kind words name (empty: the
    municipality or an organisation without kind words) and its core words, in order."""

    kind: frozenset[str]
    words: tuple[str, ...]

    @property
    def core(self) -> str:
        """The core words without filler words, space separated ("alphen rijn")."""
        kept = [w for w in self.words if w not in _STOP]
        return " ".join(kept or self.words)


def _fold(text: str) -> str:
    """Lower case, without accents; "&" becomes "en", everything else not a letter or digit a
    space: "Wmo-adviesraad Cliënten & B&W" -> "wmo adviesraad clienten en b en w"."""
    text = unicodedata.normalize("NFKD", text[:MAX_NAME]).encode("ascii", "ignore").decode()
    text = text.lower().replace("&", " en ").replace("a/d", "aan den")
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _kind_word(word: str) -> str | None:
    """The class of a single word that is a kind word written with a typing error
    ("gemeentraad" -> council); only for longer words, where a near miss is not another word."""
    if len(word) < 7:
        return None
    found = process.extractOne(word, _SINGLE_KIND_WORDS, scorer=fuzz.ratio, score_cutoff=90)
    return _PHRASES[found[0]] if found else None


# Every keystroke in a name field compares the typed name with every live stakeholder, so the
# registry's names are parsed again and again: the cache must hold the whole registry. An LRU
# cache smaller than the registry, scanned in the same order each time, never hits (5,000
# stakeholders with 4,096 places: every name parsed on every keystroke, 60 ms instead of 15).
PARSED_NAMES = 20_000


@lru_cache(maxsize=PARSED_NAMES)
def parse(name: str) -> Name:
    """Split a stakeholder name into its kind and core (see the module's docstring)."""
    words = _fold(name).split()
    kinds: set[str] = set()
    core: list[str] = []
    i = 0
    while i < len(words):
        for size in range(min(_LONGEST, len(words) - i), 0, -1):
            phrase = " ".join(words[i : i + size])
            if phrase in _PHRASES:
                if _PHRASES[phrase]:
                    kinds.add(_PHRASES[phrase])
                i += size
                break
        else:
            fuzzy = _kind_word(words[i])
            if fuzzy:
                kinds.add(fuzzy)
            else:
                core.append(words[i])
            i += 1
    for over, under in _CLASSES_OVER.items():
        if over in kinds:
            kinds -= under
    return Name(frozenset(kinds), tuple(core))


# A name's kind class (_PHRASES) as the stakeholder kind it means.
_KIND_OF_CLASS = {
    "executive": "executive", "council": "council", "faction": "council_faction",
    "working_group": "working_group", "wmo_board": "advisory_board",
    "client_council": "advisory_board", "youth_council": "advisory_board",
    "senior_council": "advisory_board",
}
# What a reaction's channel says of its sender when the name says nothing.
_KIND_OF_CHANNEL = {
    "ambtelijke_uitvraag": "municipality", "collegebrief": "executive",
    "raadsbesluit": "council", "advies": "advisory_board",
    "gezamenlijke_reactie": "joint_group",
}


def kind_of(name: str, channel: str | None = None) -> str:
    """The StakeholderKind value a new sender's name says it is ("Adviesraad Sociaal Domein
    Leiden" -> "advisory_board", "Fractie D66 Leiden" -> "council_faction"), else what the
    reaction's channel says ("advies" -> "advisory_board"), else "municipality" (a bare
    place name, "Gemeente Leiden"). The kind words are _PHRASES'."""
    kinds = {_KIND_OF_CLASS[k] for k in parse(" ".join(name.split())).kind if k in _KIND_OF_CLASS}
    if len(kinds) == 1:
        return kinds.pop()
    return _KIND_OF_CHANNEL.get(channel or "", "municipality")


def _short_form(a: Name, b: Name) -> bool:
    """One core is the first part of the other's place name: "alphen" / "alphen aan den rijn"."""
    short, long = sorted((a.words, b.words), key=len)
    return (
        0 < len(short) < len(long)
        and long[: len(short)] == short
        and long[len(short)] in _CONNECTORS
    )


def similarity(a: str, b: str) -> float:
    """How close two stakeholder names are, 0-100: 0 when they name different kinds of
    organisation; else RapidFuzz's token_sort_ratio of their cores, capped by how well their
    least matching word is matched (SHORT_FORM at least when one is the short form of the
    other's place name)."""
    return _score(parse(a), parse(b))


def _worst_word(a: str, b: str) -> float:
    """How well the least matching word of either name is matched by a word of the other
    (fuzz.ratio, 0-100): "pvda heerenveen" / "vvd heerenveen" -> 57 (PvdA is not VVD)."""
    words_a, words_b = a.split(), b.split()
    return min(
        min(process.extractOne(w, other, scorer=fuzz.ratio)[1] for w in words)
        for words, other in ((words_a, words_b), (words_b, words_a))
    )


def _score(a: Name, b: Name) -> float:
    if a.kind != b.kind:
        return 0.0
    if not a.core or not b.core:
        return 100.0 if a.core == b.core else 0.0
    # Close as a whole, and no word without a close counterpart: a long shared place name
    # must not hide that the party (or the place) differs.
    score = min(fuzz.token_sort_ratio(a.core, b.core), _worst_word(a.core, b.core))
    joined = fuzz.ratio(a.core.replace(" ", ""), b.core.replace(" ", ""))
    if joined >= 95:  # "Noord-Holland" / "Noordholland"
        score = max(score, joined)
    if _short_form(a, b):
        score = max(score, SHORT_FORM)
    return score


def close_matches(
    session: Session, name: str, limit: int = 5, *, exclude: set[int] | frozenset[int] = (),
    among: frozenset[int] | None = None, cutoff: float = CUTOFF,
) -> list[tuple[Stakeholder, float]]:
    """The live stakeholders whose name is close to ``name``, best first: (stakeholder, score
    0-100), at most ``limit``, none below ``cutoff``. ``exclude``: ids never offered (the
    stakeholder being renamed); ``among``: only these ids (what the user may know of; None =
    all). Every place where someone types a stakeholder name asks this before creating one."""
    wanted = parse(" ".join(name.split()))
    if not wanted.core and not wanted.kind:
        return []
    rows = session.exec(
        select(Stakeholder.id, Stakeholder.name).where(Stakeholder.archived == sa.false())
    ).all()
    scored = []
    for sid, other in rows:
        if sid in exclude or (among is not None and sid not in among):
            continue
        score = _score(wanted, parse(other))
        if score >= cutoff:
            scored.append((score, other, sid))
    scored.sort(key=lambda s: (-s[0], s[1]))
    best = scored[:limit]
    found = {s.id: s for s in session.exec(
        select(Stakeholder).where(Stakeholder.id.in_([sid for *_x, sid in best])))}
    return [(found[sid], round(score, 1)) for score, _name, sid in best if sid in found]


NEW = "nieuw"  # the value of the "no, it is a new stakeholder" choice


class NeedsChoice(ValueError):
    """Close matches exist for a new name and the user has not said yet whether one of them is
    meant: offer ``matches`` first (take one, or confirm the new name)."""

    def __init__(self, name: str, matches: list[tuple[Stakeholder, float]]):
        from flask_babel import gettext as _

        self.name, self.matches = name, matches
        super().__init__(_(
            "\"%(name)s\" looks like a stakeholder that is already in the registry. Choose it "
            "from the close matches, or confirm that it is a new one.", name=name))


def choose(session: Session, name: str, choice: str | None, chosen_for: str | None, *,
           exclude: set[int] | frozenset[int] = (), among: frozenset[int] | None = None
           ) -> Stakeholder | None:
    """What a typed new stakeholder name stands for, given the user's answer to the offered
    matches: ``choice`` is a stakeholder id (take that one), NEW (confirm the new name) or
    empty; ``chosen_for`` the name the matches were offered for (an answer given for another
    name counts for nothing). Returns the existing stakeholder to use, or None: create the new
    one. Raises NeedsChoice while close matches wait for an answer."""
    name = " ".join(unicodedata.normalize("NFC", name).split())
    answered_for = " ".join(unicodedata.normalize("NFC", chosen_for or "").split())
    if choice and answered_for == name:
        if choice == NEW:
            return None
        if choice.isascii() and choice.isdigit() and len(choice) < 10:
            taken = session.get(Stakeholder, int(choice))
            if (taken is not None and not taken.archived and taken.id not in exclude
                    and (among is None or taken.id in among)):
                return taken
    matches = close_matches(session, name, exclude=exclude, among=among)
    if matches:
        raise NeedsChoice(name, matches)
    return None
