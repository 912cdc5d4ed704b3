"""Live line charts on a canvas (line_chart.js): what a page redraws every second or two.

A plotly chart is re-sent and redrawn whole on every change, which costs the browser 0.1-0.25 s
of CPU per chart; this draws the same figure in about a millisecond. Charts that stay still
(a finished run's history) keep plotly's hover and zoom.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from mnist_dash import canvas_chart

_renderer = st.components.v2.component(
    "mnist_dash_line_chart", js=(Path(__file__).with_name("line_chart.js")).read_text(encoding="utf-8"),
    isolate_styles=False)  # in the page's DOM, as the other charts: browser tests read the canvas


def line_chart(figure: Any, key: str) -> None:
    """Draw a figure made of scatter lines (a plain spec from mnist_dash.figures, or a go.Figure) on
    a canvas, as wide as its column."""
    draw_spec(canvas_chart.from_figure(figure), key)


def draw_spec(spec: dict[str, Any], key: str) -> None:
    """Draw a canvas spec (canvas_chart.from_figure) made earlier, e.g. once for many sessions."""
    _renderer(data=spec, key=key, height=spec["height"])
