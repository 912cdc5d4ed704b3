"""Tests for mnist_dash.figures: inspect the figures' traces and layout."""

import numpy as np
import plotly.graph_objects as go
import pytest

from mnist_dash import figures, inside_figures, look

NAMES = [str(digit) for digit in range(10)]


@pytest.fixture
def matrix() -> np.ndarray:
    return np.arange(100, dtype=np.int64).reshape(10, 10)


def test_class_balance_figure() -> None:
    fig = figures.class_balance_figure([5] * 10, [1] * 10, NAMES)
    assert [trace.name for trace in fig.data] == ["Train", "Test"]
    assert all(isinstance(trace, go.Bar) for trace in fig.data)
    assert fig.layout.barmode == "group"
    assert list(fig.data[0].y) == [5] * 10 and list(fig.data[1].y) == [1] * 10


def test_confusion_figure_heatmap_and_click_overlay(matrix: np.ndarray) -> None:
    fig = figures.confusion_figure(matrix, NAMES)
    heatmap, overlay = fig.data
    assert isinstance(heatmap, go.Heatmap) and isinstance(overlay, go.Scatter)
    assert heatmap.hoverinfo == "skip"
    assert heatmap.text[3][7] == "37"
    assert len(overlay.x) == len(overlay.y) == 100
    assert overlay.marker.opacity == 0 and overlay.marker.symbol == "square"
    # The cell (true 3, predicted 7) sits at x=7, y=3 on both traces.
    point = next(i for i in range(100) if overlay.y[i] == 3 and overlay.x[i] == 7)
    assert list(overlay.customdata[point]) == [3, 7, 37]
    # A numpy customdata would travel as a typed array and come back from a click as a dict.
    assert isinstance(overlay.to_plotly_json()["customdata"], list | tuple)
    assert list(heatmap.x) == list(range(10)) and list(heatmap.y) == list(range(10))
    assert fig.layout.xaxis.title.text == "Predicted"
    assert fig.layout.yaxis.title.text == "True"
    gap = figures.AXIS_GAP  # room outside the cells for the hover dots
    assert list(fig.layout.yaxis.range) == [9.5 + gap, -0.5]  # reversed: true class 0 at the top
    assert list(fig.layout.xaxis.range) == [-0.5 - gap, 9.5]
    assert list(fig.layout.xaxis.ticktext) == NAMES


def test_confusion_figure_normalized_shows_percentages(matrix: np.ndarray) -> None:
    fig = figures.confusion_figure(matrix, NAMES, normalized=True)
    heatmap, overlay = fig.data
    assert heatmap.text[1][0] == f"{100 * 10 / 145:.1f}%"
    assert np.asarray(heatmap.z).sum(axis=1) == pytest.approx(np.ones(10))
    assert list(overlay.customdata[10]) == [1, 0, 10]  # hover still gives counts


def test_confusion_figure_numbers_grow_for_a_room_and_still_fit_their_cells() -> None:
    matrix = np.full((10, 10), 1_135)
    with look.presenting(False):
        everyday = figures.confusion_figure(matrix, NAMES)
    with look.presenting(True):
        presenter = figures.confusion_figure(matrix, NAMES)
    assert everyday.data[0].textfont.size is None  # plotly sizes the everyday numbers from the cell
    size = presenter.data[0].textfont.size
    assert size == look.PRESENTING.small_text > look.READABLE.small_text
    assert everyday.layout.height == figures.MATRIX_HEIGHT < presenter.layout.height
    # "1,135": four digits of about 0.6 font and a comma of 0.3, in a cell of the plot's height
    # (less its margins and title) over 10 cells and the hover dots' strip.
    cell = (presenter.layout.height - 86) / (10 + figures.AXIS_GAP)
    assert cell >= (4 * 0.6 + 0.3) * size + 8, f"'1,135' at {size} px overflows a {cell:.0f} px cell"


def test_presenter_cell_numbers_wider_than_a_zoomed_cell_get_a_smaller_font() -> None:
    """At 150% zoom the page's width makes the cells about 41 px: "1,135" (2.9 fonts of Chromium's
    digits) gets a size that keeps it within CELL_TEXT_PX; three digits keep the presenter's size."""
    matrix = np.full((10, 10), 7)
    matrix[1, 1], matrix[2, 2] = 1_135, 949
    with look.presenting(True):
        text = figures.confusion_figure(matrix, NAMES).data[0].text
    assert text[2][2] == "949" and text[0][1] == "7"
    size = int(text[1][1].split("font-size:")[1].split("px")[0])
    assert text[1][1].endswith(">1,135</span>") and (4 * 0.64 + 0.32) * size <= figures.CELL_TEXT_PX
    assert size < look.PRESENTING.small_text
    with look.presenting(False):  # plotly sizes the everyday numbers from the cell
        assert figures.confusion_figure(matrix, NAMES).data[0].text[1][1] == "1,135"


def test_history_figure_live_layout() -> None:
    fig = figures.history_figure(
        [1, 2, 3, 4], [0.2, 0.4, 0.5, 0.6], [2, 4], [0.3, 0.55], [0.5], "accuracy", total_steps=20
    )
    batch, train, validation = fig.data
    assert batch.mode == "lines" and train.mode == validation.mode == "lines+markers"
    assert list(train.x) == [2, 4] and list(validation.x) == [2]
    assert list(fig.layout.xaxis.range) == [0, 20]
    assert list(fig.layout.yaxis.range) == [0, 1]
    assert fig.layout.yaxis.title.text == "Accuracy"


def test_history_figure_empty_and_bad_metric() -> None:
    fig = figures.history_figure([], [], [], [], [], "loss")
    assert fig.layout.yaxis.title.text == "Loss" and fig.layout.xaxis.range is None
    with pytest.raises(ValueError, match="metric"):
        figures.history_figure([], [], [], [], [], "f1")


def test_compare_history_figure() -> None:
    runs = [("run a", [1, 2], [0.9, 0.95]), ("run b", [1, 2, 3], [0.8, 0.9, 0.92])]
    fig = figures.compare_history_figure(runs, "accuracy")
    assert [trace.name for trace in fig.data] == ["run a", "run b"]
    assert fig.data[0].line.color != fig.data[1].line.color


@pytest.mark.parametrize("presenting", [False, True])
def test_probability_figure_gives_each_class_a_line_of_its_text(presenting: bool) -> None:
    with look.presenting(presenting):
        fig = figures.probability_figure(np.full(10, 0.1), NAMES)
    plot_height = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    assert plot_height / len(NAMES) >= 1.15 * fig.layout.yaxis.tickfont.size, (
        f"the class labels overlap: {plot_height} px for {len(NAMES)} at {fig.layout.yaxis.tickfont.size} px")


def test_probability_figure_marks_predicted_and_true_in_words() -> None:
    probabilities = np.full(10, 0.02)
    probabilities[4], probabilities[9] = 0.7, 0.14
    fig = figures.probability_figure(probabilities, NAMES, true_class=9)
    bars = fig.data[0]
    assert bars.orientation == "h"
    assert "predicted" in bars.text[4] and "true" in bars.text[9]
    assert "predicted" not in bars.text[0] and "true" not in bars.text[0]
    assert len({bars.marker.color[4], bars.marker.color[9], bars.marker.color[0]}) == 3
    correct = figures.probability_figure(probabilities, NAMES, true_class=4).data[0]
    assert "predicted" in correct.text[4] and "true" in correct.text[4]


def test_pixel_and_vector_figures() -> None:
    image = np.arange(784, dtype=np.int64).reshape(28, 28) % 256
    pixels = figures.pixel_figure(image.astype(np.uint8))
    assert isinstance(pixels.data[0], go.Heatmap)
    assert pixels.data[0].texttemplate == "%{z}"
    assert list(pixels.layout.yaxis.range) == [27.5, -0.5]
    assert figures.pixel_figure(image, show_values=False).data[0].texttemplate is None
    strip = figures.vector_figure(image).data[0]
    assert np.asarray(strip.z).shape == (1, 784)
    assert list(strip.x) == list(range(784))
    assert strip.text[0][30] == "pixel 30 (row 1, col 2)"


def test_vector_figure_axis_title_has_room_in_presenter_mode() -> None:
    """Its axis title is two lines, under a strip that keeps its height as the text grows."""
    image = np.zeros((28, 28), dtype=np.uint8)
    sizes = {}
    for presenting in (False, True):
        with look.presenting(presenting):
            fig = figures.vector_figure(image)
        assert fig.layout.xaxis.title.text == "Index in the vector<br>(28 pixels per image row)"
        margin = fig.layout.margin
        sizes[presenting] = fig.layout.height - margin.t - margin.b
        assert margin.b >= 4 * fig.layout.xaxis.title.font.size, "no room for the title's two lines"
    assert sizes[True] >= sizes[False] >= 50, f"the strip of 784 pixels is squeezed: {sizes}"


def test_class_means_figure() -> None:
    fig = figures.class_means_figure(np.zeros((10, 28, 28)), NAMES)
    assert len(fig.data) == 10 and all(isinstance(t, go.Heatmap) for t in fig.data)
    assert [annotation.text for annotation in fig.layout.annotations] == NAMES


def test_confusion_difference_figure(matrix: np.ndarray) -> None:
    later = matrix.copy()
    later[2, 5] += 3
    later[4, 4] += 2
    heatmap = figures.confusion_difference_figure(matrix, later, NAMES).data[0]
    colour = np.asarray(heatmap.z)
    # The colour says how much B improves on A: 3 more mistakes is -3, 2 more right answers +2.
    assert colour[2, 5] == -3 and colour[4, 4] == 2 and colour.sum() == -1
    assert heatmap.zmin == -heatmap.zmax == -3  # symmetric, so white is 0
    assert heatmap.text[2][5] == "+3" and heatmap.text[4][4] == "+2"  # the text is the plain change
    assert list(heatmap.colorbar.ticktext) == ["B worse", "same", "B better"]
    assert heatmap.colorscale[-1][1] == figures.RIGHT_COLOR  # green is better


def test_confusion_figure_hover_draws_no_box_over_the_cells_but_dots_on_the_axes(matrix: np.ndarray) -> None:
    fig = figures.confusion_figure(matrix, NAMES)
    overlay = fig.data[1]
    # "none" keeps hover and click events (a click still selects a cell); "skip" would lose them.
    assert overlay.hoverinfo == "none" and overlay.hovertemplate is None
    for axis in (fig.layout.xaxis, fig.layout.yaxis):
        assert axis.showspikes and axis.spikemode == "marker"  # a dot on the axis, no line across
    assert figures.AXIS_GAP > 0  # the dots sit outside the matrix, not on its edge cells


def test_confusion_figure_toolbar_keeps_only_the_download_button(matrix: np.ndarray) -> None:
    """A full toolbar ran over the title in presenter mode; zooming a fixed grid is of no use."""
    removed = set(figures.confusion_figure(matrix, NAMES).layout.modebar.remove)
    assert {"zoom", "pan", "zoomin", "zoomout", "autoscale", "resetscale"} <= removed
    assert "toimage" not in removed


def test_confusion_figure_outlines_the_selected_cell(matrix: np.ndarray) -> None:
    assert not figures.confusion_figure(matrix, NAMES).layout.shapes
    (outline,) = figures.confusion_figure(matrix, NAMES, selected=(3, 7)).layout.shapes
    assert outline.name == figures.SELECTED_CELL and outline.type == "rect"
    assert (outline.x0, outline.x1, outline.y0, outline.y1) == (6.5, 7.5, 2.5, 3.5)
    assert outline.line.width >= 3


def test_compare_history_figure_draws_bars_for_one_epoch_runs() -> None:
    fig = figures.compare_history_figure([("A: lr 0.001", [1], [0.5]), ("B: lr 0.003", [1], [0.4])],
                                         "loss", "Training")
    (bars,) = fig.data
    assert isinstance(bars, go.Bar) and list(bars.x) == ["A: lr 0.001", "B: lr 0.003"]
    assert list(bars.y) == [0.5, 0.4] and fig.layout.title.text == "Training loss per epoch"


def test_live_history_figure_built_without_validation_is_a_valid_figure():
    fig = figures.history_figure([0, 10, 20], [2.3, 1.1, 0.7], [20], [0.9], [0.8], "accuracy",
                                 total_steps=40)
    checked = go.Figure(fig.to_dict())  # plotly's full validation raises on any bad property
    assert checked.to_plotly_json() == fig.to_plotly_json()
    assert checked.layout.template.layout.paper_bgcolor == "white"  # plotly_white, expanded
    assert list(checked.layout.yaxis.range) == [0, 1] and list(checked.layout.xaxis.range) == [0, 40]


def test_the_epoch_early_stopping_keeps_is_marked_and_the_rate_drawn():
    from mnist_dash.progress import ProgressSnapshot
    from mnist_dash.vocabulary import EpochRecord, lowest_validation_epoch

    epochs = tuple(EpochRecord(epoch=k, step=10 * k, seconds=1.0, loss=1.0 / k, accuracy=0.5,
                               val_loss=val) for k, val in ((1, 0.9), (2, 0.5), (3, 0.5), (4, 0.7)))
    assert lowest_validation_epoch(epochs) == 2  # the first of equal losses, as early stopping keeps
    assert lowest_validation_epoch(()) is None
    progress = ProgressSnapshot(epoch=4, num_epochs=4, batch=0, steps_per_epoch=10, step=40,
                                elapsed_seconds=1.0, eta_seconds=None, samples_per_second=None,
                                epochs=epochs)
    for fig in figures.history_figures(progress, kept_epoch=2).values():
        (line,) = go.Figure(fig.to_dict()).layout.shapes
        assert line.x0 == line.x1 == 20
        assert fig.layout.annotations[0].text == "kept: epoch 2"
    assert not figures.history_figures(progress)["loss"].layout.shapes
    rate = figures.learning_rate_figure([1, 2, 3], [0.1, 0.05, 0.0], total_steps=3)
    assert list(rate.data[0].y) == [0.1, 0.05, 0.0]


def test_live_series_thinned_to_a_few_hundred_points_ending_with_the_last():
    steps = list(range(1, 1201))
    losses = [1.0 / step for step in steps]
    fig = figures.history_figure(steps, losses, [], [], [], "loss", total_steps=2000)
    batch = fig.data[0]
    assert len(batch.x) == figures.LIVE_POINTS
    assert batch.x[0] == 1 and batch.x[-1] == 1200 and batch.y[-1] == losses[-1]
    assert list(batch.x) == sorted(set(batch.x))  # no point twice, in order
    assert figures.thin([1, 2], [0.5, 0.4]) == ([1, 2], [0.5, 0.4])  # short series untouched


def test_live_layout_does_not_depend_on_the_data():
    """Fixed margins, no transition: a new point costs plotly no relayout in the learner's browser."""
    figs = [figures.history_figure(list(range(n)), [1.0] * n, [], [], [], "loss", total_steps=500)
            for n in (3, 400)]
    layouts = [fig.to_plotly_json()["layout"] for fig in figs]
    assert layouts[0] == layouts[1]
    assert layouts[0]["margin"]["autoexpand"] is False and layouts[0]["transition"] == {"duration": 0}
    assert layouts[0]["xaxis"]["automargin"] is False and layouts[0]["xaxis"]["range"] == [0, 500]


def _history() -> go.Figure:
    return figures.history_figure([1, 2, 3, 4], [0.9, 0.7, 0.6, 0.5], [2, 4], [0.8, 0.55], [0.7],
                                  "loss", total_steps=20)


def test_charts_are_readable_by_default() -> None:
    """Axis text at least 15 px (it was ~11 px on screen), the per-batch line neither hairline nor pale."""
    with look.presenting(False):
        fig = _history()
    assert fig.layout.font.size >= 15 and fig.layout.title.font.size > fig.layout.font.size
    # On each axis too: Streamlit's chart theme would otherwise draw tick labels at 12 px.
    bars = figures.class_balance_figure([5] * 10, [1] * 10, NAMES)
    for axis in (fig.layout.xaxis, fig.layout.yaxis, bars.layout.xaxis, bars.layout.yaxis):
        assert axis.tickfont.size >= 15 and axis.title.font.size >= 15
    batch = fig.data[0]
    assert batch.line.width >= 1.5 and batch.opacity >= 0.7


@pytest.mark.parametrize("build", [
    _history,
    lambda: figures.class_balance_figure([5] * 10, [1] * 10, NAMES),
    lambda: figures.compare_history_figure([("A", [1, 2], [0.5, 0.4])], "loss"),
    lambda: figures.class_loss_figure({"Ada": ([1, 2], [2.0, 1.0])}),
    lambda: inside_figures.weight_grid_figure(np.ones((4, 28, 28))),
])
def test_presenter_mode_enlarges_text_margins_and_lines(build) -> None:
    with look.presenting(False):
        everyday = build()
    with look.presenting(True):
        presenting = build()
    assert presenting.layout.font.size > everyday.layout.font.size
    assert presenting.layout.title.font.size > everyday.layout.title.font.size
    assert presenting.layout.margin.l > everyday.layout.margin.l
    assert presenting.layout.xaxis.tickfont.size > everyday.layout.xaxis.tickfont.size
    for shown, usual in zip(presenting.data, everyday.data, strict=True):
        if getattr(shown, "line", None) is not None and usual.line.width is not None:
            assert shown.line.width > usual.line.width
    for shown, usual in zip(presenting.layout.annotations, everyday.layout.annotations, strict=True):
        assert shown.font.size > usual.font.size  # the unit numbers on the weight tiles


def test_presenter_markers_grow_and_the_session_lookup_decides_outside_a_block(monkeypatch) -> None:
    monkeypatch.setattr(look, "_lookup", lambda: True)  # a session whose switch is on
    assert look.is_presenting()
    big = _history()
    with look.presenting(False):  # a block wins over the session
        small = _history()
    assert big.data[1].marker.size > small.data[1].marker.size
