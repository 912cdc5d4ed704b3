"""A projector at 150% browser zoom (853x480 CSS pixels), everyday and in presenter mode: what a
learner must read or press lies whole inside the page's width, not cut at its right edge or by its box.
The app has a seeded class (tests/e2e/seeded.py): a challenge on the leaderboard, runs to evaluate."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api")

from playwright.sync_api import Locator, Page, expect

from mnist_dash import look
from tests.e2e import classroom_drive, drive
from tests.e2e.conftest import _unavailable
from tests.e2e.seeded import ENDED_TITLE, seed_class
from tests.e2e.server import DEFAULT_DATA, Server, projector_screen, streamlit_server

pytestmark = pytest.mark.e2e

ZOOM = 1.5
MODES = {"everyday": "", "presenter": "present=1"}
READABLE_PX = 256  # mnist_dash.look.READABLE_WIDTH at the everyday font: no chart narrower
# The elements inside `el` (and `el` itself) whose content is wider than their box, so that it is
# hidden or ends in "…" (Streamlit's metric values: overflow hidden, text-overflow ellipsis).
CUT_JS = """el => [el, ...el.querySelectorAll('*')]
    .filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible')
    .map(e => `'${e.innerText.trim()}' (${e.scrollWidth} px in ${e.clientWidth})`)"""

# What plotly lets run past a chart's edge, where the browser cuts it: a title, a legend, an axis or
# colour bar title; and a legend placed by hand that covers the x axis's title.
CHART_PARTS_JS = """chart => {
    const edge = chart.querySelector('.main-svg').getBoundingClientRect();
    const parts = [...chart.querySelectorAll('.gtitle, .legend, .xtitle, .ytitle, .colorbar')];
    const name = part => `'${part.textContent.trim().slice(0, 30)}' (${part.getAttribute('class')})`;
    const out = parts.map(part => [part, part.getBoundingClientRect()]).filter(([, box]) =>
        box.left < edge.left - 1 || box.right > edge.right + 1 || box.bottom > edge.bottom + 1)
        .map(([part, box]) => `${name(part)} ends at ${Math.round(box.right)} px, the chart at ${
            Math.round(edge.right)}`);
    const legend = chart.querySelector('.legend')?.getBoundingClientRect();
    for (const title of legend ? chart.querySelectorAll('.xtitle') : []) {
        const box = title.getBoundingClientRect();
        if (legend.left < box.right && box.left < legend.right && legend.top < box.bottom
            && box.top < legend.bottom) out.push(`the legend covers ${name(title)}`);
    }
    return out;
}"""
# Inside's sections (English msgids) and the keys of the charts each draws.
INSIDE_SECTIONS = {"First-layer units": ("inside_grid_", "inside_unit_weights"),
                   "Maps of the last hidden layer": ("inside_hidden_map_", "inside_pixel_map_"),
                   "Accuracy per class": ("class_accuracy_",)}


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """This module's own app, with a class at work (overrides the session's empty one)."""
    data = os.environ.get("MNIST_DASH_DATA", DEFAULT_DATA)
    if not Path(data).exists():
        _unavailable(f"the MNIST file {data} does not exist: set MNIST_DASH_DATA")
    with tempfile.TemporaryDirectory(prefix="mnist-dash-zoom-") as runs:
        seed_class(Path(runs), data, token="zoom-test-token")
        with streamlit_server(data, runs_dir=runs) as running:
            yield running


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


@pytest.mark.parametrize("mode", MODES)
def test_inside_chart_titles_and_legends_are_whole(open_page, server, mode: str) -> None:
    """Each section's charts keep their titles and legends inside their box (two maps side by side
    cut their titles and legends, and the legend covered the x axis's title)."""
    page = zoomed_page(open_page, server, "inside", mode)
    for section, keys in INSIDE_SECTIONS.items():
        page.locator(".st-key-inside_section button").filter(has_text=drive.words(section)).click()
        for key in keys:
            chart = drive.main(page).locator(f"[class*='st-key-{key}'] .js-plotly-plot")
            expect(chart.locator(".gtitle")).to_have_count(1, timeout=60_000)
            assert_whole(page, f"the {key} chart", chart)
            # Plotly lays a chart out again once it knows its legend's size: wait for the last layout.
            try:
                drive.wait_until(lambda chart=chart: not chart.evaluate(CHART_PARTS_JS), timeout=10)
            except AssertionError:
                pytest.fail(f"{section}, {key} chart at {ZOOM:.0%} zoom: {chart.evaluate(CHART_PARTS_JS)}")


@pytest.mark.parametrize("mode", MODES)
def test_leaderboard_table_does_not_scroll_sideways(open_page, server, mode: str) -> None:
    """The running challenge's board (the default), then the ended one's: two columns more."""
    page = zoomed_page(open_page, server, "leaderboard", mode)
    table = classroom_drive.grid(page, classroom_drive.LEADERBOARD)
    assert_whole(page, "the leaderboard table", table)  # a grid wider than its box scrolls: cut
    assert "Ada Lovelace" in classroom_drive.grid_cells(page, classroom_drive.LEADERBOARD)
    drive.choose(page, "Challenge", ENDED_TITLE)
    expect(drive.main(page).get_by_text(classroom_drive.REVEALED)).to_be_visible()
    # The grid redraws after the notice: wait for its private ranking, where the seeded split
    # moves someone up ("2 ▲ 1"), before measuring it.
    def shaken_up() -> list[str] | None:
        cells = classroom_drive.grid_cells(page, classroom_drive.LEADERBOARD)
        return cells if any("▲" in cell for cell in cells) else None

    cells = drive.wait_until(shaken_up, timeout=30, message="the ended board's shake-up (a rank with ▲)")
    assert "Ada Lovelace" in cells
    assert_whole(page, "the ended challenge's leaderboard table", table)


@pytest.mark.parametrize("mode", MODES)
def test_evaluate_headline_cards_are_whole(open_page, server, mode: str) -> None:
    """Four equal columns cut the accuracy to "66.…" in presenter mode at 150%."""
    page = zoomed_page(open_page, server, "evaluate", mode)
    cards = drive.main(page).get_by_test_id("stMetric")
    for label in ("Test accuracy", "Test loss", "Epochs", "Training time"):
        assert_whole(page, f"the {label!r} card", cards.filter(has_text=drive.words(label)))


# The boxes of the first images of the chosen cell's gallery (after "N test images are ...").
GALLERY_BOXES_JS = """() => {
    const main = document.querySelector("[data-testid='stMain']");
    const anchor = [...main.querySelectorAll('p')].find(p => p.innerText.includes('test images are'));
    const gallery = [...main.querySelectorAll("[data-testid='stImage']")].find(
        image => anchor.compareDocumentPosition(image) & Node.DOCUMENT_POSITION_FOLLOWING);
    return [...gallery.querySelectorAll('img')].slice(0, 4).map(img => img.getBoundingClientRect().toJSON());
}"""


def test_evaluate_at_zoom_has_a_large_matrix_a_gallery_in_rows_and_one_row_of_sections(
        open_page, server) -> None:
    page = zoomed_page(open_page, server, "evaluate", "everyday")
    chart = drive.confusion_chart(page)
    assert_whole(page, "the confusion matrix", chart)  # waits for the page: a first run loads TF
    sections = drive.main(page).get_by_test_id("stButtonGroup").locator("button")
    expect(sections).to_have_count(5)
    tops = {round(box["y"]) for box in (button.bounding_box() for button in sections.all())}
    assert len(tops) == 1, f"the section bar wraps onto {len(tops)} rows at {ZOOM:.0%} zoom"
    assert chart.bounding_box()["width"] >= 400, f"the matrix is squeezed: {chart.bounding_box()}"
    expect(drive.main(page).get_by_text("test images are")).to_be_visible()
    tiles = drive.wait_until(lambda: page.evaluate(GALLERY_BOXES_JS), message="the gallery's images")
    first, second = tiles[:2]
    assert abs(first["y"] - second["y"]) < 1 and second["x"] > first["x"], (
        f"one image per row in the gallery at {ZOOM:.0%} zoom: {tiles}")


# Each number the confusion matrix draws, its width, its cell's, and its room: how far it stays from
# its cell's left and right edges (the nearer one), in pixels; its cell found by plotly's axes.
CELL_ROOM_JS = """chart => {
    const box = chart.getBoundingClientRect(), x = chart._fullLayout.xaxis, y = chart._fullLayout.yaxis;
    const width = Math.abs(x.d2p(1) - x.d2p(0));
    return [...chart.querySelectorAll('.heatmaplayer text')].map(text => {
        const t = text.getBoundingClientRect();
        const column = Math.round(x.p2d(t.left + t.width / 2 - box.left - x._offset));
        const left = box.left + x._offset + x.d2p(column) - width / 2;
        return {text: text.textContent, width: t.width, cell: width,
                room: Math.min(t.left - left, left + width - t.right)};
    });
}"""


def test_four_digit_counts_keep_clear_of_their_cells_edges_in_presenter_mode(open_page, server) -> None:
    """At 150% zoom the page's width sets the matrix's cells (about 41 px): "1,054" at the presenter's
    17 px touched both edges of its cell."""
    page = zoomed_page(open_page, server, "evaluate", "presenter")
    chart = drive.confusion_chart(page)
    expect(chart.locator(".heatmaplayer text").first).to_be_visible(timeout=60_000)
    numbers = chart.evaluate(CELL_ROOM_JS)
    assert len(numbers) == 100, numbers
    assert any(len(number["text"]) == len("1,054") for number in numbers), (
        f"no four-digit count in the seeded run's matrix, so nothing was checked: {numbers}")
    tight = [number for number in numbers if number["room"] < 2]
    assert not tight, f"numbers within 2 px of their cell's edge at {ZOOM:.0%} zoom: {tight}"


# Each number's drawn font size in the matrix (its tspan's, where the figure made it smaller)
CELL_FONTS_JS = """chart => [...chart.querySelectorAll('.heatmaplayer text')].map(text => ({
    text: text.textContent,
    px: parseFloat(getComputedStyle(text.querySelector('tspan') || text).fontSize)}))"""


def test_four_digit_counts_keep_the_presenters_size_where_the_cells_have_room(open_page, server) -> None:
    """The smaller text is for 150% zoom's narrow cells: on the projector at 100% the cells have
    room, and "1,054" is as large as every other number."""
    page = presenter_page(open_page, server, "evaluate")
    chart = drive.confusion_chart(page)
    expect(chart.locator(".heatmaplayer text").first).to_be_visible(timeout=60_000)
    numbers = chart.evaluate(CELL_FONTS_JS)
    assert any(len(number["text"]) == len("1,054") for number in numbers), numbers
    small = [number for number in numbers if number["px"] != look.PRESENTING.small_text]
    assert not small, f"numbers drawn smaller than {look.PRESENTING.small_text} px at 1280x720: {small}"
    assert not [number for number in chart.evaluate(CELL_ROOM_JS) if number["room"] < 2]


def test_a_clicked_cells_images_come_into_view_in_presenter_mode(open_page, server) -> None:
    """In presenter mode the matrix takes the page's width and the chosen cell's images sit under
    it, below the 1280x720 fold: a click brings them up."""
    page = presenter_page(open_page, server, "evaluate")
    expect(drive.confusion_chart(page).locator(".heatmaplayer text").first).to_be_visible(timeout=60_000)
    cells, current = drive.confusion_cells(page), drive.selected_cell(page)
    true, predicted = max((cell for cell, count in cells.items()
                           if cell[0] != cell[1] and count > 0 and cell != current), key=cells.get)
    first_image = drive.main(page).locator("[data-testid='stImage']").first
    assert not drive.in_viewport(page, first_image), "the images were on screen before the click"
    drive.click_confusion_cell(page, true, predicted)
    expect(drive.selectbox(page, "True class").locator("input")).to_have_value(str(true))
    drive.wait_until(lambda: drive.in_viewport(page, first_image),
                     message="the clicked cell's first image in the 1280x720 window")


def overlap(a: dict, b: dict) -> bool:
    """Whether two boxes (bounding_box dicts) share any area."""
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


def presenter_page(open_page, server, path: str) -> Page:
    """The page in presenter mode on the projector, at 100%."""
    page = open_page(**projector_screen())
    page.set_default_timeout(60_000)
    drive.open_app(page, server.url, f"{path}?{MODES['presenter']}")
    return page


def test_confusion_title_is_clear_of_the_toolbar_in_presenter_mode(open_page, server) -> None:
    page = presenter_page(open_page, server, "evaluate")
    chart = drive.confusion_chart(page)
    expect(chart).to_be_visible(timeout=60_000)  # a first run of the page loads TensorFlow
    chart.hover()  # plotly shows its toolbar (modebar) while the mouse is over the chart
    toolbar = chart.locator(".modebar")
    expect(toolbar).to_be_visible()
    title = chart.locator(".gtitle").bounding_box()
    assert not overlap(title, toolbar.bounding_box()), (
        f"the matrix's title {title} runs under the toolbar {toolbar.bounding_box()}")


def test_vector_axis_title_is_whole_in_presenter_mode(open_page, server) -> None:
    page = presenter_page(open_page, server, "")
    chart = drive.main(page).locator(".st-key-wraps_below_explore_vector .js-plotly-plot")
    expect(chart).to_be_attached(timeout=60_000)
    chart.scroll_into_view_if_needed()  # far down the page: drawn once it is scrolled to
    expect(chart.locator(".g-xtitle")).to_be_visible()
    box, title = chart.bounding_box(), chart.locator(".g-xtitle").bounding_box()
    assert box["x"] <= title["x"] and title["x"] + title["width"] <= box["x"] + box["width"], (
        f"the vector chart's axis title {title} is cut by the chart's box {box}")
    assert title["y"] + title["height"] <= box["y"] + box["height"], (title, box)


# The leaderboard grid's scroll area: how tall its rows are in all, and how tall it shows them.
GRID_SCROLL_JS = """grid => { const s = grid.querySelector('.dvn-scroller');
    return s && {content: s.scrollHeight, shown: s.clientHeight}; }"""


def test_leaderboard_rows_fit_their_settings_in_presenter_mode(open_page, server) -> None:
    """At 1280x720 the grid is wider than its columns and gives Settings more room than at 150% zoom:
    rows sized for the narrow column were 130 px tall, and the grid scrolled after 3 of 4 rows."""
    page = presenter_page(open_page, server, "leaderboard")
    table = classroom_drive.grid(page, classroom_drive.LEADERBOARD)
    expect(table).to_be_visible(timeout=60_000)
    assert "Alan Turing" in classroom_drive.grid_cells(page, classroom_drive.LEADERBOARD)
    try:  # the first run draws the rows for the narrow column, the browser's width reruns the page
        drive.wait_until(lambda: (grid := table.evaluate(GRID_SCROLL_JS))
                         and grid["content"] <= grid["shown"], timeout=30)
    except AssertionError:
        pytest.fail(f"the leaderboard grid scrolls its 4 rows: {table.evaluate(GRID_SCROLL_JS)}")
