"""The live charts' tick rule, run in Chromium itself: line_chart.js is a module the browser loads."""

from itertools import pairwise
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

CHART_JS = Path(__file__).resolve().parents[2] / "mnist_dash" / "ui" / "line_chart.js"
TICKS_JS = """async ([source, cases]) => {
    const module = await import("data:text/javascript;base64," + btoa(unescape(encodeURIComponent(source))));
    return cases.map(([low, high, count]) => module.ticks(low, high, count));
}"""


def test_an_axis_gets_at_least_two_round_ticks_inside_its_range(browser) -> None:
    # A short live chart asks for 2 ticks; a loss from 1.6 to 2.3 once got only "2".
    cases = [(1.6, 2.3, 2), (0.02, 0.97, 2), (0.0, 1.0, 5), (1.6, 2.3, 1), (0.31, 0.33, 2), (0, 6250, 4)]
    page = browser.new_page()
    try:
        results = page.evaluate(TICKS_JS, [CHART_JS.read_text(encoding="utf-8"), cases])
    finally:
        page.close()
    for (low, high, count), values in zip(cases, results, strict=True):
        assert len(values) >= 2, f"{low}..{high} asked for {count}: {values}"
        assert all(low - 1e-9 <= v <= high + 1e-9 for v in values), (low, high, values)
        steps = {round(b - a, 9) for a, b in pairwise(values)}
        assert len(steps) == 1, f"uneven ticks {values}"
    assert results[2] == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])  # as many as asked, where they fit
    assert results[0] == [1.75, 2.0, 2.25]
