"""Answers as documents show them: the Markdown a secretary typed ("**meegenomen**", "- ")
turned into runs for Word (bold, italic, list items as paragraphs, a link's address after its
text) and into plain text for Excel, CSV and letters, never the raw markers.

Read from the answer's rendered, sanitised HTML (``body_html``, made once per version by
consult.rendered with consult.text.render_markdown), so every document says what the pages
say; parsed with the standard library's HTMLParser (the HTML is ours: nh3 allows a handful of
tags only).
"""

from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser

from .cleantext import clean_text
from .text import render_markdown

Run = tuple[str, str]  # (text, style): style "" plain, "b" bold, "i" italic
_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "div",
           "table", "ul", "ol"}
_BOLD = {"strong", "b", "h1", "h2", "h3", "h4", "h5", "h6", "th"}
_ITALIC = {"em", "i"}
_BULLETS = ("• ", "– ", "· ")  # a list, a list in it, deeper
# One paragraph without tags or entities: most points and answers. Read without the parser
# (an export of 10,000 points reads 20,000 texts).
_ONE_PLAIN_PARAGRAPH = re.compile(r"<p>([^<&]*)</p>\s*")
# One line Markdown leaves as one plain paragraph: it starts with a letter (so no block syntax:
# list, heading, quote, code) and holds no character that inline syntax, raw HTML or escaping
# acts on. Its excerpt is its words, without running Markdown (a search result page made
# twenty excerpts at ~1.5 ms each, most of its time). tests/test_richtext_excerpt.py holds
# it equal to the Markdown path.
_INERT_LINE = re.compile(r"[^\W\d_][^\n\r*_`\[\]<>&\\|~\"]*")


class _Runs(HTMLParser):
    """Paragraphs of runs from our sanitised HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[list[Run]] = [[]]
        self.bold = self.italic = self.pre = 0
        self.lists: list[list[int]] = []  # per open list: [next number] (ol) or [] (ul)
        self.links: list[str | None] = []

    def _new_paragraph(self) -> None:
        if self.paragraphs[-1]:
            self.paragraphs.append([])

    def handle_starttag(self, tag, attrs):
        if tag in _BLOCKS or tag == "br":
            self._new_paragraph()
        if tag in ("ul", "ol"):
            self.lists.append([1] if tag == "ol" else [])
        elif tag == "li":
            marker = _BULLETS[min(len(self.lists), len(_BULLETS)) - 1]
            if self.lists and self.lists[-1]:
                marker = f"{self.lists[-1][0]}. "
                self.lists[-1][0] += 1
            self.paragraphs[-1].append((marker, ""))
        elif tag == "a":
            self.links.append(dict(attrs).get("href"))
        elif tag in ("td", "th") and self.paragraphs[-1]:
            self.paragraphs[-1].append((" | ", ""))
        self.bold += tag in _BOLD
        self.italic += tag in _ITALIC
        self.pre += tag in ("pre", "code")

    def handle_endtag(self, tag):
        self.pre -= tag in ("pre", "code") and self.pre > 0
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        elif tag == "a" and self.links:
            href = self.links.pop()
            shown = "".join(text for text, _style in self.paragraphs[-1])
            if href and href.startswith(("http://", "https://", "mailto:")) and \
                    not shown.endswith(href.removeprefix("mailto:")):
                self.paragraphs[-1].append((f" ({href.removeprefix('mailto:')})", ""))
        self.bold -= tag in _BOLD and self.bold > 0
        self.italic -= tag in _ITALIC and self.italic > 0
        if tag in _BLOCKS:
            self._new_paragraph()

    def handle_data(self, data):
        if self.pre:  # code keeps its lines and indentation (a line break in the run)
            self.paragraphs[-1].append((data.strip("\n"), ""))
            return
        if not data.strip() and (not self.paragraphs[-1] or "\n" in data):
            return  # white space between blocks, rows or cells
        style = "b" if self.bold else "i" if self.italic else ""
        text = " ".join(data.split())
        if data[:1].isspace() and self.paragraphs[-1]:
            text = " " + text
        if data[-1:].isspace() and text.strip():
            text += " "
        self.paragraphs[-1].append((text, style))


def runs(body_html: str | None, body: str | None = None) -> list[list[Run]]:
    """The answer's paragraphs, each a list of (text, style) runs with text cleaned for a
    document (consult.cleantext); [] for no text. Neighbouring runs of one style are joined.
    ``body``: the Markdown, rendered here when a row has no HTML yet (written outside the
    ORM; ``flask consult upgrade`` fills those in), so no answer is ever left out."""
    if body_html is None and body:
        body_html = str(render_markdown(body))
    if (simple := _ONE_PLAIN_PARAGRAPH.fullmatch(body_html or "")) is not None:
        only = clean_text(" ".join(simple.group(1).split()))
        return [[(only, "")]] if only else []
    parser = _Runs()
    parser.feed(body_html or "")
    parser.close()
    out = []
    for paragraph in parser.paragraphs:
        joined: list[Run] = []
        for text, style in paragraph:
            if joined and joined[-1][1] == style:
                joined[-1] = (joined[-1][0] + text, style)
            else:
                joined.append((text, style))
        if joined:
            first, last = joined[0], joined[-1]
            joined[0] = (first[0].lstrip(), first[1])
            joined[-1] = (joined[-1][0].rstrip(), last[1])
            joined = [(clean_text(text), style) for text, style in joined if text]
        if joined:
            out.append(joined)
    return out


def text(body_html: str | None, body: str | None = None) -> str:
    """The answer as plain text: its paragraphs on lines of their own, list items with "• "
    or their number, a link's address after its text, no Markdown markers."""
    return "\n".join("".join(t for t, _style in paragraph)
                     for paragraph in runs(body_html, body))


def excerpt(body: str | None, limit: int | None = 1_000) -> str:
    """The Markdown ``body`` as plain text for an excerpt on a page ("Nieuw", the archive,
    lists of points): no Markdown markers, its lines kept (sub-items a./b., list items with
    "• "), and HTML the user typed ("<img src=x>") kept as literal text, never dropped or
    obeyed (consult.text renders it escaped). ``limit``: only the first that many characters
    are read (an excerpt is cut shorter anyway), so the cost stays linear in ``limit``."""
    if not body:
        return ""
    source = body if limit is None else body[:limit]
    if len(source) > _CACHED_UP_TO:
        return _excerpt(source)
    return _kept_excerpt(source)


_CACHED_UP_TO = 2_000  # characters: the excerpts of lists (1,000) are kept, whole texts not


def _excerpt(source: str) -> str:
    cleaned = clean_text(source)
    if _INERT_LINE.fullmatch(cleaned):
        return clean_text(" ".join(cleaned.split()))
    return text(str(render_markdown(source, raw_html=False)))


# The same texts come back on every request (Nieuw's 40 threads, the dashboard's open points):
# their Markdown was converted again each time (80 conversions a Nieuw page, most of its
# CPU). A text's excerpt depends on the text only, so it is kept per process.
_kept_excerpt = lru_cache(maxsize=4096)(_excerpt)


def plain(body: str | None, limit: int | None = None) -> str:
    """``excerpt`` on one line (paragraphs joined by a space), for search snippets."""
    return " ".join(excerpt(body, limit).split("\n"))
