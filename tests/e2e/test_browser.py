"""What a learner sees in a real Chromium: samples, live training, Stop, page switches, clickable cells."""

from __future__ import annotations

import os
import re
import time

import pytest

pytest.importorskip("playwright.sync_api")

from playwright.sync_api import Page, expect

from mnist_dash.progress import STATE_WORDS
from mnist_dash.vocabulary import JobState
from tests.conftest import save_trained_run
from tests.e2e import drive
from tests.e2e.server import DEFAULT_DATA, PROJECTOR, VIEWPORT

pytestmark = pytest.mark.e2e

CELL_CAPTION = r"^#\d+: {true} → {predicted}, \d+% ✗$"


def sample_images(page: Page):
    """The Explore page's sample grid: the image list whose captions read 'class · #index'."""
    return drive.main(page).get_by_test_id("stImage").filter(has_text=" · #").first


def tiles_stretched_by_captions(page: Page) -> list[str]:
    """Gallery tiles drawn wider than their PNG (a long caption widens its tile) or whose caption
    is wider than the tile: 'caption: drawn px / PNG px / caption px' for each. Measured once every
    tile's PNG has loaded (before that its natural width reads 0)."""
    page.wait_for_function("""() => [...document.querySelectorAll(
            "[data-testid='stMain'] [data-testid='stImageContainer'] img")].every(
            image => image.complete && image.naturalWidth > 0)""", timeout=15_000)
    return page.evaluate("""() => [...document.querySelectorAll(
            "[data-testid='stMain'] [data-testid='stImageContainer']")].flatMap(tile => {
        const image = tile.querySelector('img');
        const caption = tile.querySelector("[data-testid='stImageCaption'] p");
        if (!caption) return [];
        const text = document.createRange();
        text.selectNodeContents(caption);
        const drawn = image.getBoundingClientRect().width, words = text.getBoundingClientRect().width;
        return drawn > image.naturalWidth + 1 || words > drawn
            ? [`${caption.innerText}: ${drawn} / ${image.naturalWidth} / ${words}`] : [];
    })""")


def finished_summary(page: Page) -> str:
    """The config summary from the live panel's 'Finished · <summary>' line."""
    return drive.expect_finished(page).split(" · ", 1)[1].strip()


def test_first_visit_shows_digit_images_and_names_the_dataset(page: Page, server) -> None:
    drive.open_app(page, server.url)
    main = drive.main(page)
    expect(main.get_by_role("heading", name="Explore MNIST")).to_be_visible(timeout=10_000)
    first_image = sample_images(page).locator("img").first
    expect(first_image).to_be_visible(timeout=10_000)
    drive.wait_until(lambda: first_image.evaluate("img => img.complete && img.naturalWidth > 0"),
                     message="the first sample image to be decoded")
    assert sample_images(page).locator("img").count() >= 10
    expect(drive.sidebar(page).get_by_role("combobox", name="Dataset")).to_have_value("MNIST")


def test_explore_filters_to_one_digit_and_shuffles(page: Page, server) -> None:
    drive.open_app(page, server.url)
    expect(sample_images(page).locator("img").first).to_be_visible()
    classes = drive.main(page).get_by_label("Show only these classes")
    classes.click()
    classes.fill("7")
    page.get_by_role("option", name="7", exact=True).click()
    page.keyboard.press("Escape")

    def only_sevens() -> list[str] | None:
        shown = drive.captions(sample_images(page))
        return shown if shown and all(caption.startswith("7 · #") for caption in shown) else None

    before = drive.wait_until(only_sevens, message="every caption to start with '7 · #'")
    drive.main(page).get_by_role("button", name="Shuffle").click()
    after = drive.wait_until(lambda: (shown := only_sevens()) and set(shown) != set(before) and shown,
                             message="Shuffle to show other sevens")
    assert len(after) == len(before)


def test_training_draws_live_points_and_finishes(page: Page, server) -> None:
    # 6,250 updates: long enough (about 5 s even on an idle machine) to see the chart move at
    # 1 Hz; 1,250 train in about a second there, and 3,750 once moved the chart only twice.
    drive.open_app(page, server.url, "train")
    drive.configure_training(page, units=16, epochs=5, train_images=20_000, batch=16)
    drive.click_train(page)
    drive.wait_for_status(page, JobState.RUNNING, timeout=60)

    chart_steps, progress_texts = [], []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        drive.expect_not_blank(page)
        if drive.shows_status(page, JobState.COMPLETED):
            break
        step = drive.chart_last_step(page, "st-key-live_loss")
        if step > 0 and (not chart_steps or step != chart_steps[-1]):
            chart_steps.append(step)
        text = drive.progress_text(page)
        if drive.progress_steps(text) and (not progress_texts or text != progress_texts[-1]):
            progress_texts.append(text)
        time.sleep(0.25)

    drive.expect_finished(page, timeout=5)
    assert len(chart_steps) >= 3, f"the loss chart grew fewer than twice while training: {chart_steps}"
    assert chart_steps == sorted(chart_steps), f"the loss chart went back: {chart_steps}"
    assert len(progress_texts) >= 2, f"the progress text never changed: {progress_texts}"
    # All 5 x 1,250 batches, on the finished run's plotly chart (drawn a moment after the canvas goes).
    drive.wait_until(lambda: drive.chart_last_step(page, "st-key-live_loss") >= 0.98 * 6250, timeout=15,
                     message="the finished run's loss chart with every batch")
    assert re.fullmatch(r"\d{1,3}\.\d\d%", drive.metric_value(page, "Test accuracy"))
    expect(drive.main(page).get_by_role("link", name=re.compile("Inspect the mistakes"))).to_be_visible()


def test_stop_halts_a_long_run_and_evaluate_shows_it(page: Page, server) -> None:
    drive.open_app(page, server.url, "train")
    drive.configure_training(page, units=512, epochs=20, train_images=60_000, batch=128)
    drive.click_train(page)
    drive.wait_until(lambda: (drive.progress_steps(drive.progress_text(page)) or 0) >= 20,
                     timeout=60, message="20 batches to be done")

    clicked = time.monotonic()
    drive.main(page).get_by_role("button", name="Stop").click()
    expect(drive.status_line(page)).to_have_text(drive.status_pattern(JobState.STOPPING, JobState.STOPPED),
                                                 timeout=2_000)
    drive.expect_finished(page, timeout=60, state=JobState.STOPPED)
    print(f"'Stopped' shown {time.monotonic() - clicked:.1f} s after the click")
    expect(drive.main(page).get_by_role("button", name="Stop")).to_have_count(0)
    assert drive.chart_last_step(page, "st-key-live_loss") < 20 * 469  # far from the end

    drive.main(page).get_by_role("link", name=re.compile("Inspect the mistakes")).click()
    expect(drive.selectbox(page, "Run").locator("input")).to_have_value(
        re.compile(r"· yours · 784-512-10 .*20 epochs"))
    expect(drive.main(page).get_by_text(f"state: {JobState.STOPPED}")).to_be_visible()
    cells = drive.confusion_cells(page)
    assert len(cells) == 100
    assert sum(cells.values()) == 10_000  # every test image lands in one cell


def test_training_continues_while_the_learner_visits_another_page(page: Page, server) -> None:
    drive.open_app(page, server.url, "train")
    # Long enough (10 epochs, ~12 s on an idle machine) to outlast the visit to another page.
    drive.configure_training(page, units=512, epochs=10, train_images=60_000, batch=128)
    drive.click_train(page)
    steps_before = drive.wait_until(lambda: drive.progress_steps(drive.progress_text(page)),
                                    timeout=60, message="the first batches")
    chart_before = drive.chart_last_step(page, "st-key-live_loss")

    drive.go_to(page, "Explore the data")
    expect(sample_images(page).locator("img").first).to_be_visible()
    expect(drive.sidebar(page).get_by_text(f"Job: {JobState.RUNNING}")).to_be_visible()
    expect(drive.sidebar(page).get_by_test_id("stProgress")).to_contain_text("Epoch")
    page.wait_for_timeout(1500)

    drive.go_to(page, "Train live")
    drive.wait_for_status(page, JobState.RUNNING, then="784-512-10 ", timeout=15)
    drive.wait_until(lambda: (drive.progress_steps(drive.progress_text(page)) or 0) > steps_before,
                     message=f"progress past step {steps_before}")
    drive.wait_until(lambda: drive.chart_last_step(page, "st-key-live_loss") > chart_before,
                     message=f"the loss chart to go past step {chart_before}")
    drive.main(page).get_by_role("button", name="Stop").click()
    drive.expect_finished(page, timeout=60, state=JobState.STOPPED)


@pytest.fixture(scope="module")
def finished_run(browser, server) -> dict:
    """A small completed run (roughly 85% accurate, so the matrix has mistakes to click)."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        drive.open_app(page, server.url, "train")
        drive.configure_training(page, units=32, epochs=2, train_images=2000, batch=32)
        drive.click_train(page)
        summary = finished_summary(page)
        return {"summary": summary, "accuracy": drive.metric_value(page, "Test accuracy")}
    finally:
        context.close()


def test_clicking_a_confusion_cell_shows_exactly_its_images(page: Page, server, finished_run) -> None:
    page.set_viewport_size(PROJECTOR)
    drive.open_app(page, server.url, "evaluate")
    drive.choose(page, "Run", finished_run["summary"])
    cells = drive.confusion_cells(page)
    assert sum(cells.values()) == 10_000
    current = drive.selected_cell(page)
    assert drive.outlined_cell(page) == current
    true, predicted = max((cell for cell, count in cells.items()
                           if cell[0] != cell[1] and count > 0 and cell != current), key=cells.get)
    count = cells[true, predicted]

    drive.click_confusion_cell(page, true, predicted)

    expect(drive.selectbox(page, "True class").locator("input")).to_have_value(str(true))
    expect(drive.selectbox(page, "Predicted class").locator("input")).to_have_value(str(predicted))
    expect(drive.main(page).get_by_text("test images are")).to_have_text(
        re.compile(rf"^{count} test images are {true} and were predicted {predicted}\b"))
    drive.wait_until(lambda: drive.outlined_cell(page) == (true, predicted),
                     message=f"the outline on cell {(true, predicted)}")
    # The images sit beside the matrix: the first is on screen without scrolling away from it.
    first_image = drive.main(page).locator("[data-testid='stImage']").first
    drive.wait_until(lambda: drive.in_viewport(page, first_image) and drive.in_viewport(
        page, drive.confusion_chart(page).locator(".shapelayer path").first),
        message="the chosen cell and its first image both in the 1280x720 window")
    drive.show_whole_gallery(page, count)
    pattern = re.compile(CELL_CAPTION.format(true=true, predicted=predicted))
    shown = drive.wait_until(lambda: (c := drive.cell_gallery_captions(page)) and len(c) == count
                             and all(pattern.match(caption) for caption in c) and c,
                             message=f"{count} captions 'true {true}, predicted {predicted}'")
    assert len(set(shown)) == count
    assert not tiles_stretched_by_captions(page)


def test_two_learners_each_see_only_their_own_job(open_page, server) -> None:
    learners = {8: open_page(), 64: open_page()}
    for units, page in learners.items():
        drive.open_app(page, server.url, "train")
        drive.configure_training(page, units=units, epochs=1, train_images=1000, batch=64)
    for page in learners.values():
        drive.click_train(page)

    summaries = {units: finished_summary(page) for units, page in learners.items()}
    for units, page in learners.items():
        other = 64 if units == 8 else 8
        assert summaries[units].startswith(f"784-{units}-10 ")
        expect(drive.main(page)).not_to_contain_text(f"784-{other}-10")
        expect(drive.sidebar(page).locator("p").filter(has_text=re.compile(r"^Job:"))).to_have_text(
            f"Job: {JobState.COMPLETED}")

    for units, page in learners.items():
        other = 64 if units == 8 else 8
        drive.go_to(page, "Evaluate")
        mine = drive.selectbox_options(page, "Run", summaries[units])
        theirs = drive.selectbox_options(page, "Run", summaries[other])
        assert len(mine) == 1 and " · yours · " in mine[0], mine
        assert len(theirs) == 1 and " · shared · " in theirs[0], theirs


def test_a_finished_run_survives_a_reload_and_is_shared(open_page, server) -> None:
    page = open_page()
    drive.open_app(page, server.url, "train")
    drive.configure_training(page, units=8, epochs=1, train_images=1000, batch=128)
    drive.click_train(page)
    summary = finished_summary(page)
    accuracy = drive.metric_value(page, "Test accuracy")

    page.reload()  # the URL keeps the learner's id, so the same learner comes back
    shown = drive.wait_for_status(page, JobState.COMPLETED, timeout=30)
    assert shown == f"{STATE_WORDS[JobState.COMPLETED]} · {summary}"
    drive.go_to(page, "Evaluate")
    listed = drive.selectbox_options(page, "Run", summary)
    assert len(listed) == 1 and listed[0].endswith(accuracy), listed

    stranger = open_page()  # another learner can only know the run from the run store on disk
    drive.open_app(stranger, server.url, "evaluate")
    listed = drive.selectbox_options(stranger, "Run", summary)
    assert len(listed) == 1 and " · shared · " in listed[0] and listed[0].endswith(accuracy), listed
    drive.choose(stranger, "Run", summary)
    expect(drive.main(stranger).get_by_text(f"state: {JobState.COMPLETED}")).to_be_visible()
    assert drive.metric_value(stranger, "Test accuracy") == accuracy


def test_draw_a_digit_with_the_mouse_and_see_a_prediction(page: Page, server) -> None:
    """Try it: strokes drawn with mouse moves on the real canvas get read by a saved run's model."""
    save_trained_run(server.runs_dir, os.environ.get("MNIST_DASH_DATA", DEFAULT_DATA), train_size=5000,
                     epochs=2)
    drive.open_app(page, server.url, "try_it")
    expect(page.get_by_text("Draw one digit")).to_be_visible(timeout=60_000)
    canvas = page.locator("canvas").last
    box = canvas.bounding_box()
    assert box and box["width"] > 100
    left, top, size = box["x"], box["y"], box["width"]
    page.mouse.move(left + 0.5 * size, top + 0.15 * size)  # a "1": one vertical stroke
    page.mouse.down()
    for step in range(1, 21):
        page.mouse.move(left + 0.5 * size, top + (0.15 + 0.035 * step) * size)
    page.mouse.up()
    expect(page.get_by_text("the network's answer")).to_be_visible(timeout=30_000)
    answer = page.get_by_text(re.compile(r"the network's answer, \d+% sure"))
    expect(answer).to_be_visible()
    expect(page.get_by_text("Cropped to the box")).to_be_visible()
