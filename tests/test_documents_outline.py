"""The outline of a document (consult.documents.outline, `flask consult outline`): the seed
purchasing strategy as text and as Word, Markdown, OpenDocument, PDF, and what is no heading."""

import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import docx
import pytest

from consult import create_app
from consult.documents.outline import outline_of_text, read_outline

from .test_extract import make_pdf

FIXTURES = Path(__file__).parent / "fixtures"
SEED = FIXTURES / "inkoopstrategie_alkmaar_2023.txt"  # a copy of ../shared/seeds/001_...txt

# The chapters of the strategy, read off the document by eye (its table of contents).
CHAPTERS = [
    ("1", "Wat is de kern van de Inkoopstrategie?"),
    ("2", "Wat is de kern van de Inkoopopdracht (bijlage 1)?"),
    ("3", "Wat is de kern van de Verwervingsstrategie (bijlage 2)"),
    ("4", "Wat moet beter en wat willen we vasthouden?"),
    ("5", "Wat is de gewenste transformatie?"),
    ("6", "Hoe sturen we daarop?"),
    ("7", "Wat zijn de nieuwe uitgangspunten voor inkoop?"),
    ("8", "Wat betekent partnerschap tussen gemeente en aanbieders?"),
    ("9", "Wie heeft welke rol en verantwoordelijkheid?"),
    ("10", "Welke randvoorwaarden vraagt dit?"),
    ("11", "Wat betekent dit voor de kosten?"),
]
EXPECTED = [(None, "Leeswijzer")] + CHAPTERS


@pytest.fixture
def runner(tmp_path):
    """A CLI runner (the command needs no database)."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    return app.test_cli_runner()


def test_seed_strategy_json_has_its_chapters_in_order_and_loses_nothing(runner, tmp_path):
    path = tmp_path / "inkoopstrategie.txt"
    shutil.copy(SEED, path)
    result = runner.invoke(args=["consult", "outline", str(path), "--json"])
    assert result.exit_code == 0, result.output
    sections = json.loads(result.stdout)["sections"]
    assert [(s["number"], s["title"]) for s in sections] == EXPECTED
    assert all(set(s) == {"number", "title", "level", "chars"} for s in sections)
    assert {s["level"] for s in sections} == {1}
    text, _outline = read_outline(path.name, path.read_bytes())
    assert sum(s["chars"] for s in sections) == len(text)  # nothing lost between chapters
    assert sections[5]["chars"] > 4000  # chapter 5 runs to chapter 6, not to a list item


def test_seed_strategy_sections_cover_the_text_from_each_heading():
    text = SEED.read_text()
    sections = outline_of_text(text)
    assert "".join(text[s.start:s.end] for s in sections) == text
    for section, (number, title) in zip(sections[1:], CHAPTERS, strict=True):
        assert text[section.start:section.end].strip().startswith(f"{number}. {title}")
    # The numbered principles inside chapter 9 and the wrapped "5. We lichten ..." are text.
    chapter_9 = text[sections[9].start:sections[9].end]
    assert "1.\t Goede gerichte vraagverkenning" in chapter_9
    assert "5. We lichten vervolgens toe" in text[sections[0].start:sections[0].end]


def test_readable_listing(runner):
    result = runner.invoke(args=["consult", "outline", str(SEED)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Leeswijzer  (")
    assert re.fullmatch(r"4 Wat moet beter en wat willen we vasthouden\?  \([\d.]+ tekens\)",
                        lines[4])


def _strategy_docx(heading_styles: bool = True) -> bytes:
    """The seed strategy as Word: chapter lines as Heading 1, the rest as paragraphs, one
    Heading 2 section "4.3 Sturing en monitoring" added under chapter 4 and "Tot slot" as an
    unnumbered Heading 2 (or, without heading styles, all of them as plain paragraphs)."""
    document = docx.Document()
    headings = {f"{n}. {t}" for n, t in CHAPTERS} | {"Leeswijzer"}
    lines: list[str] = []

    def flush():
        if lines:
            document.add_paragraph(" ".join(" ".join(lines).split()))
            lines.clear()

    for line in SEED.read_text().splitlines():
        if line.strip() in headings:
            flush()
            if heading_styles:
                document.add_heading(line.strip(), level=1)
            else:
                document.add_paragraph(line.strip())
        elif line.strip().startswith("In de inkoopopdracht zijn doelen geformuleerd"):
            flush()
            if heading_styles:
                document.add_heading("4.3 Sturing en monitoring", level=2)
            else:
                document.add_paragraph("4.1 Sturing en monitoring")
            lines.append(line)
        elif line.strip() == "Tot slot" and heading_styles:  # a heading without a number
            flush()
            document.add_heading("Tot slot", level=2)
        elif line.strip():
            lines.append(line)
        else:
            flush()
    flush()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_word_heading_styles_give_the_same_chapters_and_a_level_two_section(runner, tmp_path):
    path = tmp_path / "inkoopstrategie.docx"
    path.write_bytes(_strategy_docx())
    result = runner.invoke(args=["consult", "outline", str(path), "--json"])
    assert result.exit_code == 0, result.output
    sections = json.loads(result.stdout)["sections"]
    found = [(s["number"], s["title"], s["level"]) for s in sections]
    expected = [(n, t, 1) for n, t in EXPECTED]
    expected.insert(5, ("4.3", "Sturing en monitoring", 2))
    expected.append((None, "Tot slot", 2))
    assert found == expected
    text, _outline = read_outline(path.name, path.read_bytes())
    assert sum(s["chars"] for s in sections) == len(text)


def test_word_without_heading_styles_falls_back_to_numbering(tmp_path):
    text, sections = read_outline("strategie.docx", _strategy_docx(heading_styles=False))
    found = [(s.number, s.title, s.level) for s in sections]
    expected = [(n, t, 1) for n, t in EXPECTED]
    expected.insert(5, ("4.1", "Sturing en monitoring", 2))
    assert found == expected
    assert sum(s.chars for s in sections) == len(text)


def test_markdown_headings_and_numbers():
    text = ("# Inkoopplan 2017\n\nInleiding.\n\n## 1 Doel\n\nTekst.\n\n## 1.1 Scope\n\n"
            "Meer tekst.\n\n## Bijlagen\n\nLijst.\n")
    sections = outline_of_text(text)
    assert [(s.number, s.title, s.level) for s in sections] == [
        (None, "Inkoopplan 2017", 1), ("1", "Doel", 1), ("1.1", "Scope", 2),
        (None, "Bijlagen", 2),
    ]
    assert sum(s.chars for s in sections) == len(text)


def test_pasted_text_with_subsections_and_a_numbered_list():
    text = ("Inleiding bij het plan.\n\n1. Aanleiding\n\nWe willen:\n\n1. Minder regels\n"
            "2. Meer tijd\n\n2. Sturing\n\n2.1 Monitoring\n\nElk kwartaal.\n\n"
            "2.2 Verantwoording\n\nJaarlijks.\n\n3 Kosten\n\nZie tabel 4.\n")
    sections = outline_of_text(text)
    assert [(s.number, s.title, s.level) for s in sections] == [
        (None, "Begin", 1),
        ("1", "Aanleiding", 1), ("2", "Sturing", 1), ("2.1", "Monitoring", 2),
        ("2.2", "Verantwoording", 2), ("3", "Kosten", 1),
    ]


def _odt(paragraphs: list[tuple[int | None, str]]) -> bytes:
    """A minimal OpenDocument text: text:h with outline levels, text:p for the rest."""
    return _odt_with("".join(
        f'<text:h text:outline-level="{level}">{line}</text:h>' if level
        else f"<text:p>{line}</text:p>" for level, line in paragraphs
    ))


def test_opendocument_headings():
    data = _odt([(1, "1 Inleiding"), (None, "Tekst."), (2, "1.1 Doel"), (None, "Meer."),
                 (1, "Bijlagen"), (None, "Lijst.")])
    text, sections = read_outline("plan.odt", data)
    assert [(s.number, s.title, s.level) for s in sections] == [
        ("1", "Inleiding", 1), ("1.1", "Doel", 2), (None, "Bijlagen", 1),
    ]
    assert sum(s.chars for s in sections) == len(text)


def test_pdf_by_numbering():
    data = make_pdf([["Voorwoord", "", "1. Doel van het plan", "", "Tekst over het doel."],
                     ["2. Sturing", "", "Elk kwartaal."]])
    _text, sections = read_outline("plan.pdf", data)
    assert [(s.number, s.title) for s in sections][-2:] == [("1", "Doel van het plan"),
                                                            ("2", "Sturing")]


def test_a_file_that_is_not_what_it_claims_is_a_dutch_error(runner, tmp_path):
    path = tmp_path / "plan.pdf"
    path.write_bytes(b"geen pdf")
    result = runner.invoke(args=["consult", "outline", str(path)])
    assert result.exit_code == 1
    assert "geen PDF" in result.output or "PDF" in result.output


def _outline(text: str) -> list[tuple[str | None, str, int, str]]:
    """(number, title, level, the section's text without its heading) of each section; the
    sections cover the text."""
    sections = outline_of_text(text)
    assert sum(s.chars for s in sections) == len(text)
    return [(s.number, s.title, s.level, text[s.start:s.end].split("\n", 1)[-1].strip())
            for s in sections]


def test_numbers_that_skip_keep_their_sections_and_text():
    """Issue 18: "2.3" after "2.1" (2.2 deleted, the rest not renumbered) made 2.3, 2.4 and
    chapter 3 a numbered list inside 2.1: their text went to 2.1."""
    text = ("1 Inleiding\n\nTekst een.\n\n2 Doelen\n\nTekst twee.\n\n2.1 Eerste doel\n\n"
            "Tekst a.\n\n2.3 Derde doel\n\nTekst c.\n\n2.4 Vierde doel\n\nTekst d.\n\n"
            "3 Kosten\n\nTekst drie.\n")
    assert _outline(text) == [
        ("1", "Inleiding", 1, "Tekst een."), ("2", "Doelen", 1, "Tekst twee."),
        ("2.1", "Eerste doel", 2, "Tekst a."), ("2.3", "Derde doel", 2, "Tekst c."),
        ("2.4", "Vierde doel", 2, "Tekst d."), ("3", "Kosten", 1, "Tekst drie."),
    ]
    chapters = "1 Inleiding\n\nTekst een.\n\n3 Doelen\n\nTekst drie.\n\n4 Kosten\n\nTekst vier.\n"
    assert [(n, t) for n, t, _l, _x in _outline(chapters)] == [
        ("1", "Inleiding"), ("3", "Doelen"), ("4", "Kosten")]
    # A child that starts late, and the first section of a chapter whose own heading is lost.
    late = ("1. Aanleiding\n\n1.5 Leeswijzer\n\nHoofdstuk 2 beschrijft de motivering.\n\n2\n\n"
            "2.1 Aanleiding voor het beleid\n\nWet- en regelgeving.\n")
    assert [(n, t) for n, t, _l, _x in _outline(late)] == [
        ("1", "Aanleiding"), ("1.5", "Leeswijzer"), ("2.1", "Aanleiding voor het beleid")]


def test_an_excerpt_that_starts_mid_numbering_is_numbered():
    text = ("Juridische planbeschrijving\n\n6.1 RO standaarden en regels 2012\n\n6.1.1 Algemeen\n\n"
            "Onder de Wet ruimtelijke ordening wordt digitaal gewerkt.\n\n6.1.2 Verbeelding\n\n"
            "De digitale verbeelding beslist.\n")
    assert [(n, t, lvl) for n, t, lvl, _x in _outline(text)] == [
        (None, "Juridische planbeschrijving", 1), ("6.1", "RO standaarden en regels 2012", 2),
        ("6.1.1", "Algemeen", 3), ("6.1.2", "Verbeelding", 3)]
    # A lone number line with a capital is no outline when nothing continues it.
    lone = "Inleiding van het plan.\n\n12 Gemeenten\n\ndoen mee aan de inkoop.\n"
    assert [n for n, _t, _l, _x in _outline(lone)] == [None]


def test_numbering_that_restarts_after_a_part_heading_starts_that_part():
    text = ("1 Inleiding\n\nTekst een.\n\n2 Doelen\n\nTekst twee.\n\nBijlage 1 Begrippen\n\n"
            "1 Jeugdhulp\n\nHulp aan jeugdigen.\n\n2 Aanbieder\n\nWie hulp biedt.\n")
    assert _outline(text) == [
        ("1", "Inleiding", 1, "Tekst een."), ("2", "Doelen", 1, "Tekst twee."),
        (None, "Bijlage 1 Begrippen", 1, ""), ("1", "Jeugdhulp", 2, "Hulp aan jeugdigen."),
        ("2", "Aanbieder", 2, "Wie hulp biedt."),
    ]
    # Without a part's heading a restart at 1 is a list: its text stays in the section.
    listed = "1 Inleiding\n\nWe willen:\n\n1. Minder regels\n2. Meer tijd\n\n2 Doelen\n\nTekst.\n"
    assert [(n, t) for n, t, _l, _x in _outline(listed)] == [("1", "Inleiding"), ("2", "Doelen")]


def _odt_with(content_body: str, styles: str = "") -> bytes:
    """An OpenDocument text whose body (and automatic styles) are given as XML."""
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"')
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns}>'
               f"<office:automatic-styles>{styles}</office:automatic-styles>"
               f"<office:body><office:text>{content_body}</office:text></office:body>"
               "</office:document-content>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text",
                   compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", content)
    return buffer.getvalue()


@pytest.mark.parametrize("junk", ["²", "①", "x", "9" * 5000, "99", "-3", ""])
def test_junk_number_attributes_in_an_odt_lose_no_text(junk):
    """Every number attribute of an OpenDocument file (a heading's outline level, a list's
    and an item's start, a style level, displayed levels, a run of spaces) is read
    tolerantly: "²" is a digit to str.isdigit but not to int(), 5,000 digits pass Python's
    int() limit, 99 is outside the ten levels. One such attribute refused the whole file or
    raised; now the text is read, numbered from 1 where the value is junk."""
    from consult.extract import extract_text

    styles = (f'<text:list-style style:name="L1"><text:list-level-style-number text:level="{junk}"'
              f' style:num-format="1" style:num-suffix="." text:display-levels="{junk}"'
              f' text:start-value="{junk}"/></text:list-style>')
    body = (f'<text:h text:outline-level="{junk}">Inleiding</text:h>'
            f'<text:p>Een<text:s text:c="{junk}"/>zin.</text:p>'
            f'<text:list text:style-name="L1"><text:list-item text:start-value="{junk}">'
            "<text:p>Eerste punt over de inkoop.</text:p></text:list-item>"
            "<text:list-item><text:p>Tweede punt.</text:p></text:list-item></text:list>")
    data = _odt_with(body, styles)
    text = extract_text("brief.odt", data)
    assert "Inleiding" in text and "Eerste punt over de inkoop." in text
    assert "Tweede punt." in text and "Een" in text
    read_outline("plan.odt", data)  # the outline reads it too
