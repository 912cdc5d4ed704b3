"""Try it's "moved to a corner" comparison: the drawing shifted, read by two saved runs."""

from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from mnist_dash import preprocess
from tests.conftest import make_arrays, save_trained_run

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> tuple[Path, Path, str, str]:
    """An augmented run first, then a plain one (the newest, so the page opens on it)."""
    folder = tmp_path_factory.mktemp("moved")
    data_path, runs = folder / "tiny.npz", folder / "runs"
    np.savez(data_path, **make_arrays(num_train=1000, num_test=300))
    small = {"train_size": 1000, "epochs": 1, "hidden_units": (32,)}
    augmented = save_trained_run(runs, data_path, created="2026-01-01T09:00:00+00:00", augment="shift",
                                 **small)
    plain = save_trained_run(runs, data_path, **small)
    return data_path, runs, plain.run_id, augmented.run_id


@pytest.fixture(autouse=True)
def app_env(two_runs, monkeypatch):
    data_path, runs, *_ = two_runs
    monkeypatch.setenv("MNIST_DASH_DATA", str(data_path))
    monkeypatch.setenv("MNIST_DASH_RUNS", str(runs))
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def test_shift_to_corner_moves_all_the_ink_to_the_bottom_right():
    image = np.zeros((28, 28), dtype=np.uint8)
    image[6:22, 12:16] = 255
    moved = preprocess.shift_to_corner(image)
    assert preprocess.ink_box(moved) == (12, 24, 28, 28)
    assert moved.sum() == image.sum()  # nothing cut off
    blank = np.zeros((28, 28), dtype=np.uint8)
    assert not preprocess.shift_to_corner(blank).any()


def test_the_moved_drawing_is_read_by_this_run_and_the_augmented_one(two_runs, monkeypatch):
    _, _, plain, augmented = two_runs
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/try_it.py").run()
    from mnist_dash.ui import try_view

    drawing = np.zeros((280, 280, 4), dtype=np.uint8)
    drawing[..., 3] = 255
    drawing[40:240, 120:160, :3] = 255
    monkeypatch.setattr(try_view, "canvas", lambda: drawing)  # AppTest cannot draw
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Moved to a corner: does augmentation help?" in [s.value for s in at.subheader]
    assert plain in at.selectbox(key="selected_run").value
    assert at.selectbox(key="try_compare_run").value == augmented  # the augmented one, by itself
    readers = [m.label for m in at.metric if m.label.startswith("Run ")]
    assert len(readers) == 2
    assert "without augmentation" in readers[0] and "Shift (±2 px)" in readers[1]
