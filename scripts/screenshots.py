"""Screenshots of the real app at 1280x720, a projector's size: python scripts/screenshots.py [--lang en].

Before the app starts, four learners of a seeded class train real small runs (the app's own training
loop, one epoch on 10,000 images each) under a challenge (SGD, at most 3 epochs and 120,000
parameters), so the leaderboard and the instructor page
have a class to show. Then headless Chromium opens the app, trains one more run, and saves a PNG per
page: explore, train (mid-run), evaluate (a clicked cell and its images), try_it, inside, leaderboard,
instructor. English goes to docs/ (the README's), another language to docs/<lang>/.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: find the repository

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from mnist_dash import data
from mnist_dash.classroom.auth import InstructorKey
from mnist_dash.classroom.room import CLASSROOM_DIR, Classroom
from mnist_dash.classroom.rules import Rules
from mnist_dash.config import TrainConfig
from mnist_dash.executors.base import JobSpec
from mnist_dash.executors.worker import run_job
from mnist_dash.progress import Progress
from mnist_dash.runs import RunRecord, RunStore, new_run_id
from tests.e2e import drive  # the browser-test helpers, shared
from tests.e2e.server import DEFAULT_DATA, PROJECTOR, REPO_ROOT, chromium, streamlit_server

SIZE = PROJECTOR
TOKEN = "screenshots-token"
# file name -> the page's title in the navigation (English msgid)
PAGES = {"explore": "Explore the data", "train": "Train live", "evaluate": "Evaluate",
         "try_it": "Try it: draw a digit", "inside": "Inside the network", "leaderboard": "Leaderboard"}
# name, hidden units, learning rate: the seeded class's choices under the challenge's rules
CLASS = [("Ada Lovelace", (48,), 0.1), ("Grace Hopper", (32,), 0.3), ("Blue Heron 7", (16, 16), 0.1),
         ("Alan Turing", (64,), 0.03)]


def seed_class(runs: Path, data_path: str) -> None:
    """A challenge with four learners' real runs on the board, as if they had trained in the app."""
    dataset = data.get_dataset("mnist", data_path)
    room = Classroom(runs / CLASSROOM_DIR, test_labels=lambda _name: dataset.y_test)
    teacher = InstructorKey(TOKEN, False).unlock(TOKEN)
    room.challenges.create(
        teacher, "Small and fast",
        "Reach the best test accuracy with **SGD** in at most 3 epochs and 120,000 parameters.",
        "mnist", Rules({"optimizer": "sgd"}, {"epochs": 3, "parameters": 120_000}))
    store = RunStore(runs)
    for number, (name, units, rate) in enumerate(CLASS):
        owner = f"{number:x}" * 32
        room.names.rename(owner, name)
        config = TrainConfig(hidden_units=units, optimizer="sgd", learning_rate=rate, epochs=1,
                             train_size=10_000, batch_size=32)
        room.admit(config, owner)
        result = run_job(JobSpec(f"seed-{number}", config, data_path), Progress(), lambda: None,
                         load_dataset=lambda _name, _path: dataset)
        run = RunRecord.from_result(new_run_id(), config, result)
        store.save(run)
        room.record(owner, run)


def settle(page: Page) -> None:
    """Wait for the page's work (spinners) and charts, then move the mouse out of the way."""
    expect(page.get_by_test_id("stSpinner")).to_have_count(0, timeout=120_000)
    for chart in page.locator("[data-testid='stMain'] .js-plotly-plot").all()[:3]:
        expect(chart).to_be_visible(timeout=30_000)
    page.mouse.move(SIZE["width"] - 5, SIZE["height"] - 5)
    page.wait_for_timeout(2000)


def shoot_training(page: Page, lang: str, out: Path) -> Path:
    """Train mid-run: the status, Stop and both live charts on one screen (within the challenge's rules)."""
    drive.go_to(page, drive.words(PAGES["train"], lang))
    drive.configure_training(page, units=128, epochs=3, train_images=20_000, batch=64, lang=lang)
    drive.click_train(page, lang=lang)
    total = 3 * -(-20_000 // 64)
    drive.wait_until(lambda: drive.chart_last_step(page, "st-key-live_loss") >= 0.4 * total,
                     timeout=180, interval=0.1, message="part of the run on the chart")
    page.mouse.move(SIZE["width"] - 5, SIZE["height"] - 5)
    page.wait_for_timeout(300)
    path = out / "train.png"
    page.screenshot(path=path)
    drive.expect_finished(page, lang=lang, timeout=180)
    return path


def shoot_evaluate(page: Page, lang: str, out: Path) -> Path:
    """Evaluate with an off-diagonal cell clicked: the matrix and that cell's images."""
    drive.go_to(page, drive.words(PAGES["evaluate"], lang))
    cells = drive.confusion_cells(page)
    mistakes = [cell for cell, count in cells.items() if cell[0] != cell[1] and count > 0]
    cell = min(mistakes, key=lambda c: abs(cells[c] - 12))  # a gallery of a dozen images
    drive.click_confusion_cell(page, *cell)
    drive.wait_until(lambda: _outlined(page, cell), message="the chosen cell outlined")
    settle(page)
    path = out / "evaluate.png"
    page.screenshot(path=path)
    return path


def _outlined(page: Page, cell: tuple[int, int]) -> bool:
    """Whether the matrix outlines `cell` (False while plotly redraws it after the click)."""
    try:
        return drive.outlined_cell(page) == cell
    except PlaywrightError:
        return False


def shoot(page: Page, name: str, lang: str, out: Path) -> Path:
    drive.go_to(page, drive.words(PAGES[name], lang))
    expect(drive.main(page).locator("h1").first).to_be_visible(timeout=30_000)
    if name == "inside":  # it computes for a moment before drawing
        expect(drive.main(page).locator(".js-plotly-plot, [data-testid='stImage']").first).to_be_visible(
            timeout=120_000)
    settle(page)
    path = out / f"{name}.png"
    page.screenshot(path=path)
    return path


def shoot_instructor(page: Page, url: str, lang: str, out: Path) -> Path:
    page.goto(f"{url}/instructor?token={TOKEN}&lang={lang}")
    expect(page.locator("[data-testid='stTable'], [data-testid='stDataFrame']").first).to_be_visible(
        timeout=60_000)  # the class table
    settle(page)
    path = out / "instructor.png"
    page.screenshot(path=path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="en", help="en, zh-CN or zh-TW")
    parser.add_argument("--out", type=Path, help="folder for the PNGs (default docs/, or docs/<lang>)")
    arguments = parser.parse_args()
    lang = arguments.lang
    out = arguments.out or (REPO_ROOT / "docs" if lang == "en" else REPO_ROOT / "docs" / lang)
    out.mkdir(parents=True, exist_ok=True)
    expect.set_options(timeout=30_000)  # a busy machine draws the charts late, as in the e2e tests
    with tempfile.TemporaryDirectory(prefix="mnist-dash-shots-") as runs:
        data_path = os.environ.get("MNIST_DASH_DATA", DEFAULT_DATA)
        seed_class(Path(runs), data_path)
        with (streamlit_server(data_path, runs_dir=runs,
                               extra_env={"MNIST_DASH_INSTRUCTOR_TOKEN": TOKEN}) as server,
              chromium() as browser):
            page = browser.new_context(viewport=SIZE).new_page()
            drive.open_app(page, server.url, f"?lang={lang}")
            print(shoot(page, "explore", lang, out))
            print(shoot_training(page, lang, out))
            print(shoot_evaluate(page, lang, out))
            for name in ("try_it", "inside", "leaderboard"):
                print(shoot(page, name, lang, out))
            print(shoot_instructor(browser.new_context(viewport=SIZE).new_page(), server.url, lang, out))


if __name__ == "__main__":
    main()
