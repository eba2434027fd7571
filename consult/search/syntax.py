"""The query language: what people type into the search box, as a query over index terms.

- words: all must occur (``jeugdhulp privacy``);
- ``"a phrase"``: the words side by side (curly and low quotes too, as Word and phones type
  them);
- ``OR`` / ``OF`` between two things: either; it binds tighter than the words around it
  (``privacy huisarts OR jeugd`` is privacy and one of the other two);
- ``AND`` / ``EN``: the same as a space; ``NOT`` / ``NIET``, or a minus sign right before a
  word, phrase or group: without. Operators count in capitals only: "of", "en" and "niet"
  are words;
- ``(groups)``;
- ``prefix*``: words that start with it, as written ("gemeen*" finds "gemeente").

A hyphen inside a word belongs to the word ("JGT-ers", "PGB-kennis", "18-/18+",
"jeugd-ggz"): only a minus at the start of a word (at the start, after a space or an opening
bracket) excludes. Words are cut and analysed exactly as the index cuts texts
(``analysis.CHUNK``): a word of several parts looks for its parts side by side, and, when
they are joined by hyphens only, also for the joined word ("zorg-aanbieders" finds
"zorgaanbieders").

Parsing never fails: a missing operand, bracket or quote is left out or closed at the end.
"""

from dataclasses import dataclass

from whoosh import query as wq

from .analysis import (
    ATOM,
    CHUNK,
    SURFACE_MARK,
    atom_query,
    atom_terms,
    joined_query,
    normalise,
)

FIELD = "body"
MIN_PREFIX = 2
_OPERATORS = {"AND": "and", "EN": "and", "OR": "or", "OF": "or", "NOT": "not", "NIET": "not"}
_ENDS_WORD = frozenset(' \t\r\n()"')
# Brackets nest at most this deep; deeper ones are left out (their contents stay). Without a
# bound, 250 brackets made the parser recurse past Python's limit on every search.
MAX_DEPTH = 10
_SIGNS = frozenset(("not", "minus", "plus"))


@dataclass
class _Token:
    kind: str  # word, phrase, open, close, and, or, not, minus, plus
    text: str = ""
    prefix: bool = False


def _lex(text: str) -> list[_Token]:
    """The query cut into tokens; anything that is neither a word nor an operator is dropped."""
    out: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        at_start = i == 0 or text[i - 1].isspace() or text[i - 1] == "("
        if c.isspace():
            i += 1
        elif c in "()":
            out.append(_Token("open" if c == "(" else "close"))
            i += 1
        elif c == '"':
            end = text.find('"', i + 1)
            end = n if end < 0 else end
            out.append(_Token("phrase", text[i + 1 : end]))
            i = end + 1
        elif c in "-+" and at_start and i + 1 < n and text[i + 1] not in _ENDS_WORD - {'"', "("}:
            out.append(_Token("minus" if c == "-" else "plus"))
            i += 1
        elif at_start and (word := _operator(text, i)):
            out.append(_Token(_OPERATORS[word]))
            i += len(word)
        elif chunk := CHUNK.match(text, i):
            end = chunk.end()
            star = end < n and text[end] == "*"
            out.append(_Token("word", chunk.group(), prefix=star))
            while end < n and text[end] == "*":
                end += 1
            i = end
        else:
            i += 1
    return out


def _bounded(tokens: list[_Token]) -> list[_Token]:
    """The tokens with brackets nested at most ``MAX_DEPTH`` deep (deeper pairs left out) and
    each run of signs made one (NOT NOT x is x): the parser then recurses a bounded number of
    times, whatever was typed."""
    out: list[_Token] = []
    depth, dropped = 0, []  # dropped: per open bracket, whether it was left out
    negations, signs = 0, False
    for token in tokens:
        if token.kind == "open":
            dropped.append(depth >= MAX_DEPTH)
            if dropped[-1]:
                continue
            depth += 1
        elif token.kind == "close" and dropped:
            if dropped.pop():
                continue
            depth -= 1
        if token.kind in _SIGNS:
            negations += token.kind != "plus"
            signs = True
            continue
        if signs:
            if negations % 2:
                out.append(_Token("not"))
            negations, signs = 0, False
        out.append(token)
    return out


def _operator(text: str, i: int) -> str | None:
    for word in _OPERATORS:
        end = i + len(word)
        if text.startswith(word, i) and (end == len(text) or text[end] in _ENDS_WORD):
            return word
    return None


class _Parser:
    """Recursive descent over the tokens: sequence := either*, either := unary (OR unary)*,
    unary := (NOT | -) unary | + unary | ( sequence ) | phrase | word."""

    def __init__(self, tokens: list[_Token]):
        self.tokens = tokens
        self.at = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def sequence(self, nested: bool = False) -> wq.Query:
        parts = []
        while (token := self.peek()) is not None:
            if token.kind == "close":
                self.at += 1
                if nested:
                    break
                continue  # a stray closing bracket
            if token.kind in ("and", "or"):  # AND is a space; OR without a left side: nothing
                self.at += 1
                continue
            parts.append(self.either())
        parts = [p for p in parts if not is_null(p)]
        if not parts:
            return wq.NullQuery
        return parts[0] if len(parts) == 1 else wq.And(parts)

    def either(self) -> wq.Query:
        options = [self.unary()]
        while (token := self.peek()) is not None and token.kind == "or":
            self.at += 1
            if (after := self.peek()) is None or after.kind in ("close", "or", "and"):
                break
            options.append(self.unary())
        options = [o for o in options if not is_null(o)]
        if not options:
            return wq.NullQuery
        return options[0] if len(options) == 1 else wq.Or(options)

    def unary(self) -> wq.Query:
        token = self.peek()
        if token is None:
            return wq.NullQuery
        self.at += 1
        if token.kind in ("not", "minus"):
            inner = self.unary()
            return wq.NullQuery if is_null(inner) else wq.Not(inner)
        if token.kind == "plus":
            return self.unary()
        if token.kind == "open":
            return self.sequence(nested=True)
        if token.kind == "phrase":
            return phrase_query(token.text)
        if token.kind == "word":
            return chunk_query(token.text, token.prefix)
        return wq.NullQuery  # a closing bracket or an operator without a left side


def is_null(q) -> bool:
    """Whether a query asks for nothing (None or Whoosh's NullQuery)."""
    return q is None or isinstance(q, type(wq.NullQuery))


def parse_query(text: str) -> wq.Query:
    """The query for this text (normalised like the index reads texts); NullQuery if empty."""
    q = _Parser(_bounded(_lex(normalise(text)))).sequence()
    return q.normalize() if not is_null(q) else q


def _prefix_text(atom: str) -> str:
    """What a typed prefix looks for: the atom as written, folded ('Gemeen' -> 'gemeen')."""
    terms = atom_terms(atom)
    surface = next((t[1:] for t in terms if t.startswith(SURFACE_MARK)), None)
    return surface if surface is not None else (terms[0] if terms else "")


def chunk_query(chunk: str, prefix: bool = False) -> wq.Query:
    """The query for one typed chunk: a word or number, words joined by hyphens (side by
    side, or as one word), alternatives joined by slashes ('18-/18+': both)."""
    groups = [g for g in chunk.split("/") if ATOM.search(g)]
    parts = [_group_query(g, prefix and i == len(groups) - 1) for i, g in enumerate(groups)]
    parts = [p for p in parts if not is_null(p)]
    if not parts:
        return wq.NullQuery
    return parts[0] if len(parts) == 1 else wq.And(parts)


def _group_query(group: str, prefix: bool) -> wq.Query:
    atoms = [a for a in ATOM.findall(group) if atom_query(a)]
    if not atoms:
        return wq.NullQuery
    joined = joined_query(group)
    if prefix:
        if len(atoms) == 1 or joined:
            text = "".join(_prefix_text(a) for a in atoms)
            return wq.Prefix(FIELD, text) if len(text) >= MIN_PREFIX else wq.NullQuery
        last = _prefix_text(atoms[-1])
        parts = [wq.Term(FIELD, atom_query(a)) for a in atoms[:-1]]
        if len(last) >= MIN_PREFIX:
            parts.append(wq.Prefix(FIELD, last))
        return wq.And(parts) if len(parts) > 1 else parts[0]
    if len(atoms) == 1:
        return wq.Term(FIELD, atom_query(atoms[0]))
    phrase = wq.Phrase(FIELD, [atom_query(a) for a in atoms])
    return wq.Or([phrase, wq.Term(FIELD, joined)]) if joined else phrase


def phrase_query(text: str) -> wq.Query:
    """The words of a quoted text side by side (stars ignored, operators are words here)."""
    chunks = CHUNK.findall(text)
    if len(chunks) == 1:
        return chunk_query(chunks[0])
    words = [atom_query(a) for chunk in chunks for a in ATOM.findall(chunk) if atom_query(a)]
    if not words:
        return wq.NullQuery
    return wq.Term(FIELD, words[0]) if len(words) == 1 else wq.Phrase(FIELD, words)


def plain_words(text: str) -> wq.Query:
    """Every word must match, operators and quotes ignored: the fallback for a query that
    asks for nothing (only exclusions)."""
    parts = []
    for chunk in CHUNK.findall(normalise(text or "")):
        q = chunk_query(chunk)
        if not is_null(q) and q not in parts:
            parts.append(q)
    if not parts:
        return wq.NullQuery
    return parts[0] if len(parts) == 1 else wq.And(parts)
