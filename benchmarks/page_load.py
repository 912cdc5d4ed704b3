"""Evaluate, Try it and Inside in Chromium after a run: navigation click to the page's main content."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from benchmarks.browser import IMAGE_SELECTOR as EXPLORE_IMAGES
from benchmarks.browser import TIMEOUT_MS, open_train
from benchmarks.common import Context, Outcome, Row, median, require_browser, within
from tests.e2e import drive
from tests.e2e.server import PROJECTOR, chromium, streamlit_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

PAGE_LOAD_TARGET_SECONDS = 2.0
# Navigation title -> what shows the page's main content is drawn (not only its title).
PAGES = {
    "Evaluate": "[class*='st-key-confusion_'] .js-plotly-plot",
    "Try it: draw a digit": ".st-key-try_clear button",  # drawn just after the canvas
    "Inside the network": "[class*='st-key-inside_grid_'] .js-plotly-plot",
}
# Matches at any moment the script is not running (a ticking fragment may start it again).
SCRIPT_ENDED = "[data-testid='stApp'][data-test-script-state='notRunning']"


def train_small_run(page: Page, url: str) -> None:
    """A 1-epoch, 2,000-image run from the Train page, as a learner makes one."""
    page.goto(f"{url}/train", timeout=TIMEOUT_MS)
    open_train(page, via_sidebar=False)
    drive.configure_training(page, units=32, epochs=1, train_images=2000, batch=32)
    drive.click_train(page, TIMEOUT_MS)
    drive.expect_finished(page, timeout=TIMEOUT_MS / 1000)


def open_explore(page: Page) -> None:
    """Go to Explore and wait until its script has ended.

    Its images alone are no sign: the last page's images (Evaluate's gallery, Inside's top
    images) stay visible for a moment after the click, and a click on the timed page while
    Explore still runs first waits for Explore to stop; both made "visit again" time Explore.
    """
    drive.go_to(page, "Explore the data")
    drive.main(page).locator("h1", has_text="Explore").wait_for(timeout=TIMEOUT_MS)
    page.locator(EXPLORE_IMAGES).first.wait_for(state="visible", timeout=TIMEOUT_MS)
    page.locator(SCRIPT_ENDED).wait_for(state="attached", timeout=TIMEOUT_MS)


def visit_seconds(page: Page, title: str) -> float:
    """From the click on the page's navigation link to its main content visible (from Explore)."""
    open_explore(page)
    clicked = time.perf_counter()
    drive.go_to(page, title)
    page.locator(PAGES[title]).first.wait_for(state="visible", timeout=TIMEOUT_MS)
    return time.perf_counter() - clicked


def after_a_run(browser: Browser, url: str) -> dict[str, list[float]]:
    """A fresh run, then each page twice: the first visit (caches cold for this run) and a return."""
    context = browser.new_context(viewport=PROJECTOR)
    try:
        page = context.new_page()
        train_small_run(page, url)
        return {title: [visit_seconds(page, title), visit_seconds(page, title)] for title in PAGES}
    finally:
        context.close()


def run_pages(ctx: Context) -> Outcome:
    """Median over repeats (5 unless --quick), each on a new run so its first visits are cold."""
    repeats = 1 if ctx.quick else max(ctx.repeats, 5)
    require_browser()
    with chromium() as browser, streamlit_server(ctx.data_path) as server:
        runs = [after_a_run(browser, server.url) for _ in range(repeats)]
    rows = []
    for title in PAGES:
        first = median([run[title][0] for run in runs])
        again = median([run[title][1] for run in runs])
        rows.append(Row(f"{title}: first visit after a run", first, "s", f"< {PAGE_LOAD_TARGET_SECONDS:g} s",
                        within(first, high=PAGE_LOAD_TARGET_SECONDS),
                        detail=f"per repeat {', '.join(f'{run[title][0]:.2f}' for run in runs)}"))
        rows.append(Row(f"{title}: visit again", again, "s", f"< {PAGE_LOAD_TARGET_SECONDS:g} s",
                        within(again, high=PAGE_LOAD_TARGET_SECONDS)))
    return Outcome(rows=rows, data={"runs": runs})
