"""Two versions of a document compared as a Word report (issue 18): per changed section its
label, a word-level diff a reader sees in Word (removed words struck through in red, added ones
underlined in green) and the points that landed there; as cheap as the page at size."""

import io
import re
import time
from html import unescape

import docx
from docx.shared import RGBColor

from .conftest import Actor
from .test_documents import SEED, _inkoopplan, _todo, _url, as_docx, definitief_text

RED, GREEN = RGBColor.from_string("C00000"), RGBColor.from_string("00703C")


def _changes(document) -> dict[str, list]:
    """Heading text -> the paragraphs under it, of the report's level-2 headings."""
    found, current = {}, None
    for paragraph in document.paragraphs:
        if paragraph.style.name == "Heading 2":
            current = found.setdefault(paragraph.text, [])
        elif current is not None:
            current.append(paragraph)
    return found


def _runs(paragraph, colour) -> list[str]:
    return [r.text for r in paragraph.runs if r.font.color.type and r.font.color.rgb == colour]


def test_versions_compared_as_a_word_report(demo_app):
    secretary = Actor(demo_app.test_client(), "secretary")
    plan = _inkoopplan(demo_app)
    url = _url(plan) + "/document"
    secretary.form_post(url + "/versies", data={
        "label": "concept", "dated": "2016-09-01", "text": SEED.read_text()})
    rows = [(i, unescape(s), n) for i, s, n in _todo(secretary, plan)]
    (a, sender_a, number_a), (b, sender_b, number_b) = rows[:2]
    final = definitief_text().replace(" 11. Wat betekent dit voor de kosten?", "Kosten:")
    secretary.form_post(url + "/versies", data={
        "label": "definitief", "dated": "2016-12-16",
        "file": (io.BytesIO(as_docx(final)), "definitief.docx")},
        content_type="multipart/form-data")
    # Landed in the definitief version, quoting the sentence it added to chapter 4 (a quote
    # must stand in its section).
    land = f"{_url(plan)}/punten/{{}}/geland"
    quote = "Na de reacties voegen we hier de rol van de gemeenteraad toe."
    assert secretary.hx_post(land.format(a), data={
        "section": "§4 Wat moet beter en wat willen we vasthouden?", "quote": quote}
    ).status_code == 200
    assert secretary.hx_post(land.format(b), data={"section": "§6"}  # renamed in definitief
                             ).status_code == 200
    page = secretary.get(url + "/vergelijken").get_data(as_text=True)
    link = unescape(re.search(r'<a class="download" href="([^"]+)"', page).group(1))
    assert "/vergelijken.docx?" in link

    response = secretary.get(link)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert response.headers["Content-Disposition"].endswith('-vergelijking.docx"')
    document = docx.Document(io.BytesIO(response.data))
    assert document.paragraphs[0].text == "Inkoopplan 2017: wat er veranderde"
    assert "Van concept (1 september 2016) naar definitief (16 december 2016)" in \
        document.paragraphs[1].text
    changes = _changes(document)
    # The same sections the page lists, in its order, each with its kind.
    listed = re.findall(r'<span class="chip">(\w+)</span> ([^<]+?)\s*(?:<|$)', page)
    assert len(changes) == len(listed) >= 4
    four = changes["Gewijzigd: §4 Wat moet beter en wat willen we vasthouden?"]
    assert quote in _runs(four[0], GREEN)
    assert all(r.font.underline for r in four[0].runs if r.text == quote)
    assert f"{sender_a} · punt {number_a}: “{quote}”" in [p.text for p in four]
    six = changes["Gewijzigd: §6 Hoe sturen we op de transformatie? (was: §6 Hoe sturen we "
                  "daarop?)"]
    assert "daarop?" in _runs(six[0], RED) and "op de transformatie?" in _runs(six[0], GREEN)
    assert all(r.font.strike for r in six[0].runs if r.text == "daarop?")
    assert f"{sender_b} · punt {number_b}" in [p.text for p in six]
    added = next(v for k, v in changes.items() if k.startswith("Toegevoegd: §7.1"))
    assert "Het contract loopt acht jaar." in " ".join(_runs(added[0], GREEN))
    assert added[-1].text == "Hier zijn geen punten verwerkt."
    removed = next(v for k, v in changes.items() if k.startswith("Verwijderd: §11"))
    assert _runs(removed[0], RED) and not _runs(removed[0], GREEN)
    # Public as the page is; nothing to compare is a 404, not a 500.
    assert demo_app.test_client().get(link).status_code == 200
    assert secretary.get(_url(plan + 1) + "/document/vergelijken.docx").status_code == 404


def test_the_word_report_keeps_the_diff_budget(demo_app):
    """The page's attack on the report: 5 chapters of 10,000 words "a b a b ..." against
    "b a b a ...": every chapter reported, as cheaply as the page (MAX_DIFF_WORDS)."""
    secretary = Actor(demo_app.test_client(), "secretary")
    plan = _inkoopplan(demo_app)
    url = _url(plan) + "/document"
    for label, words in (("concept", "a b " * 5_000), ("definitief", "b a " * 5_000)):
        text = "".join(f"{n} Hoofdstuk {n}\n\n{words}\n\n" for n in range(1, 6))
        secretary.form_post(url + "/versies", data={
            "label": label, "dated": "2016-09-01", "text": text})
    started = time.process_time()
    response = demo_app.test_client().get(url + "/vergelijken.docx")
    spent = time.process_time() - started
    assert response.status_code == 200
    changes = _changes(docx.Document(io.BytesIO(response.data)))
    assert len(changes) == 5 and all(_runs(v[0], RED) for v in changes.values())
    assert spent < 3, f"{spent:.1f} s of CPU"
