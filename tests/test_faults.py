"""Faults and hostile input: a killed server, tampered state, one learner vs another.

Uploads and data paths are tested in test_data_sources.py.
"""

import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from mnist_dash import data
from mnist_dash.runs import RunStore
from tests.conftest import make_arrays, save_trained_run

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_sigkill_mid_training_keeps_ended_runs_and_no_half_run(tmp_path):
    """Kill a training process with SIGKILL: earlier runs load, the killed one is absent.
    The earlier run is saved from this process (the command line's own run is test_cli's)."""
    npz = tmp_path / "tiny.npz"
    np.savez(npz, **make_arrays(num_train=4000, num_test=100))
    runs = tmp_path / "runs"
    save_trained_run(runs, npz, hidden_units=(64,), epochs=1)
    base = [sys.executable, "-m", "mnist_dash", "train", "--data", str(npz), "--runs-dir", str(runs),
            "--hidden", "64"]
    victim = subprocess.Popen([*base, "--epochs", "100"], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    assert victim.stdout.readline().startswith("epoch 1/100")  # it is training now
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    records, problems = RunStore(runs).list_runs()
    assert len(records) == 1 and problems == []
    record = RunStore(runs).load(records[0].run_id)
    assert record.state == "completed" and record.test_probabilities.shape == (100, 10)
    assert RunStore(runs).load_model(record.run_id) is not None


@pytest.mark.real_data
def test_tampered_prefill_is_ignored_with_a_message(real_mnist, tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_DASH_RUNS", str(tmp_path))
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("pages/train.py")
    at.session_state["prefill_config"] = {"hidden_units": [10**6], "epochs": -3}
    at.run()
    assert not at.exception
    assert "not valid" in at.error[0].value
    assert "**407,050** parameters" in "".join(m.value for m in at.markdown)


@pytest.mark.real_data
def test_learners_see_only_their_own_job_and_shared_runs_are_labelled(real_mnist, tmp_path,
                                                                      monkeypatch):
    monkeypatch.setenv("MNIST_DASH_RUNS", str(tmp_path))
    st.cache_resource.clear()
    from mnist_dash import ui

    first = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    first.switch_page("pages/train.py").run()
    first.select_slider(key="form_train_size").set_value(1000).run()
    first.slider(key="form_epochs").set_value(1).run()
    first.button(key="train_button").click().run()
    job_id = first.session_state["job_id"]
    ui.job_manager().wait(job_id, 60)
    second = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert "No training job yet." in [c.value for c in second.caption]
    second.switch_page("pages/evaluate.py").run()
    label = second.selectbox(key="selected_run").options[0]
    assert "shared" in label and "yours" not in label
    first.switch_page("pages/evaluate.py").run()
    assert "yours" in first.selectbox(key="selected_run").options[0]
    ui.job_manager().shutdown()
    st.cache_resource.clear()


def test_reload_finds_the_same_job_through_the_url(tmp_path, monkeypatch, tiny_dataset):
    """A reload is a new session; the learner id in the URL leads it back to its job."""
    monkeypatch.setenv("MNIST_DASH_RUNS", str(tmp_path))
    monkeypatch.setenv("MNIST_DASH_DATA", str(tmp_path / "tiny.npz"))
    np.savez(tmp_path / "tiny.npz", **make_arrays())
    data.clear_cache()
    st.cache_resource.clear()
    from mnist_dash import ui
    from mnist_dash.config import TrainConfig

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    owner = at.query_params["learner"][0] if isinstance(at.query_params["learner"], list) \
        else at.query_params["learner"]
    job = ui.job_manager().submit(TrainConfig(hidden_units=(16,), epochs=1), owner=owner)
    reloaded = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    reloaded.query_params["learner"] = owner
    reloaded.run()
    assert any(m.value.startswith("**Job:**") for m in reloaded.sidebar.markdown)
    reloaded.switch_page("pages/train.py").run()
    assert reloaded.session_state["job_id"] == job.job_id  # the form follows the job found again
    fresh = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert "No training job yet." in [c.value for c in fresh.sidebar.caption]
    fresh.switch_page("pages/train.py").run()
    assert "job_id" not in fresh.session_state
    ui.job_manager().shutdown()
    st.cache_resource.clear()
    data.clear_cache()


def test_a_malformed_learner_id_in_the_url_gets_a_fresh_one(tmp_path, monkeypatch):
    """Only ids the app made are taken from the URL: no 'teacher' id that everyone shares."""
    monkeypatch.setenv("MNIST_DASH_RUNS", str(tmp_path))
    monkeypatch.setenv("MNIST_DASH_DATA", str(tmp_path / "tiny.npz"))
    np.savez(tmp_path / "tiny.npz", **make_arrays())
    data.clear_cache()
    st.cache_resource.clear()
    from mnist_dash import ui

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["learner"] = "teacher"
    at.run()
    owner = at.session_state["owner_id"]
    assert re.fullmatch("[0-9a-f]{32}", owner)
    ui.job_manager().shutdown()
    st.cache_resource.clear()
    data.clear_cache()
