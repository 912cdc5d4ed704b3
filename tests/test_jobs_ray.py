"""The job manager on a real local Ray: what the app does when MNIST_DASH_RAY_ADDRESS is set.

A real MNIST job goes through JobManager.submit, streams progress into its snapshots, stops within
a second keeping its model, and its run is saved by this process and loads again.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from mnist_dash.config import TrainConfig
from mnist_dash.jobs import JobManager
from mnist_dash.runs import RunStore
from mnist_dash.vocabulary import JobState
from tests.conftest import assert_first_batch_in_time

pytestmark = [pytest.mark.slow, pytest.mark.ray, pytest.mark.usefixtures("real_mnist")]

# 1,688 batches an epoch: Stop lands mid-epoch, long before the job could end.
LONG = TrainConfig(hidden_units=(32,), epochs=3, batch_size=32)


def test_a_job_through_the_manager_streams_stops_within_a_second_and_saves_a_loadable_run(
        local_ray, tmp_path):
    store = RunStore(tmp_path)
    manager = JobManager(store, local_ray)
    try:
        submitted = time.perf_counter()
        job = manager.submit(LONG, owner="ada")
        steps, first_batch = [], None
        while len(steps) < 4 or steps[-1] < 40:
            assert time.perf_counter() - submitted < 60, f"progress stalled at {steps[-1:]}"
            snapshot = manager.snapshot(job.job_id)
            assert snapshot.state == JobState.RUNNING, snapshot.message
            if snapshot.progress.step and snapshot.progress.step not in steps:
                first_batch = first_batch or time.perf_counter() - submitted
                steps.append(snapshot.progress.step)
            time.sleep(0.05)
        asked = time.perf_counter()
        manager.stop(job.job_id, owner="ada")
        ended = manager.wait(job.job_id, timeout=10)
        stop_seconds = time.perf_counter() - asked
        print(f"first batch {first_batch:.2f} s after submit; Stop took {stop_seconds:.2f} s")

        assert_first_batch_in_time(first_batch, LONG, "on warm Ray, through the manager")
        assert stop_seconds < 1, f"Stop took {stop_seconds:.2f} s through the manager"
        assert ended.state == JobState.STOPPED and ended.message == "Stopped on request."
        assert ended.saved and ended.node.startswith("127.0.0.1 (")
        assert ended.progress.step >= steps[-1] and len(ended.progress.batch_loss) >= 4
        record = store.load(ended.run_id)
        assert record.state == JobState.STOPPED and record.history[0].partial
        assert record.metrics["test_accuracy"] == ended.test_accuracy > 0.3
        model = store.load_model(ended.run_id)
        outputs = np.asarray(model.predict(np.zeros((2, 28, 28), np.uint8), verbose=0))
        assert outputs.shape == (2, 10)
    finally:
        manager.shutdown()
