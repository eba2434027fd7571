"""Word's automatic list numbers, which are not part of the paragraph text: read once from the
styles and numbering parts, then looked up per paragraph in constant time."""

from dataclasses import dataclass

from .errors import Limits, too_complex


def _to_roman(n: int) -> str:
    """12 -> "xii"."""
    out = ""
    for value, letters in (
        (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
        (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
    ):  # fmt: skip
        while n >= value:
            out += letters
            n -= value
    return out


LETTERS_MAX = 780  # Word's letters run a..z, aa..zz up to 780 (zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz)
ROMAN_MAX = 3999  # mmmcmxcix: the largest number Roman numerals write without bars


def format_counter(n: int, fmt: str) -> str:
    """A list counter in Word's number format: decimal, lowerLetter, upperRoman, ...
    Letters past LETTERS_MAX and Roman numerals past ROMAN_MAX (a junk start value: list
    start 99,999 in letters was 3,847 characters a point) are written as decimals."""
    if fmt in ("lowerLetter", "upperLetter") and not 1 <= n <= LETTERS_MAX or \
            fmt in ("lowerRoman", "upperRoman") and not 1 <= n <= ROMAN_MAX:
        return str(n)
    if fmt == "lowerLetter":
        return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
    if fmt == "upperLetter":
        return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)
    if fmt == "lowerRoman":
        return _to_roman(n)
    if fmt == "upperRoman":
        return _to_roman(n).upper()
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "ordinal":
        return f"{n}e"  # Dutch: 1e, 2e
    return str(n)


class _Xml:
    """Namespace helpers shared by the styles and numbering readers."""

    def __init__(self, ns: str):
        self.w = f"{{{ns}}}"

    def val(self, node, tag: str, default: str | None = None) -> str | None:
        """The w:val of a child element, or the default."""
        child = node.find(self.w + tag) if node is not None else None
        value = child.get(self.w + "val") if child is not None else None
        return value if value is not None else default

    def num_pr(self, node) -> tuple[str | None, int | None] | None:
        """(numId, ilvl) of a w:pPr's w:numPr, None when there is none."""
        ppr = node.find(self.w + "pPr") if node is not None else None
        num_pr = ppr.find(self.w + "numPr") if ppr is not None else None
        if num_pr is None:
            return None
        ilvl = self.val(num_pr, "ilvl")
        return self.val(num_pr, "numId"), _int(ilvl) if ilvl is not None else None


LARGEST_ATTRIBUTE = 99_999  # a list may start at 2016; nothing real starts past this


def number_attribute(value: str | None, default: int, lowest: int = -LARGEST_ATTRIBUTE,
                     highest: int = LARGEST_ATTRIBUTE) -> int:
    """A number attribute of an uploaded file (a list's start, a level, a count), tolerant of
    junk: ``default`` for None, "", "x", "²" or "①" (digits to ``str.isdigit`` that ``int``
    refuses) and for 4,300+ digits (past Python's int() limit); otherwise the value,
    clamped to [lowest, highest], so that no attribute can make a 5,000-digit list number
    or point a level outside its table. A letter is never refused for one junk attribute."""
    text = (value or "").strip()
    digits = text[1:] if text[:1] in "+-" else text
    if not digits.isdecimal() or len(digits) > 9:
        return default
    return min(max(int(text), lowest), highest)


def _int(value: str | None, default: int = 0) -> int:
    """A number attribute, tolerant of junk ("3", "", "x"): number_attribute."""
    return number_attribute(value, default)


class Styles(_Xml):
    """Paragraph styles: id -> (based-on id, its own list reference); resolved once per id."""

    def __init__(self, root, ns: str, limits: Limits):
        super().__init__(ns)
        self.own: dict[str, tuple[str | None, tuple | None]] = {}
        self.headings: dict[str, int | None] = {}  # style id -> its own outline level (1-9)
        self.default: str | None = None
        self._resolved: dict[str | None, tuple | None] = {}
        if root is None:
            return
        styles = root.findall(self.w + "style")
        if len(styles) > limits.styles:
            raise too_complex(f"meer dan {limits.styles:,} opmaakprofielen".replace(",", "."))
        for style in styles:
            style_id = style.get(self.w + "styleId")
            if style_id is None:
                continue
            self.own[style_id] = (self.val(style, "basedOn"), self.num_pr(style))
            self.headings[style_id] = self._heading(style)
            is_paragraph = style.get(self.w + "type") in (None, "paragraph")
            if is_paragraph and style.get(self.w + "default") in ("1", "true", "on"):
                self.default = style_id

    def _heading(self, style) -> int | None:
        """The outline level a style states (w:outlineLvl, or a name "heading 2" / "Kop 2")."""
        ppr = style.find(self.w + "pPr")
        level = self.val(ppr, "outlineLvl") if ppr is not None else None
        if level is not None:
            return _int(level, 9) + 1 if _int(level, 9) < 9 else None
        name = (self.val(style, "name") or "").strip().lower().split()
        if len(name) == 2 and name[0] in ("heading", "kop"):
            level = number_attribute(name[1], 0)
            return level if 1 <= level <= 9 else None
        return None

    def heading_level(self, p) -> int | None:
        """A paragraph's outline level (1 = chapter) from its own w:outlineLvl or its style's
        (inherited along w:basedOn), None for body text."""
        ppr = p.find(self.w + "pPr")
        own = self.val(ppr, "outlineLvl") if ppr is not None else None
        if own is not None:
            return _int(own, 9) + 1 if _int(own, 9) < 9 else None
        current, seen = self.val(ppr, "pStyle", self.default), set()
        while current is not None and current not in seen and len(seen) < 20:
            seen.add(current)
            if self.headings.get(current) is not None:
                return self.headings[current]
            current = self.own.get(current, (None, None))[0]
        return None

    def list_of(self, style_id: str | None) -> tuple | None:
        """The list reference a paragraph style gives (its own or inherited), or None."""
        if style_id in self._resolved:
            return self._resolved[style_id]
        found, seen, current = None, set(), style_id
        while current is not None and current not in seen and len(seen) < 20:
            seen.add(current)
            based_on, num_pr = self.own.get(current, (None, None))
            if num_pr is not None:
                found = num_pr
                break
            current = based_on
        self._resolved[style_id] = found
        return found


@dataclass(frozen=True)
class _Level:
    """One level of a list definition (w:lvl)."""

    fmt: str = "decimal"
    text: str = ""
    start: int = 1
    restart: int | None = None  # w:lvlRestart: restart after this (1-based) level; 0 = never
    legal: bool = False  # w:isLgl: every level shown as a decimal ("1.1", not "I.a")
    style: str | None = None  # w:pStyle: the paragraph style that means this level


_BULLETS = frozenset("•●▪◦‣∙·*-–—")


def _bullet(text: str) -> str:
    """The bullet Word shows, as a character the splitter knows ("•" for font glyphs)."""
    char = text.strip()[:1]
    if char == "o":  # Courier New "o": Word's second-level hollow bullet
        return "◦"
    return char if char in _BULLETS else "•"


class Numbering(_Xml):
    """Word's list numbering as Word counts it (ECMA-376 §17.9 and Word's behaviour):

    - counters belong to the list definition (w:abstractNum), so instances (w:num) of one
      definition continue each other's count, and a paragraph style's list continues too;
    - an instance's w:startOverride ("Set Numbering Value", "Restart at 1") restarts its
      level at the instance's first paragraph; a w:lvlOverride may replace the whole level;
    - a level restarts after any higher level is used (or as w:lvlRestart says);
    - the level text ("%1.", "%1)", "%1.%2") shows each level's counter in its own format
      (decimal, letters, roman numerals), or all decimal under w:isLgl;
    - a definition may point to another through a numbering style (w:numStyleLink).
    """

    def __init__(self, root, styles: Styles, ns: str, limits: Limits):
        super().__init__(ns)
        self.styles = styles
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.links: dict[str, str] = {}  # abstractNumId -> numbering style it follows
        self.instances: dict[str, tuple[str, dict[int, _Level], dict[int, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}  # per abstractNumId: level -> value
        self.started: set[str] = set()  # instances already used (their overrides applied)
        if root is None:
            return
        definitions = root.findall(self.w + "abstractNum")
        nums = root.findall(self.w + "num")
        if len(definitions) + len(nums) > limits.list_definitions:
            raise too_complex("te veel lijstdefinities")
        for node in definitions:
            key = node.get(self.w + "abstractNumId")
            self.abstract[key] = {
                _int(lvl.get(self.w + "ilvl")): self._level(lvl, _Level())
                for lvl in node.findall(self.w + "lvl")
            }
            link = self.val(node, "numStyleLink")
            if link:
                self.links[key] = link
        for num in nums:
            self._instance(num)

    def _level(self, lvl, base: _Level) -> _Level:
        """A w:lvl read over a base level (an override changes only what it states)."""
        restart = self.val(lvl, "lvlRestart")
        legal = lvl.find(self.w + "isLgl")
        if legal is not None:
            legal = legal.get(self.w + "val") in (None, "1", "true", "on")
        return _Level(
            fmt=self.val(lvl, "numFmt", base.fmt),
            text=self.val(lvl, "lvlText", base.text),
            start=_int(self.val(lvl, "start"), base.start),
            restart=_int(restart) if restart is not None else base.restart,
            legal=base.legal if legal is None else legal,
            style=self.val(lvl, "pStyle", base.style),
        )

    def _instance(self, num) -> None:
        """A w:num: its definition, its replaced levels and its start overrides."""
        ref = self.val(num, "abstractNumId")
        if ref is None:
            return
        levels, starts = {}, {}
        for override in num.findall(self.w + "lvlOverride"):
            ilvl = _int(override.get(self.w + "ilvl"))
            start = self.val(override, "startOverride")
            if start is not None:
                starts[ilvl] = _int(start, 1)
            lvl = override.find(self.w + "lvl")
            if lvl is not None:
                levels[ilvl] = lvl
        self.instances[num.get(self.w + "numId")] = (ref, levels, starts)

    def _definition(self, num_id: str) -> tuple[str, dict[int, _Level], dict[int, int]] | None:
        """(abstractNumId counted in, levels as this instance shows them, start overrides)."""
        instance = self.instances.get(num_id)
        if instance is None:
            return None
        ref, replaced, starts = instance
        for _ in range(4):  # a numbering style names the list that carries the levels
            link = self.links.get(ref)
            linked = self.styles.list_of(link) if link else None
            target = self.instances.get(linked[0]) if linked and linked[0] else None
            if target is None or target[0] == ref:
                break
            ref = target[0]
        levels = dict(self.abstract.get(ref, {}))
        for ilvl, lvl in replaced.items():
            levels[ilvl] = self._level(lvl, levels.get(ilvl, _Level()))
        return ref, levels, starts

    def _reference(self, p) -> tuple[str | None, int]:
        """The paragraph's (numId, level): its own, else its style's (numId "0": no list)."""
        ppr = p.find(self.w + "pPr")
        style = self.val(ppr, "pStyle", self.styles.default)
        own = self.num_pr(p) or (None, None)
        inherited = self.styles.list_of(style) or (None, None)
        num_id = own[0] if own[0] is not None else inherited[0]
        level = own[1] if own[1] is not None else inherited[1]
        if level is None and num_id is not None and own[0] is None:
            level = self._level_of_style(num_id, style)
        return num_id, level or 0

    def _level_of_style(self, num_id: str, style: str | None) -> int:
        """The level a list gives to a paragraph style (w:lvl/w:pStyle), else the first."""
        definition = self._definition(num_id)
        for ilvl, level in (definition[1] if definition else {}).items():
            if style is not None and level.style == style:
                return ilvl
        return 0

    def _count(self, num_id: str, ref: str, levels: dict[int, _Level], starts, level: int) -> dict:
        """Advance the definition's counter for this level; returns the counters."""
        counters = self.counters.setdefault(ref, {})
        if num_id not in self.started:
            self.started.add(num_id)
            for ilvl, start in starts.items():
                counters[ilvl] = start - 1
                for deeper in [k for k in counters if k > ilvl]:
                    del counters[deeper]
        start = levels[level].start
        counters[level] = counters.get(level, start - 1) + 1
        for deeper in [k for k in counters if k > level]:
            restart = levels.get(deeper, _Level()).restart
            if restart is None or (restart != 0 and level < restart):
                del counters[deeper]
        return counters

    def prefix(self, p) -> str:
        """The list number Word shows before this paragraph ("3.", "b)", "1.2", "•"), or ""."""
        num_id, level = self._reference(p)
        definition = self._definition(num_id) if num_id not in (None, "0") else None
        if definition is None or level not in definition[1]:
            return ""
        ref, levels, starts = definition
        current = levels[level]
        if current.fmt == "bullet":
            return _bullet(current.text)
        counters = self._count(num_id, ref, levels, starts, level)
        if current.fmt == "none":
            return ""
        out = current.text
        for k in range(8, -1, -1):
            if f"%{k + 1}" in out:
                lvl = levels.get(k, _Level())
                value = counters.get(k, lvl.start)
                fmt = "decimal" if current.legal else lvl.fmt
                out = out.replace(f"%{k + 1}", format_counter(value, fmt))
        out = out.strip()
        if out.startswith("(") and out.endswith(")") and len(out) > 2:
            out = out[1:]  # "(a)" reads as "a)" for the splitter, as in typed letters
        return out
