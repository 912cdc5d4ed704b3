"""The presenter switch through AppTest: ?present=1 turns it on, it survives a page switch (which
drops the URL's parameters) and a reload, and the sidebar toggle writes the URL."""

import json

import pytest
from streamlit.testing.v1 import AppTest
from test_pages import APP, fresh_app  # noqa: F401  (fresh_app: an autouse fixture)

from mnist_dash import look
from mnist_dash.ui import app as ui_app
from mnist_dash.ui import state

pytestmark = pytest.mark.real_data


def page_font(at: AppTest) -> str:
    """The base font the page's style block sets."""
    styles = [element.proto.body for element in at.get("html") if "<style>" in element.proto.body]
    assert len(styles) == 1, styles
    return styles[0].split("html { font-size: ")[1].split(";")[0]


def chart_font(at: AppTest, key: str) -> int:
    chart = next(element for element in at.get("plotly_chart") if key in element.proto.id)
    return json.loads(chart.proto.spec)["layout"]["font"]["size"]


def test_present_in_the_url_enlarges_page_and_charts_and_survives_a_page_switch():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params[state.PRESENT_PARAM] = "1"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.toggle(key=state.PRESENTING).value is True
    assert page_font(at) == f"{look.PRESENTING.page_font_px}px"
    assert chart_font(at, "class_balance") == look.PRESENTING.font_size
    del at.query_params[state.PRESENT_PARAM]  # a page switch in the browser drops ?present=1
    at.switch_page(ui_app.PAGES["train"]).run()
    assert at.toggle(key=state.PRESENTING).value is True
    assert at.query_params[state.PRESENT_PARAM] == "1"  # written back, so a reload keeps it
    assert page_font(at) == f"{look.PRESENTING.page_font_px}px"


def test_the_switch_turns_it_off_and_on_and_the_url_follows():
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert at.toggle(key=state.PRESENTING).value is False
    assert state.PRESENT_PARAM not in at.query_params
    assert page_font(at) == f"{look.READABLE.page_font_px}px"
    assert chart_font(at, "class_balance") == look.READABLE.font_size
    at.toggle(key=state.PRESENTING).set_value(True).run()
    assert at.query_params[state.PRESENT_PARAM] == "1"
    assert chart_font(at, "class_balance") == look.PRESENTING.font_size
    at.toggle(key=state.PRESENTING).set_value(False).run()
    assert state.PRESENT_PARAM not in at.query_params
    assert page_font(at) == f"{look.READABLE.page_font_px}px"
