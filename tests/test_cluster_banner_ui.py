"""Pages when the app is told to use a Ray cluster that nobody runs: they say so and refuse jobs."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from mnist_dash.config import TrainConfig
from mnist_dash.jobs import JobRefused
from tests.conftest import app_resources

pytest.importorskip("ray")
APP = str(Path(__file__).resolve().parent.parent / "app.py")
NOWHERE = "127.0.0.1:1"  # nothing listens there


@pytest.fixture
def app_without_cluster(tmp_path, monkeypatch, real_mnist):
    with app_resources(monkeypatch, tmp_path / "runs", MNIST_DASH_RAY_ADDRESS=NOWHERE):
        yield


def banner(at: AppTest) -> str:
    return " ".join(w.value for w in at.warning)


@pytest.mark.usefixtures("app_without_cluster")
def test_every_page_names_the_unreachable_cluster_and_training_is_refused():
    from mnist_dash import ui

    at = AppTest.from_file(APP, default_timeout=60).run()
    # "Connecting to the Ray cluster at 127.0.0.1:1…" at first; the refused connection comes fast.
    assert f"the Ray cluster at {NOWHERE}" in banner(at)
    deadline = time.monotonic() + 10
    while "Cannot use" not in banner(at):
        assert time.monotonic() < deadline, banner(at)
        time.sleep(0.5)
        at.run()
    for page in ("pages/explore.py", "pages/train.py", "pages/evaluate.py"):
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
        assert (f"Cannot use the Ray cluster at {NOWHERE}: a TCP connection for 3 s failed"
                in banner(at)), page
    at.switch_page("pages/train.py").run()
    at.button(key="train_button").click().run()
    refusals = [w.value for w in at.warning]
    assert len(refusals) == 2 and refusals[0] == refusals[1], refusals  # banner, then the refusal
    with pytest.raises(JobRefused, match=NOWHERE):  # the manager refuses, not only the page
        ui.job_manager().submit(TrainConfig(hidden_units=(8,), epochs=1), owner="anyone")
    assert ui.job_manager().jobs_of("anyone") == []
