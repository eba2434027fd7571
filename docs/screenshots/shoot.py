"""Screenshots at 375 px of the four pages issue 16 names: the answer panel (a reaction page),
the channel (the consultation page: its top and its form to log a reaction), the search page
and a thread.

    .venv/bin/python docs/screenshots/shoot.py after    # writes docs/screenshots/*-after.png

It serves the demo on a temporary SQLite file, logs in as the demo secretary and shoots the
first screen (375 x 812) of each page, as a phone shows it.
"""

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent.parent))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, _serve, login  # noqa: E402
from tests.browser.test_accessibility import C, demo_ids  # noqa: E402
from tests.conftest import DEMO_PASSWORDS  # noqa: E402

PHONE = {"width": 375, "height": 812}


def shoot(suffix: str) -> None:
    """Write answer-panel, channel, search and thread -<suffix>.png under docs/screenshots."""
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        served = _serve(Path(tmp))
        base = next(served)
        ids = demo_ids(Path(tmp))
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_context(locale="nl-NL", viewport=PHONE).new_page()
        login(page, base, *DEMO_PASSWORDS["secretary"])

        page.goto(f"{base}{C}/reacties/{ids['reaction']}")
        page.locator("#answer-panel summary").click()
        page.locator("#answer-panel input[name=selection]").fill("1 t/m 3")
        page.wait_for_timeout(600)
        page.screenshot(path=HERE / f"answer-panel-{suffix}.png")

        for name, url in (("channel", C), ("search", "/zoeken?q=huisartsen"),
                          ("thread", f"{C}/punten/{ids['point']}")):
            page.goto(base + url)
            page.wait_for_timeout(400)
            page.screenshot(path=HERE / f"{name}-{suffix}.png")

        # the channel's foot: the form to log a reaction
        page.goto(base + C)
        page.locator("header.page-head").get_by_role("link", name="Reactie loggen").click()
        page.wait_for_timeout(400)
        page.screenshot(path=HERE / f"channel-composer-{suffix}.png")
        browser.close()
        next(served, None)


if __name__ == "__main__":
    shoot(sys.argv[1] if len(sys.argv) > 1 else "after")
