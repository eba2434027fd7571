"""richtext.excerpt reads a plain line without running Markdown (a search page makes twenty
excerpts): the result must be exactly what the Markdown path makes of the same text."""

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from consult import demo, richtext
from consult.text import render_markdown


def through_markdown(body: str, limit: int | None = 1_000) -> str:
    """The excerpt as it was made before the shortcut: always through Markdown."""
    source = body if limit is None else body[:limit]
    return richtext.text(str(render_markdown(source, raw_html=False)))


def demo_texts() -> list[str]:
    data = yaml.safe_load(demo.DATA_FILE.read_text(encoding="utf-8"))
    texts = []
    for reaction in data["reactions"]:
        texts.extend(p["body"] for p in reaction.get("points", []))
        texts.extend(r["text"] for r in reaction.get("responses", []))
    return texts


def test_every_demo_text_reads_as_through_markdown():
    texts = demo_texts()
    assert len(texts) > 200
    shortcut = [t for t in texts if richtext._INERT_LINE.fullmatch(t)]
    assert len(shortcut) > 20  # the shortcut is taken for ordinary points
    for body in texts:
        assert richtext.excerpt(body, 50_000) == through_markdown(body, 50_000), body


EXAMPLES = [
    "Gemeenten kopen in.",
    "Gemeenten  kopen\tin ",
    "Zorg (en welzijn) voor 12% meer; auto's, kinderen: ja? Nee! Zie https://x.nl/a-b",
    "De *inkoop* moet beter",  # emphasis: through Markdown
    "Zie [de brief](https://x.nl)",
    "Let op: <img src=x onerror=alert(1)> blijft tekst",
    "Tom &amp; Jerry & co",
    "Een `code` woord",
    "Regel een\nregel twee",
    "1. Eerste punt",
    "- Een opsomming",
    "# Kop",
    "    ingesprongen",
    'Een "citaat" hier',
    "Stuurteken\x0cna",
    "kolom | kolom",
    "a\\*b",
    "é",
]


def test_examples_read_as_through_markdown():
    for body in EXAMPLES:
        assert richtext.excerpt(body) == through_markdown(body), body
    assert richtext.excerpt("Let op: <img src=x> blijft") == "Let op: <img src=x> blijft"
    assert richtext.excerpt("De *inkoop* moet") == "De inkoop moet"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aZé1 .,;:!?'()%-/\t\n*_`[]<>&\\|~\"#+=é€\x0c")),
               max_size=40))
def test_any_text_reads_as_through_markdown(body):
    assert richtext.excerpt(body) == through_markdown(body)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30))
def test_any_unicode_reads_as_through_markdown(body):
    assert richtext.excerpt(body) == through_markdown(body)
