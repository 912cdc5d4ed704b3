"""Screenshots of the real app at 1280x720, a projector's size: python scripts/screenshots.py [--lang en].

Before the app starts, four learners of a seeded class train real small runs (the app's own training
loop, one epoch on 10,000 images each) under a challenge (SGD, at most 3 epochs and 120,000
parameters), so the leaderboard and the instructor page have a class to show. Then headless Chromium
opens the app, trains one more run, and saves a PNG per page: explore, train (mid-run), evaluate (a
clicked cell and its images), try_it (blank, then with a drawn digit: try_it_drawn), inside,
leaderboard (the running challenge), leaderboard_ended (an earlier, ended challenge with the same
runs: the private ranking), instructor. English goes to docs/ (the README's), another language to
docs/<lang>/.

To check the layout for a room: `--present` turns presenter mode on (?present=1), `--zoom 1.5` shows
the page as a 1280x720 screen at 150% browser zoom does (853x480 CSS pixels), and `--full` shoots each
page whole (the window made as tall as the page) instead of the first screen. Those go to
artifacts/screenshots/<lang>[-present][-zoom150] unless --out says otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: find the repository

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from tests.e2e import drive  # the browser-test helpers, shared
from tests.e2e.seeded import ENDED_TITLE, seed_class
from tests.e2e.server import DEFAULT_DATA, REPO_ROOT, chromium, projector_screen, streamlit_server

TOKEN = "screenshots-token"
# file name -> the page's title in the navigation (English msgid)
PAGES = {"explore": "Explore the data", "train": "Train live", "evaluate": "Evaluate",
         "try_it": "Try it: draw a digit", "inside": "Inside the network", "leaderboard": "Leaderboard"}
# How tall the page is: Streamlit scrolls inside its own container, not the window.
FULL_HEIGHT_JS = """() => Math.max(...[...document.querySelectorAll(
    "[data-testid='stMain'], [data-testid='stAppViewContainer'], body")].map(e => e.scrollHeight))"""

def settle(page: Page) -> None:
    """Wait for the page's work (its script, spinners) and charts, then move the mouse out of the way."""
    expect(page.locator("[data-testid='stApp'][data-test-script-state='notRunning']")).to_have_count(
        1, timeout=120_000)  # once: a polling fragment may start the script again at any time
    expect(page.get_by_test_id("stSpinner")).to_have_count(0, timeout=120_000)
    for chart in page.locator("[data-testid='stMain'] .js-plotly-plot").all()[:3]:
        expect(chart).to_be_visible(timeout=30_000)
    away_with_the_mouse(page)
    page.wait_for_timeout(2000)


def away_with_the_mouse(page: Page) -> None:
    """Move the mouse to the window's bottom-right corner, so no hover box covers the page."""
    size = page.viewport_size
    page.mouse.move(size["width"] - 5, size["height"] - 5)


@dataclass(frozen=True)
class Album:
    """Where and how shots are saved: the language drawn, the folder, the first screen or whole pages."""

    lang: str
    out: Path
    full: bool = False

    def save(self, page: Page, name: str) -> Path:
        """Save the window as <name>.png, or with `full` the whole page: Streamlit scrolls inside its
        own container, so the window is made as tall as the page for the shot, then given back."""
        size = page.viewport_size
        height = size["height"]
        while self.full and height < (tall := min(page.evaluate(FULL_HEIGHT_JS), 12_000)):
            height = tall  # grown again: the window's new height lets more be drawn (charts, images)
            page.set_viewport_size({"width": size["width"], "height": height})
            page.wait_for_timeout(1500)
        path = self.out / f"{name}.png"
        page.screenshot(path=path)
        page.set_viewport_size(size)
        return path


def shoot_training(page: Page, album: Album) -> Path:
    """Train mid-run: the status, Stop and both live charts on one screen (within the challenge's rules).

    Always the first screen, even with --full: the run moves on while a tall window redraws."""
    drive.go_to(page, drive.words(PAGES["train"], album.lang))
    drive.configure_training(page, units=128, epochs=3, train_images=20_000, batch=64, lang=album.lang)
    drive.click_train(page, lang=album.lang)
    total = 3 * -(-20_000 // 64)
    drive.wait_until(lambda: drive.chart_last_step(page, "st-key-live_loss") >= 0.4 * total,
                     timeout=180, interval=0.1, message="part of the run on the chart")
    away_with_the_mouse(page)
    page.wait_for_timeout(300)
    path = replace(album, full=False).save(page, "train")
    drive.expect_finished(page, lang=album.lang, timeout=180)
    return path


def shoot_evaluate(page: Page, album: Album) -> Path:
    """Evaluate with an off-diagonal cell clicked: the matrix and that cell's images."""
    drive.go_to(page, drive.words(PAGES["evaluate"], album.lang))
    cells = drive.confusion_cells(page)
    mistakes = [cell for cell, count in cells.items() if cell[0] != cell[1] and count > 0]
    cell = min(mistakes, key=lambda c: abs(cells[c] - 12))  # a gallery of a dozen images
    drive.click_confusion_cell(page, *cell)
    drive.wait_until(lambda: _outlined(page, cell), message="the chosen cell outlined")
    settle(page)
    return album.save(page, "evaluate")


def _outlined(page: Page, cell: tuple[int, int]) -> bool:
    """Whether the matrix outlines `cell` (False while plotly redraws it after the click)."""
    try:
        return drive.outlined_cell(page) == cell
    except PlaywrightError:
        return False


def shoot(page: Page, name: str, album: Album) -> Path:
    drive.go_to(page, drive.words(PAGES[name], album.lang))
    expect(drive.main(page).locator("h1").first).to_be_visible(timeout=30_000)
    if name == "inside":  # it computes for a moment before drawing
        expect(drive.main(page).locator(".js-plotly-plot, [data-testid='stImage']").first).to_be_visible(
            timeout=120_000)
    settle(page)
    return album.save(page, name)


def shoot_drawing(page: Page, album: Album) -> Path:
    """Try it after a "7" was drawn on its canvas: the answer, the preprocessing steps, the class's set."""
    drive.go_to(page, drive.words(PAGES["try_it"], album.lang))
    expect(page.locator("canvas").last).to_be_visible(timeout=60_000)
    drive.draw_on_canvas(page)
    heading = drive.main(page).get_by_text(drive.words("What the network sees", album.lang), exact=True)
    expect(heading).to_be_visible(timeout=60_000)
    settle(page)
    return album.save(page, "try_it_drawn")


def shoot_ended_board(page: Page, album: Album) -> Path:
    """The leaderboard of the ended challenge, chosen in its select box: the private ranking."""
    drive.go_to(page, drive.words(PAGES["leaderboard"], album.lang))
    drive.choose(page, drive.words("Challenge", album.lang), ENDED_TITLE)
    revealed = "Ended: ranked by the private score, which nobody saw before"
    expect(drive.main(page).get_by_text(drive.words(revealed, album.lang))).to_be_visible()
    page.evaluate("document.activeElement?.blur()")  # no focus ring left on the select box
    settle(page)
    return album.save(page, "leaderboard_ended")


def shoot_instructor(page: Page, url: str, query: str, album: Album) -> Path:
    page.goto(f"{url}/instructor?token={TOKEN}&{query}")
    expect(page.locator("[data-testid='stTable'], [data-testid='stDataFrame']").first).to_be_visible(
        timeout=60_000)  # the class table
    settle(page)
    return album.save(page, "instructor")


def default_folder(lang: str, present: bool, zoom: float) -> Path:
    """docs/ (English) or docs/<lang>/ for the README's shots; artifacts/screenshots/... for a check."""
    if present or zoom != 1:
        mode = "-present" * present + (f"-zoom{round(zoom * 100)}" if zoom != 1 else "")
        return REPO_ROOT / "artifacts" / "screenshots" / f"{lang}{mode}"
    return REPO_ROOT / "docs" if lang == "en" else REPO_ROOT / "docs" / lang


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="en", help="en, zh-CN or zh-TW")
    parser.add_argument("--present", action="store_true", help="presenter mode (?present=1)")
    parser.add_argument("--zoom", type=float, default=1.0, help="browser zoom, e.g. 1.5 for 150%%")
    parser.add_argument("--full", action="store_true", help="shoot each page whole, not its first screen")
    parser.add_argument("--out", type=Path, help="folder for the PNGs (default docs/, or docs/<lang>; "
                        "artifacts/screenshots/<lang>-<mode> with --present or --zoom)")
    arguments = parser.parse_args()
    lang = arguments.lang
    out = arguments.out or default_folder(lang, arguments.present, arguments.zoom)
    out.mkdir(parents=True, exist_ok=True)
    album = Album(lang, out, arguments.full)
    query = f"lang={lang}" + "&present=1" * arguments.present
    screen = projector_screen(arguments.zoom)
    expect.set_options(timeout=30_000)  # a busy machine draws the charts late, as in the e2e tests
    with tempfile.TemporaryDirectory(prefix="mnist-dash-shots-") as runs:
        data_path = os.environ.get("MNIST_DASH_DATA", DEFAULT_DATA)
        seed_class(Path(runs), data_path, TOKEN)
        with (streamlit_server(data_path, runs_dir=runs,
                               extra_env={"MNIST_DASH_INSTRUCTOR_TOKEN": TOKEN}) as server,
              chromium() as browser):
            page = browser.new_context(**screen).new_page()
            drive.open_app(page, server.url, f"?{query}")
            print(shoot(page, "explore", album))
            print(shoot_training(page, album))
            print(shoot_evaluate(page, album))
            print(shoot(page, "try_it", album))
            print(shoot_drawing(page, album))
            for name in ("inside", "leaderboard"):
                print(shoot(page, name, album))
            print(shoot_ended_board(page, album))
            print(shoot_instructor(browser.new_context(**screen).new_page(), server.url, query, album))


if __name__ == "__main__":
    main()
