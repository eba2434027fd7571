"""A strategy document in two versions on a destination, three points of two stakeholders
landed in two of its sections, and the document view that shows them (consult/documents)."""

import re
from pathlib import Path

import docx
from playwright.sync_api import expect

from ..conftest import DEMO_PASSWORDS
from ..test_documents import SEED, as_docx, definitief_text
from .conftest import login

SLUG = "holland-rijnland-jeugdhulp-2016"
SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"


def _add_version(page, label: str, day: str, path: Path) -> None:
    form = page.locator(".document-add form")
    form.get_by_label("Versie", exact=True).fill(label)
    form.get_by_label("Datum").fill(day)
    form.get_by_label(re.compile("^Uploaden")).set_input_files(str(path))
    form.get_by_role("button", name="Versie toevoegen").click()
    # The sections are indexed for search as the version is added (SEARCH_MODE "inline" here;
    # a worker thread in production): ~1-2 s for the seed strategy's 57,000 characters.
    expect(page.locator(".document-versions [aria-current=page]")).to_contain_text(
        label, timeout=20_000)


def _land(page, row, section: str, quote: str = "") -> None:
    row.get_by_label("Onderdeel").fill(section)
    if quote:
        row.get_by_label("Zin waarin het punt is verwerkt (niet verplicht)").fill(quote)
    row.get_by_role("button", name="Markeer als afgerond").click()


def test_a_strategy_in_two_versions_shows_the_points_that_shaped_it(live_url, page, tmp_path):
    login(page, live_url, *DEMO_PASSWORDS["secretary"])
    page.goto(f"{live_url}/consultaties/{SLUG}/bestemmingen")
    page.locator(".dest-tree li.depth-0", has=page.locator('input[value="Inkoopplan 2017"]')
                 ).get_by_role("link", name="takenlijst").click()
    expect(page).to_have_url(re.compile(r"/bestemmingen/\d+$"))
    todo_url = page.url
    page.get_by_role("link", name="document toevoegen").click()
    expect(page.get_by_role("heading", name="Een versie van het document toevoegen")
           ).to_be_visible()
    concept = tmp_path / "inkoopplan-concept.txt"
    concept.write_text(SEED.read_text())
    final = tmp_path / "inkoopplan-definitief.docx"
    final.write_bytes(as_docx(definitief_text()))
    _add_version(page, "concept", "2016-09-01", concept)
    expect(page.locator(".document-section")).to_have_count(12)
    _add_version(page, "definitief", "2016-12-16", final)
    expect(page.locator(".document-outline")).to_contain_text("7.1 Inkoopmodel en looptijd")
    expect(page.locator(".document-outline")).to_contain_text(
        "§6 Hoe sturen we op de transformatie?")

    # Three points of two stakeholders land in two sections, picked from the outline.
    page.goto(todo_url)
    rows = page.locator("tr.to-do")
    senders = [t.split(" · ")[0] for t in rows.locator("th a").all_inner_texts()]
    first = next(s for s in senders if senders.count(s) >= 2)
    second = next(s for s in senders if s != first)
    # The rows change as points are marked done: each time take the first open row of a sender.
    # a sentence of chapter 6 (a quote from elsewhere is refused now)
    quote = "Sturing op budget is daarom geen kwestie van draaien aan knoppen."
    for sender, section, words in ((first, "§6 Hoe sturen we op de transformatie?", quote),
                                   (first, "§6 Hoe sturen we op de transformatie?", ""),
                                   (second, "§7.1 Inkoopmodel en looptijd", "")):
        row = rows.filter(has=page.locator("th", has_text=re.compile(
            f"^{re.escape(sender)} · "))).first
        point_id = row.get_attribute("id")
        _land(page, row, section, words)
        expect(page.locator(f"#{point_id}.done")).to_contain_text(
            f"Inkoopplan 2017, {section}")

    # The document view: two points beside chapter 6 (with the quote), one beside 7.1.
    page.get_by_role("link", name="Het document tonen met de punten die erin zijn verwerkt").click()
    six = page.locator(".document-section", has=page.get_by_role(
        "heading", name="6 Hoe sturen we op de transformatie?"))
    expect(six.locator("aside")).to_contain_text("2 punten hier verwerkt")
    expect(six.locator("aside blockquote")).to_have_text(quote)
    expect(six.locator("aside li")).to_have_count(2)
    seven = page.locator(".document-section", has=page.get_by_role(
        "heading", name="7.1 Inkoopmodel en looptijd"))
    expect(seven.locator("aside")).to_contain_text("1 punt hier verwerkt")
    expect(seven.locator("aside li a")).to_contain_text(second)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    six.evaluate("section => section.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(SCREENSHOTS / "document-view.png"))
    # Filtered: the second stakeholder's points shaped only section 7.1.
    page.get_by_label("Onderdelen gevormd door de punten van").select_option(label=second)
    page.get_by_role("button", name="Tonen").click()
    expect(page.locator(".document-section")).to_have_count(1)
    expect(page.locator(".document-section h2")).to_have_text("7.1 Inkoopmodel en looptijd")
    # The versions compared: chapter 6 renamed with its two points, 7.1 added with one.
    page.get_by_role("link", name="Wat er tussen de versies veranderde").click()
    six_changed = page.locator(".document-change", has_text="§6 Hoe sturen we op de transformatie?")
    expect(six_changed.locator("h2")).to_contain_text("was: §6 Hoe sturen we daarop?")
    expect(six_changed.locator(".word-diff del")).to_contain_text(["daarop?"])
    expect(six_changed.locator("aside li")).to_have_count(2)
    added = page.locator(".document-change.change-added", has_text="7.1 Inkoopmodel")
    expect(added.locator("aside li")).to_have_count(1)
    page.screenshot(path=str(SCREENSHOTS / "document-versions-compared.png"))
    # The same comparison as a Word report: chapter 6's old word struck through, its points.
    with page.expect_download() as download:
        page.get_by_role("link", name="Downloaden als Word").click()
    report = docx.Document(download.value.path())
    texts = [p.text for p in report.paragraphs]
    assert "Gewijzigd: §6 Hoe sturen we op de transformatie? (was: §6 Hoe sturen we daarop?)" \
        in texts
    struck = [r.text for p in report.paragraphs for r in p.runs if r.font.strike]
    assert "daarop?" in struck
    assert sum(t.startswith(f"{first} · punt ") for t in texts) == 2
    page.go_back()
    expect(page.locator(".document-section")).to_have_count(1)
    # The landed point's thread says where it went.
    page.locator(".document-section aside li a").first.click()
    expect(page.locator("main")).to_contain_text("Inkoopplan 2017, §7.1 Inkoopmodel en looptijd")

    # The public sees the document with its points, without people's names.
    public = page.context.browser.new_page()
    public.goto(page.url.split("/punten/")[0] + "/bestemmingen")  # 404 for the public
    public.goto(todo_url.rstrip("/") + "/document")
    expect(public.locator(".document-section")).to_have_count(13)
    expect(public.locator(".document-landed li")).to_have_count(3)
    expect(public.locator("main")).not_to_contain_text("Sanne")
    expect(public.locator(".document-add")).to_have_count(0)
    # The answered table's column "Verwerkt in" names the sections, for the public too.
    public.goto(f"{todo_url.split('/consultaties/')[0]}/consultaties/{SLUG}/openbaar")
    expect(public.get_by_role("columnheader", name="Verwerkt in")).to_be_visible()
    landed = public.locator("td.landed p")
    expect(landed.filter(has_text="Inkoopplan 2017, §6 Hoe sturen we op de transformatie?")
           ).not_to_have_count(0)
    expect(landed.filter(has_text="Inkoopplan 2017, §7.1 Inkoopmodel en looptijd")
           ).to_have_count(1)
    # Search finds the section by its words, with the points that landed in it.
    public.goto(f"{todo_url.split('/consultaties/')[0]}/zoeken?q=looptijd&kind=section")
    hit = public.locator("li.hit-section", has_text="§7.1 Inkoopmodel en looptijd")
    expect(hit).to_contain_text("1 punt hier verwerkt")
    expect(hit.locator(".hit-landed li a")).to_contain_text(second)
    hit.get_by_role("link", name=re.compile("Inkoopplan 2017, §7.1")).click()
    expect(public).to_have_url(re.compile(r"/document#par-7-1-"))
    public.close()


def _words_on_one_line(locator) -> list[str]:
    """The words of each element that the browser broke over two lines ("definiti ef")."""
    return locator.evaluate_all("""links => links.flatMap(link => {
        const node = link.firstChild, text = node.textContent, broken = [];
        for (const m of text.matchAll(/\\S+/g)) {
            const range = document.createRange();
            range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
            const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
            if (tops.size > 1) broken.push(m[0]);
        }
        return broken;
    })""")


def test_versions_at_375_px_wrap_whole_words_and_are_removed_with_undo(live_url, page):
    """The trial: at 375 px "definitief" showed as "definiti ef" and "januari 2016" as "janu
    ari 201 6"; a stray version could not be removed."""
    login(page, live_url, *DEMO_PASSWORDS["secretary"])
    page.goto(f"{live_url}/consultaties/{SLUG}/bestemmingen")
    page.locator(".dest-tree li.depth-0", has=page.locator('input[value="Inkoopplan 2017"]')
                 ).get_by_role("link", name="takenlijst").click()
    page.get_by_role("link", name="document toevoegen").click()
    form = page.locator(".document-add form")
    for label, day in (("concept", "2016-01-12"), ("tweede concept", "2016-06-01"),
                       ("definitief", "2016-12-16"), ("vastgesteld", "2017-01-20"),
                       ("nul", "2017-01-21")):
        form.get_by_label("Versie", exact=True).fill(label)
        form.get_by_label("Datum").fill(day)
        form.get_by_label("of plak de tekst").fill("1. Doel\n\nTekst van de versie.\n")
        form.get_by_role("button", name="Versie toevoegen").click()
        expect(page.locator(".document-versions [aria-current=page]")).to_contain_text(label)
    page.set_viewport_size({"width": 375, "height": 800})
    versions = page.locator(".document-versions a")
    expect(versions).to_have_count(5)
    assert _words_on_one_line(versions) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # The stray one is removed, and the removal undone.
    page.get_by_text("Versies hernoemen, anders dateren of verwijderen").click()
    page.get_by_role("button", name="Versie “nul” verwijderen").click()
    expect(page.locator(".flash.undo")).to_contain_text("Verwijderd: versie “nul”.")
    expect(versions).to_have_count(4)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.locator(".flash.undo").get_by_role("button", name="Ongedaan maken").click()
    expect(versions).to_have_count(5)
    expect(versions.filter(has_text="nul")).to_have_count(1)
