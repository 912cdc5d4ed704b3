"""Screenshots of the real app for the README: python scripts/screenshots.py [--out docs].

Starts the app on a free port with an empty run store, trains the Keras-book preset briefly
(2 epochs on 20,000 images) in headless Chromium, and saves explore.png, train.png (mid-run)
and evaluate.png (an off-diagonal cell and its images), 1400 px wide.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: find the repository

from playwright.sync_api import Page, expect

from mnist_dash.vocabulary import JobState
from tests.e2e import drive  # the browser-test helpers, shared
from tests.e2e.server import REPO_ROOT, VIEWPORT, chromium, streamlit_server

WIDTH = VIEWPORT["width"]
EPOCHS, IMAGES, BATCH = 2, 20_000, 128


def scroll_to(page: Page, locator, offset: int = 80) -> None:
    """Scroll Streamlit's main container so `locator` sits `offset` px below the top."""
    locator.scroll_into_view_if_needed()
    locator.evaluate("""(el, offset) => {
        const scroller = document.querySelector("[data-testid='stMain']");
        const top = el.getBoundingClientRect().top;
        scroller.scrollBy(0, top - offset);
    }""", offset)
    page.wait_for_timeout(400)


def shoot_explore(page: Page, url: str, out: Path) -> None:
    page.set_viewport_size({"width": WIDTH, "height": 1000})
    drive.open_app(page, url)
    expect(page.get_by_test_id("stImage").locator("img").first).to_be_visible(timeout=30_000)
    expect(drive.main(page).locator("[class*='st-key-class_balance'] .js-plotly-plot")).to_be_visible()
    page.wait_for_timeout(1500)  # let the images decode and plotly finish its first draw
    page.screenshot(path=out / "explore.png")


def shoot_train(page: Page, url: str, out: Path) -> None:
    # Tall enough for the form, the live panel and its charts in one picture.
    page.set_viewport_size({"width": WIDTH, "height": 1750})
    drive.open_app(page, url, "train")
    units = 512  # the preset's
    drive.configure_training(page, units=units, epochs=EPOCHS, train_images=IMAGES, batch=BATCH)
    drive.click_train(page)
    total = EPOCHS * -(-IMAGES // BATCH)
    drive.wait_until(lambda: drive.chart_last_step(page, "st-key-live_loss") >= 0.3 * total
                     or drive.shows_status(page, JobState.COMPLETED),
                     timeout=120, interval=0.1, message="a third of the run on the chart")
    if drive.shows_status(page, JobState.COMPLETED):
        print("warning: the run ended before the mid-run shot; train.png shows it finished")
    page.mouse.move(WIDTH - 10, 1700)  # over the page margin: no toolbar or button shows on hover
    # The two charts are redrawn one after the other: shoot when both show the same step.
    drive.wait_until(lambda: drive.chart_last_step(page, "st-key-live_loss")
                     == drive.chart_last_step(page, "st-key-live_accuracy"), interval=0.05,
                     message="both charts at the same step")
    box = page.locator(".st-key-live_loss:not([data-stale='true'])").first.bounding_box()
    bottom = box["y"] + box["height"]
    page.screenshot(path=out / "train.png", clip={"x": 0, "y": 0, "width": WIDTH,
                                                   "height": min(bottom + 30, 1750)})
    drive.expect_finished(page)


def shoot_evaluate(page: Page, out: Path) -> None:
    page.set_viewport_size({"width": WIDTH, "height": 1300})
    drive.main(page).get_by_role("link", name=re.compile("Inspect the mistakes")).click()
    cells = drive.confusion_cells(page)
    # A mistake with a handful of images: enough to show a gallery row or two.
    mistakes = [cell for cell, count in cells.items() if cell[0] != cell[1] and count > 0]
    cell = min(mistakes, key=lambda c: abs(cells[c] - 12))
    drive.click_confusion_cell(page, *cell)
    expect(drive.main(page).get_by_text("test images are")).to_contain_text(
        f"{cells[cell]} test images are {cell[0]} and were predicted {cell[1]}")
    drive.wait_until(lambda: len(drive.cell_gallery_captions(page) or []) == cells[cell],
                     message="the cell's gallery")
    scroll_to(page, drive.main(page).get_by_text("Which classes does it confuse?"), offset=20)
    page.mouse.move(WIDTH - 10, 1280)
    page.wait_for_timeout(1000)
    page.screenshot(path=out / "evaluate.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs", help="folder for the PNGs")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    expect.set_options(timeout=30_000)  # a busy machine draws the charts late, as in the e2e tests
    with streamlit_server() as server, chromium() as browser:
        page = browser.new_context(viewport=VIEWPORT).new_page()
        shoot_explore(page, server.url, out)
        shoot_train(page, server.url, out)
        shoot_evaluate(page, out)
    for name in ("explore.png", "train.png", "evaluate.png"):
        print(out / name)


if __name__ == "__main__":
    main()
