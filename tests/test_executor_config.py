"""Choosing the executor from environment variables, and the app's background connection to Ray.

The Ray cases point at 127.0.0.1:1, where nothing listens: they need Ray importable, never a cluster;
but one slow test, which starts a private Ray in a process of its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from mnist_dash.config import TrainConfig
from mnist_dash.executors.background import BackgroundExecutor
from mnist_dash.executors.configure import executor_from_env
from mnist_dash.executors.threads import ThreadExecutor, default_concurrency
from mnist_dash.jobs import JobManager, JobRefused
from mnist_dash.runs import RunStore
from mnist_dash.vocabulary import JobState

NOWHERE = "127.0.0.1:1"
ROOT = Path(__file__).resolve().parent.parent
TINY = TrainConfig(hidden_units=(8,), epochs=1)


@pytest.mark.parametrize("env, workers", [({}, default_concurrency()),
                                          ({"MNIST_DASH_MAX_JOBS": "3"}, 3),
                                          ({"MNIST_DASH_RAY_ADDRESS": " "}, default_concurrency())])
def test_without_a_ray_address_jobs_run_in_threads(env, workers):
    executor = executor_from_env(env)
    try:
        assert isinstance(executor, ThreadExecutor) and executor.max_workers == workers
        assert executor.unavailable() is None
    finally:
        executor.shutdown()


@pytest.mark.parametrize("name, value, address", [("MNIST_DASH_MAX_JOBS", "0", ""),
                                                  ("MNIST_DASH_CPUS_PER_JOB", "two", NOWHERE),
                                                  ("MNIST_DASH_CPUS_PER_JOB", "0", NOWHERE),
                                                  ("MNIST_DASH_GPUS_PER_JOB", "-1", NOWHERE)])
def test_a_bad_setting_is_named_before_anything_starts(name, value, address):
    env = {"MNIST_DASH_RAY_ADDRESS": address, name: value}
    with pytest.raises(ValueError, match=f"{name} must be a whole number of at least"):
        executor_from_env(env, background=True)


def test_an_unreachable_cluster_is_said_and_jobs_are_refused_never_run_in_threads(tmp_path):
    pytest.importorskip("ray")
    executor = executor_from_env({"MNIST_DASH_RAY_ADDRESS": NOWHERE}, background=True)
    assert isinstance(executor, BackgroundExecutor)
    assert not executor.ready(timeout=10)
    reason = executor.unavailable()
    assert f"Cannot use the Ray cluster at {NOWHERE}: a TCP connection for 3 s failed" in reason
    manager = JobManager(RunStore(tmp_path), executor)
    try:
        with pytest.raises(JobRefused) as refused:
            manager.submit(TINY, owner="ada")
        assert str(refused.value) == reason == manager.unavailable()
        assert manager.jobs_of("ada") == [] and executor.capacity() == 0
    finally:
        manager.shutdown()


def test_jobs_are_refused_while_connecting_and_accepted_once_connected(tmp_path, tiny_dataset):
    connected = threading.Event()

    def build() -> ThreadExecutor:
        assert connected.wait(10)
        return ThreadExecutor(1, load_dataset=lambda name, path: tiny_dataset)

    executor = BackgroundExecutor(build, "the Ray cluster at head:6379")
    manager = JobManager(RunStore(tmp_path), executor)
    try:
        with pytest.raises(JobRefused, match="Connecting to the Ray cluster at head:6379…"):
            manager.submit(TINY, owner="ada")
        assert executor.describe()["unavailable"].startswith("Connecting")
        connected.set()
        assert executor.ready(timeout=10) and manager.unavailable() is None
        job = manager.submit(TINY, owner="ada")
        assert manager.wait(job.job_id, timeout=60).state == JobState.COMPLETED
    finally:
        manager.shutdown()


def test_a_failed_build_is_reported_for_good():
    def build():
        raise RuntimeError("Ray cannot be imported here")

    executor = BackgroundExecutor(build, "a private Ray cluster on this machine")
    started = time.monotonic()
    assert not executor.ready(timeout=5) and time.monotonic() - started < 5
    assert executor.unavailable() == "Ray cannot be imported here"
    with pytest.raises(RuntimeError, match="cannot be imported"):
        executor.start(None, lambda job_id, result: None)


def test_the_thread_that_built_the_executor_lives_until_shutdown(tiny_dataset):
    builders = []

    def build() -> ThreadExecutor:
        builders.append(threading.current_thread())
        return ThreadExecutor(1, load_dataset=lambda name, path: tiny_dataset)

    executor = BackgroundExecutor(build, "a private Ray cluster on this machine")
    assert executor.ready(timeout=10)
    (builder,) = builders
    builder.join(0.3)
    assert builder.is_alive()  # a private Ray's GCS and raylet are killed when it ends
    executor.shutdown()
    builder.join(5)
    assert not builder.is_alive()


# Run in its own process: ray.init must happen there, in the background thread, as in the app.
PRIVATE_RAY_SURVIVES = """
import time
from mnist_dash.executors.configure import executor_from_env
executor = executor_from_env({"MNIST_DASH_RAY_ADDRESS": "local"}, background=True)
assert executor.ready(timeout=600), executor.unavailable()
time.sleep(4)  # two of the health check's probes of the GCS (2 s apart); capacity() probes again
assert executor.unavailable() is None and executor.capacity() >= 1, executor.unavailable()
executor.shutdown()
"""


@pytest.mark.slow
@pytest.mark.ray
@pytest.mark.real_data
def test_a_private_ray_started_in_the_background_outlives_its_start(real_mnist):
    env = {**os.environ, "MNIST_DASH_DATA": real_mnist.source, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
    done = subprocess.run([sys.executable, "-c", PRIVATE_RAY_SURVIVES], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
