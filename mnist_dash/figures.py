"""Plotly figures for the dashboard: pure functions that build a go.Figure and draw nothing.

Their words (titles, axes, legends, hover text) are in the current language (mnist_dash.i18n).
Hover templates are plotly's own (`%{y}`): they go through `_()` without parameters, so no
Python formatting touches their braces. Text sizes and line widths follow `look.current()`:
readable by default, larger in presenter mode.
"""

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io
from plotly.subplots import make_subplots

from mnist_dash import i18n, look
from mnist_dash.i18n import N_, _, ngettext
from mnist_dash.metrics import normalize_rows
from mnist_dash.progress import ProgressSnapshot

# Okabe-Ito: distinguishable with the common forms of colour blindness.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
TRAIN_COLOR, TEST_COLOR = PALETTE[0], PALETTE[1]
RIGHT_COLOR, WRONG_COLOR, NEUTRAL_COLOR = PALETTE[2], PALETTE[3], "#BBBBBB"
TRUE_CLASS_COLOR = PALETTE[0]  # the right answer, when the model picked another
INK_SCALE = [[0.0, "black"], [1.0, "white"]]  # MNIST look: 0 = black paper, 255 = white ink
CHANGE_SCALE = [[0.0, "#B35806"], [0.5, "#FFFFFF"], [1.0, "#542788"]]  # orange down, purple up
IMPROVEMENT_SCALE = [[0.0, PALETTE[3]], [0.5, "#FFFFFF"], [1.0, PALETTE[2]]]  # vermillion worse, green better
METRIC_TITLES = {"loss": N_("Loss"), "accuracy": N_("Accuracy")}
# compare_history_figure's title and axis, by (which curves, metric): whole phrases, not pieces.
COMPARE_TITLES = {
    ("Validation", "loss"): (N_("Validation loss per epoch"), N_("Validation loss")),
    ("Validation", "accuracy"): (N_("Validation accuracy per epoch"), N_("Validation accuracy")),
    ("Training", "loss"): (N_("Training loss per epoch"), N_("Training loss")),
    ("Training", "accuracy"): (N_("Training accuracy per epoch"), N_("Training accuracy")),
}
NO_EXTRA = "<extra></extra>"  # plotly: no trace name beside the hover text




def _scaled(pixels: int, style: look.Look) -> int:
    """A margin measured for the everyday look, grown with the text of `style`."""
    return round(pixels * style.font_size / look.READABLE.font_size)


def _layout_defaults(title: str, margin: dict[str, int] | None = None) -> dict[str, Any]:
    """The title, fonts and margins of the current look; `margin` (in everyday pixels) grows
    with the text."""
    style = look.current()
    sides = margin or {"l": 60, "r": 20, "t": 60, "b": 50}
    return {"font": {"size": style.font_size}, "legend": {"font": {"size": style.font_size}},
            "title": {"text": title, "font": {"size": style.title_size}},
            "hoverlabel": {"font": {"size": style.font_size}},
            "margin": {side: _scaled(pixels, style) for side, pixels in sides.items()}}


@functools.cache
def _white_template() -> dict:
    """plotly_white as a plain spec, for figures wrapped without validation."""
    return plotly.io.templates["plotly_white"].to_plotly_json()


# Axis text is sized on every axis, not only by the layout's font: Streamlit's chart theme sets
# the axes' fonts (12 px tick labels), and only an axis's own setting wins over it.

def axis(title: str, **settings: Any) -> dict[str, Any]:
    """A plain-spec axis with its title and tick labels in the current look's size."""
    size = look.current().font_size
    return {"title": {"text": title, "font": {"size": size}}, "tickfont": {"size": size}, **settings}


def styled(fig: go.Figure, title: str, margin: dict[str, int] | None = None,
           **layout: Any) -> go.Figure:
    """A figure in plotly_white with the current look: title, fonts, margins, every axis's text."""
    # The template by name: plotly validates a template given as a dict (~200 ms), not by name.
    fig.update_layout(template="plotly_white", **_layout_defaults(title, margin))
    fig.update_layout(layout)  # after the defaults, so a legend given here keeps their font
    size = look.current().font_size
    fig.for_each_xaxis(lambda each: each.update(tickfont_size=size, title_font_size=size))
    fig.for_each_yaxis(lambda each: each.update(tickfont_size=size, title_font_size=size))
    return fig


def _style(fig: go.Figure, title: str, x_title: str, y_title: str, **layout: Any) -> go.Figure:
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title)
    return styled(fig, title, layout.pop("margin", None), **layout)


def _metric_title(metric: str) -> str:
    if metric not in METRIC_TITLES:
        raise ValueError(f"metric must be one of {sorted(METRIC_TITLES)}; got {metric!r}")
    return _(METRIC_TITLES[metric])


def class_labels(class_names: Sequence[str]) -> list[str]:
    """Class names as people read them: digits stay digits, Fashion-MNIST's words are translated."""
    return [_(str(name)) for name in class_names]


def _fix_metric_axis(fig: go.Figure, metric: str) -> go.Figure:
    if metric == "accuracy":
        fig.update_yaxes(range=[0, 1])
    return fig


def class_balance_figure(
    train_counts: Sequence[int], test_counts: Sequence[int], class_names: Sequence[str]
) -> go.Figure:
    """Grouped bars: images per class in the training and test sets, counts written on bars."""
    names = class_labels(class_names)
    fig = go.Figure()
    for label, counts, color, hover in (
        (_("Train"), train_counts, TRAIN_COLOR, _("Train: %{y} images of %{x}")),
        (_("Test"), test_counts, TEST_COLOR, _("Test: %{y} images of %{x}")),
    ):
        fig.add_trace(go.Bar(x=names, y=list(counts), name=label, marker_color=color,
                             hovertemplate=hover + NO_EXTRA))
    return _style(fig, _("Images per class"), _("Class"), _("Images"), barmode="group",
                  xaxis_type="category")


def _square_matrix_axes(fig: go.Figure, class_names: Sequence[str], height: int) -> go.Figure:
    size = len(class_names)
    ticks = {"tickvals": list(range(size)), "ticktext": class_labels(class_names), "showgrid": False,
             "zeroline": False, "constrain": "domain"}
    # Fixed ranges: big invisible markers would otherwise widen the autorange.
    fig.update_xaxes(title_text=_("Predicted"), range=[-0.5, size - 0.5], **ticks)
    fig.update_yaxes(title_text=_("True"), range=[size - 0.5, -0.5], scaleanchor="x", **ticks)
    fig.update_layout(height=height, plot_bgcolor="rgba(0,0,0,0)")
    return fig


def _cell_text(matrix: np.ndarray, normalized: bool) -> list[list[str]]:
    if normalized:
        return [[i18n.percent(value, 1) if value else "0" for value in row] for row in matrix]
    return [[i18n.number(int(value)) for value in row] for row in matrix]


# Presenter mode at 150% zoom: the page's width sets the matrix's cells, about 41 px; a number keeps
# 3 px from each edge. Widths in fonts of the browser's digits (0.64), of "," and "." and of "%".
CELL_TEXT_PX = 35
_CHARACTER_FONTS = {",": 0.32, ".": 0.32, " ": 0.32, "%": 0.95}


def _fitted(text: str, size: int) -> str:
    """A cell's text at `size` px, or smaller where it would be wider than CELL_TEXT_PX ("1,054" at
    the presenter's 17 px ran into both edges of its cell at 150% zoom). The page's style gives it
    back its size in a window wide enough for it (look.ROOMY_MATRIX_WINDOW)."""
    fonts = sum(_CHARACTER_FONTS.get(character, 0.64) for character in text)
    fitting = int(CELL_TEXT_PX / fonts) if fonts else size
    return text if fitting >= size else f'<span style="font-size:{fitting}px">{text}</span>'


def _click_overlay(counts: np.ndarray, marker_size: float) -> go.Scatter:
    """Invisible square markers, one per cell: clicks on a heatmap select nothing in Streamlit."""
    true, predicted = np.indices(counts.shape)
    # A plain list, not a numpy array: plotly would send a typed array that comes back as dicts.
    customdata = np.stack([true.ravel(), predicted.ravel(), counts.ravel()], axis=1).tolist()
    return go.Scatter(
        x=predicted.ravel(), y=true.ravel(), mode="markers", customdata=customdata,
        marker={"symbol": "square", "size": marker_size, "opacity": 0, "color": NEUTRAL_COLOR},
        # "none", not "skip": hovers and clicks still reach the trace, but plotly draws no hover box
        # (it always puts one beside the cell, over its neighbours, and cannot place it elsewhere:
        # plotly.py #3927). The axes mark the hovered cell's row and column instead (_hover_marks).
        hoverinfo="none", showlegend=False, name="cells",
    )


AXIS_GAP = 0.5  # cells between the confusion matrix and its axes, where the hover dots sit


def _hover_marks(size: int) -> dict[str, Any]:
    """Axis settings that put a dot beside the hovered cell's row and under its column, just
    outside the matrix: the ranges leave a strip of AXIS_GAP cells for the dots."""
    spikes = {"showspikes": True, "spikemode": "marker", "spikesnap": "data", "spikecolor": "#333333",
              "spikethickness": round(0.5 * look.current().marker_size)}
    return {"xaxis": {"range": [-0.5 - AXIS_GAP, size - 0.5], **spikes},
            "yaxis": {"range": [size - 0.5 + AXIS_GAP, -0.5], **spikes}}


MATRIX_HEIGHT = 480  # the confusion matrix's height, in pixels
# In presenter mode: cells of about 56 px hold "1,135" at the presenter's 17 px with room to spare.
PRESENTER_MATRIX_HEIGHT = 680
MATRIX_TOOLS_REMOVED = ["zoom", "pan", "select", "lasso", "zoomin", "zoomout", "autoscale", "resetscale"]
SELECTED_CELL = "selected cell"  # the name of the outline around the chosen cell (tests find it)


def _cell_outline(true: int, predicted: int) -> dict[str, Any]:
    return {"type": "rect", "name": SELECTED_CELL, "x0": predicted - 0.5, "x1": predicted + 0.5,
            "y0": true - 0.5, "y1": true + 0.5, "line": {"color": TEST_COLOR, "width": 4},
            "layer": "above"}


def confusion_figure(
    matrix: np.ndarray, class_names: Sequence[str], normalized: bool = False,
    selected: tuple[int, int] | None = None,
) -> go.Figure:
    """Confusion matrix heatmap (rows true, columns predicted) whose cells can be clicked;
    the `selected` (true, predicted) cell gets a thick outline."""
    counts = np.asarray(matrix, dtype=np.int64)
    shown = normalize_rows(counts) if normalized else counts
    style = look.current()
    height = PRESENTER_MATRIX_HEIGHT if look.is_presenting() else MATRIX_HEIGHT
    cell_pixels = (height - 86) / (len(class_names) + AXIS_GAP)
    text = _cell_text(shown, normalized)
    if look.is_presenting():
        text = [[_fitted(cell, style.small_text) for cell in row] for row in text]
    heatmap = go.Heatmap(
        z=shown, x=list(range(len(class_names))), y=list(range(len(class_names))),
        text=text, texttemplate="%{text}", hoverinfo="skip",
        # For a room, a size read from the back: plotly's own (from the cell) stays small.
        textfont={"size": style.small_text} if look.is_presenting() else None,
        colorscale="Blues", showscale=False, zmin=0, zmax=1 if normalized else None,
    )
    fig = go.Figure([heatmap, _click_overlay(counts, 0.9 * cell_pixels)])
    title = _("Confusion matrix (% of each true class)") if normalized else _("Confusion matrix")
    # A low title and thin margins: the matrix and the chosen cell's images fit one screen.
    # Only the download button in the toolbar: zooming a fixed 10x10 grid is no use, and the
    # full toolbar ran over the title in presenter mode.
    _style(fig, title, _("Predicted"), _("True"), hovermode="closest",
           margin={"l": 50, "r": 10, "t": 36, "b": 50}, title_y=0.98, modebar_remove=MATRIX_TOOLS_REMOVED)
    if selected is not None:
        fig.add_shape(_cell_outline(*selected))
    _square_matrix_axes(fig, class_names, height)
    return fig.update_layout(_hover_marks(len(class_names)))


LIVE_POINTS = 200  # per-batch points drawn at most: a line this long looks the same, and redraws cheaply
# The live charts' layout never depends on their data: plotly then does no margin relayout or
# animation when the points change every second (each costs the learner's browser CPU).
LIVE_LAYOUT = {"transition": {"duration": 0}, "uirevision": "live"}
LIVE_MARGIN = {"l": 60, "r": 20, "t": 50, "b": 110}


CLASS_POINTS = 100  # per learner on the instructor's overlaid chart: up to 20 lines, redrawn every few s


def thin(steps: Sequence[int], values: Sequence[float], limit: int = LIVE_POINTS) -> tuple[list, list]:
    """At most `limit` evenly spaced points of a series, always ending with its last point."""
    if len(steps) <= limit:
        return list(steps), list(values)
    picked = np.linspace(len(steps) - 1, 0, limit).round().astype(int)[::-1]
    return [steps[i] for i in picked], [values[i] for i in picked]


def history_figure(
    batch_steps: Sequence[int], batch_values: Sequence[float], epoch_steps: Sequence[int],
    train_epoch_values: Sequence[float], val_epoch_values: Sequence[float], metric: str,
    total_steps: int | None = None,
) -> go.Figure:
    """Training curve: per-batch values as a thin line, per-epoch train/validation as markers."""
    return go.Figure(history_spec(batch_steps, batch_values, epoch_steps, train_epoch_values,
                                  val_epoch_values, metric, total_steps), _validate=False)


def history_spec(
    batch_steps: Sequence[int], batch_values: Sequence[float], epoch_steps: Sequence[int],
    train_epoch_values: Sequence[float], val_epoch_values: Sequence[float], metric: str,
    total_steps: int | None = None,
) -> dict[str, Any]:
    """history_figure as a plain plotly spec (data and layout dicts).

    Redrawn every second while a job trains, in the same process as the training: a plain spec
    needs neither plotly's validation (29 -> 4 ms per pair of charts, same JSON) nor a copy to
    reach the live canvas (mnist_dash.canvas_chart), so the live view takes little of the GIL.
    """
    y_title = _metric_title(metric)
    style = look.current()
    shown_steps, shown_values = thin(batch_steps, batch_values)
    traces = [{"type": "scatter", "x": shown_steps, "y": shown_values, "mode": "lines",
               "name": _("Training (each batch)"), "opacity": style.batch_opacity,
               "line": {"color": TRAIN_COLOR, "width": style.batch_line_width}}]
    epoch_series = (
        (_("Training (epoch)"), list(train_epoch_values), TRAIN_COLOR, "solid"),
        (_("Validation (epoch)"), list(val_epoch_values), TEST_COLOR, "dash"),
    )
    for label, values, color, dash in epoch_series:
        # A live run may have its train value for an epoch before its validation value.
        traces.append({"type": "scatter", "x": list(epoch_steps)[: len(values)], "y": values,
                       "mode": "lines+markers", "name": label,
                       "line": {"color": color, "width": style.line_width, "dash": dash},
                       "marker": {"size": style.marker_size}})
    x_axis = axis(_("Optimizer step"), automargin=False)
    if total_steps is not None:
        x_axis["range"] = [0, total_steps]
    y_axis = axis(y_title, automargin=False)
    if metric == "accuracy":
        y_axis["range"] = [0, 1]
    # The height stays: the Train page fits both charts on one screen.
    layout = {"template": _white_template(), **_layout_defaults(y_title, LIVE_MARGIN), **LIVE_LAYOUT,
              "xaxis": x_axis, "yaxis": y_axis, "height": 380,
              "legend": {"orientation": "h", "x": 0, "y": -0.2, "yanchor": "top",
                         "font": {"size": style.font_size}}}
    layout["margin"]["autoexpand"] = False
    return {"data": traces, "layout": layout}


def history_figures(progress: ProgressSnapshot, total_steps: int | None = None,
                    kept_epoch: int | None = None) -> dict[str, go.Figure]:
    """The loss and the accuracy figure of a run's progress, by metric name; `kept_epoch` (the
    weights early stopping keeps) is marked on both."""
    return {metric: go.Figure(spec, _validate=False)
            for metric, spec in history_specs(progress, total_steps, kept_epoch).items()}


def history_specs(progress: ProgressSnapshot, total_steps: int | None = None,
                  kept_epoch: int | None = None) -> dict[str, dict[str, Any]]:
    """history_figures as plain specs (see history_spec)."""
    epochs = progress.epochs
    specs = {}
    for metric, batch_values in (("loss", progress.batch_loss), ("accuracy", progress.batch_accuracy)):
        validation = [value for record in epochs
                      if (value := record.metric(metric, validation=True)) is not None]
        specs[metric] = history_spec(
            progress.batch_steps, batch_values, [record.step for record in epochs],
            [record.metric(metric) for record in epochs], validation, metric, total_steps)
        kept = [record.step for record in epochs if record.epoch == kept_epoch]
        if kept:
            _mark_step(specs[metric]["layout"], kept[0], _("kept: epoch {epoch}", epoch=kept_epoch))
    return specs


def _mark_step(layout: dict[str, Any], step: int, text: str) -> None:
    """A dotted vertical line across the chart at `step`, labelled at its top (as add_vline)."""
    layout["shapes"] = [*layout.get("shapes", ()), {
        "type": "line", "x0": step, "x1": step, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain",
        "line": {"color": NEUTRAL_COLOR, "dash": "dot"}}]
    layout["annotations"] = [*layout.get("annotations", ()), {
        "x": step, "xref": "x", "y": 1, "yref": "y domain", "text": text, "showarrow": False,
        "xanchor": "left", "yanchor": "top"}]


def learning_rate_figure(steps: Sequence[int], rates: Sequence[float],
                         total_steps: int | None = None) -> go.Figure:
    """The learning rate of every update (the schedule), drawn under the loss chart."""
    rate = _("Learning rate")
    fig = go.Figure(go.Scatter(x=list(steps), y=list(rates), mode="lines", name=rate,
                               line={"color": TRAIN_COLOR, "width": look.current().line_width}))
    _style(fig, rate, _("Optimizer step"), rate, height=220, showlegend=False)
    if total_steps is not None:
        fig.update_xaxes(range=[0, total_steps])
    return fig


def compare_history_figure(
    runs: Sequence[tuple[str, Sequence[int], Sequence[float]]], metric: str,
    which: str = "Validation",
) -> go.Figure:
    """Per-epoch curves of several runs (`which`: "Validation" or "Training"), one line per run;
    bars of the last value when no run has two epochs (two dots on an axis teach nothing)."""
    if (which, metric) not in COMPARE_TITLES:
        raise ValueError("which must be 'Validation' or 'Training' and metric one of "
                         f"{sorted(METRIC_TITLES)}; got {which!r} and {metric!r}")
    title, y_title = (_(text) for text in COMPARE_TITLES[which, metric])
    style = look.current()
    if all(len(values) <= 1 for _name, _epochs, values in runs):
        return _compare_bars(runs, title, y_title, metric)
    fig = go.Figure()
    for position, (name, epochs, values) in enumerate(runs):
        fig.add_trace(go.Scatter(x=list(epochs), y=list(values), mode="lines+markers", name=name,
                                 line={"color": PALETTE[position % len(PALETTE)],
                                       "width": style.line_width},
                                 marker={"size": style.marker_size}))
    _style(fig, title, _("Epoch"), y_title, height=380)
    return _fix_metric_axis(fig, metric)


def _compare_bars(runs: Sequence[tuple[str, Sequence[int], Sequence[float]]], title: str,
                  y_title: str, metric: str) -> go.Figure:
    names = [name for name, _epochs, _values in runs]
    values = [values[-1] if len(values) else None for _name, _epochs, values in runs]
    fig = go.Figure(go.Bar(
        x=names, y=values, text=[i18n.number(v, 4) if v is not None else "" for v in values],
        textposition="outside", marker_color=[PALETTE[i % len(PALETTE)] for i in range(len(runs))],
        hovertemplate="%{x}: %{y}" + NO_EXTRA))
    _style(fig, title, "", y_title, height=380, showlegend=False)
    fig.update_xaxes(type="category")
    return _fix_metric_axis(fig, metric)


def class_loss_figure(series: dict[str, tuple[Sequence[int], Sequence[float]]]) -> go.Figure:
    """The loss curves of the class's running jobs in one chart (see class_loss_spec)."""
    return go.Figure(class_loss_spec(series), _validate=False)


def class_loss_spec(series: dict[str, tuple[Sequence[int], Sequence[float]]]) -> dict[str, Any]:
    """The loss curves of the class's running jobs in one chart, one line per learner, for projecting,
    as a plain spec (drawn on the live canvas; class_loss_figure wraps it for plotly).

    Redrawn every few seconds on the instructor's page: a plain spec without plotly's validation
    (as history_figure), each line thinned to CLASS_POINTS, fixed margins and height and no
    transition so the browser relayouts and animates nothing, and `uirevision` so a zoom survives.
    """
    style = look.current()
    traces = [{"type": "scatter", "mode": "lines", "name": name,
               **dict(zip("xy", thin(steps, losses, CLASS_POINTS), strict=True)),
               "line": {"color": PALETTE[position % len(PALETTE)], "width": style.line_width},
               "hovertemplate": _("%{y:.3f} at step %{x}") + NO_EXTRA}
              for position, (name, (steps, losses)) in enumerate(series.items())]
    beside = {"l": 60, "r": 180, "t": 60, "b": 50}  # room for the names beside the chart
    layout = {"template": _white_template(),
              **_layout_defaults(_("Training loss of every running job"), beside),
              "xaxis": axis(_("Optimizer step")), "yaxis": axis(_("Loss"), rangemode="tozero"),
              "height": _scaled(360, style), "uirevision": "class", "showlegend": True,
              "transition": {"duration": 0},
              "legend": {"orientation": "v", "x": 1.02, "y": 1, "font": {"size": style.font_size}}}
    layout["margin"]["autoexpand"] = False  # never grown by a long name: a relayout on every redraw
    return {"data": traces, "layout": layout}


def _probability_labels(
    probabilities: np.ndarray, predicted: int, true_class: int | None
) -> tuple[list[str], list[str]]:
    """Bar colours and texts; the words make the marks readable without colour."""
    colors = [NEUTRAL_COLOR] * len(probabilities)
    if true_class is not None:
        colors[true_class] = TRUE_CLASS_COLOR
    colors[predicted] = RIGHT_COLOR if true_class in (None, predicted) else WRONG_COLOR
    texts = [_bar_text(probability, index == predicted, index == true_class)
             for index, probability in enumerate(probabilities)]
    return colors, texts


def _bar_text(probability: float, is_predicted: bool, is_true: bool) -> str:
    percent = i18n.percent(probability, 0)
    if is_predicted and is_true:
        return _("{percent} · predicted · true", percent=percent)
    if is_predicted:
        return _("{percent} · predicted", percent=percent)
    if is_true:
        return _("{percent} · true", percent=percent)
    return percent


def probability_figure(
    probabilities: np.ndarray, class_names: Sequence[str], true_class: int | None = None
) -> go.Figure:
    """Horizontal bars of the model's probability per class; predicted/true marked in words."""
    probabilities = np.asarray(probabilities, dtype=np.float64).ravel()
    predicted = int(probabilities.argmax())
    colors, texts = _probability_labels(probabilities, predicted, true_class)
    fig = go.Figure(go.Bar(
        x=probabilities, y=list(range(len(probabilities))), orientation="h",
        marker_color=colors, text=texts, textposition="outside", cliponaxis=False,
        constraintext="none", textfont={"size": look.current().small_text},
        hovertemplate="%{x:.1%}<extra></extra>",
    ))
    # As tall as its text needs: in presenter mode a fixed height stacked the class labels.
    _style(fig, _("Model's probabilities"), _("Probability"), "", height=_scaled(260, look.current()),
           showlegend=False, margin={"l": 40, "r": 130, "t": 40, "b": 40})
    fig.update_xaxes(range=[0, 1], tickformat=".0%")
    fig.update_yaxes(tickvals=list(range(len(class_names))), ticktext=class_labels(class_names),
                     autorange="reversed")
    return fig


def pixel_figure(image: np.ndarray, show_values: bool = True) -> go.Figure:
    """One digit as 28x28 numbers: 0 is black paper, 255 white ink, each value written in."""
    image = np.asarray(image)
    fig = go.Figure(go.Heatmap(
        z=image, colorscale=INK_SCALE, zmin=0, zmax=255, showscale=False,
        texttemplate="%{z}" if show_values else None, textfont={"size": 8},
        hovertemplate=_("row %{y}, col %{x} = %{z}") + NO_EXTRA,
    ))
    _style(fig, _("Pixel values"), _("Column"), _("Row"), height=640)
    rows, columns = image.shape
    fig.update_xaxes(range=[-0.5, columns - 0.5], constrain="domain", showgrid=False)
    fig.update_yaxes(range=[rows - 0.5, -0.5], scaleanchor="x", constrain="domain",
                     showgrid=False, zeroline=False)
    return fig


def vector_figure(image: np.ndarray) -> go.Figure:
    """The same digit flattened to the 784 numbers the network actually receives."""
    image = np.asarray(image)
    width = image.shape[1]
    vector = image.reshape(1, -1)
    size = vector.shape[1]
    pixel = _("pixel {index} (row {row}, col {column})")  # one lookup for the 784 texts
    hover = [[pixel.format(index=i, row=i // width, column=i % width) for i in range(size)]]
    fig = go.Figure(go.Heatmap(
        z=vector, x=list(range(size)), text=hover, colorscale=INK_SCALE,
        zmin=0, zmax=255, showscale=False, hovertemplate="%{text} = %{z}" + NO_EXTRA,
    ))
    # The axis title on two lines, under a strip as tall as today's: whole in presenter mode too.
    _style(fig, ngettext("Flattened: {n} number in a row", "Flattened: {n} numbers in a row", size),
           ngettext("Index in the vector<br>({n} pixel per image row)",
                    "Index in the vector<br>({n} pixels per image row)", width), "",
           height=_scaled(200, look.current()), margin={"l": 60, "r": 20, "t": 60, "b": 80})
    fig.update_xaxes(dtick=4 * width, showgrid=False)
    fig.update_yaxes(visible=False)
    return fig


def class_means_figure(means: np.ndarray, class_names: Sequence[str]) -> go.Figure:
    """The average image of each class side by side."""
    names = class_labels(class_names)
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=names, horizontal_spacing=0.01)
    for column, mean in enumerate(np.asarray(means), start=1):
        fig.add_trace(go.Heatmap(z=mean, colorscale=INK_SCALE, zmin=0, zmax=255, showscale=False,
                                 hovertemplate=_("row %{y}, col %{x} = %{z:.0f}") + NO_EXTRA),
                      row=1, col=column)
        fig.update_yaxes(scaleanchor=f"x{column if column > 1 else ''}", row=1, col=column)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, autorange="reversed")
    _style(fig, _("Average image of each class"), "", "", height=200,
           margin={"l": 10, "r": 10, "t": 70, "b": 10})
    return fig


def confusion_difference_figure(
    matrix_a: np.ndarray, matrix_b: np.ndarray, class_names: Sequence[str]
) -> go.Figure:
    """Cell-by-cell change from run A to run B, written as B − A and coloured by who is better.

    More images on the diagonal is better, more off it is worse: the colour is the change on
    the diagonal and minus the change off it, so green is always "B better" (its key says so).
    """
    difference = np.asarray(matrix_b, dtype=np.int64) - np.asarray(matrix_a, dtype=np.int64)
    sign = np.where(np.eye(len(difference), dtype=bool), 1, -1)
    limit = max(int(np.abs(difference).max(initial=0)), 1)
    better, worse = _("B better"), _("B worse")
    fig = go.Figure(go.Heatmap(
        z=sign * difference, x=list(range(len(class_names))), y=list(range(len(class_names))),
        text=[[f"{value:+d}" if value else "" for value in row] for row in difference],
        customdata=difference.tolist(), texttemplate="%{text}", colorscale=IMPROVEMENT_SCALE,
        zmin=-limit, zmax=limit,
        colorbar={"title": {"text": _("B against A"), "side": "top"}, "tickvals": [-limit, 0, limit],
                  "ticktext": [worse, _("same"), better], "thickness": 14, "len": 0.8},
        hovertemplate=_("True %{y}, predicted %{x}: %{customdata:+d} images") + NO_EXTRA,
    ))
    _style(fig, _("Change in the confusion matrix (B − A)"), _("Predicted"), _("True"))
    return _square_matrix_axes(fig, class_names, 600)


def class_scatter_figure(parameters: Sequence[int], scores: Sequence[float],
                         optimizers: Sequence[str], names: Sequence[str]) -> go.Figure:
    """The class's experiment on size vs accuracy: one point per learner's best run, parameters
    (log scale) against the public score, one colour per optimizer (a code name, untranslated)."""
    fig = go.Figure()
    rows = list(zip(parameters, scores, optimizers, names, strict=True))
    for index, optimizer in enumerate(sorted(set(optimizers))):
        mine = [row for row in rows if row[2] == optimizer]
        fig.add_trace(go.Scatter(
            x=[row[0] for row in mine], y=[row[1] for row in mine], mode="markers", name=optimizer,
            customdata=[[row[3]] for row in mine],
            marker={"size": look.current().marker_size + 3, "color": PALETTE[index % len(PALETTE)],
                    "line": {"width": 1, "color": "white"}},
            hovertemplate=_("%{customdata[0]}: %{y:.2%} with %{x:,} parameters") + NO_EXTRA))
    _style(fig, _("Size vs score: the class's experiment"), _("Parameters (log scale)"),
           _("Public score"), legend_title_text=_("Optimizer"), showlegend=True, height=380,
           margin={"l": 60, "r": 20, "t": 50, "b": 50})
    fig.update_xaxes(type="log")
    fig.update_yaxes(tickformat=".0%")
    return fig
