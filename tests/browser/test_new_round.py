"""A new secretariat runs its first round in Chromium, from an empty install to a published
table (issue 13, "Done when"): only `flask consult upgrade` and `flask consult create-admin`
are run, as a user would; everything after that is clicks and typing in the browser. The
clicks of each step are counted and printed (pytest -s) for the closing note."""

import io
import re
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta

import pytest
from babel.dates import format_date
from playwright.sync_api import expect

from consult.extract import sandbox
from consult.lifecycle.operations import local_today

from ..conftest import BACKENDS, empty_database, make_app
from .conftest import _unexpected, live_server

ADMIN = ("beheer@gemeente.example", "Bea Beheer", "beheer-wachtwoord-1")
SECRETARY = ("secretariaat@gemeente.example", "Sam Secretaris", "secretaris-wachtwoord-1")
MEMBER = ("lid@adviesraad.example", "Ada Adviesraadslid", "adviesraad-wachtwoord-1")
PEOPLE = [ADMIN[1], SECRETARY[1], MEMBER[1], "Bea", "Sam", "Ada"]
EARLIER = "Inkoopkader Jeugd 2026"
TITLE = "Inkoopkader Jeugd 2027"
SLUG = "inkoopkader-jeugd-2027"
BOARD = "Adviesraad Sociaal Domein Leiden"
PASTED = """Geacht bestuur,

1. Betrek de jongerenraad bij de inkoop van jeugdhulp.
2. Houd de lijnen tussen wijkteam en aanbieders kort.
3. Publiceer de wachttijden per aanbieder.

Met vriendelijke groet,
Gemeente Leiden
"""


# --- an empty install, served -------------------------------------------------------------


@pytest.fixture(params=BACKENDS)
def empty_install_url(request, tmp_path):
    """consult on an empty database, set up as the README tells a new secretariat: the schema
    by `flask consult upgrade`, the first administrator by `flask consult create-admin`; no
    demo. Served on a free loopback port during the test."""
    url = empty_database(request.param, tmp_path)
    app = make_app(url, tmp_path, create_schema=False)
    runner = app.test_cli_runner()
    done = runner.invoke(args=["consult", "upgrade"])
    assert done.exit_code == 0, done.output
    email, name, password = ADMIN
    done = runner.invoke(args=["consult", "create-admin", "--email", email, "--name", name,
                               "--password", password])
    assert done.exit_code == 0, done.output
    assert f"Beheerder {email} aangemaakt." in done.output
    yield from live_server(app)


@pytest.fixture(autouse=True)
def _readers_started():
    """The upload readers' fork server up, as gunicorn has it from boot (post_worker_init)."""
    sandbox.warm()


# --- counting clicks ----------------------------------------------------------------------


class Clicks:
    """Counts what a person does with the mouse, per step of the round: a click on a link or a
    button, ticking a box or a radio button, picking from a list, choosing a file (one each).
    Typing and reading are not counted."""

    def __init__(self):
        self.steps: Counter = Counter()
        self.order: list[str] = []
        self.current = "-"

    @contextmanager
    def step(self, name: str):
        self.order.append(name)
        self.current = name
        self.steps[name] += 0
        yield
        self.current = "-"

    def click(self, locator, **kw):
        self.steps[self.current] += 1
        locator.click(**kw)

    def check(self, locator):
        self.steps[self.current] += 1
        locator.check()

    def select(self, locator, **kw):
        self.steps[self.current] += 1
        locator.select_option(**kw)

    def upload(self, locator, files):
        self.steps[self.current] += 1
        locator.set_input_files(files=files)

    def table(self) -> str:
        width = max(len(name) for name in self.order)
        lines = [f"{'step':<{width}}  clicks", f"{'-' * width}  ------"]
        lines += [f"{name:<{width}}  {self.steps[name]:>6}" for name in self.order]
        lines.append(f"{'total':<{width}}  {sum(self.steps.values()):>6}")
        return "\n".join(lines)


def _docx(*paragraphs: str) -> bytes:
    """A Word file with these paragraphs (python-docx)."""
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# --- the people's moves ------------------------------------------------------------------


def _log_in(page, clicks: Clicks, base: str, email: str, password: str) -> None:
    """From the home page: the "Inloggen" link, the form, and logged in."""
    page.goto(base)
    clicks.click(page.get_by_role("link", name="Inloggen"))
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    clicks.click(page.get_by_role("button", name="Inloggen"))
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()


def _make_account(page, clicks: Clicks, person: tuple, role: str, board: str | None = None,
                  consultation: str | None = None) -> str:
    """The admin makes an account on /beheer/gebruikers; the one-time link shown."""
    email, name, _password = person
    clicks.click(page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Accounts"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Accounts")
    expect(page.get_by_label("Eenmalige link")).to_have_count(0)  # not the link handed before
    form = page.locator("form").filter(has=page.get_by_role(
        "button", name="Aanmaken en uitnodigingslink maken"))
    form.get_by_label("Naam").fill(name)
    form.get_by_label("E-mailadres").fill(email)
    clicks.select(form.get_by_label("Rol"), label=role)
    if board:
        clicks.select(form.get_by_label("Adviesraad (voor leden)"), label=board)
    if consultation:
        clicks.check(form.get_by_label(consultation))
    clicks.click(form.get_by_role("button", name="Aanmaken en uitnodigingslink maken"))
    expect(page.get_by_role("status")).to_contain_text(
        "Geef deze eenmalige link aan de persoon (hij werkt één keer):")
    expect(page.locator("table.users")).to_contain_text(name)
    link = page.get_by_label("Eenmalige link").input_value()
    assert "/account/wachtwoord/" in link
    return link


def _set_password(page, clicks: Clicks, link: str, person: tuple) -> None:
    """The new colleague opens the link, sets a password and logs in with it."""
    email, name, password = person
    page.goto(link)  # pasted into the address bar
    expect(page.get_by_role("heading", level=1)).to_have_text("Stel uw wachtwoord in")
    expect(page.locator("main")).to_contain_text(f"{name} ({email})")
    page.get_by_label("Nieuw wachtwoord").fill(password)
    page.get_by_label("Herhaal het wachtwoord").fill(password)
    clicks.click(page.get_by_role("button", name="Wachtwoord opslaan"))
    expect(page.locator(".flash")).to_contain_text("Uw wachtwoord is ingesteld. Log ermee in.")
    expect(page.get_by_label("E-mailadres")).to_have_value(email)
    page.get_by_label("Wachtwoord").fill(password)
    clicks.click(page.get_by_role("button", name="Inloggen"))
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()


def _registry_add(page, clicks: Clicks, name: str, kind: str, part_of: str | None = None):
    """Add a stakeholder on the registry page (it is open)."""
    form = page.locator(".registry-new form")
    form.get_by_label("Naam", exact=True).fill(name)
    clicks.select(form.get_by_label("Soort"), label=kind)
    if part_of:
        clicks.select(form.get_by_label("Onderdeel van"), label=part_of)
    clicks.click(form.get_by_role("button", name="Toevoegen"))
    expect(page.locator(".registry-tree").get_by_role("link", name=name, exact=True)) \
        .to_have_count(1)


def _home(page, clicks: Clicks) -> None:
    clicks.click(page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Consultaties"))


def _open_consultation(page, clicks: Clicks, title: str) -> None:
    _home(page, clicks)
    clicks.click(page.get_by_role("link", name=title))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def _log_letter(page, clicks: Clicks, sender: str, title: str, text: str | None = None,
                upload: dict | None = None, received: str | None = None, points: int = 0):
    """Log a reaction in the consultation page's composer."""
    composer = page.locator(".composer")
    clicks.select(composer.locator("#composer-stakeholder"), label=sender)
    composer.get_by_label("Titel", exact=True).fill(title)
    if received:
        composer.get_by_label("Ontvangen").fill(received)
    if text:
        composer.get_by_label("Tekst van de brief").fill(text)
    if upload:
        clicks.upload(composer.locator("#composer-file"), [upload])
    expect(composer.locator(".preview-point")).to_have_count(points)
    clicks.click(composer.get_by_role("button", name="Reactie opslaan"))
    expect(composer.locator(".success")).to_contain_text(
        f"Gelogd: {sender}, {points} punten.")
    return page.locator("#channel .reaction").filter(has_text=f"{sender} — {title}")


def _people_named(text: str) -> list[str]:
    """The names of people (first names too) that occur in the text as words."""
    return [name for name in PEOPLE if re.search(rf"\b{re.escape(name)}\b", text)]


def _step(page, clicks: Clicks, button: str, state: str) -> None:
    clicks.click(page.get_by_role("button", name=button))
    expect(page.locator("#verloop h2")).to_have_text(f"Status: {state}")


# --- the round ---------------------------------------------------------------------------


def test_a_new_secretariat_runs_its_first_round_from_an_empty_install(
        empty_install_url, browser, tmp_path):
    base = empty_install_url
    clicks = Clicks()
    contexts = {who: browser.new_context(locale="nl-NL")
                for who in ("admin", "secretary", "member", "visitor")}
    admin, secretary, member, visitor = (contexts[w].new_page() for w in contexts)
    errors: list[str] = []  # console errors (such as CSP violations) fail the test
    for page in (admin, secretary, member, visitor):
        page.on("console", lambda m: errors.append(m.text) if _unexpected(m) else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
    today = local_today()  # the app's day (Europe/Amsterdam), not the machine's UTC day
    deadline = today + timedelta(days=21)

    with clicks.step("1. beheerder: account secretaris"):
        _log_in(admin, clicks, base, ADMIN[0], ADMIN[2])
        expect(admin.locator("main")).not_to_contain_text(TITLE)  # an empty install
        link = _make_account(admin, clicks, SECRETARY, "secretaris")
        _set_password(secretary, clicks, link, SECRETARY)

    with clicks.step("2a. secretaris: register (4 indieners)"):
        clicks.click(secretary.get_by_role("navigation", name="Hoofdmenu").get_by_role(
            "link", name="Betrokkenen"))
        clicks.click(secretary.get_by_role("link", name=re.compile("^Register bijhouden")))
        expect(secretary.get_by_role("heading", level=1)).to_have_text("Register van indieners")
        expect(secretary.locator(".empty")).to_contain_text("Het register is leeg")
        _registry_add(secretary, clicks, "Leiden", "gemeente (ambtelijk)")
        _registry_add(secretary, clicks, "Katwijk", "gemeente (ambtelijk)")
        _registry_add(secretary, clicks, "Noordwijk", "gemeente (ambtelijk)")
        _registry_add(secretary, clicks, BOARD, "adviesraad", part_of="Leiden")

    with clicks.step("2b. secretaris: eerdere consultatie + bestemmingen"):
        _home(secretary, clicks)
        clicks.click(secretary.get_by_role("link", name="Nieuwe consultatie"))
        secretary.get_by_role("textbox", name="Titel (verplicht)").fill(EARLIER)
        secretary.get_by_label("Organisator").fill("Holland Rijnland")
        clicks.click(secretary.get_by_role("button", name="Consultatie aanmaken"))
        expect(secretary.locator(".flash")).to_contain_text("aangemaakt als concept")
        clicks.click(secretary.get_by_role("link", name="Bestemmingen beheren"))
        expect(secretary.get_by_role("heading", level=1)).to_have_text("Bestemmingen")
        new = secretary.locator("form").filter(has=secretary.get_by_role("button",
                                                                         name="Toevoegen"))
        for title, under in [("Inkoopplan 2027", None), ("Werkgroep 18-/18+", None),
                             ("Kwaliteitseisen", "Inkoopplan 2027")]:
            new.get_by_label("Naam").fill(title)
            if under:
                clicks.select(new.locator("select[name=parent_id]"), label=under)
            clicks.click(new.get_by_role("button", name="Toevoegen"))
            expect(secretary.locator(".dest-tree input[name=title]")).to_have_count(
                {"Inkoopplan 2027": 1, "Werkgroep 18-/18+": 2, "Kwaliteitseisen": 3}[title])

    with clicks.step("2c. secretaris: consultatie 2027 (docx, termijn, boom)"):
        _home(secretary, clicks)
        clicks.click(secretary.get_by_role("link", name="Nieuwe consultatie"))
        secretary.get_by_role("textbox", name="Titel (verplicht)").fill(TITLE)
        secretary.get_by_label("Organisator").fill("Holland Rijnland")
        secretary.get_by_label("Naam van het document").fill("Concept inkoopkader 2027")
        clicks.upload(secretary.get_by_label(re.compile("^Uploaden")), [{
            "name": "inkoopkader-2027.docx", "mimeType": DOCX,
            "buffer": _docx("Concept inkoopkader jeugdhulp 2027", "1. Inleiding")}])
        secretary.get_by_label("Toelichting (Markdown)").fill("Reageer **per punt**.")
        secretary.get_by_label("Reageren kan tot").fill(deadline.isoformat())
        clicks.select(secretary.get_by_label("Beginnen vanuit een eerdere consultatie"),
                      label=EARLIER)
        clicks.click(secretary.get_by_role("button", name="Consultatie aanmaken"))
        expect(secretary).to_have_url(f"{base}/consultaties/{SLUG}")
        expect(secretary.locator("#verloop h2")).to_have_text("Status: concept")
        expect(secretary.get_by_role("link", name="Downloaden (inkoopkader-2027.docx)")) \
            .to_be_visible()
        chart = secretary.locator(".chart")  # the copied tree: its top in the chart, ...
        expect(chart).to_contain_text("Inkoopplan 2027")
        expect(chart).to_contain_text("Werkgroep 18-/18+")
        clicks.click(secretary.get_by_role("link", name="Bestemmingen beheren"))
        tree = secretary.locator(".dest-tree > li")  # ... and all of it, nested as it was
        expect(tree).to_have_count(3)
        for n, title in enumerate(["Inkoopplan 2027", "Kwaliteitseisen", "Werkgroep 18-/18+"]):
            expect(tree.nth(n).locator("input[name=title]")).to_have_value(title)
        expect(tree.nth(1)).to_have_class(re.compile(r"\bdepth-1\b"))
        clicks.click(secretary.locator(".crumbs").get_by_role("link", name=TITLE))
        _step(secretary, clicks, "Openen voor reacties", "open voor reacties")
        expect(secretary.locator("#verloop")).to_contain_text("21 dagen om te reageren")

    with clicks.step("3. secretaris: 4 indieners uitnodigen"):
        panel = secretary.locator("#uitnodigingen")
        expect(panel).to_contain_text("Er zijn nog geen indieners uitgenodigd.")
        # Leiden brings its advisory board along
        for name, invited in (("Leiden", 2), ("Katwijk", 3), ("Noordwijk", 4)):
            clicks.select(panel.get_by_label("Uitnodigen uit het register"),
                          label=f"{name} · gemeente (ambtelijk)")
            expect(panel.get_by_label("Een gemeente met haar college, raad en adviesraad")
                   ).to_be_checked()
            clicks.click(panel.get_by_role("button", name="Uitnodigen", exact=True))
            expect(panel.locator(".inv-counts strong")).to_have_text(f"{invited} uitgenodigd")
        expect(panel.locator(".inv-counts")).to_have_text(
            "4 uitgenodigd · 0 gereageerd · 0 geen opmerkingen · 4 nog niets")
        expect(panel.locator(".inv-deadline")).to_contain_text("nog 21 dagen.")

    with clicks.step("4a. secretaris: geplakte brief"):
        reaction = _log_letter(secretary, clicks, "Leiden", "Reactie gemeente Leiden",
                               text=PASTED, points=3)
        expect(reaction).to_have_count(1)
        expect(reaction.locator(".late")).to_have_count(0)

    with clicks.step("4b. secretaris: Word-brief uploaden"):
        letter = _docx("Reactie Katwijk op het inkoopkader", "1. Maak de toegang eenvoudiger.",
                       "2. Zorg voor genoeg aanbieders voor 18-/18+.")
        reaction = _log_letter(secretary, clicks, "Katwijk", "Brief Katwijk", upload={
            "name": "katwijk.docx", "mimeType": DOCX, "buffer": letter}, points=2)
        expect(reaction).to_have_count(1)

    with clicks.step("4c. secretaris: nieuwe indiener (Katwijk aangeboden, geweigerd)"):
        composer = secretary.locator(".composer")
        composer.get_by_label("Titel", exact=True).fill("Raadsbrief")
        composer.get_by_label("Tekst van de brief").fill(
            "1. De raad wil de jongerenraad betrekken.\n2. Graag een evaluatie na een jaar.\n")
        expect(composer.locator(".preview-point")).to_have_count(2)
        clicks.click(composer.locator("summary", has_text="Nieuwe betrokkene"))
        composer.get_by_label("Naam", exact=True).press_sequentially("Gemeente Katwijk",
                                                                     delay=20)
        offered = composer.locator("#new-stakeholder-matches")
        expect(offered).to_contain_text('"Gemeente Katwijk" lijkt op:')
        expect(offered.get_by_label("Gebruik Katwijk", exact=True)).to_be_visible()
        clicks.check(offered.get_by_label('Nee, "Gemeente Katwijk" is een nieuwe indiener'))
        clicks.click(composer.get_by_role("button", name="Reactie opslaan"))
        expect(composer.locator(".success")).to_contain_text("Gelogd: Gemeente Katwijk, 2 punten.")
        expect(secretary.locator("#channel .reaction").filter(
            has_text="Gemeente Katwijk — Raadsbrief")).to_have_count(1)

    with clicks.step("5a. beheerder: account adviesraad + lidmaatschap"):
        link = _make_account(admin, clicks, MEMBER, "lid adviesraad", board=BOARD,
                             consultation=TITLE)
        _set_password(member, clicks, link, MEMBER)

    with clicks.step("5b. adviesraad: advies via het portaal"):
        clicks.click(member.get_by_role("navigation", name="Hoofdmenu").get_by_role(
            "link", name="Postvak"))
        expect(member.get_by_role("heading", level=1)).to_have_text("Postvak")
        clicks.click(member.get_by_role("link", name=TITLE))
        member.get_by_label("Titel", exact=True).fill("Advies adviesraad")
        member.locator("#composer-text").fill(
            "1. Betrek cliënten als volwaardige partner.\n"
            "2. Zorg voor onafhankelijke cliëntondersteuning.\n")
        expect(member.locator(".preview-point")).to_have_count(2)
        member.once("dialog", lambda d: d.accept())  # it asks once: cannot be undone
        clicks.click(member.get_by_role("button", name="Indienen bij het secretariaat"))
        expect(member.locator(".success")).to_contain_text("Ingediend")
        arrived = secretary.locator("#channel .reaction").filter(
            has_text=f"{BOARD} — Advies adviesraad")
        expect(arrived).to_have_count(1, timeout=10000)  # live, without a reload

    with clicks.step("6. secretaris: te late reactie"):
        # A test cannot wait three weeks: the letter is logged as received two days after
        # the deadline (the composer's "Ontvangen" date; consult/lifecycle: late means
        # received after "Reageren kan tot"). Only it is marked; the others were on time.
        late = (deadline + timedelta(days=2)).isoformat()
        reaction = _log_letter(secretary, clicks, "Katwijk", "Nagekomen brief Katwijk",
                               text="1. Wij sturen nog een aanvulling.\n"
                                    "2. Neem ook de huisartsen mee.\n", received=late,
                               points=2)
        expect(reaction.locator(".late")).to_have_text("te laat")
        expect(secretary.locator("#channel .late")).to_have_count(1)
        # Who has not reacted yet, in one look: Noordwijk ("Gemeente Katwijk" was not invited).
        secretary.reload()
        panel = secretary.locator("#uitnodigingen")
        expect(panel.locator(".inv-counts")).to_have_text(
            "4 uitgenodigd · 3 gereageerd · 0 geen opmerkingen · 1 nog niets")
        expect(panel.locator(".invited-row").first).to_contain_text("Noordwijk")
        expect(panel.locator(".invited-row").first).to_contain_text("nog niets")

    with clicks.step("7. secretaris: punt corrigeren"):
        clicks.click(secretary.get_by_role("link", name="Leiden — Reactie gemeente Leiden"))
        point = secretary.locator("#punt-2")
        clicks.click(point.get_by_role("link", name="Corrigeren punt 2"))
        form = point.locator("form.correct-form")
        form.get_by_label("Tekst van punt 2").fill(
            "Houd de lijnen tussen wijkteam, huisarts en aanbieders kort.")
        clicks.click(form.get_by_role("button", name="Correctie opslaan"))
        expect(point.locator(".point-text .body")).to_contain_text("wijkteam, huisarts en")
        clicks.click(point.get_by_role("link", name="gecorrigeerd: versie 2"))
        expect(secretary.get_by_role("heading", name="Versies van punt 2")).to_be_visible()
        versions = secretary.locator(".versions .version")
        expect(versions).to_have_count(2)
        expect(versions.nth(0)).to_contain_text("wijkteam, huisarts en aanbieders")
        expect(versions.nth(1)).to_contain_text("zoals vastgelegd")
        expect(versions.nth(1).locator(".body")).to_have_text(
            "Houd de lijnen tussen wijkteam en aanbieders kort.")

    with clicks.step("8a. secretaris: punten beantwoorden"):
        secretary.go_back()
        clicks.click(secretary.locator("#answer-panel summary"))
        panel = secretary.locator("#answer-panel")
        panel.locator("input[name=selection]").fill("alle punten")
        panel.locator("textarea[name=body]").fill(
            "Komt in het **inkoopplan**: de jongerenraad en de wachttijden.")
        clicks.check(panel.get_by_label("Inkoopplan 2027", exact=True))
        clicks.click(panel.get_by_role("button", name="Antwoord opslaan"))
        expect(secretary.locator("#reaction-progress")).to_contain_text(
            "3 van 3 punten beantwoord")

    with clicks.step("8b. secretaris: sluiten, besluit, publiceren"):
        clicks.click(secretary.locator(".crumbs").get_by_role("link", name=TITLE))
        _step(secretary, clicks, "Sluiten voor reacties", "gesloten, in verwerking")
        decide = secretary.locator(".step-form").filter(has=secretary.get_by_role(
            "button", name="Besluit vastleggen"))
        decide.get_by_label("Besloten door").fill("PHO Jeugdhulp")
        decide.get_by_label("Op", exact=True).fill(today.isoformat())
        _step(secretary, clicks, "Besluit vastleggen", "besloten")
        expect(secretary.locator(".facts")).to_contain_text(
            f"PHO Jeugdhulp, {format_date(today, 'long', locale='nl')}")
        _step(secretary, clicks, "Publiceren", "gepubliceerd")

    with clicks.step("9. bezoeker: openbare pagina"):
        visitor.goto(base)
        clicks.click(visitor.get_by_role("link", name=TITLE))
        expect(visitor.locator("#verloop h2")).to_have_text("Status: gepubliceerd")
        clicks.click(visitor.get_by_role("link", name="Wat u zei, wat wij deden"))
        main = visitor.locator("main")
        expect(main).to_contain_text("Komt in het inkoopplan")
        expect(main).to_contain_text("Inkoopplan 2027")
        expect(main).to_contain_text("Houd de lijnen tussen wijkteam, huisarts en aanbieders")
        assert _people_named(main.inner_text()) == []
        visitor.go_back()
        expect(visitor.locator("#verloop")).to_contain_text("Gepubliceerd op")
        assert _people_named(visitor.locator("main").inner_text()) == []

    for context in contexts.values():
        context.close()
    print("\n" + clicks.table())
    assert errors == [], errors
