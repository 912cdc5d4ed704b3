"""Evaluate page render time on the server (AppTest), with a check that no inference runs."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from benchmarks.common import Context, Outcome, Row, median, within
from tests.e2e.server import REPO_ROOT

RENDER_TARGET_SECONDS = 0.5
INFERENCE_METHODS = ("predict", "predict_on_batch", "evaluate", "__call__")


def make_run(runs_dir: Path, data_path: str, train_size: int) -> None:
    """One saved run, made by the CLI exactly as a person would make it."""
    command = [sys.executable, "-m", "mnist_dash", "train", "--train-size", str(train_size),
               "--epochs", "1", "--runs-dir", str(runs_dir), "--data", data_path]
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")


@contextlib.contextmanager
def counting_inference() -> Iterator[dict[str, int]]:
    """Count calls to keras.Model's inference methods in this process while the block runs."""
    import keras

    counts = dict.fromkeys(INFERENCE_METHODS, 0)
    originals = {name: getattr(keras.Model, name) for name in INFERENCE_METHODS}

    def counted(name: str):
        def wrapper(self, *args, **kwargs):
            counts[name] += 1
            return originals[name](self, *args, **kwargs)
        return wrapper

    try:
        for name in INFERENCE_METHODS:
            setattr(keras.Model, name, counted(name))
        yield counts
    finally:
        for name, original in originals.items():
            setattr(keras.Model, name, original)


@contextlib.contextmanager
def app_with_runs(runs_dir: Path) -> Iterator[object]:
    """A fresh AppTest of app.py whose run store is runs_dir; cached resources cleared around it."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    previous = os.environ.get("MNIST_DASH_RUNS")
    os.environ["MNIST_DASH_RUNS"] = str(runs_dir)
    st.cache_resource.clear()
    try:
        yield AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=120)
    finally:
        from mnist_dash import ui

        ui.job_manager().shutdown()
        st.cache_resource.clear()
        if previous is None:
            os.environ.pop("MNIST_DASH_RUNS", None)
        else:
            os.environ["MNIST_DASH_RUNS"] = previous


def timed_run(action) -> float:
    start = time.perf_counter()
    at = action()
    seconds = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"the Evaluate page raised: {[e.value for e in at.exception]}")
    return seconds


def measure(at, count: int) -> dict:
    """Warm once, then time page renders and cell-choice reruns, counting inference calls."""
    at.run()
    warm = timed_run(lambda: at.switch_page("pages/evaluate.py").run())
    if not any("Evaluate" in title.value for title in at.title) or not at.selectbox(key="cell_true"):
        raise RuntimeError("the Evaluate page did not show the saved run's confusion matrix")
    with counting_inference() as calls:
        renders = [timed_run(lambda: at.switch_page("pages/evaluate.py").run()) for _ in range(count)]
        cells = [timed_run(lambda value=value: at.selectbox(key="cell_true").set_value(value).run())
                 for value in [(3 + 2 * i) % 10 for i in range(count)]]
    return {"warm_seconds": warm, "render_seconds": renders, "cell_seconds": cells, "inference_calls": calls}


def evaluate_render(ctx: Context) -> Outcome:
    count = 3 if ctx.quick else max(5, 2 * ctx.repeats)
    train_size = 1000 if ctx.quick else 5000
    with tempfile.TemporaryDirectory(prefix="mnist-dash-bench-eval-") as runs:
        make_run(Path(runs), ctx.data_path, train_size)
        with app_with_runs(Path(runs)) as at:
            result = measure(at, count)
    render, cell = median(result["render_seconds"]), median(result["cell_seconds"])
    calls = sum(result["inference_calls"].values())
    return Outcome(rows=[
        Row("Evaluate page render (warm)", render, "s", f"< {RENDER_TARGET_SECONDS:g} s",
            within(render, high=RENDER_TARGET_SECONDS),
            detail=f"median of {count}; first (warming) render {result['warm_seconds']:.2f} s"),
        Row("rerun after choosing a confusion cell", cell, "s", f"< {RENDER_TARGET_SECONDS:g} s",
            within(cell, high=RENDER_TARGET_SECONDS), detail=f"median of {count}"),
        Row("keras inference calls during those reruns", calls, "", "0", calls == 0,
            detail=", ".join(f"{k} {v}" for k, v in result["inference_calls"].items())),
    ], data={**result, "train_size": train_size})
