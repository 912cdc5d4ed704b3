"""A line chart's spec for the browser's canvas renderer (mnist_dash/ui/line_chart.js).

Live charts change every second, and plotly redraws a whole chart on each change: 0.1-0.25 s of
the browser's CPU per chart in headless Chromium, on the same cores that train (benchmarks:
live_view_browser, instructor_page). The canvas renderer draws the same lines in about a
millisecond. The figures stay the one source of what a chart shows (mnist_dash.figures builds
them as plain plotly specs): `from_figure` keeps what the canvas draws (titles, sizes, ranges,
lines, markers, dashes, vertical marks) and drops plotly's template.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

SIGNIFICANT_DIGITS = 5  # y values are sent rounded: the canvas is a few hundred pixels tall


def from_figure(figure: Any) -> dict[str, Any]:
    """The canvas spec of a plotly figure (a go.Figure or its dict) made of scatter traces."""
    spec = figure if isinstance(figure, dict) else figure.to_dict()
    layout = spec.get("layout", {})
    font_size = layout.get("font", {}).get("size", 15)
    legend = layout.get("legend", {})
    x_axis, y_axis = layout.get("xaxis", {}), layout.get("yaxis", {})
    return {
        "title": _text(layout.get("title")),
        "titleSize": layout.get("title", {}).get("font", {}).get("size", font_size + 3),
        "fontSize": font_size,
        "height": layout.get("height", 380),
        "xTitle": _text(x_axis.get("title")),
        "yTitle": _text(y_axis.get("title")),
        "xRange": x_axis.get("range"),
        "yRange": y_axis.get("range"),
        "yFromZero": y_axis.get("rangemode") == "tozero",
        "legend": None if layout.get("showlegend") is False else
        ("right" if legend.get("orientation") == "v" else "below"),
        "traces": [_trace(trace) for trace in spec.get("data", [])
                   if trace.get("type", "scatter") == "scatter"],
        "marks": [_mark(shape, layout.get("annotations", [])) for shape in layout.get("shapes", [])
                  if shape.get("type") == "line" and shape.get("x0") == shape.get("x1")],
    }


def _text(title: Any) -> str:
    if isinstance(title, dict):
        return title.get("text") or ""
    return title or ""


def _trace(trace: dict[str, Any]) -> dict[str, Any]:
    mode = trace.get("mode", "lines")
    line, marker = trace.get("line", {}), trace.get("marker", {})
    return {
        "name": trace.get("name", ""),
        "x": _numbers(trace.get("x", ())),
        "y": _numbers(trace.get("y", ())),
        "color": line.get("color") or marker.get("color") or "#0072B2",
        "width": line.get("width", 2),
        "dash": line.get("dash", "solid"),
        "opacity": trace.get("opacity", 1),
        "lines": "lines" in mode,
        "markers": "markers" in mode,
        "markerSize": marker.get("size", 8),
    }


def _numbers(values: Sequence[float]) -> list[float | None]:
    """Plain JSON numbers, rounded to what a chart shows; a missing or non-finite value is a gap."""
    return [float(f"{value:.{SIGNIFICANT_DIGITS}g}") if value is not None and math.isfinite(value) else None
            for value in values]


def _mark(shape: dict[str, Any], annotations: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A vertical line across the chart (e.g. the epoch early stopping keeps) and its label."""
    label = next((a.get("text", "") for a in annotations if a.get("x") == shape.get("x0")), "")
    return {"x": shape.get("x0"), "color": shape.get("line", {}).get("color", "#BBBBBB"), "text": label}
