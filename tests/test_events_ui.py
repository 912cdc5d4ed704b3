"""Tests for mnist_dash.ui.events: Streamlit's plotly selection read as a confusion-matrix cell."""

from types import SimpleNamespace

import pytest

from mnist_dash.ui import events


def test_selected_cell_from_streamlit_selection() -> None:
    point = {"x": 7, "y": 3, "customdata": [3, 7, 37], "point_index": 37, "curve_number": 1}
    assert events.selected_cell({"selection": {"points": [point], "box": []}}) == (3, 7)
    attribute_style = SimpleNamespace(selection=SimpleNamespace(points=[point]))
    assert events.selected_cell(attribute_style) == (3, 7)
    # Seen from Streamlit 1.67 when customdata was a numpy array.
    typed_array_row = {"x": 7, "y": 3, "customdata": {"0": 3, "1": 7, "2": 37}}
    assert events.selected_cell({"selection": {"points": [typed_array_row]}}) == (3, 7)
    without_customdata = {"selection": {"points": [{"x": 2, "y": 5}]}}
    assert events.selected_cell(without_customdata) == (5, 2)


@pytest.mark.parametrize(
    "selection",
    [None, {}, {"selection": {}}, {"selection": {"points": []}}, {"selection": {"points": [{}]}}],
)
def test_selected_cell_empty(selection) -> None:
    assert events.selected_cell(selection) is None
