"""A projector at 150% browser zoom (853x480 CSS pixels), everyday and in presenter mode: what a
learner must read or press lies whole inside the page's width, not cut at its right edge or by its box."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api")

from playwright.sync_api import Locator, Page, expect

from tests.e2e import drive
from tests.e2e.server import projector_screen

pytestmark = pytest.mark.e2e

ZOOM = 1.5
MODES = {"everyday": "", "presenter": "present=1"}
READABLE_PX = 256  # mnist_dash.look.READABLE_WIDTH at the everyday font: no chart narrower
# The elements inside `el` (and `el` itself) whose content is wider than their box, so that it is
# hidden or ends in "…" (Streamlit's metric values: overflow hidden, text-overflow ellipsis).
CUT_JS = """el => [el, ...el.querySelectorAll('*')]
    .filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible')
    .map(e => `'${e.innerText.trim()}' (${e.scrollWidth} px in ${e.clientWidth})`)"""


def assert_whole(page: Page, name: str, element: Locator) -> None:
    """Assert that the element lies within the window's width and cuts none of its own content."""
    expect(element).to_be_visible(timeout=60_000)  # a fresh server's first page imports a lot
    box = drive.wait_until(element.bounding_box, timeout=30, message=f"{name} to have a box")
    width = page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, (
        f"{name} does not fit the {width} px wide page: {box}")
    cut = element.evaluate(CUT_JS)
    assert not cut, f"{name} is cut at {ZOOM:.0%} zoom: {cut}"


def zoomed_page(open_page, server, path: str, mode: str) -> Page:
    page = open_page(**projector_screen(ZOOM))
    page.set_default_timeout(60_000)
    drive.open_app(page, server.url, f"{path}?{MODES[mode]}")
    return page


@pytest.mark.parametrize("mode", MODES)
def test_explore_fact_cards_are_whole(open_page, server, mode: str) -> None:
    page = zoomed_page(open_page, server, "", mode)
    cards = drive.main(page).get_by_test_id("stMetric")
    for label in ("Grey levels", "Training images", "Test images", "Image size", "Classes"):
        assert_whole(page, f"the {label!r} card", cards.filter(has_text=drive.words(label)))
    # Beside the samples it was squeezed to a third of the page: now it goes below them.
    chart = drive.main(page).locator(".st-key-class_balance .js-plotly-plot")
    assert_whole(page, "the class balance chart", chart)
    assert chart.bounding_box()["width"] >= READABLE_PX, "the class balance chart is squeezed"


@pytest.mark.parametrize("mode", MODES)
def test_train_button_is_whole(open_page, server, mode: str) -> None:
    page = zoomed_page(open_page, server, "train", mode)
    assert_whole(page, "the Train button", drive.main(page).get_by_role("button", name="Train", exact=True))
