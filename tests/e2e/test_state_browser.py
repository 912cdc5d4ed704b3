"""Shared state in a real browser: a drawing one learner adds is seen by another learner, and a
second tab of the same learner follows the job the first one starts."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Locator, Page, expect

from mnist_dash.vocabulary import JobState
from tests.conftest import save_trained_run
from tests.e2e import drive
from tests.e2e.server import DEFAULT_DATA

pytestmark = pytest.mark.e2e
OWNER = "5" * 32
PATIENCE_MS = 60_000  # these tests run beside others on busy machines: clicks may wait for the page


def learners(open_page, count: int) -> list[Page]:
    pages = [open_page() for _ in range(count)]
    for page in pages:
        page.set_default_timeout(PATIENCE_MS)
    return pages


def saved_run(server) -> None:
    """A quick run in the server's run store, trained and saved as the CLI does (as if earlier in
    the class)."""
    save_trained_run(server.runs_dir, os.environ.get("MNIST_DASH_DATA", DEFAULT_DATA), train_size=5000,
                     epochs=1)


def draw_a_one(page: Page) -> None:
    canvas = page.locator("canvas").last
    box = canvas.bounding_box()
    assert box and box["width"] > 100
    left, top, size = box["x"], box["y"], box["width"]
    page.mouse.move(left + 0.5 * size, top + 0.15 * size)
    page.mouse.down()
    for step in range(1, 21):
        page.mouse.move(left + 0.5 * size, top + (0.15 + 0.035 * step) * size)
    page.mouse.up()


def our_drawings(page: Page) -> Locator:
    """The value of the "Our drawings" metric."""
    label = page.get_by_test_id("stMetricLabel").get_by_text("Our drawings", exact=True)
    metric = drive.main(page).get_by_test_id("stMetric").filter(has=label)
    return metric.get_by_test_id("stMetricValue")


def test_a_drawing_added_by_one_learner_is_seen_by_another(open_page, server) -> None:
    saved_run(server)
    ada, bob = learners(open_page, 2)
    for learner in (ada, bob):
        drive.open_app(learner, server.url, "try_it")
        expect(learner.get_by_text("Draw one digit")).to_be_visible(timeout=60_000)
    draw_a_one(ada)
    expect(ada.get_by_text("the network's answer")).to_be_visible(timeout=30_000)
    drive.choose(ada, "This drawing is a", "1")
    ada.get_by_role("button", name="Add it to our class's test set").click()
    expect(our_drawings(ada)).to_have_text("1")
    bob.reload()
    expect(our_drawings(bob)).to_have_text("1")
    expect(drive.main(bob).get_by_text("Remove one of your drawings")).to_have_count(0)
    expect(drive.main(ada).get_by_text("Remove one of your drawings")).to_be_visible()


def test_a_second_tab_of_the_learner_follows_the_job_the_first_starts(open_page, server) -> None:
    first, second = learners(open_page, 2)
    for tab in (first, second):
        drive.open_app(tab, server.url, f"train?learner={OWNER}")
        expect(drive.main(tab).get_by_role("button", name="Train", exact=True)).to_be_visible(timeout=60_000)
    drive.configure_training(first, units=32, epochs=1, train_images=1000, batch=128)
    drive.click_train(first)
    # The second tab is not touched: it notices the new job by itself, and shows it.
    drive.wait_for_status(second, *JobState, timeout=30)
    drive.expect_finished(second)
    drive.unfold_form(second)  # the form opens on the settings of the job it shows
    expect(second.locator(".st-key-form_units_0")).to_contain_text("32")
