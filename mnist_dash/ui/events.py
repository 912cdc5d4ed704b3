"""Streamlit's chart events read as the app's terms: a click on the confusion matrix as a cell."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _field(container: Any, name: str) -> Any:
    """Read a key of a dict or an attribute of an object (Streamlit returns either)."""
    if isinstance(container, Mapping):
        return container.get(name)
    return getattr(container, name, None)


def _point_cell(point: Any) -> tuple[int, int] | None:
    customdata = _field(point, "customdata")
    if isinstance(customdata, Mapping):
        # A numpy customdata row reaches Python as {"0": true, "1": predicted, ...}.
        customdata = [customdata.get(str(index)) for index in range(2)]
    if not customdata or None in customdata[:2]:
        customdata = [_field(point, "y"), _field(point, "x")]
    try:
        return int(customdata[0]), int(customdata[1])
    except (TypeError, ValueError, IndexError):
        return None


def selected_cell(selection: Any) -> tuple[int, int] | None:
    """(true, predicted) of the first clicked cell in a Streamlit plotly selection, else None."""
    points = _field(_field(selection, "selection"), "points") if selection else None
    for point in points or []:
        cell = _point_cell(point)
        if cell is not None:
            return cell
    return None
