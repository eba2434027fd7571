"""The shapes of a letter's lines: its frame (letterhead, addressee, salutation, closing) and
the bullets that Word, PDF export, web pages and e-mail clients put before list items.

Pure functions on one whitespace-normalised line. The splitter decides with these which lines
are the reaction's intro and outro (never numbered points, never a heading over the letter).
"""

import re
from dataclasses import dataclass

from .furniture import DATE

# --- Bullets ---------------------------------------------------------------------------------

# Glyphs of the Symbol and Wingdings fonts as they come out of PDFs and Word (Unicode's private
# use area, U+F020-U+F0FF = the font's own code 0x20-0xFF), with what they look like. Sources:
# the Symbol and Wingdings code charts (Symbol 0xB7 is the bullet; Word's default list levels
# are Symbol 0xB7, Courier New "o" and Wingdings 0xA7).
GLYPHS = {
    "\uf0b7": "•",  # Symbol bullet: Word's first list level
    "\uf0a7": "▪",  # Wingdings small square: Word's third list level
    "\uf06c": "●",  # Wingdings black circle
    "\uf06d": "○",  # Wingdings shadowed circle
    "\uf06e": "■",  # Wingdings black square
    "\uf06f": "□",  # Wingdings white square
    "\uf071": "❑",  # Wingdings shadowed square
    "\uf075": "◆",  # Wingdings black diamond
    "\uf076": "❖",  # Wingdings diamond minus white X
    "\uf077": "⬥",  # Wingdings small diamond
    "\uf09f": "•",  # Wingdings bullet
    "\uf0a8": "◻",  # Wingdings medium white square
    "\uf0d8": "➢",  # Wingdings arrowhead: Word's "arrow" bullet
    "\uf0e0": "➔",  # Wingdings arrow
    "\uf0e8": "➔",  # Wingdings heavy arrow
    "\uf0f0": "⇨",  # Wingdings white arrow
    "\uf0fc": "✓",  # Wingdings check mark
    "\uf0fb": "✗",  # Wingdings ballot x
    "\uf02d": "-",  # Symbol minus
}
_GLYPH_CHARS = "\uf020-\uf0ff"  # any other symbol-font glyph before a list item is a bullet too
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u2060\ufeff"), None)
# Bullets as characters; "o", "§", "Ø" and "ü" are Word's list glyphs pasted as plain text
# (Courier New "o", Wingdings "§" = ▪, "Ø" = ➢, "ü" = ✓): bullets only before text.
BULLETS = "•●▪◦‣∙·*\\-–—‐‑○■□◆◇❖➢➤►▶→⇒⇨➔✓✔✗☐☑☒⁃−" + _GLYPH_CHARS
_WORD_GLYPHS = "o§Øü"
BULLET = rf"(?:[{BULLETS}](?:\s*[-–.](?=\s|$))?|[{_WORD_GLYPHS}](?=\s+[^\s0-9]))"
# Glyphs that Word, Google Docs and web pages use for the second and third list level: under a
# bullet of another kind they are its sub-items.
SUB_BULLETS = frozenset("o◦○▪■□§\uf0a7\uf06e\uf06f\uf0a8")


def display_text(text: str) -> str:
    """The text with symbol-font glyphs shown as the bullets they are and zero-width marks gone.

    A private-use character from the Symbol/Wingdings range shows as an empty box in a browser;
    a known one becomes its Unicode look-alike (GLYPHS), an unknown one before a space a bullet.
    """
    if not text:
        return text
    text = text.translate(_INVISIBLE)
    if not any("\uf020" <= c <= "\uf0ff" for c in text):
        return text
    out = []
    for k, c in enumerate(text):
        if "\uf020" <= c <= "\uf0ff":
            nxt = text[k + 1 : k + 2]
            c = GLYPHS.get(c, "•" if not nxt or nxt.isspace() else "")
        out.append(c)
    return "".join(out)


def bullet_kind(bullet: str) -> str:
    """The glyph that names a bullet's list level ("•", "o", "▪" ...), for comparing levels."""
    return bullet.strip()[:1]


# --- List items ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """A line that starts a list item, taken apart: "Punt " "3" ":" "Tekst ..."."""

    label: str  # what stands before the number: "(", "Punt ", "Ad ", a bullet, or ""
    number: str  # as written: "3", "1.2", "b", "iv"; for a bullet the bullet itself
    marker: str  # what follows the number: ".", ")", ":", " –" or ""
    rest: str | None  # the text after it on the same line (None: the line holds only the number)

    @property
    def worded(self) -> bool:
        """Whether a word names the item ("Punt 3", "Ad 1")."""
        return self.label[:1].isalpha()

    @property
    def marked(self) -> bool:
        """Whether the number is marked as a list number: "3." "3)" "(3)" "Punt 3" (not by a
        dash or colon alone: "10 - 15 jaar", "3: ...")."""
        return self.marker in (".", ")") or self.worded


_WORD_LABEL = r"(?:Punt|Ad|Advies|Aanbeveling|Vraag|Opmerking|Reactie|Zienswijze)\s+"
_BULLET_LABEL = rf"(?:{BULLET})\s*"


def _numbered_pattern(digits: int) -> re.Pattern:
    """A numbered line whose whole number has at most ``digits`` digits (a part after a dot
    has at most two: "1.12", not "1.100", which reads as eleven hundred in Dutch)."""
    return re.compile(
        rf"(?P<label>{_WORD_LABEL}|\(|{_BULLET_LABEL})?"
        rf"(?P<number>[1-9][0-9]{{0,{digits - 1}}}(?:\.[1-9][0-9]?)*)"
        r"(?P<marker>[.)]|:(?=\s|$)|\s[-–](?=\s))?"
        r"(?:\s+(?P<rest>.*)|(?<=[.)])(?P<tight>[A-Z].*))?"
    )


# Up to 999 a number at the start of a line may be a point anywhere. A longer one ("1000.",
# but also "2016. Het jaar ...", "1500 jongeren ...") only where a list is going on and the
# splitter finds it the next number (``numbered(text, longer=True)``). Six digits is far
# beyond the points one reaction holds (intake.MAX_POINTS) and keeps int() cheap.
LONGEST_NUMBER = 6
_NUMBERED = _numbered_pattern(3)
_NUMBERED_LONGER = _numbered_pattern(LONGEST_NUMBER)
_LETTERED = re.compile(
    rf"(?P<label>\(|{_BULLET_LABEL})?(?P<letter>[a-zA-Z])(?P<marker>[.)])(?:\s+(?P<rest>\S.*))?"
)
_ROMAN = re.compile(
    rf"(?P<label>\(|{_BULLET_LABEL})?(?P<numeral>[ivxlc]{{1,7}}|[IVXLC]{{1,7}})"
    r"(?P<marker>[.)])(?:\s+(?P<rest>\S.*))?"
)
_ROMAN_VALID = re.compile(r"c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})", re.IGNORECASE)
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
_BULLET_LINE = re.compile(rf"(?P<bullet>{BULLET})(?:\s+(?P<rest>.*))?")


def numbered(text: str, longer: bool = False) -> Item | None:
    """ "3. Tekst", "3) Tekst", "(3) Tekst", "1.2 Tekst", "Punt 3: Tekst", "Ad 1. Tekst", "• 3.";
    with ``longer`` also numbers of four to six digits with a marker or a word before them
    ("1000. Tekst", "Punt 1000: Tekst"; not "1000 AB Amsterdam", a postcode)."""
    m = (_NUMBERED_LONGER if longer else _NUMBERED).fullmatch(text)
    if not m:
        return None
    label, marker = (m["label"] or ""), (m["marker"] or "")
    worded = label[:1].isalpha() and label.split()[0] in _WORD_LABELS
    if label == "(" and marker != ")":
        return None
    if label and not worded and label != "(" and marker not in (".", ")"):
        return None  # "• 2016 was een goed jaar": a bullet, not point 2016
    rest = m["rest"] if m["rest"] is not None else m["tight"]
    if worded and not marker and rest is not None and not rest[:1].isupper():
        return None  # "Punt 3 is overgenomen.": a sentence about point 3
    if not marker and not worded and len(m["number"]) > 3 and m["number"].isdigit():
        return None  # "1000 AB Amsterdam", "1500 jongeren kregen hulp": a postcode, an amount
    return Item(label, m["number"], marker, rest)


_WORD_LABELS = frozenset(
    "Punt Ad Advies Aanbeveling Vraag Opmerking Reactie Zienswijze".split()
)


def lettered(text: str) -> Item | None:
    """ "a. Tekst", "b) Tekst", "(c) Tekst", "• a.", "A. Tekst"."""
    m = _LETTERED.fullmatch(text)
    if not m or (m["label"] == "(" and m["marker"] != ")"):
        return None
    return Item(m["label"] or "", m["letter"], m["marker"], m["rest"])


def roman(text: str) -> Item | None:
    """ "i. Tekst", "(ii) Tekst", "IV. Tekst": a roman numeral as list number."""
    m = _ROMAN.fullmatch(text)
    if not m or (m["label"] == "(" and m["marker"] != ")"):
        return None
    if not _ROMAN_VALID.fullmatch(m["numeral"]):
        return None
    return Item(m["label"] or "", m["numeral"], m["marker"], m["rest"])


def roman_value(numeral: str) -> int:
    """The value of a (valid) roman numeral: "iv" -> 4."""
    values = [_ROMAN_VALUES[c] for c in numeral.lower()]
    return sum(-v if v < nxt else v for v, nxt in zip(values, values[1:] + [0], strict=True))


def bullet(text: str) -> Item | None:
    """ "• Tekst", "- Tekst", "\uf0b7 Tekst", "o Tekst" (Word's second level), "• -"."""
    m = _BULLET_LINE.fullmatch(text)
    if not m:
        return None
    return Item("", m["bullet"], "", m["rest"])


def item_shaped(text: str) -> bool:
    """Whether the line looks like a numbered, lettered or bulleted list item."""
    return bool(numbered(text) or lettered(text) or roman(text) or bullet(text))


# --- The frame of a letter -------------------------------------------------------------------

_SALUTATION_WORDS = r"(?:Zeer\s+)?[Gg]eachte?|Dear"
# "Beste", "Dag" ... open many other lines ("Beste praktijken,", "Dag en nacht bereikbaar,"):
# a salutation only before a name or an addressee.
_ADDRESSED = (
    r"[A-Z]\S*|leden|allen|allemaal|collega's|raadsleden|wethouder|wethouders|heer|mevrouw|heren"
    r"|dames|griffie|griffier|bestuur|college|secretaris|voorzitter|commissie|fractie|adviesraad"
    r"|bewoners|lezer|lezers|mensen"
)
_SALUTATION = re.compile(
    rf"(?:{_SALUTATION_WORDS})\s[^!?;:]{{1,160}}"  # "Geachte heer X, geacht College,"
    rf"|(?:Beste|Lieve|Hallo|Hoi|Dag)(?:\s+(?:{_ADDRESSED})(?:\s[^.!?;:]{{1,80}})?)?,"
    r"|(?:Goedemorgen|Goedemiddag|Goedenavond|Goedendag)(?:\s[^.!?;:]{1,80})?,"
    r"|L\.\s?S\.?,?"
)
_CLOSING = re.compile(
    r"(?:Met\s+(?:\w+\s+){0,3}groet(?:en)?\b"  # "Met (een) vriendelijke (en collegiale) groet"
    r"|(?:Vriendelijke|Hartelijke|Collegiale)\s+groet(?:en)?|Hoogachtend|Groet(?:en)?,"
    r"|Met\s+(?:de\s+meeste\s+)?hoogachting|Mvg\b|Kind regards|Best regards)",
    re.IGNORECASE,
)
_ON_BEHALF = re.compile(r"[Nn]amens\s[^.!?;]{2,120}")
# A formal signature without greeting: "Burgemeester en wethouders van Leiden," / "de secretaris,
# de burgemeester,"
_OFFICE = r"(?:secretaris|griffier|voorzitter|burgemeester|gemeentesecretaris|directeur)"
_SIGNATURE = re.compile(
    r"(?:Het\s+college\s+van\s+)?[Bb]urgemeester\s+en\s+wethouders(?:\s+van\s+[^.!?;]{2,60})?,?"
    rf"|(?:[Dd]e\s+{_OFFICE},?\s*)+"
)
# Lines of a letter's head: addressee, subject, sender's address, date, received stamp, the
# header lines of a forwarded e-mail.
_ADDRESSEES = (
    r"college|colleges|gemeenteraad|gemeenteraden|raad|raden|leden|bestuur|dagelijks|algemeen"
    r"|wethouder|wethouders|burgemeester|voorzitter|portefeuillehouders?|griffie|griffier"
    r"|gemeente|directie|commissie|fractie|fracties|adviesraad|mevrouw|heer|dhr\.?|mw\.?"
)
_HEAD = re.compile(
    r"(?:Betreft|Onderwerp|Inzake|Subject)\b.*"
    rf"|Aan\s+(?:(?:het|de|den|alle)\s+)?(?:{_ADDRESSEES})\b.*"
    r"|(?:Aan|To|Van|From|Cc|CC|Bcc|BCC|Verzonden|Sent|Datum|Date|Bijlagen?|Bijlage\(n\)):.*"
    r"|(?:T\.\s?a\.\s?v\.|Ter attentie van|Behandeld door|Contactpersoon|Inlichtingen(?: bij)?"
    r"|Telefoon(?:nummer)?|Tel\.|Fax|E-?mail|Website|IBAN|KvK|BTW)\b.*"
    r"|Postbus\s+[0-9]+.*|[0-9]{4}\s?[A-Z]{2}\b.{0,40}"
    r"|(?:\S+@\S+\.[a-z]{2,}|(?:https?://|www\.)\S+)(?:\s.{0,40})?"
    rf"|(?:[A-Z][\w' -]{{1,40}},\s*)?(?:\w+dag\s+)?{DATE}"
    rf"|(?:Ontvangen|Ingekomen|Binnengekomen)(?:\s+op)?:?\s+{DATE}.*"
    r"|-{2,}\s*(?:Oorspronkelijk bericht|Original Message|Doorgestuurd bericht)\s*-{2,}"
    r"|(?:Begin doorgestuurd bericht|Forwarded message).*",
)
# "Ontvangen op 27 februari 2023": a received stamp, dropped where it is not in the head.
_STAMP = re.compile(rf"(?:Ontvangen|Ingekomen|Binnengekomen)(?:\s+op)?:?\s+{DATE}")


def salutation(text: str) -> bool:
    """Whether the line is a salutation: "Geachte heer X, geacht College,", "Geacht bestuur,"."""
    if len(text) > 180 or text.endswith(".") or not _SALUTATION.fullmatch(text):
        return False
    return text.endswith(",") or len(text.split()) <= 12


def closing(text: str) -> bool:
    """Whether the line opens a letter's closing: "Met vriendelijke groet,", "Hoogachtend"."""
    return bool(_CLOSING.match(text)) and len(text.split()) <= 14


def on_behalf(text: str) -> bool:
    """Whether the line opens a signature: "Namens ...", "Burgemeester en wethouders van X,",
    "de secretaris, de burgemeester," (not a sentence: no closing period)."""
    if text.rstrip().endswith("."):
        return False
    return bool(_ON_BEHALF.fullmatch(text) or _SIGNATURE.fullmatch(text))


def head_line(text: str) -> bool:
    """Whether the line belongs to a letter's head: addressee, subject, address, date, stamp."""
    return len(text) <= 200 and bool(_HEAD.fullmatch(text))


def head_label(text: str) -> bool:
    """Whether the line is a head line's label alone ("Betreft:", "Aan:"): its value is below."""
    return text.endswith(":") and len(text.split()) <= 3 and head_line(text)


def stamp(text: str) -> bool:
    """Whether the line is a received stamp ("Ontvangen op 27 februari 2023")."""
    return bool(_STAMP.fullmatch(text))


# The sentence before the closing that only ends the letter ("Mocht deze brief vragen oproepen,
# ..."): part of the outro, not of the last point.
_SIGN_OFF = re.compile(
    r"(?:Mocht(?:en)?\s.{0,80}\b(?:vragen|toelichting|onduidelijk)"
    r"|Voor\s(?:vragen|meer informatie|nadere informatie|verdere informatie|een toelichting)"
    r"|Wij\s(?:vertrouwen|hopen)\s(?:erop\s|dat\s)?(?:u\s|hiermee|met\s)"
    r"|Wij\szijn\s(?:graag\s)?bereid|Wij\szien\s.{0,40}\b(?:tegemoet|uit naar)"
    r"|Graag\s(?:zijn|lichten|zien|gaan)\swij"
    r"|Wij\slichten\s.{0,40}\bgraag\stoe"
    r"|(?:Uiteraard|Desgewenst)\s(?:zijn|lichten)\swij)",
    re.IGNORECASE,
)


def sign_off(text: str) -> bool:
    """Whether a paragraph is the letter's last courtesy before the closing (see _SIGN_OFF)."""
    return len(text) <= 400 and bool(_SIGN_OFF.match(text))
