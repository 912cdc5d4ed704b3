"""One learner browses Evaluate in Chromium while another's job trains: how much slower is the job?

For each backend (the app's threads, Ray local) one app server; a first learner presses Train on
the Keras-book preset and closes the tab at the first batch, so the job trains unwatched. Meanwhile
a second learner's Evaluate tab either sits idle ("nobody browsing") or browses in a loop: click a
confusion cell, switch to "How it learned" and back, open another run, with THINK_SECONDS between
clicks. The job's images/s is the engine's own (the saved run's samples_per_second); each click is
timed from the mouse click until the browser has drawn its answer (polled at every frame).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks import cores
from benchmarks.browser import TIMEOUT_MS, live_once, saved_run_rate, train_from_page
from benchmarks.common import Context, Outcome, Row, interleaved, median, require_browser, within
from mnist_dash.executors.base import JobSpec
from mnist_dash.executors.worker import run_job
from mnist_dash.presets import DEFAULT_PRESET, PRESETS
from mnist_dash.progress import Progress
from mnist_dash.runs import RunRecord, RunStore, new_run_id
from mnist_dash.vocabulary import JobState
from tests.e2e import drive
from tests.e2e.server import VIEWPORT, Server, chromium, streamlit_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

SLOWDOWN_TARGET = 0.10  # on Ray local (issue 13)
# "shared": Chromium on the server's cores, as only a test machine has it; "split": the job's
# process on a core of its own, as on a server whose learners browse from their laptops.
PLACEMENTS = ("shared", "split")
JUDGED_PLACEMENT = "split"
THINK_SECONDS = 1.0  # a browsing learner looks at each answer this long before the next click
IDLE_CLICKS = 6  # clicks timed with no job training, for comparison
BACKENDS = {  # name -> the app's environment
    "threads": {},
    "ray-local": {"MNIST_DASH_RAY_ADDRESS": "local", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"},
}
# The two runs a browsing learner switches between, told apart in the run box by their epochs.
OTHER_RUN_EPOCHS = (3, 4)
CONNECTING = re.compile(r"^Connecting to ")  # the banner while Ray starts (executors/background.py)
READY_TIMEOUT_MS = 900_000  # Ray's start on 2 cores at load average 25 took minutes
HISTORY_CHART = "[class*='st-key-history_'] .js-plotly-plot"
CONFUSION_CHART = "[class*='st-key-confusion_'] .js-plotly-plot"
# Drawn: something matches the first selector and nothing the second. Streamlit keeps a replaced
# element (another run's matrix, the other section's charts) until its rerun ends: wait for that too.
DRAWN_JS = """([present, absent]) =>
    Boolean(document.querySelector(present)) && !document.querySelector(absent)"""


@dataclass
class EvaluateBrowser:
    """The browsing learner: one Evaluate tab, a loop of clicks, each timed until drawn."""

    page: Page
    runs: dict[str, str]  # run id -> text unique to its label in the run box
    clicks: list[tuple[str, float]] = field(default_factory=list)  # (what, seconds)

    def __post_init__(self) -> None:
        self._run_ids = itertools.cycle(self.runs)
        self.open_run()

    def browse_until(self, done: Callable[[], bool]) -> None:
        """Click a cell, look, switch section, look, open another run, look... until `done()`;
        at least one click, so that even a short job has one timed."""
        for action in itertools.cycle([self.click_cell, self.switch_section, self.open_run]):
            action()
            if done():
                return
            time.sleep(THINK_SECONDS)

    def click_cell(self) -> None:
        """Click the most confused cell that is not the one shown; wait for its sentence."""
        self._wait_drawn(CONFUSION_CHART, HISTORY_CHART)
        cells = drive.confusion_cells(self.page)
        shown = drive.selected_cell(self.page)
        true, predicted = next_cell(cells, shown)
        point = drive.confusion_cell_point(self.page, true, predicted)
        pattern = re.compile(rf"test images are {true} and were predicted {predicted}\b")
        self._timed("confusion cell", lambda: self.page.mouse.click(*point),
                    lambda: drive.wait_for_paragraph(self.page, pattern, TIMEOUT_MS))

    def switch_section(self) -> None:
        """To "How it learned" (its charts drawn) and back to the matrix, timed separately."""
        for section, shown, gone in (("How it learned", HISTORY_CHART, CONFUSION_CHART),
                                     ("Confusion matrix", CONFUSION_CHART, HISTORY_CHART)):
            button = drive.main(self.page).get_by_test_id("stButtonGroup").get_by_text(section, exact=True)
            self._timed("section", button.click, lambda shown=shown, gone=gone: self._wait_drawn(shown, gone))

    def open_run(self) -> None:
        """Pick the next run in the run box (typing its name included); wait for its matrix alone."""
        run_id = next(self._run_ids)
        key = f"[class~='st-key-confusion_{run_id}']"
        self._timed("another run", lambda: drive.choose(self.page, "Run", self.runs[run_id]),
                    lambda: self._wait_drawn(f"{key} .js-plotly-plot",
                                             f"[class*='st-key-confusion_']:not({key}) .js-plotly-plot"))

    def _wait_drawn(self, present: str, absent: str) -> None:
        """Wait, polling in the browser at every frame, until DRAWN_JS holds."""
        self.page.wait_for_function(DRAWN_JS, arg=[present, absent], polling="raf", timeout=TIMEOUT_MS)

    def _timed(self, what: str, act: Callable[[], object], drawn: Callable[[], object]) -> None:
        start = time.perf_counter()
        act()
        drawn()
        self.clicks.append((what, time.perf_counter() - start))


def next_cell(cells: dict[tuple[int, int], int], shown: tuple[int, int]) -> tuple[int, int]:
    """The off-diagonal cell with the most images, other than the one shown."""
    mistakes = [cell for cell, count in cells.items() if cell[0] != cell[1] and count and cell != shown]
    if not mistakes:
        raise RuntimeError("the run made no mistakes to click: train a smaller network")
    return max(mistakes, key=lambda cell: (cells[cell], cell))


def click_seconds(clicks: list[tuple[str, float]], what: str | None = None) -> list[float]:
    return [seconds for kind, seconds in clicks if what is None or kind == what]


def train_once(browser: Browser, server: Server, schedule: tuple[int, str | None],
               browsing: EvaluateBrowser | None) -> dict[str, Any]:
    """The first learner's job, trained unwatched from its first batch; browsed meanwhile or not."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        known = train_from_page(context.new_page(), server, *schedule)
    finally:
        context.close()
    clicked = len(browsing.clicks) if browsing else 0
    if browsing:
        browsing.browse_until(lambda: saved_run_rate(server, known) is not None)
    while (rate := saved_run_rate(server, known)) is None:
        time.sleep(0.2)
    return {"images_per_second": rate, "clicks": browsing.clicks[clicked:] if browsing else []}


def wait_until_ready(browser: Browser, server: Server) -> float:
    """Wait until the app's banner no longer says it is connecting (Ray started, workers warm);
    the seconds since the server was launched."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/train", timeout=TIMEOUT_MS)
        page.get_by_role("heading", name="Train a network live").wait_for(timeout=TIMEOUT_MS)
        page.get_by_text(CONNECTING).first.wait_for(state="detached", timeout=READY_TIMEOUT_MS)
        return time.perf_counter() - server.launched
    finally:
        context.close()


def prepare_runs(browser: Browser, server: Server, here_on: str | None = None) -> dict[str, str]:
    """Two small runs to switch between, trained from the page (also warming TensorFlow, and on Ray
    its workers). With `here_on` (a data file; quick runs) they are trained in this process instead
    and saved into the server's run store as the command line saves a run: a second or two each,
    not a browser's ten. The browsing learner sees them as shared runs either way."""
    runs = {}
    for epochs in OTHER_RUN_EPOCHS:
        before = saved_runs(server)
        if here_on is None:
            live_once(browser, server, epochs, "1,000", watched=False)
        else:
            config = PRESETS[DEFAULT_PRESET].config.replace(epochs=epochs, train_size=1000)
            result = run_job(JobSpec(f"browse-{epochs}", config, here_on), Progress(), lambda: None)
            if result.state != JobState.COMPLETED:
                raise RuntimeError(f"a run to browse did not complete: {result.state} {result.message}")
            RunStore(server.runs_dir).save(RunRecord.from_result(new_run_id(), config, result))
        (run_id,) = saved_runs(server) - before
        runs[run_id] = f"{epochs} epochs ·"
    return runs


def saved_runs(server: Server) -> set[str]:
    return {path.parent.name for path in server.runs_dir.glob("*/run.json")}


def measure_backend(browser: Browser, ctx: Context, backend: str, schedule: tuple[int, str | None],
                    placements: tuple[str, ...] = PLACEMENTS) -> dict[str, dict[str, Any]]:
    """One server of this backend; per placement, the job alone and browsed, interleaved."""
    extra = {**BACKENDS[backend], "MNIST_DASH_UNWATCHED_SECONDS": "3600"}
    with streamlit_server(ctx.data_path, extra_env=extra) as server:
        ready = wait_until_ready(browser, server)
        runs = prepare_runs(browser, server, ctx.data_path if ctx.quick else None)
        context = browser.new_context(viewport=VIEWPORT)
        try:
            page = context.new_page()
            page.goto(f"{server.url}/evaluate", timeout=TIMEOUT_MS)
            browsing = EvaluateBrowser(page, runs)
            for _ in range(2 if ctx.quick else IDLE_CLICKS):
                browsing.click_cell()
                time.sleep(THINK_SECONDS)
            idle_clicks = list(browsing.clicks)
            results = {}
            for placement in placements:
                with placed(placement, backend, server) as where:
                    results[placement] = {"ready_seconds": ready, "idle_clicks": idle_clicks, "where": where,
                                          **interleaved(ctx.repeats, {
                        "nobody browsing": lambda _: train_once(browser, server, schedule, None),
                        "browsing Evaluate": lambda _: train_once(browser, server, schedule, browsing),
                    })}
        finally:
            context.close()
    return results


def job_process(backend: str) -> Callable[[int], bool]:
    """The processes that train: the whole app server on threads, Ray's Trainer workers on Ray."""
    if backend == "threads":
        return lambda _pid: True
    return lambda pid: "Trainer" in cores.command_line(pid)


@contextlib.contextmanager
def placed(placement: str, backend: str, server: Server) -> Iterator[str]:
    """Where processes run: "shared", everything on every core; "split", the training process(es)
    get a core alone and Chromium the other (with the page server too, on Ray), as on a server
    whose learners browse from their own laptops."""
    if placement == "shared":
        yield "Chromium, the page server and the job share every core"
        return
    with cores.split(server.pid, alone=job_process(backend)) as where:
        yield (f"the job's process ({where['alone']}) apart from Chromium ({where['shared']})"
               + ("; the page server trains the job in its own process" if backend == "threads"
                  else "; the page server is with Chromium"))


def backend_rows(backend: str, result: dict[str, Any], placement: str = "shared") -> list[Row]:
    """images/s both ways, the slowdown (judged on Ray local with the job's process apart from the
    browser), and the browsing learner's clicks."""
    alone = [run["images_per_second"] for run in result["nobody browsing"]]
    browsed = [run["images_per_second"] for run in result["browsing Evaluate"]]
    slowdowns = [1 - b / a for a, b in zip(alone, browsed, strict=True)]
    slowdown = median(slowdowns)
    judged = backend == "ray-local" and placement == JUDGED_PLACEMENT
    backend = backend if placement == "shared" else f"{backend}, {placement}"
    clicks = [click for run in result["browsing Evaluate"] for click in run["clicks"]]
    cell, idle = median(click_seconds(clicks, "confusion cell")), median(click_seconds(result["idle_clicks"]))
    kinds = ", ".join(f"{kind} {median(click_seconds(clicks, kind)):.2f} s"
                      for kind in ("section", "another run") if click_seconds(clicks, kind))
    return [
        Row(f"{backend}: job alone", median(alone), "images/s",
            detail=f"per repeat {', '.join(f'{rate:.0f}' for rate in alone)}; the app took "
                   f"{result['ready_seconds']:.0f} s from launch until it could train"),
        Row(f"{backend}: job while another learner browses Evaluate", median(browsed), "images/s",
            detail=f"per repeat {', '.join(f'{rate:.0f}' for rate in browsed)}; "
                   f"{len(clicks)} clicks, {THINK_SECONDS:g} s apart"),
        Row(f"{backend}: slowdown while browsed", 100 * slowdown, "%",
            f"< {100 * SLOWDOWN_TARGET:.0f}%" if judged else "",
            within(slowdown, high=SLOWDOWN_TARGET) if judged else None,
            detail=f"per repeat {', '.join(f'{100 * s:.1f}%' for s in slowdowns)}; {result['where']}"),
        Row(f"{backend}: confusion cell click -> drawn, while a job trains", cell, "s",
            detail=f"{idle:.2f} s with no job training; median {kinds}"),
    ]


QUICK_SCHEDULE, FULL_SCHEDULE = (1, "2,000"), (5, None)  # (epochs, training images shown)


def browse_while_training(ctx: Context) -> Outcome:
    """Each backend on its own server, in each placement (Chromium sharing the job's cores, and not)."""
    schedule = QUICK_SCHEDULE if ctx.quick else FULL_SCHEDULE
    require_browser()
    results = {}
    with chromium() as browser:
        for backend in BACKENDS:
            results[backend] = measure_backend(browser, ctx, backend, schedule,
                                               PLACEMENTS if cores.can_split() else ("shared",))
    rows = [row for backend, placements in results.items() for placement, result in placements.items()
            for row in backend_rows(backend, result, placement)]
    setting = "Keras book preset, " + ("1 epoch of 2,000 images" if ctx.quick else "5 epochs of 60,000")
    return Outcome(rows=rows, data={"setting": setting, "think_seconds": THINK_SECONDS, **results})


def main() -> None:
    """`python -m benchmarks.browse_bench BACKEND OUT.json [--quick]`: one backend's measurements as
    JSON, in a process of its own (a test process may already run Playwright's sync API)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("backend", choices=list(BACKENDS))
    parser.add_argument("out", type=Path)
    parser.add_argument("--quick", action="store_true")
    arguments = parser.parse_args()
    ctx = Context(quick=arguments.quick, repeats=1, data_path=os.environ["MNIST_DASH_DATA"])
    with chromium() as browser:
        result = measure_backend(browser, ctx, arguments.backend,
                                 QUICK_SCHEDULE if arguments.quick else FULL_SCHEDULE, ("shared",))["shared"]
    arguments.out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
