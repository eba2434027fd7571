"""Without a mouse: a secretary logs in, logs a letter, answers a range with a destination and
replies in a point's thread using only the keyboard (Tab, Shift+Tab, Enter, Space, typing)."""

import re
import sqlite3
import time
from contextlib import closing

from playwright.sync_api import expect

from ..conftest import DEMO_PASSWORDS

SLUG = "holland-rijnland-jeugdhulp-2016"
LETTER = """1. Jeugdhulp dicht bij huis, in de wijk.
2. Eén plan per gezin, ook bij meerdere hulpverleners.
3. Wachttijden per aanbieder maandelijks openbaar.
4. Evaluatie na een jaar met de raad.
"""
FOCUSED = "el => el === document.activeElement"
# The focused element shows where it is: our :focus-visible outline (3px amber), not only the
# browser's default ring.
FOCUS_SHOWN = """el => el.matches(':focus-visible') && getComputedStyle(el).outlineStyle === 'solid'
    && getComputedStyle(el).outlineColor === 'rgb(240, 180, 41)'"""


def tab_to(page, target, back: bool = False, limit: int = 250) -> None:
    """Press Tab (or Shift+Tab) until the target has the focus; fail if it never gets it."""
    key = "Shift+Tab" if back else "Tab"
    target.wait_for()
    for _ in range(limit):
        page.keyboard.press(key)
        if target.evaluate(FOCUSED):
            assert target.evaluate(FOCUS_SHOWN), f"no visible focus on {target}"
            return
    raise AssertionError(f"{target} not reached with {limit} × {key}")


def arrow_to(page, select, label: str, limit: int = 100) -> None:
    """In a focused, closed drop-down, press ArrowDown until the option is chosen."""
    chosen = select.locator("option:checked")
    for _ in range(limit):
        if chosen.inner_text() == label:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"option {label!r} not reached with {limit} × ArrowDown")


def test_log_a_letter_and_answer_it_with_the_keyboard_only(live_url, page, tmp_path):
    started = time.monotonic()
    keys = page.keyboard
    email, password = DEMO_PASSWORDS["secretary"]

    page.goto(live_url + "/inloggen")
    tab_to(page, page.get_by_role("textbox", name="E-mailadres"))
    keys.type(email)
    tab_to(page, page.get_by_role("textbox", name="Wachtwoord"))
    keys.type(password)
    keys.press("Enter")
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()

    # The composer at the foot of the channel.
    page.goto(f"{live_url}/consultaties/{SLUG}")
    composer = page.locator(".composer")
    sender = composer.get_by_role("combobox", name="Van")
    tab_to(page, sender)
    arrow_to(page, sender, "Gemeenteraad Leiden")
    tab_to(page, composer.get_by_role("textbox", name="Titel", exact=True))
    keys.type("Brief over de wijkteams")
    tab_to(page, composer.get_by_role("textbox", name="Tekst van de brief"))
    keys.insert_text(LETTER)  # as a paste does
    expect(composer.locator(".preview-point")).to_have_count(4)
    tab_to(page, composer.get_by_role("button", name="Reactie opslaan"))
    keys.press("Enter")
    result = composer.locator("#composer-result")
    expect(result).to_contain_text("Gelogd: Gemeenteraad Leiden, 4 punten.")

    # From the confirmation to the reaction (it sits just before the save button).
    open_link = result.get_by_role("link", name="Open de reactie om haar te beantwoorden")
    tab_to(page, open_link, back=True)
    keys.press("Enter")
    expect(page).to_have_url(re.compile(r"/reacties/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Gemeenteraad Leiden — Brief over de wijkteams")

    # Answer points 1 to 3, routed to a destination.
    panel = page.locator("#answer-panel")
    tab_to(page, panel.locator("summary"))
    keys.press("Enter")
    expect(panel).to_have_attribute("open", "")
    tab_to(page, panel.get_by_role("textbox", name="Punten"))
    keys.type("1 t/m 3")
    tab_to(page, panel.get_by_role("textbox", name="Toelichting (Markdown)"))
    keys.type("Wordt **meegenomen** in het inkoopplan.")
    expect(panel.locator("#answer-preview strong")).to_have_text("meegenomen")
    destination = panel.get_by_role("checkbox", name="Inkoopplan 2017", exact=True)
    tab_to(page, destination)
    keys.press("Space")
    expect(destination).to_be_checked()
    tab_to(page, panel.get_by_role("button", name="Antwoord opslaan"))
    keys.press("Enter")
    expect(page.locator("#reaction-progress")).to_contain_text("3 van 4 punten beantwoord")

    # Point 4 is still open: its thread gets a note, sent with Enter.
    tab_to(page, page.get_by_role("link", name="Gesprek punt 4"), back=True)
    keys.press("Enter")
    expect(page).to_have_url(re.compile(r"/punten/\d+$"))
    box = page.get_by_role("textbox", name="Bericht")
    tab_to(page, box)
    keys.type("Evaluatie nemen we mee in de planning van 2017.")
    keys.press("Enter")
    expect(page.locator("#thread li").last).to_contain_text(
        "Evaluatie nemen we mee in de planning van 2017.")

    with closing(sqlite3.connect(tmp_path / "consult.sqlite3")) as db:
        reaction_id = db.execute(
            "SELECT id FROM reaction WHERE title = 'Brief over de wijkteams'").fetchone()[0]
        answered = db.execute(
            "SELECT p.number, d.title FROM point p JOIN responsepoint rp ON rp.point_id = p.id"
            " JOIN responsedestination rd ON rd.response_id = rp.response_id"
            " JOIN destination d ON d.id = rd.destination_id WHERE p.reaction_id = ?"
            " ORDER BY p.position", (reaction_id,)).fetchall()
        messages = db.execute(
            "SELECT m.body FROM message m JOIN point p ON p.id = m.point_id"
            " WHERE p.reaction_id = ? AND p.number = '4' AND m.kind != 'system'",
            (reaction_id,)).fetchall()
    assert answered == [(n, "Inkoopplan 2017") for n in ("1", "2", "3")]
    assert messages == [("Evaluatie nemen we mee in de planning van 2017.",)]
    print(f"keyboard only: {time.monotonic() - started:.1f} s")
