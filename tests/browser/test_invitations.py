"""On a phone: a secretary invites municipalities with their parts, sees who has not reacted
yet in one look, and mails the reminder (a double click mails once) — in Chromium, with axe."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from consult.db import get_session
from consult.intake import DraftPoint, log_reaction
from consult.lifecycle.operations import local_today
from consult.models import Consultation, Stakeholder

from ..mailsink import mail_sink
from ..test_invitations import decoded
from .conftest import _serve, login
from .test_accessibility import AXE, BLOCKING, axe_violations, describe

PHONE = {"width": 390, "height": 844}
SLUG = "inkoopkader-jeugd-2027"


@pytest.fixture
def served(tmp_path):
    """The demo on a live server, with mail to a loopback sink and Leiden's contact e-mail."""
    holder = {}
    with mail_sink() as sink:

        def prepare(app):
            app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=sink.server_address[1],
                              BASE_URL="https://consult.regio.example")
            with app.app_context():
                session = get_session()
                leiden = session.exec(
                    select(Stakeholder).where(Stakeholder.slug == "leiden")).one()
                leiden.email = "jeugd@leiden.example"
                session.commit()
            holder["app"] = app

        for url in _serve(tmp_path, prepare):
            yield url, holder["app"], sink.mails


def log_for(app, stakeholder_slug: str) -> None:
    """A letter of the stakeholder arrives (logged as the secretariat would)."""
    with app.app_context():
        session = get_session()
        c = session.exec(select(Consultation).where(Consultation.slug == SLUG)).one()
        who = session.exec(select(Stakeholder).where(Stakeholder.slug == stakeholder_slug)).one()
        log_reaction(session, None, c, who, [DraftPoint("1", "Graag meer aandacht voor 18+.")],
                     channel="collegebrief", title="Brief")
        session.commit()


def no_sideways_scroll(page) -> None:
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
        .map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' +
             Math.round(e.getBoundingClientRect().right)).slice(0, 15)""")
    assert not wide, wide
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def assert_axe_clean(page) -> None:
    blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    assert not blocking, describe(blocking)


def test_on_a_phone_the_secretary_sees_who_has_not_reacted_and_reminds_them(served, browser):
    url, app, mails = served
    context = browser.new_context(locale="nl-NL")
    context.add_init_script(script=AXE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, url, "secretaris@consult.example", "demo-secretaris-2016")
    page.goto(url + "/consultaties/nieuw")
    page.get_by_role("textbox", name="Titel (verplicht)").fill("Inkoopkader Jeugd 2027")
    deadline = local_today() + timedelta(days=14)
    page.get_by_label("Reageren kan tot").fill(deadline.isoformat())
    page.get_by_role("button", name="Consultatie aanmaken").click()
    expect(page).to_have_url(f"{url}/consultaties/{SLUG}")
    page.set_viewport_size(PHONE)  # from here on, a phone

    panel = page.locator("#uitnodigingen")
    expect(panel).to_contain_text("Er zijn nog geen indieners uitgenodigd.")
    for name in ("Leiden · gemeente (ambtelijk)", "— Katwijk · gemeente (ambtelijk)"):
        panel.get_by_label("Uitnodigen uit het register").select_option(label=name)
        expect(panel.get_by_label("Een gemeente met haar college, raad en adviesraad")
               ).to_be_checked()
        panel.get_by_role("button", name="Uitnodigen", exact=True).click()
        expect(page.locator(".flash")).to_contain_text("indieners uitgenodigd.")
    # Leiden with its council and advisory board, Katwijk with its council
    expect(panel.locator(".inv-counts")).to_have_text(
        "5 uitgenodigd · 0 gereageerd · 0 geen opmerkingen · 5 nog niets")

    log_for(app, "leiden-raad")
    page.reload()
    expect(panel.locator(".inv-counts")).to_have_text(
        "5 uitgenodigd · 1 gereageerd · 0 geen opmerkingen · 4 nog niets")
    expect(panel.locator(".inv-deadline")).to_contain_text("nog 14 dagen.")
    rows = panel.locator(".invited-row")
    expect(rows.first).to_contain_text("nog niets")  # outstanding first
    expect(rows.last).to_contain_text("Gemeenteraad Leiden")
    expect(rows.last.get_by_role("link", name="de reactie")).to_be_visible()
    expect(panel.locator("svg.inv-bar")).to_be_visible()
    no_sideways_scroll(page)
    assert_axe_clean(page)

    panel.get_by_role("link", name="Herinner de 4 die nog niet reageerden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Herinneringen")
    expect(page.locator(".reminder")).to_have_count(4)
    expect(page.locator(".reminder").filter(has_text="Katwijk").first).to_contain_text(
        "geen e-mailadres: kopieer de tekst")
    leiden = page.get_by_label("Herinnering aan Leiden", exact=True)
    expect(leiden).to_have_value(re.compile(r"Reageren kan tot en met .* \(nog 14 dagen\)\."))
    no_sideways_scroll(page)
    assert_axe_clean(page)

    page.get_by_role("button", name="Mail de herinnering aan 1 indiener").dblclick()
    expect(page.locator(".flash").first).to_contain_text("1 herinnering gemaild.")
    assert len(mails) == 1
    mail = decoded(mails[0])
    assert "To: jeugd@leiden.example" in mail
    assert f"https://consult.regio.example/consultaties/{SLUG}" in mail
    page.get_by_role("link", name="Terug naar de consultatie").click()
    expect(panel.locator(".invited-row").filter(has_text="Leiden").first).to_contain_text(
        "herinnerd op")
    assert errors == []
    context.close()
