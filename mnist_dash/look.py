"""How large the app draws text and lines: readable by default, larger for a room (presenter mode).

Figures (mnist_dash.figures, mnist_dash.inside_figures) read `current()` when they are built; the
UI registers a lookup (`set_presenting_lookup`) that reads the browser session's presenter switch,
so a figure drawn in a fragment rerun gets the session's look too. `presenting(True)` sets it for
a block of code (tests, benchmarks). Nothing here imports plotly or Streamlit.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Look:
    """Sizes in CSS pixels for a chart and the page around it."""

    font_size: int  # chart text: axis titles, tick labels, legends, hover boxes
    title_size: int  # chart titles
    small_text: int  # text inside cells and on tiles (unit numbers, bar labels)
    line_width: float  # a chart's main lines (per-epoch curves, compared runs)
    batch_line_width: float  # the per-batch line under the per-epoch curves
    batch_opacity: float  # ...drawn lighter, so the epoch curves stand out
    marker_size: int  # per-epoch markers, scatter points
    page_font_px: int  # the page's base font (Streamlit sizes text in rem of this)


READABLE = Look(font_size=15, title_size=18, small_text=13, line_width=2.5, batch_line_width=1.5,
                batch_opacity=0.75, marker_size=9, page_font_px=16)
PRESENTING = Look(font_size=20, title_size=24, small_text=17, line_width=4.0, batch_line_width=2.5,
                  batch_opacity=0.85, marker_size=13, page_font_px=20)

_chosen: contextvars.ContextVar[bool | None] = contextvars.ContextVar("mnist_dash_presenting",
                                                                     default=None)
_lookup: Callable[[], bool] = lambda: False  # noqa: E731  (replaced by the UI)


def set_presenting_lookup(lookup: Callable[[], bool]) -> None:
    """Tell the figures where the current session's presenter switch is (the UI calls this once)."""
    global _lookup
    _lookup = lookup


def is_presenting() -> bool:
    """A `presenting()` block's choice, else the session's switch, else off."""
    chosen = _chosen.get()
    return _lookup() if chosen is None else chosen


def current() -> Look:
    return PRESENTING if is_presenting() else READABLE


@contextlib.contextmanager
def presenting(on: bool = True) -> Iterator[None]:
    """Draw with the presenter's look (or, with on=False, the everyday one) inside the block."""
    token = _chosen.set(on)
    try:
        yield
    finally:
        _chosen.reset(token)


# Key prefix of a block in a horizontal row (st.container(horizontal=True)) that goes below its
# neighbours rather than be squeezed narrower than READABLE_WIDTH (large text, browser zoom).
# In a narrow window (NARROW_WINDOW: 150% zoom on a laptop) an st.columns column whose first
# block has the prefix does so too; a wide one keeps the columns' ratio (presenter mode at 1280).
WRAPS_BELOW = "wraps_below_"
READABLE_WIDTH = "16rem"  # 256 px everyday, 320 px in presenter mode
NARROW_WINDOW = "1000px"
# A window fewer page fonts (rem) tall than this is short: 1280x720 in presenter mode, or at 125%
# browser zoom or more. There the live Train panel takes the screen (the page's title goes above
# it), and the canvas charts in a block keyed with FITS_SHORT_WINDOW are half the window tall.
SHORT_WINDOW_REM = 40
FITS_SHORT_WINDOW = "fits_short_window_"
# In a narrow window an st.columns column whose first block has this prefix takes the whole row,
# so the columns stack (Evaluate's matrix above its gallery: side by side, both were too small).
STACKS_WHEN_NARROW = "stacks_when_narrow_"
# Key prefix of a block whose table's middle columns (all but the first and the last: a name and
# a long text) hold short values that keep to one line; the first and last wrap to make room
# (a squeezed State column wrapped "已完成" onto three lines at 150% zoom).
ONE_LINE_MIDDLE = "one_line_middle_"
# A confusion matrix's key starts with this (ui.state.confusion_chart_key). In presenter mode a
# cell number too wide for the matrix's cells at 150% zoom is drawn smaller (figures: "1,054" at
# 17 px touched its 41 px cell's edges); in a window this wide the cells have room for it, and it
# goes back to the matrix's text size.
CONFUSION_KEY = "confusion_"
ROOMY_MATRIX_WINDOW = "1200px"
_ROW_BLOCK = f"[data-testid='stLayoutWrapper']:has(> [class*='st-key-{WRAPS_BELOW}'])"


def _column(prefix: str) -> str:
    """The st.columns column whose first block's key starts with `prefix`."""
    return ("[data-testid='stColumn']:has(> [data-testid='stVerticalBlock'] > "
            f"[data-testid='stLayoutWrapper']:first-child > [class*='st-key-{prefix}'])")


def page_css(look: Look) -> str:
    """The page's style: captions and help text dark enough to read on a projector, the base
    font of `look` (Streamlit's text, widgets and sidebar scale with it), and rows that wrap."""
    return (
        "<style>"
        f"html {{ font-size: {look.page_font_px}px; }}"
        # The row's flex item is the block's wrapper (Streamlit 1.67), so the width goes there.
        f"{_ROW_BLOCK} {{ min-width: min({READABLE_WIDTH}, 100%) !important; }}"
        f"@media (max-width: {NARROW_WINDOW}) {{"
        f" {_column(WRAPS_BELOW)} {{ min-width: min({READABLE_WIDTH}, 100%) !important; }}"
        f" {_column(STACKS_WHEN_NARROW)} {{ min-width: 100% !important; }}"
        # Segmented controls (Evaluate's sections) keep one row: their buttons' padding halved.
        " [data-testid='stButtonGroup'] button { padding-left: 0.5rem; padding-right: 0.5rem; } }"
        # The element, not the canvas: its height is reserved before the chart is drawn, so the page
        # does not grow under a scroll (line_chart.js draws the canvas as tall as the element).
        f"@media (max-height: {SHORT_WINDOW_REM * look.page_font_px}px) {{"
        f" [class*='st-key-{FITS_SHORT_WINDOW}'] [data-testid='stElementContainer']:has(.stBidiComponent)"
        " { height: 50vh !important; flex-basis: 50vh !important; } }"
        # A ONE_LINE_MIDDLE table: its short middle cells on one line, paragraphs included (Streamlit
        # sets a table cell's paragraphs to wrap)
        f"[class*='st-key-{ONE_LINE_MIDDLE}'] td:not(:first-child):not(:last-child),"
        f" [class*='st-key-{ONE_LINE_MIDDLE}'] td:not(:first-child):not(:last-child) p"
        " { white-space: nowrap !important; }"
        f"@media (min-width: {ROOMY_MATRIX_WINDOW}) {{ [class*='st-key-{CONFUSION_KEY}'] .heatmaplayer"
        " tspan[style*='font-size'] { font-size: inherit !important; } }"
        "[data-testid='stCaptionContainer'], [data-testid='stCaptionContainer'] *,"
        " [data-testid='stWidgetLabel'] p, [data-testid='stMetricLabel'] p"
        " { color: rgba(30, 32, 40, 0.86) !important; }"  # over Streamlit's faded caption colour
        "</style>"
    )
