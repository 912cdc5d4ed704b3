"""Cold start in a real browser: server launch to Explore's images, and Train click to the first batch."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.common import Context, Outcome, Row, interleaved, median, require_browser, within
from benchmarks.cores import descendants
from tests.e2e import drive
from tests.e2e.server import VIEWPORT, Server, chromium, streamlit_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

IMAGES_TARGET_SECONDS = 3.0
FIRST_BATCH_TARGET_SECONDS = 5.0
IMAGE_SELECTOR = "[data-testid='stImage'] img"
TIMEOUT_MS = 120_000
READING_SECONDS = 15.0  # a learner reads the form before pressing Train


def open_train(page: Page, train_images: str | None = None, via_sidebar: bool = True) -> None:
    """Go to Train (through the sidebar: same session); optionally pick the training-set size."""
    if via_sidebar:
        drive.go_to(page, "Train live")
    page.get_by_role("heading", name="Train a network live").wait_for(timeout=TIMEOUT_MS)
    if train_images:
        drive.set_slider(page, "form_train_size", train_images)
        drive.main(page).get_by_text(f"{train_images} training images").wait_for(timeout=TIMEOUT_MS)


def first_batch_seconds(page: Page, train_images: str | None, wait_before_click: float) -> float:
    """On /train (same session): optionally wait, click Train, time until a batch is reported."""
    open_train(page, train_images)
    time.sleep(wait_before_click)
    clicked = time.perf_counter()
    drive.click_train(page, TIMEOUT_MS)
    drive.wait_for_first_batch(page, TIMEOUT_MS)
    seconds = time.perf_counter() - clicked
    drive.click_stop(page)
    return seconds


def cold_once(browser: Browser, ctx: Context, wait_before_click: float) -> dict:
    """One fresh server and browser context: launch -> healthy -> page loaded -> images shown."""
    with streamlit_server(ctx.data_path) as server:
        context = browser.new_context(viewport=VIEWPORT)
        try:
            page = context.new_page()
            page.goto(server.url, timeout=TIMEOUT_MS)
            loaded = time.perf_counter()
            page.locator(IMAGE_SELECTOR).first.wait_for(state="visible", timeout=TIMEOUT_MS)
            images = time.perf_counter()
            first_batch = first_batch_seconds(page, "1,000" if ctx.quick else None, wait_before_click)
        finally:
            context.close()
        second_visitor = fresh_visitor_seconds(browser, server.url)
    return {"healthy": server.healthy_at - server.launched, "page_loaded": loaded - server.launched,
            "images": images - server.launched, "first_batch": first_batch,
            "wait_before_click": wait_before_click, "second_visitor": second_visitor}


def fresh_visitor_seconds(browser: Browser, url: str) -> float:
    """A new browser context (empty cache, new session) on a server that has served one."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        start = time.perf_counter()
        page.goto(url, timeout=TIMEOUT_MS)
        page.locator(IMAGE_SELECTOR).first.wait_for(state="visible", timeout=TIMEOUT_MS)
        return time.perf_counter() - start
    finally:
        context.close()


def cold_start(ctx: Context) -> Outcome:
    """Median over fresh servers; the browser is started before the clock starts.

    The Train click comes at once (TensorFlow may still be loading: the page starts loading it
    when drawn) and, in full mode, on other fresh servers after a learner's 15 s of reading.
    """
    waits = [0.0] if ctx.quick else [0.0, READING_SECONDS]
    require_browser()
    with chromium() as browser:
        runs = {wait: [cold_once(browser, ctx, wait) for _ in range(ctx.repeats)] for wait in waits}
    everything = [run for group in runs.values() for run in group]
    images = median([r["images"] for r in everything])
    setting = "1,000 training images" if ctx.quick else "the default preset (all 60,000 images)"
    rows = [Row("launch -> Explore's digit images visible", images, "s", f"< {IMAGES_TARGET_SECONDS:g} s",
                within(images, high=IMAGES_TARGET_SECONDS),
                detail=f"health ok at {median([r['healthy'] for r in everything]):.2f} s, page loaded "
                       f"at {median([r['page_loaded'] for r in everything]):.2f} s"),
            Row("next visitor (fresh browser, server warm) -> digit images visible",
                median([r["second_visitor"] for r in everything]), "s", f"< {IMAGES_TARGET_SECONDS:g} s",
                within(median([r["second_visitor"] for r in everything]), high=IMAGES_TARGET_SECONDS),
                detail="a learner arriving after the instructor")]
    for wait, group in runs.items():
        first = median([r["first_batch"] for r in group])
        rows.append(Row(f"Train click -> first 'batch N' shown ({wait:g} s after /train drawn)", first, "s",
                        f"< {FIRST_BATCH_TARGET_SECONDS:g} s", within(first, high=FIRST_BATCH_TARGET_SECONDS),
                        detail=setting))
    return Outcome(rows=rows, data={"runs": everything})


LIVE_OVERHEAD_TARGET = 0.05


def saved_run_rate(server: Server, known: set[str]) -> float | None:
    """samples/s of the run saved since `known` was taken (the engine measures it); None until then."""
    new = [path for path in server.runs_dir.glob("*/run.json") if path.parent.name not in known]
    return json.loads(new[0].read_text())["metrics"]["samples_per_second"] if new else None


def new_run_rate(server: Server, known: set[str], timeout: float = 600.0) -> float:
    """Wait for the one run saved since `known` was taken; its samples/s."""
    deadline = time.perf_counter() + timeout
    while (rate := saved_run_rate(server, known)) is None:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"no run was saved within {timeout:g} s")
        time.sleep(0.2)
    return rate


def chromium_cpu_seconds() -> float:
    """CPU seconds used so far by the Chromium processes this benchmark started (from /proc).

    Only this process's own descendants: other browsers on a shared machine do not count.
    """
    total = 0.0
    for pid in descendants(os.getpid()):
        try:
            if b"chrom" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                continue
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def train_from_page(page: Page, server: Server, epochs: int, train_images: str | None) -> set[str]:
    """On a fresh /train: set the schedule, press Train, wait for the first batch. Returns the runs
    saved before, so that the job's own run can be told apart (saved_run_rate)."""
    page.goto(f"{server.url}/train", timeout=TIMEOUT_MS)
    open_train(page, train_images, via_sidebar=False)
    drive.set_slider(page, "form_epochs", str(epochs))
    epochs_make = f"and {epochs} epoch makes" if epochs == 1 else f"and {epochs} epochs make"
    page.get_by_text(epochs_make).first.wait_for(state="attached", timeout=TIMEOUT_MS)
    known = {path.name for path in server.runs_dir.iterdir()}
    drive.click_train(page, TIMEOUT_MS)
    drive.wait_for_first_batch(page, TIMEOUT_MS)
    return known


def live_once(browser: Browser, server: Server, epochs: int, train_images: str | None, watched: bool) -> dict:
    """Train from the page; keep it open on the live chart (watched) or close the tab at batch 1."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        known = train_from_page(page, server, epochs, train_images)
        started, browser_cpu = time.perf_counter(), chromium_cpu_seconds()
        if watched:
            drive.wait_for_paragraph(page, drive.status_pattern(*drive.ENDED), TIMEOUT_MS, polling=500)
            browser_cpu = chromium_cpu_seconds() - browser_cpu
        else:
            context.close()  # the tab is gone; the job trains on unwatched
        rate = new_run_rate(server, known)
        cores = os.cpu_count() or 1
        share = browser_cpu / ((time.perf_counter() - started) * cores) if watched else None
        return {"samples_per_second": rate, "browser_cpu_share": share}
    finally:
        context.close()


def live_view_browser(ctx: Context) -> Outcome:
    """Engine samples/s with Train open in Chromium (live chart at 1 Hz) vs the tab closed.

    The browser runs on the same machine as the server here, so its rendering competes for
    the same cores; on a workshop's laptops it would not.
    """
    epochs, images = (1, "2,000") if ctx.quick else (3, None)
    env = {"MNIST_DASH_UNWATCHED_SECONDS": "3600"}
    require_browser()
    with chromium() as browser, streamlit_server(ctx.data_path, extra_env=env) as server:
        live_once(browser, server, 1, "1,000", watched=False)  # warm TensorFlow and XLA up
        runs = interleaved(ctx.repeats, {
            "tab closed": lambda _: live_once(browser, server, epochs, images, watched=False),
            "page open": lambda _: live_once(browser, server, epochs, images, watched=True),
        })
    closed = [r["samples_per_second"] for r in runs["tab closed"]]
    opened = [r["samples_per_second"] for r in runs["page open"]]
    slowdowns = [1 - w / u for u, w in zip(closed, opened, strict=True)]
    slowdown = median(slowdowns)
    browser_share = median([r["browser_cpu_share"] for r in runs["page open"]])
    setting = f"Keras book preset, {epochs} epoch(s), {images or 'all 60,000'} images"
    return Outcome(rows=[
        Row("tab closed after the first batch", median(closed), "images/s", detail=setting),
        Row("Train page open, live chart", median(opened), "images/s",
            detail=f"Chromium on the same cores used {100 * browser_share:.1f}% of them meanwhile"),
        Row("slowdown with the page open", 100 * slowdown, "%", f"<= {100 * LIVE_OVERHEAD_TARGET:.0f}%",
            within(slowdown, high=LIVE_OVERHEAD_TARGET),
            detail=f"per repeat {', '.join(f'{100 * s:.1f}%' for s in slowdowns)}"),
    ], data=runs)
