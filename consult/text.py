"""Markdown to sanitised HTML: the only place where user text becomes HTML.

Python-Markdown takes quadratic time on some inputs (``"[" * 8000``: 15-20 s; unclosed
brackets, link parentheses, emphasis and backtick runs, setext headings peeled off one long
block, table rows full of backticks, ``<a `` runs in its raw-HTML scanner) and raises
RecursionError on deep nesting (``"- " * 1000``). Any user can submit such a text, so:

- every step of the parser (each preprocessor, block test and run, inline pattern and match,
  table row, tag or piece of text in the raw-HTML scanner, tree- and postprocessor) first
  checks a CPU budget of ``BUDGET`` seconds (this thread's CPU time, so a busy machine does
  not change the outcome, and without the time Python's garbage collector spends in the
  thread meanwhile: with a large heap one collection took 0.4 s, and a 79-character text was
  stored as plain text while 100,000 points were rendered); a text that needs more, or nests
  deeper than Python's recursion limit, is shown as plain text instead: escaped, paragraphs
  at blank lines, its line breaks kept;
- table rows are split in linear time (the extension's own splitter is quadratic per row), so
  that no single step is worse than linear, and texts over ``MAX_MARKDOWN_CHARS`` are shown as
  plain text straight away, so that one step stays small: a text costs at most the budget plus
  one step (a few milliseconds), however it was made.

Ordinary texts never come near the budget (the demo's 258 texts: 0.2 ms each, the slowest
5 ms). Pages do not call this for stored text: consult/rendered.py renders each text once when
it is saved and pages show that HTML.
"""

import gc
import html
import logging
import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable

import markdown as md
import nh3
from markdown.extensions.nl2br import Nl2BrExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension, TableProcessor
from markdown.htmlparser import HTMLExtractor
from markdown.preprocessors import HtmlBlockPreprocessor
from markupsafe import Markup

from .cleantext import clean_text

log = logging.getLogger("consult.text")

BUDGET = 0.05  # seconds of CPU for one text's Markdown; see the module docstring
MAX_MARKDOWN_CHARS = 20_000  # longer texts are shown as plain text without trying
_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
}
_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
# "# Kop" and "## Kop" in a text: h1 and h2 are the page's own, so they become h3 (the
# sanitiser dropped them, and the words ran into the next line); h3-h6 stay as they were.
_HEADING = re.compile(r"<(/?)h([12])\b")


def _lower_heading(found: re.Match) -> str:
    return f"<{found.group(1)}h3"
_local = threading.local()


class _OutOfBudget(BaseException):
    """Raised inside Python-Markdown when the text has used its CPU budget.

    A BaseException, so that no ``except Exception`` inside the parser swallows it."""


def _forgive_collections(phase: str, _info: dict) -> None:
    """A garbage collection that runs inside a text's conversion moves its deadline on by the
    collection's CPU time: that time is the heap's, not the text's (gc.callbacks; it runs in
    the thread whose allocation started the collection).

    Only while a text is being converted in this thread (``_local.deadline`` set): every
    collection of the process calls this, and the thread's CPU clock is a system call (no
    vDSO; 17 us on a quiet 2-core machine, over 150 us under load), which outside a
    conversion cost a 10,000-point dashboard 1,128 calls, 20-200 ms."""
    if getattr(_local, "deadline", None) is None:
        return
    if phase == "start":
        _local.collecting_since = time.thread_time()
    elif getattr(_local, "collecting_since", None) is not None:
        if getattr(_local, "deadline", None) is not None:
            _local.deadline += time.thread_time() - _local.collecting_since
        _local.collecting_since = None


if _forgive_collections not in gc.callbacks:
    gc.callbacks.append(_forgive_collections)


def _spent() -> bool:
    """Whether this thread's text has used its CPU budget. The CPU clock is a system call, the
    guard runs before every parser step, and a thread cannot have used more CPU than wall time
    has passed: the CPU clock is read only once ``BUDGET`` of wall time has gone by."""
    if time.perf_counter() < _local.wall_deadline:
        return False
    return time.thread_time() > _local.deadline


def _checked(step: Callable) -> Callable:
    """The parser step, refusing to start once this thread's budget is spent."""

    def guarded(*args, **kwargs):
        if _spent():
            raise _OutOfBudget
        return step(*args, **kwargs)

    return guarded


class _LinearTableProcessor(TableProcessor):
    """The tables extension with a row splitter that is linear in the row's length.

    The original pairs backtick runs with ``list.index`` on a fresh slice per run and tests
    every pipe against every code region: quadratic in one call (a 8,000-character row of
    "`|" took 0.3 s). Same result, by pointers that only move forward."""

    def _split(self, row: str) -> list[str]:
        pipes, tics, tic_points = [], [], []
        for m in self.RE_CODE_PIPES.finditer(row):
            if m.group(2):  # \`+ : an escaped run; the backslash does not count
                tics.append(len(m.group(2)) - 1)
                tic_points.append((m.start(2), m.end(2) - 1, 1))
            elif m.group(3):
                tics.append(len(m.group(3)))
                tic_points.append((m.start(3), m.end(3) - 1, 0))
            elif m.group(5):
                pipes.append(m.start(5))
        # A run opens a code region closed by the next run of its (unescaped) size.
        where: dict[int, list[int]] = defaultdict(list)
        for i, size in enumerate(tics):
            where[size].append(i)
        seen: dict[int, int] = defaultdict(int)  # per size: how far its list was passed
        regions, pos = [], 0
        while pos < len(tics):
            size = tics[pos] - tic_points[pos][2]
            later, k = where.get(size, []), seen[size]
            while k < len(later) and later[k] <= pos:
                k += 1
            seen[size] = k
            if size == 0 or k == len(later):
                pos += 1
                continue
            regions.append((tic_points[pos][0], tic_points[later[k]][1]))
            pos = later[k] + 1
        cells, start, r = [], 0, 0
        for pipe in pipes:  # both ascending: a pipe inside a code region is text
            while r < len(regions) and regions[r][1] < pipe:
                r += 1
            if r < len(regions) and regions[r][0] <= pipe:
                continue
            cells.append(row[start:pipe])
            start = pipe + 1
        cells.append(row[start:])
        return cells


class _Tables(TableExtension):
    def extendMarkdown(self, md_instance):
        tables = _LinearTableProcessor(md_instance.parser, self.getConfigs())
        tables._build_row = _checked(tables._build_row)  # one table is one block: check per row
        md_instance.parser.blockprocessors.register(tables, "table", 75)


class _GuardedExtractor(HTMLExtractor):
    """The raw-HTML scanner, checking the budget at every tag and piece of text: it runs as
    one preprocessor step, and an unclosed ``<a `` makes it scan to the end of the text."""


for _name in ("parse_starttag", "parse_endtag", "parse_comment", "parse_html_declaration",
              "parse_bogus_comment", "parse_pi", "handle_data"):
    setattr(_GuardedExtractor, _name, _checked(getattr(HTMLExtractor, _name)))


class _GuardedHtmlBlock(HtmlBlockPreprocessor):
    def run(self, lines: list[str]) -> list[str]:
        """The original's body, with the guarded scanner."""
        parser = _GuardedExtractor(self.md)
        parser.feed("\n".join(lines))
        parser.close()
        return "".join(parser.cleandoc).split("\n")


def _converter(raw_html: bool = True) -> md.Markdown:
    """One guarded Markdown instance per thread and kind: building one costs more than
    converting a paragraph. ``raw_html=False``: HTML typed in the text is text, escaped."""
    converters = getattr(_local, "converters", None)
    if converters is None:
        converters = _local.converters = {}
    converter = converters.get(raw_html)
    if converter is None:
        # Nl2Br: a line break inside a paragraph stays one (a letter's "a." and "b." lines,
        # "- " or "1)" items without a blank line before them), as in the preview and Word.
        converter = md.Markdown(extensions=[SaneListExtension(), _Tables(), Nl2BrExtension()],
                                output_format="html")
        if raw_html:
            converter.preprocessors.register(_GuardedHtmlBlock(converter), "html_block", 20)
        else:  # Python-Markdown's documented way to escape raw HTML instead of passing it on
            converter.preprocessors.deregister("html_block")
            converter.inlinePatterns.deregister("html")
        for proc in (*converter.preprocessors, *converter.treeprocessors,
                     *converter.postprocessors):
            proc.run = _checked(proc.run)
        for proc in converter.parser.blockprocessors:
            proc.test = _checked(proc.test)
            proc.run = _checked(proc.run)
        for pattern in converter.inlinePatterns:
            # Asked once per pattern per element, and once per match.
            pattern.getCompiledRegExp = _checked(pattern.getCompiledRegExp)
            pattern.handleMatch = _checked(pattern.handleMatch)
        converters[raw_html] = converter
    return converter


def _markdown(text: str, raw_html: bool = True) -> str | None:
    """Python-Markdown's HTML for the text, or None when it needs more than the budget."""
    converter = _converter(raw_html)  # (re)built before the clock starts
    _local.wall_deadline = time.perf_counter() + BUDGET
    _local.deadline = time.thread_time() + BUDGET
    try:
        return converter.reset().convert(text)
    except (_OutOfBudget, RecursionError) as exc:
        _local.converters.pop(raw_html, None)  # left half-way: start the next on a fresh one
        log.warning("Markdown gave up on a text of %d characters (%s); shown as plain text",
                    len(text), "over budget" if isinstance(exc, _OutOfBudget) else "too deep")
        return None
    finally:
        _local.deadline = None  # no conversion: collections are nobody's to forgive


def plain_html(text: str) -> str:
    """The text as HTML without Markdown: escaped, a paragraph per blank-line-separated block,
    line breaks kept. Linear in the text's length."""
    blocks = _PARAGRAPH_BREAK.split(text.strip())
    return "\n".join(
        "<p>" + html.escape(block).replace("\n", "<br>\n") + "</p>" for block in blocks if block
    )


def render_markdown(text: str | None, *, raw_html: bool = True) -> Markup:
    """Render Markdown and sanitise the result with an allow-list; safe to put in a page.

    ``raw_html=False``: HTML the user typed ("<img src=x>") is kept as visible, escaped text
    instead of being passed to the sanitiser (which drops what it does not allow); for plain
    text made from the Markdown, where a literal tag must stay readable (search snippets).

    Every line break of the text stays a line break (sub-items "a."/"b.", "a)", "- ", "•",
    "1)" and indented lines that follow a line of text without a blank line between them),
    as the plain-text fallback, the preview and the Word export show them.

    At most ``BUDGET`` seconds of CPU for the Markdown (plus one linear step); a text that
    needs more is rendered by ``plain_html``. Control characters are taken out first
    (consult.cleantext)."""
    if not text:
        return Markup("")
    # Control characters out first, line-like ones ("\x0c", a page break) as line breaks:
    # a row written behind the ORM's back ran "Stuurteken\x0cna" together as "Stuurtekenna".
    text = clean_text(text)
    rendered = _markdown(text, raw_html) if len(text) <= MAX_MARKDOWN_CHARS else None
    if rendered is None:
        return Markup(plain_html(text))  # escaped here: nothing for nh3 to do
    clean = nh3.clean(
        _HEADING.sub(_lower_heading, rendered),
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)
