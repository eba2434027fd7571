"""An e-mail dropped into the composer, in Chromium: its parts to choose from, sender, date and
subject filled in, the Word numbering kept through to the saved reaction."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from consult.extract import sandbox

from .conftest import login

SLUG = "holland-rijnland-jeugdhulp-2016"
MAIL = (Path(__file__).parent.parent / "fixtures" / "realworld" / "uploads"
        / "reactie_met_bijlage_duin_bollenstreek.eml")


@pytest.fixture(autouse=True)
def _readers_started():
    """The upload readers' fork server up, as gunicorn has it from boot (post_worker_init)."""
    sandbox.warm()


def test_an_email_with_an_attached_letter_is_logged_with_its_own_numbers(live_url, page):
    login(page, live_url, "secretaris@consult.example", "demo-secretaris-2016")
    page.goto(f"{live_url}/consultaties/{SLUG}")
    composer = page.locator(".composer")
    composer.locator("#composer-file").set_input_files(str(MAIL))

    parts = composer.locator("#composer-mail")
    expect(parts).to_contain_text("E-mail van Secretariaat Duin- en Bollenstreek")
    attached = parts.get_by_label("het bijgevoegde bestand Gezamenlijke reactie D&B.docx")
    expect(attached).to_be_checked()
    expect(composer.locator("#composer-received")).to_have_value("2015-11-30")
    expect(composer.locator("#composer-title-input")).to_have_value(
        "Gezamenlijke reactie Duin- en Bollenstreek")
    expect(composer.locator("#composer-stakeholder option:checked")).to_have_text(
        "Duin- en Bollenstreek")
    numbers = composer.locator(".preview-point input[name=point_number]")
    expect(numbers.nth(19)).to_have_value("20")  # title and greeting are frame, not points

    parts.get_by_label("de tekst van de e-mail").check()  # the body instead
    expect(composer.locator("#composer-text")).to_have_value(
        re.compile(r"Bijgaand onze gezamenlijke reactie\.\s+Groet, Anouk"))
    attached.check()
    expect(numbers.nth(19)).to_have_value("20")  # title and greeting are frame, not points

    composer.get_by_role("button", name="Reactie opslaan").click()
    expect(composer.locator("#composer-result")).to_contain_text(
        "Gelogd: Duin- en Bollenstreek, 22 punten.")
