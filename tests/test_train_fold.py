"""The Train form folds while a job runs and after it (Change unfolds it), and the advice's marks."""

import time

import pytest
from streamlit.testing.v1 import AppTest

from mnist_dash.config import TrainConfig
from mnist_dash.ui import state
from tests.conftest import app_resources
from tests.test_pages import markdown_text, small_job, start

pytestmark = pytest.mark.real_data


@pytest.fixture(autouse=True)
def fresh_app(tmp_path, monkeypatch, real_mnist):
    with app_resources(monkeypatch, tmp_path / "runs"):
        yield


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def form_shown(at: AppTest) -> bool:
    return any(s.key == "form_epochs" for s in at.slider)


def wait_until_finished(at: AppTest, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while "**Finished**" not in markdown_text(at):
        assert time.monotonic() < deadline, markdown_text(at)
        time.sleep(0.3)
        at.run()


def test_the_form_folds_while_a_job_runs_and_change_unfolds_it_with_the_jobs_settings():
    at = start("pages/train.py")
    assert form_shown(at) and not any(b.label == "Change settings" for b in at.button)
    small_job(at, epochs=2, images=1000)
    assert not form_shown(at)  # the live panel takes the page
    assert button(at, "Train").disabled and button(at, "Change settings").disabled
    assert not any(s.key == "form_preset" for s in at.selectbox)  # the tutorial picker folded too
    wait_until_finished(at)
    assert not form_shown(at)  # the result stays in view until the learner asks for the form
    assert not button(at, "Change settings").disabled and not button(at, "Train").disabled
    button(at, "Change settings").click().run()
    assert form_shown(at)
    assert at.slider(key="form_epochs").value == 2
    assert at.select_slider(key="form_train_size").value == 1000
    assert at.select_slider(key="form_units_0").value == 32
    assert at.selectbox(key="form_preset").value == "custom"  # not the Keras book any more


def test_train_again_while_folded_trains_the_settings_shown():
    at = start("pages/train.py")
    small_job(at, epochs=1, images=1000)
    wait_until_finished(at)
    first = state.JOB_ID
    first_job = at.session_state[first]
    button(at, "Train").click().run()
    assert at.session_state[first] != first_job
    assert "1 epoch" in markdown_text(at) and "784-32-10" in markdown_text(at)


def test_advice_unfolds_the_form_and_names_what_it_changed():
    at = start("pages/train.py")
    small_job(at, epochs=1, images=1000)
    wait_until_finished(at)
    ran = TrainConfig(hidden_units=(32,), epochs=1, train_size=1000)
    advised = ran.replace(learning_rate=0.003, epochs=3)
    # What "Try this next" stores (teach.findings), for a suggestion the diagnosis may not make here.
    at.session_state[state.PREFILL] = advised.to_dict()
    at.session_state[state.ADVICE_CHANGES] = ran.differences(advised)
    at.run()
    assert form_shown(at)
    assert at.select_slider(key="form_lr").value == 0.003 and at.slider(key="form_epochs").value == 3
    assert [note.value for note in at.info] == [
        "Changed by the advice: learning rate 0.001 → 0.003, epochs 1 → 3. Press Train to run it."]
    button(at, "Train").click().run()
    assert not at.info  # the note goes with the run it asked for
    assert not form_shown(at)


def test_differences_names_each_changed_field_in_order():
    before = TrainConfig()
    assert before.differences(before) == []
    assert before.differences(before.replace(epochs=9, learning_rate=0.01)) == [
        ("learning_rate", before.learning_rate, 0.01), ("epochs", before.epochs, 9)]
