"""The state a learner trips over: every tab of a learner follows their newest job, the Train form
shows the settings of the job on screen, run pages open on the right run, and run pickers list
only the sidebar's dataset."""

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from mnist_dash.config import TrainConfig
from mnist_dash.runs import RunRecord
from mnist_dash.ui import run_picker
from mnist_dash.vocabulary import JobState
from tests.conftest import app_resources, make_arrays

APP = str(Path(__file__).resolve().parent.parent / "app.py")
OWNER = "0123456789abcdef" * 2
SMALL = TrainConfig(hidden_units=(32,), epochs=1, train_size=1000, batch_size=64)


@pytest.fixture(autouse=True)
def tiny_app(tmp_path, monkeypatch):
    np.savez(tmp_path / "tiny.npz", **make_arrays(num_train=1000, num_test=200))
    monkeypatch.setenv("MNIST_DASH_DATA", str(tmp_path / "tiny.npz"))
    with app_resources(monkeypatch, tmp_path / "runs"):
        yield


def tab(page: str, owner: str = OWNER) -> AppTest:
    """A browser tab of the learner `owner` (the id in its URL) on `page`."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["learner"] = owner
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def train(config: TrainConfig, owner: str = OWNER) -> str:
    """Train a job to its end, as another tab of the learner would; return its run id."""
    from mnist_dash import ui

    job = ui.job_manager().submit(config, owner=owner)
    ended = ui.job_manager().wait(job.job_id, 120)
    assert ended is not None and ended.state == JobState.COMPLETED, ended
    return ended.run_id


def unfold(at: AppTest) -> AppTest:
    """Press Change settings: the folded form opens (filled with the settings of the job on screen)."""
    at.button(key="change_settings").click().run()
    return at


def test_a_second_tab_and_a_reload_show_the_new_job_and_its_settings():
    from mnist_dash import ui

    train(SMALL.replace(hidden_units=(16,)))
    first, second = tab("pages/train.py"), tab("pages/train.py")
    assert unfold(second).select_slider(key="form_units_0").value == 16  # the earlier job's settings
    unfold(first).slider(key="form_epochs").set_value(2).run()
    first.select_slider(key="form_units_0").set_value(64).run()
    first.button(key="train_button").click().run()
    ui.job_manager().wait(first.session_state["job_id"], 120)
    second.run()
    assert second.session_state["job_id"] == first.session_state["job_id"]
    unfold(second)
    shown = {key: second.session_state[key] for key in ("form_epochs", "form_units_0", "form_train_size")}
    assert shown == {"form_epochs": 2, "form_units_0": 64, "form_train_size": 1000}
    assert second.selectbox(key="form_preset").value == "custom"
    second.slider(key="form_epochs").set_value(3).run()
    second.run()
    assert second.slider(key="form_epochs").value == 3  # the learner's change stays
    reloaded = unfold(tab("pages/train.py"))
    assert reloaded.slider(key="form_epochs").value == 2
    assert reloaded.select_slider(key="form_units_0").value == 64
    other = tab("pages/train.py", owner="f" * 32)
    assert "job_id" not in other.session_state


def test_run_pages_open_on_the_best_run_and_evaluate_on_the_newest():
    good = train(SMALL.replace(optimizer="adam", learning_rate=0.003, epochs=2))
    poor = train(SMALL.replace(optimizer="sgd", learning_rate=1e-5))
    someone_elses = train(SMALL.replace(optimizer="adam", learning_rate=0.003, epochs=3), owner="e" * 32)
    for page, expected in (("pages/try_it.py", good), ("pages/inside.py", good),
                           ("pages/evaluate.py", poor)):
        assert tab(page).selectbox(key="selected_run").value == expected, page
    stranger = tab("pages/inside.py", owner="d" * 32)
    assert stranger.selectbox(key="selected_run").value in (good, someone_elses)
    evaluate = tab("pages/evaluate.py")
    evaluate.selectbox(key="selected_run").set_value(good).run()
    assert evaluate.selectbox(key="selected_run").value == good  # the learner's choice stays
    newest = train(SMALL.replace(seed=7))
    assert evaluate.run().selectbox(key="selected_run").value == newest  # until another run ends


def test_pickers_list_only_the_sidebars_dataset_and_say_how_many_are_hidden():
    train(SMALL)
    evaluate = tab("pages/evaluate.py")
    assert len(evaluate.selectbox(key="selected_run").options) == 1
    evaluate.selectbox(key="dataset_name").set_value("fashion-mnist").run()
    assert not evaluate.exception, [e.value for e in evaluate.exception]
    assert "1 run of the other dataset is hidden: switch the dataset in the sidebar to see it." in [
        caption.value for caption in evaluate.caption]
    assert not [box for box in evaluate.selectbox if box.key == "selected_run"]
    assert any("No runs yet" in info.value for info in evaluate.info)


def record(run_id: str, accuracy: float | None, job_state: JobState = JobState.COMPLETED) -> RunRecord:
    metrics = {} if accuracy is None else {"test_accuracy": accuracy}
    return RunRecord(run_id=run_id, config=SMALL, state=job_state, metrics=metrics)


def test_the_best_run_is_the_learners_best_completed_one():
    runs = [record("stopped", 0.99, JobState.STOPPED), record("mine-low", 0.80),
            record("mine-high", 0.90), record("shared", 0.95), record("failed", None, JobState.FAILED)]
    assert run_picker.best_run(runs, {"stopped", "mine-low", "mine-high"}).run_id == "mine-high"
    assert run_picker.best_run(runs, set()).run_id == "shared"
    assert run_picker.best_run(runs[:1], set()) is None
