"""The Try it and Inside pages through AppTest, with one tiny run trained and saved as the CLI does."""

import json
import time
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from mnist_dash.classroom.room import CLASSROOM_DIR
from tests.conftest import make_arrays, save_trained_run

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory) -> tuple[Path, Path, str]:
    """A synthetic dataset file and a runs folder holding one tiny run trained on it."""
    folder = tmp_path_factory.mktemp("pages")
    data_path, runs = folder / "tiny.npz", folder / "runs"
    np.savez(data_path, **make_arrays(num_train=1000, num_test=300))
    run = save_trained_run(runs, data_path, train_size=1000, epochs=1, hidden_units=(32,))
    return data_path, runs, run.run_id


@pytest.fixture(autouse=True)
def app_env(saved_run, monkeypatch):
    data_path, runs, _ = saved_run
    monkeypatch.setenv("MNIST_DASH_DATA", str(data_path))
    monkeypatch.setenv("MNIST_DASH_RUNS", str(runs))
    st.cache_resource.clear()
    yield
    from mnist_dash import ui

    ui.job_manager().shutdown()
    st.cache_resource.clear()
    (runs / CLASSROOM_DIR / "drawings.json").unlink(missing_ok=True)  # each test starts a class afresh


def open_page(page: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(query)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def plotly_specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def test_try_it_before_drawing_asks_for_a_digit(saved_run):
    at = open_page("pages/try_it.py")
    assert at.title[0].value == "Try it: draw a digit"
    assert any("Draw a digit" in info.value for info in at.info)
    assert saved_run[2] in at.selectbox(key="selected_run").value


def fake_drawing(monkeypatch) -> None:
    from mnist_dash.ui import try_view

    drawing = np.zeros((280, 280, 4), dtype=np.uint8)
    drawing[..., 3] = 255
    drawing[40:240, 120:160, :3] = 255  # a tall bar, roughly a "1"
    monkeypatch.setattr(try_view, "canvas", lambda: drawing)  # AppTest cannot draw


def test_try_it_predicts_a_drawing_and_scores_our_class(monkeypatch):
    at = open_page("pages/try_it.py")  # first: the canvas component registers in a running app
    fake_drawing(monkeypatch)
    at.run()
    assert [s.value for s in at.subheader][:1] == ["What the network sees"]
    probabilities = plotly_specs(at)[0]["data"][0]
    assert probabilities["orientation"] == "h"
    assert any("Shown the squeezed image instead" in m.value for m in at.markdown)
    at.selectbox(key="try_label").set_value(1).run()
    at.button(key="try_add").click().run()
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Our drawings"] == "1"
    assert metrics["Accuracy on our drawings"] in ("0%", "100%")


def test_our_class_keeps_at_most_its_limit(monkeypatch):
    """Drawings live on the server: a learner adding forever must not grow them forever."""
    at = open_page("pages/try_it.py")
    from mnist_dash.ui import resources

    fake_drawing(monkeypatch)
    resources.classroom().drawings.max_per_learner = 3
    at.run()
    for _ in range(4):
        at.selectbox(key="try_label").set_value(1).run()
        at.button(key="try_add").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert {m.label: m.value for m in at.metric}["Our drawings"] == "3"
    assert any("the most one learner may" in error.value for error in at.error)


def add_a_one(at: AppTest) -> None:
    at.selectbox(key="try_label").set_value(1).run()
    at.button(key="try_add").click().run()
    assert not at.exception, [e.value for e in at.exception]


def our_drawings(at: AppTest) -> str | None:
    return {m.label: m.value for m in at.metric}.get("Our drawings")


def test_our_class_is_the_whole_class_and_each_removes_only_their_own(monkeypatch):
    ada, bob = open_page("pages/try_it.py"), open_page("pages/try_it.py")
    fake_drawing(monkeypatch)
    add_a_one(ada.run())
    bob.run()
    assert our_drawings(bob) == "1"
    counts = bob.dataframe[0].value
    assert counts.index.tolist() == ["Drawings of each class"]
    assert counts.iloc[0].tolist() == [0, 1, 0, 0, 0, 0, 0, 0, 0, 0]
    assert not [box for box in bob.selectbox if box.key == "try_remove_choice"]  # not Bob's to remove
    add_a_one(bob)
    assert our_drawings(bob) == "2"
    assert bob.selectbox(key="try_remove_choice").options == ["Drawing 2: 1"]
    ada.run()
    assert ada.selectbox(key="try_remove_choice").options == ["Drawing 1: 1"]
    ada.button(key="try_remove").click().run()
    assert our_drawings(ada) == "1"
    assert our_drawings(bob.run()) == "1"


def test_the_instructor_sees_the_drawings_and_clears_them(monkeypatch):
    monkeypatch.setenv("MNIST_DASH_INSTRUCTOR_TOKEN", "drawings-token-for-tests")
    learner = open_page("pages/try_it.py")
    fake_drawing(monkeypatch)
    add_a_one(learner.run())
    instructor = open_page("pages/instructor.py", token="drawings-token-for-tests")
    instructor.button_group(key="instructor_section").set_value("controls").run()
    assert any(c.value == "1 drawing of MNIST classes, added on Try it." for c in instructor.caption)
    options = instructor.selectbox(key="class_drawing_choice")
    assert options.format_func(options.value).startswith("Drawing 1: 1, by ")
    instructor.button(key="class_drawings_clear").click().run()
    assert not instructor.exception, [e.value for e in instructor.exception]
    assert our_drawings(learner.run()) is None
    assert any("No drawings in our set yet" in caption.value for caption in learner.caption)


def show_section(at: AppTest, section: str) -> AppTest:
    at.button_group(key="inside_section").set_value(section).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_inside_shows_weights_unit_maps_and_downloads():
    at = open_page("pages/inside.py")
    assert at.title[0].value == "Inside the network"
    assert at.button_group(key="inside_section").value == "units"  # the cheap section first
    specs = plotly_specs(at)
    assert len(specs) == 2  # weight grid, one unit large
    assert specs[0]["data"][0]["type"] == "image"  # the tiles as one PNG
    assert len(specs[0]["layout"]["annotations"]) == 32  # --hidden 32: every unit in the grid
    assert len(at.get("image")[0].proto.imgs) == 12
    at.number_input(key="inside_unit").set_value(31).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Unit 31" in plotly_specs(at)[1]["layout"]["title"]["text"]
    specs = plotly_specs(show_section(at, "maps"))
    assert [spec["layout"]["title"]["text"] for spec in specs] == ["What the last hidden layer sees",
                                                                   "The raw pixels"]
    assert [trace["name"] for trace in specs[0]["data"]][-1] == "✗ misclassified"
    specs = plotly_specs(show_section(at, "classes"))
    assert [spec["layout"]["title"]["text"] for spec in specs] == ["Accuracy of each class after each epoch"]
    labels = [button.proto.label for button in at.get("download_button")]
    assert labels == ["Model (.keras)", "History (CSV)", "Training script (.py)", "Report (.html)"]


def test_inside_builds_its_figures_once_per_run(monkeypatch):
    """The maps wait for their section; a second visit, or a second learner, reuses the built
    figures and the computed insides."""
    from mnist_dash import inside, inside_figures

    built = {"maps": 0, "insides": 0}

    def counting(name, function):
        def counted(*args, **kwargs):
            built[name] += 1
            return function(*args, **kwargs)
        return counted

    monkeypatch.setattr(inside_figures, "embedding_figure",
                        counting("maps", inside_figures.embedding_figure))
    monkeypatch.setattr(inside, "summarize_run", counting("insides", inside.summarize_run))
    at = open_page("pages/inside.py")
    assert built == {"maps": 0, "insides": 1}  # the unit detail needs the insides, not the maps
    show_section(at, "maps")
    assert built == {"maps": 2, "insides": 1}
    at.run()
    show_section(open_page("pages/inside.py"), "maps")  # another learner
    assert built == {"maps": 2, "insides": 1}
    show_section(open_page("pages/inside.py", present="1"), "maps")  # the presenter's larger text
    assert built == {"maps": 4, "insides": 1}


def test_run_figure_is_the_same_object_for_a_run_and_another_for_another_run(tiny_dataset):
    from mnist_dash import i18n
    from mnist_dash.ui import inside_view

    drawn = []

    def draw():
        drawn.append(go.Figure())
        return drawn[-1]

    first = inside_view.run_figure("map", "run-a", tiny_dataset, draw)
    assert inside_view.run_figure("map", "run-a", tiny_dataset, draw) is first
    assert inside_view.run_figure("map", "run-b", tiny_dataset, draw) is not first
    assert inside_view.run_figure("grid 0", "run-a", tiny_dataset, draw) is not first
    with i18n.language("zh-CN"):
        assert inside_view.run_figure("map", "run-a", tiny_dataset, draw) is not first
    assert len(drawn) == 4 and drawn[0] is first


def test_both_pages_use_this_sessions_model_in_memory(monkeypatch):
    at = open_page("pages/train.py")
    at.select_slider(key="form_train_size").set_value(1000).run()
    at.slider(key="form_epochs").set_value(1).run()
    at.select_slider(key="form_units_0").set_value(32).run()
    next(b for b in at.button if b.label == "Train").click().run()
    deadline = time.monotonic() + 90
    while not any("**Finished**" in m.value for m in at.markdown):
        assert time.monotonic() < deadline, "the training job never finished"
        time.sleep(0.3)
        at.run()
    fake_drawing(monkeypatch)
    at.switch_page("pages/try_it.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "yours" in at.selectbox(key="selected_run").format_func(at.selectbox(key="selected_run").value)
    assert len(at.get("plotly_chart")) == 1
    at.switch_page("pages/inside.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("plotly_chart")) == 2  # the weight grid and one unit
    assert len(plotly_specs(show_section(at, "maps"))) == 2
