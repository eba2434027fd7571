"""Word's automatic list numbers, which are not part of the paragraph text: read once from the
styles and numbering parts, then looked up per paragraph in constant time."""

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


def format_counter(n: int, fmt: str) -> str:
    """A list counter in Word's number format: decimal, lowerLetter, upperRoman, ..."""
    if fmt == "lowerLetter":
        return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
    if fmt == "upperLetter":
        return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)
    if fmt == "lowerRoman":
        return _to_roman(n)
    if fmt == "upperRoman":
        return _to_roman(n).upper()
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


def _int(value: str | None, default: int = 0) -> int:
    """A number attribute, tolerant of junk ("3", "", "x")."""
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


class Styles(_Xml):
    """Paragraph styles: id -> (based-on id, its own list reference); resolved once per id."""

    def __init__(self, root, ns: str, limits: Limits):
        super().__init__(ns)
        self.own: dict[str, tuple[str | None, tuple | None]] = {}
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
            is_paragraph = style.get(self.w + "type") in (None, "paragraph")
            if is_paragraph and style.get(self.w + "default") in ("1", "true", "on"):
                self.default = style_id

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


class Numbering(_Xml):
    """numId -> {level: (format, level text, start)}, and the counters as the document runs."""

    def __init__(self, root, styles: Styles, ns: str, limits: Limits):
        super().__init__(ns)
        self.styles = styles
        self.lists: dict[str, dict[int, tuple[str, str, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        if root is None:
            return
        definitions = root.findall(self.w + "abstractNum")
        nums = root.findall(self.w + "num")
        if len(definitions) + len(nums) > limits.list_definitions:
            raise too_complex("te veel lijstdefinities")
        abstract = {}
        for node in definitions:
            levels = {}
            for lvl in node.findall(self.w + "lvl"):
                levels[_int(lvl.get(self.w + "ilvl"))] = (
                    self.val(lvl, "numFmt", "decimal"),
                    self.val(lvl, "lvlText", ""),
                    _int(self.val(lvl, "start", "1"), 1),
                )
            abstract[node.get(self.w + "abstractNumId")] = levels
        for num in nums:
            ref = self.val(num, "abstractNumId")
            if ref is not None:
                self.lists[num.get(self.w + "numId")] = abstract.get(ref, {})

    def _reference(self, p) -> tuple[str | None, int]:
        """The paragraph's (numId, level): its own, else its style's."""
        own = self.num_pr(p)
        style = self.val(p.find(self.w + "pPr"), "pStyle", self.styles.default)
        inherited = self.styles.list_of(style)
        num_id = own[0] if own and own[0] is not None else (inherited[0] if inherited else None)
        level = own[1] if own and own[1] is not None else (inherited[1] if inherited else None)
        return num_id, level or 0

    def prefix(self, p) -> str:
        """The list number Word shows before this paragraph ("3.", "b)", "•"), or ""."""
        num_id, level = self._reference(p)
        levels = self.lists.get(num_id) if num_id is not None else None
        if not levels or level not in levels:
            return ""
        fmt, template, start = levels[level]
        if fmt == "none":
            return ""
        if fmt == "bullet":
            return "•" if not template or "\ue000" <= template[0] <= "\uf8ff" else template
        counters = self.counters.setdefault(num_id, {})
        counters[level] = counters.get(level, start - 1) + 1
        for deeper in [k for k in counters if k > level]:
            del counters[deeper]
        out = template
        for k in range(level, -1, -1):
            lvl_fmt, _, lvl_start = levels.get(k, ("decimal", "", 1))
            value = counters.get(k, lvl_start)
            out = out.replace(f"%{k + 1}", format_counter(value, lvl_fmt))
        return out
