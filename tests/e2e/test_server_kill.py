"""SIGKILL the Streamlit server itself mid-training, start it again: ended runs intact, no half run."""

from __future__ import annotations

import os
import signal
import tempfile
import time
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api")

from playwright.sync_api import expect

from mnist_dash.runs import RunStore
from mnist_dash.vocabulary import JobState
from tests.e2e import drive
from tests.e2e.server import DEFAULT_DATA, VIEWPORT, streamlit_server

pytestmark = pytest.mark.e2e


def _learner(browser):
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(15_000)
    return context, context.new_page()


def test_killing_the_server_mid_training_loses_no_ended_run(browser) -> None:
    data = os.environ.get("MNIST_DASH_DATA", DEFAULT_DATA)
    if not Path(data).exists():
        pytest.skip(f"the MNIST file {data} does not exist: set MNIST_DASH_DATA")
    with tempfile.TemporaryDirectory(prefix="mnist-dash-kill-runs-") as runs_dir:
        with streamlit_server(data, runs_dir) as first:
            context, page = _learner(browser)
            drive.open_app(page, first.url, "train")
            drive.configure_training(page, units=8, epochs=1, train_images=1000, batch=128)
            drive.click_train(page)
            finished = drive.expect_finished(page).split(" · ", 1)[1].strip()
            accuracy = drive.metric_value(page, "Test accuracy")

            drive.configure_training(page, units=512, epochs=20, train_images=60_000, batch=128)
            drive.click_train(page)
            drive.wait_until(lambda: (drive.progress_steps(drive.progress_text(page)) or 0) >= 20,
                             timeout=60, message="20 batches of the long run")
            os.killpg(first.pid, signal.SIGKILL)  # no shutdown hook, no flush: a power cut
            context.close()

        store = RunStore(runs_dir)
        runs, damaged = store.list_runs()
        assert damaged == []
        assert [run.config.hidden_units for run in runs] == [(8,)], "the killed run left a trace"
        record = store.load(runs[0].run_id)
        assert record.state == JobState.COMPLETED and record.test_probabilities.shape == (10_000, 10)
        assert store.load_model(record.run_id).count_params() > 0
        assert f"{record.test_accuracy:.2%}" == accuracy

        with streamlit_server(data, runs_dir) as second:
            context, page = _learner(browser)
            try:
                drive.open_app(page, second.url, "evaluate")
                listed = drive.selectbox_options(page, "Run", finished)
                assert len(listed) == 1 and listed[0].endswith(accuracy), listed
                expect(drive.main(page).get_by_text(f"state: {JobState.COMPLETED}")).to_be_visible()
                assert sum(drive.confusion_cells(page).values()) == 10_000
                assert len(drive.selectbox_options(page, "Run", "784-")) == 1  # no killed run
                started = time.monotonic()
                drive.go_to(page, "Train")  # the new server trains again, nothing stuck
                drive.configure_training(page, units=8, epochs=1, train_images=1000, batch=128)
                drive.click_train(page)
                drive.expect_finished(page)
                print(f"trained again {time.monotonic() - started:.1f} s after the restart's first page")
            finally:
                context.close()
        assert len(RunStore(runs_dir).list_runs()[0]) == 2
