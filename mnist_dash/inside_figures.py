"""Plotly figures for the Inside page: weight images and 2-D maps; pure functions, no Streamlit.

Their words are in the current language; hover templates go through `_()` without parameters.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from mnist_dash import look
from mnist_dash.figures import CHANGE_SCALE, NO_EXTRA, PALETTE, class_labels, styled
from mnist_dash.i18n import _
from mnist_dash.vocabulary import EpochRecord

# Okabe-Ito's eight, with Paul Tol's wine and olive for classes 8 and 9 (both stay
# distinguishable under common colour blindness); misclassified points also differ in shape.
CLASS_COLORS = (*PALETTE, "#882255", "#999933")
RIGHT_SYMBOL, WRONG_SYMBOL = "circle", "x"
PALETTE_LEVELS = 255  # colours along the weight tiles' scale; one more palette entry is transparent


def _layout(fig: go.Figure, title: str, height: int, margin: dict[str, int] | None = None,
            **layout) -> go.Figure:
    return styled(fig, title, margin or {"l": 20, "r": 20, "t": 60, "b": 20}, height=height, **layout)


def tile_weights(weights: np.ndarray, num_columns: int, gap: int = 1) -> np.ndarray:
    """(units, h, w) -> one float picture, each unit scaled to -1..1 by its own largest |weight|,
    NaN in the gaps so they show as background."""
    weights = np.asarray(weights, dtype=np.float64)
    count, height, width = weights.shape
    limits = np.abs(weights).reshape(count, -1).max(axis=1)
    scaled = weights / np.where(limits > 0, limits, 1)[:, None, None]
    rows = -(-count // num_columns)
    grid = np.full((rows * (height + gap) - gap, num_columns * (width + gap) - gap), np.nan)
    for unit, image in enumerate(scaled):
        row, column = divmod(unit, num_columns)
        top, left = row * (height + gap), column * (width + gap)
        grid[top:top + height, left:left + width] = image
    return grid


def scale_colors(values: np.ndarray, colorscale: Sequence[Sequence]) -> np.ndarray:
    """Values in 0..1 -> uint8 RGB (one more axis, of 3) along a plotly colorscale, interpolated
    in RGB as plotly does."""
    stops = np.array([stop for stop, _color in colorscale], dtype=np.float64)
    rgb = np.array([[int(color[i:i + 2], 16) for i in (1, 3, 5)] for _stop, color in colorscale])
    values = np.asarray(values, dtype=np.float64)
    channels = [np.interp(values, stops, rgb[:, channel]) for channel in range(3)]
    return np.rint(np.stack(channels, axis=-1)).astype(np.uint8)


def palette_png_source(values: np.ndarray, colorscale: Sequence[Sequence]) -> str:
    """(h, w) values in 0..1 as a data: URI of an 8-bit palette PNG along the colorscale (NaN
    transparent). Noisy weight images barely compress: one byte a pixel instead of four, and 255
    steps along the scale are finer than the eye tells apart."""
    values = np.asarray(values, dtype=np.float64)
    index = np.rint(np.nan_to_num(values, nan=0.0) * (PALETTE_LEVELS - 1)).astype(np.uint8)
    index[np.isnan(values)] = PALETTE_LEVELS  # the one transparent entry
    image = Image.frombytes("P", (index.shape[1], index.shape[0]), index.tobytes())
    colors = scale_colors(np.linspace(0, 1, PALETTE_LEVELS), colorscale)
    image.putpalette([*colors.ravel().tolist(), 255, 255, 255])
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", transparency=PALETTE_LEVELS)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def weight_grid_figure(weights: np.ndarray, num_columns: int = 8, first_unit: int = 0) -> go.Figure:
    """Each unit's incoming weights as a small image: purple pushes the unit up, orange down.

    The tiles are one PNG (an Image trace): as a heatmap, 32 tiles were ~370 KB of JSON for
    the browser to parse and draw (the PNG: ~40 KB); nobody hovers them.
    An invisible marker carries the colour bar.
    """
    weights = np.asarray(weights)
    grid = tile_weights(weights, num_columns)
    height, width = weights.shape[1:]
    fig = go.Figure(go.Image(source=palette_png_source((grid + 1) / 2, CHANGE_SCALE),
                             hoverinfo="skip"))
    fig.add_trace(go.Scatter(
        x=[None], y=[None], mode="markers", hoverinfo="skip", showlegend=False,
        marker={"color": [0], "colorscale": CHANGE_SCALE, "cmin": -1, "cmax": 1, "showscale": True,
                "colorbar": {"title": {"text": _("weight ÷ unit's<br>largest |weight|")}, "len": 0.6}},
    ))
    label_font = {"size": look.current().small_text, "color": "#222222"}
    # One layout update for all labels: 64 add_annotation calls, each validated, took seconds.
    labels = [{"x": unit % num_columns * (width + 1), "y": unit // num_columns * (height + 1),
               "text": str(first_unit + unit), "showarrow": False, "xanchor": "left", "yanchor": "top",
               "font": label_font, "bgcolor": "rgba(255,255,255,0.7)"}
              for unit in range(len(weights))]
    fig.update_layout(annotations=labels)
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", constrain="domain")
    rows = -(-len(weights) // num_columns)
    title = _("Incoming weights of units {first}–{last}", first=first_unit,
              last=first_unit + len(weights) - 1)
    return _layout(fig, title, height=120 + rows * 90)


def unit_weights_figure(weights: np.ndarray, unit: int) -> go.Figure:
    """One unit's 784 weights, large, on a colour scale centred on zero."""
    weights = np.asarray(weights, dtype=np.float64)
    limit = max(float(np.abs(weights).max()), 1e-12)
    fig = go.Figure(go.Heatmap(
        z=weights, colorscale=CHANGE_SCALE, zmin=-limit, zmax=limit, zmid=0,
        colorbar={"title": {"text": _("weight")}},
        hovertemplate=_("row %{y}, col %{x}: weight %{z:.4f}") + NO_EXTRA,
    ))
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", constrain="domain")
    return _layout(fig, _("Unit {unit}: weight on each pixel", unit=unit), height=420)


def _hover(name: str, wrong: bool, indices: np.ndarray, predicted: np.ndarray,
           names: Sequence[str]) -> dict:
    """One trace's hover: right points share one sentence and bring only their image number
    (customdata, a compact int array); each mistake names its own prediction."""
    if not wrong:
        sentence = _("test image #{index}<br>label {label}, predicted {predicted}")
        return {"customdata": indices,
                "hovertemplate": sentence.format(index="%{customdata}", label=name, predicted=name)
                + NO_EXTRA}
    sentence = _("test image #{index}<br>label {label}, predicted {predicted} ✗")
    return {"text": [sentence.format(index=i, label=name, predicted=names[p])
                     for i, p in zip(indices, predicted, strict=True)],
            "hovertemplate": "%{text}" + NO_EXTRA}


def embedding_figure(points: np.ndarray, labels: np.ndarray, predicted: np.ndarray,
                     indices: np.ndarray, class_names: Sequence[str], title: str) -> go.Figure:
    """A 2-D map, one colour per true class; misclassified images drawn as crosses.

    Each class is two traces, one legend entry: its right points (a dot, shown in the legend) and
    its wrong ones (crosses, grouped with it), so no class's legend mark is the cross that means
    "misclassified". WebGL markers: as SVG, the two maps of 2,000 points each took headless
    Chromium ~1.9 s of CPU to draw, as WebGL ~0.8 s.
    """
    # float32 positions: half the bytes sent, and far finer than a screen pixel.
    points = np.asarray(points, dtype=np.float32)
    labels, predicted, indices = np.asarray(labels), np.asarray(predicted), np.asarray(indices)
    names = class_labels(class_names)
    wrong_size = look.current().marker_size
    fig = go.Figure()
    for label, name in enumerate(names):
        for wrong in (False, True):
            members = (labels == label) & ((predicted != labels) == wrong)
            fig.add_trace(go.Scattergl(
                x=points[members, 0], y=points[members, 1], mode="markers", name=name,
                legendgroup=str(label), showlegend=not wrong,
                marker={"color": CLASS_COLORS[label % len(CLASS_COLORS)], "opacity": 0.7,
                        "size": wrong_size if wrong else round(0.6 * wrong_size),
                        "symbol": WRONG_SYMBOL if wrong else RIGHT_SYMBOL},
                **_hover(name, wrong, indices[members], predicted[members], names),
            ))
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=_("✗ misclassified"),
                             marker={"symbol": WRONG_SYMBOL, "color": "#555555", "size": wrong_size}))
    fig.update_xaxes(title_text=_("component 1"), zeroline=False)
    fig.update_yaxes(title_text=_("component 2"), zeroline=False)
    # At the figure's foot (container coordinates): plotly keeps that strip for the legend, so
    # the axis title and tick labels sit above it however many rows the entries wrap to. Its title
    # on top leaves the entries the whole width (beside them, plotly wrapped them past the edge).
    legend = {"title": {"text": _("true class"), "side": "top"}, "orientation": "h",
              "xref": "container", "x": 0, "yref": "container", "y": 0, "yanchor": "bottom"}
    return _layout(fig, title, height=560, margin={"l": 50, "r": 20, "t": 60, "b": 10}, legend=legend)


def class_accuracy_figure(history: Sequence[EpochRecord], class_names: Sequence[str]) -> go.Figure:
    """Accuracy of each class after each epoch: which digits are learned first, which stay hard."""
    epochs = [e for e in history if e.class_accuracy]
    values = np.array([[e.class_accuracy[k] if k < len(e.class_accuracy) else np.nan for e in epochs]
                       for k in range(len(class_names))], dtype=float)
    fig = go.Figure(go.Heatmap(
        z=values, x=[e.epoch for e in epochs], y=class_labels(class_names), zmax=1,
        # Start the scale near the lowest value, so differences between 90% and 99% show.
        zmin=np.floor(np.nanmin(values, initial=1.0) * 10) / 10 if values.size else 0,
        colorscale="Blues", texttemplate="%{z:.0%}", colorbar={"title": _("accuracy")},
        hovertemplate=_("class %{y}, epoch %{x}: %{z:.1%}") + NO_EXTRA,
    ))
    _layout(fig, _("Accuracy of each class after each epoch"), height=420)
    fig.update_xaxes(title_text=_("Epoch"), dtick=1)
    fig.update_yaxes(title_text=_("Class"), autorange="reversed", type="category")
    return fig
