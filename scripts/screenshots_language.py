"""Screenshots of every page in one language: python scripts/screenshots_language.py [--lang zh-CN].

Starts the app with an empty run store, opens /?lang=<lang> in headless Chromium at 1280x720,
trains a small run (one epoch on 10,000 images), and saves one PNG per page in docs/<lang>/,
so a reader can check the glyphs and that no column or table cuts its text.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: find the repository

from playwright.sync_api import Page, expect

from tests.e2e import drive  # the browser-test helpers, shared
from tests.e2e.server import REPO_ROOT, chromium, streamlit_server

SIZE = {"width": 1280, "height": 720}
# file name -> the page's title in the navigation (English msgid)
PAGES = {"explore": "Explore the data", "train": "Train live", "evaluate": "Evaluate",
         "try_it": "Try it: draw a digit", "inside": "Inside the network"}


def settle(page: Page) -> None:
    """Wait for the page's work (spinners) and charts to be drawn, then move the mouse out of the way."""
    expect(page.get_by_test_id("stSpinner")).to_have_count(0, timeout=120_000)
    for chart in page.locator("[data-testid='stMain'] .js-plotly-plot").all()[:3]:
        expect(chart).to_be_visible(timeout=30_000)
    page.mouse.move(SIZE["width"] - 5, SIZE["height"] - 5)
    page.wait_for_timeout(2000)


def shoot(page: Page, name: str, lang: str, out: Path) -> Path:
    drive.go_to(page, drive.words(PAGES[name], lang))
    expect(drive.main(page).locator("h1").first).to_be_visible(timeout=30_000)
    if name == "inside":  # it computes for a moment before drawing
        expect(drive.main(page).locator(".js-plotly-plot, [data-testid='stImage']").first).to_be_visible(
            timeout=120_000)
    if name == "train":  # the ended run's panel, not the form above it
        drive.status_line(page, lang).first.evaluate("""el => document.querySelector(
            "[data-testid='stMain']").scrollBy(0, el.getBoundingClientRect().top - 60)""")
    settle(page)
    path = out / f"{name}.png"
    page.screenshot(path=path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="zh-CN")
    parser.add_argument("--out", type=Path, help="folder for the PNGs (default docs/<lang>)")
    arguments = parser.parse_args()
    lang, out = arguments.lang, arguments.out or REPO_ROOT / "docs" / arguments.lang
    out.mkdir(parents=True, exist_ok=True)
    expect.set_options(timeout=30_000)
    with streamlit_server() as server, chromium() as browser:
        page = browser.new_context(viewport=SIZE).new_page()
        drive.open_app(page, server.url, f"?lang={lang}")
        drive.go_to(page, drive.words(PAGES["train"], lang))
        drive.configure_training(page, units=64, epochs=1, train_images=10_000, batch=32, lang=lang)
        drive.click_train(page, lang=lang)
        drive.expect_finished(page, lang=lang)
        for name in PAGES:
            print(shoot(page, name, lang, out))


if __name__ == "__main__":
    main()
