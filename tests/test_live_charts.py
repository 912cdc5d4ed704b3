"""Live charts: while a job trains the Train page draws its curves on a canvas (line_chart), from the
same figures as plotly draws once the job has ended; the canvas spec keeps what the figure shows."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from mnist_dash import canvas_chart, figures
from mnist_dash.config import TrainConfig
from mnist_dash.progress import ProgressSnapshot
from mnist_dash.vocabulary import EpochRecord
from tests.conftest import app_resources, make_arrays

APP = str(Path(__file__).resolve().parent.parent / "app.py")
OWNER = "fedcba9876543210" * 2


def test_the_canvas_spec_keeps_what_the_history_figure_shows() -> None:
    fig = figures.history_figure([1, 2, 3, 4], [2.0, float("nan"), 1.234567891, 0.5], [2, 4], [1.5, 0.6],
                                 [1.7], "accuracy", total_steps=10)
    fig.add_vline(x=2, annotation_text="kept: epoch 1")
    spec = canvas_chart.from_figure(fig)
    assert (spec["title"], spec["xTitle"], spec["yTitle"]) == ("Accuracy", "Optimizer step", "Accuracy")
    assert spec["xRange"] == [0, 10] and spec["yRange"] == [0, 1] and spec["legend"] == "below"
    batch, train, validation = spec["traces"]
    assert batch["y"] == [2.0, None, 1.2346, 0.5]  # a gap where the loss was not a number; 5 digits
    assert batch["lines"] and not batch["markers"] and batch["opacity"] < 1
    assert train["x"] == [2, 4] and train["markers"] and train["color"] == figures.TRAIN_COLOR
    assert validation["x"] == [2] and validation["dash"] == "dash"  # its second epoch not yet done
    assert spec["marks"] == [{"x": 2, "color": spec["marks"][0]["color"], "text": "kept: epoch 1"}]
    json.dumps(spec, allow_nan=False)  # what reaches the browser is plain JSON


def test_the_live_specs_mark_the_kept_epoch_as_the_plotly_figures_do() -> None:
    records = tuple(EpochRecord(epoch=k, step=10 * k, seconds=1.0, loss=1.0 / k, accuracy=0.5,
                                val_loss=(0.9, 0.5, 0.7)[k - 1], val_accuracy=0.6) for k in (1, 2, 3))
    progress = ProgressSnapshot(epoch=3, num_epochs=3, batch=10, steps_per_epoch=10, step=30,
                                elapsed_seconds=3.0, eta_seconds=None, samples_per_second=None,
                                epochs=records)
    specs = figures.history_specs(progress, total_steps=30, kept_epoch=2)
    plotted = figures.history_figures(progress, total_steps=30, kept_epoch=2)
    for metric, spec in specs.items():
        assert canvas_chart.from_figure(spec)["marks"] == [
            {"x": 20, "color": figures.NEUTRAL_COLOR, "text": "kept: epoch 2"}]
        assert canvas_chart.from_figure(plotted[metric]) == canvas_chart.from_figure(spec)


def test_the_class_chart_names_each_learner_beside_it() -> None:
    spec = canvas_chart.from_figure(figures.class_loss_figure({"Ada": ([1, 2], [2.0, 1.0]),
                                                               "Bo": ([1], [2.2])}))
    assert spec["legend"] == "right" and spec["yFromZero"]
    assert [t["name"] for t in spec["traces"]] == ["Ada", "Bo"]
    assert len({t["color"] for t in spec["traces"]}) == 2


@pytest.fixture
def tiny_app(tmp_path, monkeypatch):
    np.savez(tmp_path / "tiny.npz", **make_arrays(num_train=1000, num_test=200))
    monkeypatch.setenv("MNIST_DASH_DATA", str(tmp_path / "tiny.npz"))
    with app_resources(monkeypatch, tmp_path / "runs"):
        yield


def _charts(at: AppTest) -> tuple[list[str], list[str]]:
    """The ids of the live canvases and of the plotly charts on the page."""
    canvases = [element.proto.id for element in at.get("bidi_component")]
    plotly = [element.proto.id for element in at.get("plotly_chart")]
    return canvases, plotly


def test_train_draws_canvas_curves_while_the_job_runs_and_plotly_once_it_ended(tiny_app) -> None:
    from mnist_dash import ui

    job = ui.job_manager().submit(TrainConfig(hidden_units=(16,), epochs=100, train_size=1000,
                                              batch_size=8), owner=OWNER)
    deadline = time.monotonic() + 60
    while ui.job_manager().snapshot(job.job_id).progress.step < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["learner"] = OWNER
    at.run()
    at.switch_page("pages/train.py").run()
    assert not at.exception, [e.value for e in at.exception]
    canvases, plotly = _charts(at)
    assert len(canvases) == 2 and all("_canvas" in key for key in canvases), canvases
    assert not any("live_loss" in key or "live_accuracy" in key for key in plotly)
    assert "Its progress is on this page." in [c.value for c in at.sidebar.caption]

    ui.job_manager().stop(job.job_id, OWNER)
    assert ui.job_manager().wait(job.job_id, 60).state == "stopped"
    at.run()
    canvases, plotly = _charts(at)
    assert not canvases
    assert any("live_loss" in key for key in plotly) and any("live_accuracy" in key for key in plotly)
