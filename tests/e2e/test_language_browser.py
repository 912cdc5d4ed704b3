"""The app in Simplified Chinese in a real Chromium: `/?lang=zh-CN`, a small run, then Evaluate.

Every word the test expects comes from the zh-CN catalog (drive.words), never typed here.
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("playwright.sync_api")

from playwright.sync_api import Page, expect

from tests.e2e import drive

pytestmark = pytest.mark.e2e

LANG = "zh-CN"
PAGE_TITLES = ("Explore the data", "Train live", "Leaderboard", "Evaluate", "Try it: draw a digit",
               "Inside the network")  # the navigation, in order (the instructor page is hidden)


def zh(message: str, **params: object) -> str:
    return drive.words(message, LANG, **params)


def test_chinese_link_trains_and_evaluates_in_chinese(page: Page, server) -> None:
    drive.open_app(page, server.url, f"?lang={LANG}")
    links = drive.sidebar(page).get_by_test_id("stSidebarNavLink")
    # Each link's text is its icon's name, then its title.
    expect(links).to_have_text([re.compile(re.escape(zh(title)) + "$") for title in PAGE_TITLES])
    assert zh("Train live") != "Train live"  # the catalog really translates what is checked

    drive.go_to(page, zh("Train live"))
    drive.configure_training(page, units=16, epochs=1, train_images=10_000, batch=16, lang=LANG)
    expect(drive.main(page).get_by_role("button", name="Train", exact=True)).to_have_count(0)
    drive.click_train(page, lang=LANG)  # found by its Chinese name
    drive.wait_for_first_batch(page, 60_000, lang=LANG)
    progress = drive.progress_text(page)
    assert drive.progress_steps(progress, LANG), progress
    assert not drive.PROGRESS.search(progress), f"the progress text is English: {progress!r}"
    drive.expect_finished(page, lang=LANG)

    drive.go_to(page, zh("Evaluate"))
    chart = drive.confusion_chart(page)
    expect(chart).to_be_visible(timeout=30_000)
    titles = chart.evaluate("el => [el.layout.xaxis.title.text, el.layout.yaxis.title.text]")
    assert titles == [zh("Predicted"), zh("True")]
    assert titles != ["Predicted", "True"]
