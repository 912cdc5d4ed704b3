"""Train on a projector: at 1280x720, and at 150% browser zoom (everyday, presenter mode, Chinese),
the live panel fits the screen; and a queued learner sees the wait."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("playwright.sync_api")

from playwright.sync_api import Locator, Page, expect

from mnist_dash.vocabulary import JobState
from tests.e2e import drive
from tests.e2e.server import projector_screen, streamlit_server

pytestmark = pytest.mark.e2e

PROJECTOR = {"width": 1280, "height": 720}
# At 150% zoom the page has 853x480 CSS pixels: (language, query) per look checked there.
ZOOMED = {"everyday": ("en", ""), "presenter": ("en", "present=1"), "presenter-zh-CN": ("zh-CN", "present=1")}


def inside_viewport(page: Page, name: str, locator: Locator) -> None:
    """Assert by bounding box that the element is wholly on screen, with no scrolling."""
    expect(locator).to_be_visible(timeout=60_000)  # a busy server draws the summary column late
    # A tick may replace the element between two reads: ask again until it has a box.
    box = drive.wait_until(locator.bounding_box, timeout=30, message=f"{name} to have a box")
    size = page.viewport_size
    assert box["x"] >= 0 and box["y"] >= 0, f"{name} starts off screen: {box}"
    assert box["x"] + box["width"] <= size["width"] and box["y"] + box["height"] <= size["height"], (
        f"{name} ends below or beside the {size['width']}x{size['height']} screen: {box}")


def live_chart(page: Page, key: str) -> Locator:
    """A live chart's canvas (drawn while the job trains)."""
    return page.locator(f".st-key-{key}_canvas canvas").first


def test_train_button_is_in_view_with_the_keras_book_preset(page: Page, server) -> None:
    drive.open_app(page, server.url, "train")  # 1400x1000, the default tutorial: the Keras book
    expect(drive.main(page).get_by_role("combobox", name="Start from a tutorial")).to_have_value(
        "Keras book, chapter 2")
    inside_viewport(page, "Train", drive.main(page).get_by_role("button", name="Train", exact=True))


def test_status_stop_and_both_live_charts_fit_a_projector_while_training(page: Page, server) -> None:
    page.set_viewport_size(PROJECTOR)
    page.set_default_timeout(60_000)  # the form's sliders can take long on a busy server
    drive.open_app(page, server.url, "train")
    # 75,000 updates: minutes, so the layout is checked mid-run even on a busy machine; then Stop.
    drive.configure_training(page, units=64, epochs=20, train_images=60_000, batch=16)
    drive.click_train(page)
    drive.wait_for_first_batch(page, 60_000)
    main = drive.main(page)
    drive.wait_until(lambda: drive.chart_last_step(page, "st-key-live_loss") > 0, timeout=30,
                     message="the live loss chart's first points")
    for name, element in {
        "the Train button": main.get_by_role("button", name="Train", exact=True),
        "the status line": drive.status_line(page).first,
        "the progress bar": main.get_by_test_id("stProgress"),
        "Stop": main.get_by_role("button", name="Stop"),
        "the loss chart": live_chart(page, "live_loss"),
        "the accuracy chart": live_chart(page, "live_accuracy"),
    }.items():
        inside_viewport(page, name, element)
    assert drive.shows_status(page, JobState.RUNNING)  # measured while it trains, not after
    assert drive.click_stop(page)
    drive.expect_finished(page, state=JobState.STOPPED)


@pytest.mark.parametrize("look", ZOOMED)
def test_status_stop_and_both_live_charts_fit_a_projector_at_150_percent_zoom(open_page, server,
                                                                                look: str) -> None:
    """853x480 CSS pixels: the live panel takes the screen (the title goes above it), Stop beside
    the progress bar, the charts shorter. Before, the charts began below the fold, and in Chinese
    presenter mode Stop sat on the window's bottom edge."""
    lang, query = ZOOMED[look]
    page = open_page(**projector_screen(1.5))
    page.set_default_timeout(60_000)
    drive.open_app(page, server.url, f"train?lang={lang}&{query}")
    drive.configure_training(page, units=64, epochs=20, train_images=60_000, batch=16, lang=lang)
    drive.click_train(page, lang=lang)
    drive.wait_for_first_batch(page, 60_000, lang=lang)
    drive.wait_until(lambda: drive.chart_last_step(page, "st-key-live_loss") > 0, timeout=30,
                     message="the live loss chart's first points")
    main = drive.main(page)
    stop = main.get_by_role("button", name=drive.words("Stop", lang))
    for name, element in {
        "the status line": drive.status_line(page, lang).first,
        "the progress bar": main.get_by_test_id("stProgress"),
        "Stop": stop,
        "the loss chart": live_chart(page, "live_loss"),
        "the accuracy chart": live_chart(page, "live_accuracy"),
    }.items():
        inside_viewport(page, f"{name} ({look})", element)
    for key in ("live_loss", "live_accuracy"):  # shorter, not squashed to nothing
        assert live_chart(page, key).bounding_box()["height"] >= 200, live_chart(page, key).bounding_box()
    assert drive.status_pattern(JobState.RUNNING, lang=lang).match(drive.status_text(page, lang)), (
        "measured after the run ended")
    stop.click()
    drive.expect_finished(page, state=JobState.STOPPED, lang=lang)


def test_a_second_learner_waits_with_an_estimate_while_the_first_trains(open_page) -> None:
    with streamlit_server(extra_env={"MNIST_DASH_MAX_JOBS": "1"}) as one_worker:
        first, second = open_page(), open_page()
        for learner in (first, second):
            learner.set_default_timeout(60_000)  # a fresh server's first Train page imports TensorFlow
            drive.open_app(learner, one_worker.url, "train")
        drive.configure_training(first, units=64, epochs=20, train_images=60_000, batch=16)
        drive.configure_training(second, units=16, epochs=1, train_images=1000, batch=64)
        drive.click_train(first)
        # The estimate plays the first job's measured speed forward: wait until it has one.
        speed = drive.message_pattern("{speed} images/s")
        drive.wait_until(lambda: re.search(speed, drive.progress_text(first)), timeout=60,
                         message="the first job's speed to be measured")
        drive.click_train(second)
        estimate = drive.status_pattern(JobState.QUEUED, then=drive.message_pattern(
            "next in line, about {wait}"))
        shown = drive.wait_for_paragraph(second, estimate, 30_000, polling=250)
        assert re.search(r"about (\d+ s|\d+:\d\d)\. ", shown), shown  # a number, not "measuring"
        assert drive.click_stop(first, timeout_ms=60_000)  # a busy browser scrolls to it slowly
        drive.expect_finished(second, timeout=180)  # the queued job starts by itself
