"""Markdown to sanitised HTML: the only place where user text becomes HTML."""

import threading
from functools import lru_cache

import markdown as md
import nh3
from markupsafe import Markup

_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
}
_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
_CACHEABLE = 20_000  # characters; longer texts are rendered every time to bound the cache
_local = threading.local()


def _converter() -> md.Markdown:
    """One Markdown instance per thread: building one costs more than converting a paragraph."""
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = md.Markdown(
            extensions=["sane_lists", "tables"], output_format="html"
        )
    return converter


def _render(text: str) -> Markup:
    html = _converter().reset().convert(text)
    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)


_render_cached = lru_cache(maxsize=2048)(_render)


def render_markdown(text: str | None) -> Markup:
    """Render Markdown and sanitise the result with an allow-list; safe to put in a page."""
    if not text:
        return Markup("")
    return _render_cached(text) if len(text) <= _CACHEABLE else _render(text)
