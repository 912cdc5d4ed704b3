"""Every page through Streamlit's AppTest, on the real MNIST file and the real engine."""

import base64
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from mnist_dash import data, look, metrics
from mnist_dash.runs import RunStore
from mnist_dash.ui import state
from mnist_dash.ui.evaluate_view import GALLERY_STEP
from tests.conftest import app_resources

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
pytestmark = pytest.mark.real_data


@pytest.fixture(autouse=True)
def fresh_app(tmp_path, monkeypatch, real_mnist):
    with app_resources(monkeypatch, tmp_path / "runs"):
        yield


def start(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def plotly_array(value) -> np.ndarray:
    """Plotly sends numpy arrays as base64 with a dtype and shape; lists stay lists."""
    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = [int(n) for n in str(value.get("shape", len(array))).split(",")]
        return array.reshape(shape)
    return np.asarray(value)


def markdown_text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def wait_for(at: AppTest, text: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while text not in markdown_text(at):
        assert time.monotonic() < deadline, f"{text!r} never appeared:\n{markdown_text(at)}"
        time.sleep(0.5)
        at.run()
        assert not at.exception, [e.value for e in at.exception]


def small_settings(at: AppTest, epochs: int = 2, images: int = 1000) -> None:
    at.select_slider(key="form_train_size").set_value(images).run()
    at.slider(key="form_epochs").set_value(epochs).run()
    at.select_slider(key="form_units_0").set_value(32).run()


def small_job(at: AppTest, epochs: int = 2, images: int = 1000) -> None:
    small_settings(at, epochs, images)
    train = next(b for b in at.button if b.label == "Train")
    train.click().run()


def test_explore_shows_facts_samples_and_filters(real_mnist):
    at = start()
    assert at.title[0].value == "Explore MNIST"
    assert at.info[0].value.startswith("**Start here:**")  # one line for a newcomer, first
    assert [m.value for m in at.metric][:2] == ["60,000", "10,000"]
    images = at.get("image")[0]
    captions = [img.caption for img in images.proto.imgs]
    assert len(captions) == 60
    at.multiselect(key="explore_classes").set_value([3]).run()
    captions = [img.caption for img in at.get("image")[0].proto.imgs]
    assert captions and all(c.startswith("3 · #") for c in captions)
    indices = [int(c.split("#")[1]) for c in captions]
    assert all(real_mnist.y_train[i] == 3 for i in indices)


def test_train_summary_then_live_job_to_completion():
    at = start("pages/train.py")
    assert "**407,050** parameters" in markdown_text(at)  # the Keras book network
    small_settings(at)
    assert "**25,450** parameters" in markdown_text(at)
    next(b for b in at.button if b.label == "Train").click().run()  # the form folds while it trains
    # The click's own run shows the job waiting or just begun; a warm CI machine can finish these
    # 16 batches before the first poll, so that first view counts as one of the steps seen.
    seen_steps = {p.proto.value for p in at.get("progress")}
    deadline = time.monotonic() + 90
    while "**Finished**" not in markdown_text(at):
        assert time.monotonic() < deadline
        time.sleep(0.1)
        at.run()
        seen_steps.update(p.proto.value for p in at.get("progress"))
    assert len(seen_steps) >= 2 and 100 in seen_steps  # the live panel advanced while polled
    assert {m.label for m in at.metric} >= {"Test accuracy", "Test loss"}
    accuracy = float(next(m.value for m in at.metric if m.label == "Test accuracy").rstrip("%"))
    assert accuracy > 50
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    loss = next(c for c in charts if c["layout"]["yaxis"]["title"]["text"] == "Loss")
    assert len(plotly_array(loss["data"][0]["x"])) == 16  # 2 epochs x 8 batches of 128 from 1000 images
    # The diagnosis offers a next experiment; its button pre-fills the form.
    findings = [w.value for w in at.warning] + [s.value for s in at.success]
    assert any(word in " ".join(findings)
               for word in ("Still improving", "Healthy", "Barely", "Learning slowly"))
    tries = [b for b in at.button if b.label == "Try this next"]
    assert tries or "Healthy" in " ".join(findings)
    if tries:
        # The form is folded after the job: the values it held are still in the session.
        epochs_before, rate_before = at.session_state["form_epochs"], at.session_state["form_lr"]
        tries[0].click().run()
        at.run()
        assert at.selectbox(key="form_preset").value == "custom"
        assert (at.slider(key="form_epochs").value, at.select_slider(key="form_lr").value) != (
            epochs_before, rate_before)
        assert any(note.value.startswith("Changed by the advice: ") for note in at.info)


def test_stop_halts_and_keeps_the_partial_result():
    at = start("pages/train.py")
    small_job(at, epochs=30, images=60_000)
    wait_for(at, "**Training**")
    assert next(b for b in at.button if b.label == "Train").disabled  # one job per session
    next(b for b in at.button if b.label == "Stop").click().run()
    wait_for(at, "**Stopped**", seconds=30)
    assert any(m.label == "Test accuracy" for m in at.metric)


def test_evaluate_cell_gallery_shows_exactly_those_images(real_mnist):
    at = start("pages/train.py")
    small_job(at, epochs=1)
    wait_for(at, "**Finished**")
    at.switch_page("pages/evaluate.py").run()
    assert not at.exception
    record_id = at.selectbox(key="selected_run").value
    record = RunStore().load(record_id)
    predicted = record.test_probabilities.argmax(axis=1)
    matrix = metrics.confusion_matrix(real_mnist.y_test, predicted)
    true, pred = 4, 9
    at.selectbox(key="cell_true").set_value(true).run()
    at.selectbox(key="cell_pred").set_value(pred).run()
    expected = np.flatnonzero((real_mnist.y_test == true) & (predicted == pred))
    shown = gallery_indices(at)
    assert set(shown) <= set(expected.tolist()) and len(shown) == min(len(expected), GALLERY_STEP)
    ordered = metrics.cell_indices(real_mnist.y_test, record.test_probabilities, true, pred)
    assert shown == ordered[:GALLERY_STEP].tolist()  # most confident mistakes first
    assert all(": 4 → 9, " in c for c in gallery_captions(at))
    assert f"**{matrix[true, pred]}** test images" in markdown_text(at)
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert np.array_equal(plotly_array(chart["data"][0]["z"]), matrix)
    outline = chart["layout"]["shapes"][0]  # the chosen cell is outlined
    assert (outline["x0"], outline["y0"]) == (pred - 0.5, true - 0.5)

    # "Show more" grows the gallery of this cell only; another cell starts again at GALLERY_STEP.
    off_diagonal = matrix - np.diag(np.diag(matrix))
    big_true, big_pred = np.unravel_index(int(off_diagonal.argmax()), matrix.shape)
    assert matrix[big_true, big_pred] > GALLERY_STEP, "the 1-epoch run should make more mistakes"
    at.selectbox(key="cell_true").set_value(int(big_true)).run()
    at.selectbox(key="cell_pred").set_value(int(big_pred)).run()
    more = next(b for b in at.button if b.label.startswith("Show ") and b.label.endswith(" more"))
    more.click().run()
    big = metrics.cell_indices(real_mnist.y_test, record.test_probabilities, int(big_true), int(big_pred))
    assert gallery_indices(at) == big[:2 * GALLERY_STEP].tolist()
    at.selectbox(key="cell_true").set_value(true).run()
    assert len(gallery_indices(at)) == min(GALLERY_STEP, matrix[true, pred])

    # For a room, the matrix takes the page's width (a half-width column squeezed its cells) and
    # its numbers are the presenter's size.
    assert any(column.get("plotly_chart") for column in at.columns)
    at.toggle(key=state.PRESENTING).set_value(True).run()
    assert not any(column.get("plotly_chart") for column in at.columns)
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert chart["data"][0]["textfont"]["size"] == look.PRESENTING.small_text


def test_evaluate_sections_draw_only_the_chosen_one(real_mnist):
    at = start("pages/train.py")
    small_job(at, epochs=1)
    wait_for(at, "**Finished**")
    at.switch_page("pages/evaluate.py").run()
    sections = at.button_group(key="evaluate_section")
    assert sections.value == "cells" and len(at.get("plotly_chart")) == 1  # only the matrix
    sections.set_value("mistakes").run()
    assert not at.get("plotly_chart") and len(gallery_captions(at)) == GALLERY_STEP
    assert all(caption.endswith("% ✗") for caption in gallery_captions(at))
    at.button_group(key="evaluate_section").set_value("classes").run()
    assert not at.get("image") and list(at.dataframe[0].value.columns)[:2] == ["Class", "Test images"]
    at.button_group(key="evaluate_section").set_value("compare").run()
    assert "Train or choose a second run" in " ".join(c.value for c in at.caption)
    at.button_group(key="evaluate_section").set_value("cells").run()
    assert not at.exception and at.selectbox(key="cell_true").value is not None


def gallery_captions(at: AppTest) -> list[str]:
    return [img.caption for img in at.get("image")[0].proto.imgs]


def gallery_indices(at: AppTest) -> list[int]:
    return [int(caption.split(":")[0].lstrip("#")) for caption in gallery_captions(at)]


def missing_data_page(tmp_path, monkeypatch, client_ip: str | None) -> AppTest:
    """The app with a broken MNIST file, seen by a visitor from `client_ip`."""
    from mnist_dash.ui import patches

    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a zip")
    monkeypatch.setenv("MNIST_DASH_DATA", str(broken))
    monkeypatch.setattr(patches, "client_ip", lambda: client_ip)
    data.clear_cache()
    at = AppTest.from_file(APP, default_timeout=60).run()
    data.clear_cache()
    assert not at.exception
    return at


def test_missing_data_explains_the_fixes(tmp_path, monkeypatch):
    at = missing_data_page(tmp_path, monkeypatch, "127.0.0.1")  # a visitor at the server's machine
    text = at.error[0].value
    assert "MNIST could not be loaded" in text and "broken.npz" in text
    assert "MNIST_DASH_DATA" in markdown_text(at)
    assert len(at.main.text_input) == 1


@pytest.mark.parametrize("client_ip", ["203.0.113.5", None])
def test_a_remote_or_unknown_visitor_sees_no_server_path_and_no_data_form(tmp_path, monkeypatch,
                                                                           client_ip):
    at = missing_data_page(tmp_path, monkeypatch, client_ip)
    text = at.error[0].value
    assert "MNIST could not be loaded" in text and "instructor" in text
    assert "broken.npz" not in text and str(tmp_path) not in markdown_text(at)
    assert len(at.main.text_input) == 0


def test_app_starts_without_importing_tensorflow():
    code = (
        "import sys\nfrom streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({APP!r}, default_timeout=60).run()\n"
        "assert not at.exception, at.exception\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False False"


def test_the_lesson_options_of_the_train_form_reach_the_config():
    at = start("pages/train.py")
    at.slider(key="form_validation").set_value(0.1).run()  # the Keras book holds nothing out
    at.selectbox(key="form_augment").set_value("elastic").run()
    at.slider(key="form_augment_strength").set_value(0.5).run()
    at.select_slider(key="form_weight_decay").set_value(1e-4).run()
    at.radio(key="form_schedule").set_value("cosine").run()
    at.number_input(key="form_warmup").set_value(1).run()
    at.slider(key="form_patience").set_value(2).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    changed = next(c.value for c in at.caption if c.value.startswith("Changed from the preset"))
    for field in ("augment", "augment_strength", "weight_decay", "schedule", "warmup_epochs",
                  "early_stopping_patience"):
        assert field in changed
    at.selectbox(key="form_augment").set_value("shift").run()
    small_job(at, epochs=3)
    wait_for(at, "**Finished**")
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    titles = [c["layout"]["title"]["text"] for c in charts]
    assert "Learning rate" in titles  # the cosine schedule with its warm-up, under the loss
    loss = next(c for c in charts if c["layout"]["yaxis"]["title"]["text"] == "Loss")
    assert loss["layout"]["annotations"][0]["text"].startswith("kept: epoch")
    next(b for b in at.button if b.label == "Change settings").click().run()  # unfold the form
    at.slider(key="form_validation").set_value(0.0).run()
    assert "validation_split" in at.error[0].value  # early stopping needs held-out images
    at.selectbox(key="form_preset").set_value("simard-800-affine").run()
    assert at.selectbox(key="form_augment").value == "affine"
    assert at.slider(key="form_patience").value == 0  # the preset has no early stopping


def test_explore_previews_8_draws_of_an_augmentation_only_when_asked(real_mnist):
    at = start()
    assert len(at.get("image")) == 1  # only the sample grid: no draws (and no TensorFlow) yet
    at.selectbox(key="explore_augment").set_value("affine").run()
    at.button(key="explore_augment_show").click().run()
    assert not at.exception, [e.value for e in at.exception]
    preview = at.get("image")[-1].proto.imgs
    assert [img.caption for img in preview] == ["original"] + [f"draw {n}" for n in range(1, 9)]
    first = [img.url for img in preview]
    assert len(set(first)) == 9  # each draw distorts the image its own way (urls hash the pixels)
    at.button(key="explore_augment_show").click().run()  # new draws, the same original
    second = [img.url for img in at.get("image")[-1].proto.imgs]
    assert second[0] == first[0] and second[1:] != first[1:]
