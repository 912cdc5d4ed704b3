"""The Ray executor on real Ray: a private local cluster, then two nodes on this machine.

Nothing is mocked: jobs train on the real MNIST in Ray's worker processes, and the faults are real
(a worker killed, a worker frozen, a node removed). Every Ray here listens on loopback only.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time

import keras
import numpy as np
import pytest

from mnist_dash.config import TrainConfig
from mnist_dash.executors.base import JobSpec, TrainResult
from mnist_dash.progress import ProgressSnapshot
from mnist_dash.vocabulary import JobState

try:
    import ray
    from ray.cluster_utils import Cluster
except ImportError:
    if os.environ.get("CI") == "true":
        raise  # CI installs requirements.txt: a missing Ray is a failure there, never a skip
    pytest.skip("Ray is not installed (pip install -r requirements.txt)", allow_module_level=True)

from mnist_dash import model as _registers_custom_loss  # noqa: F401
from mnist_dash.executors import ray_cluster
from mnist_dash.executors.ray_cluster import LOST_MESSAGE, ClusterUnavailable, RayExecutor
from tests.conftest import WARM_SECONDS, assert_first_batch_in_time, assert_loopback_only

pytestmark = [pytest.mark.slow, pytest.mark.ray]

SMALL = TrainConfig(hidden_units=(32,), epochs=1, train_size=5_000, batch_size=16)  # 282 batches
# 1,688 batches an epoch: a Stop or a fault lands mid-epoch, long before the job could end.
LONG = TrainConfig(hidden_units=(32,), epochs=3, batch_size=32)


class Ending:
    """An `on_end` that records its calls and when they came."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, TrainResult, float]] = []
        self._done = threading.Event()

    def __call__(self, job_id: str, result: TrainResult) -> None:
        self.calls.append((job_id, result, time.perf_counter()))
        self._done.set()

    def wait(self, timeout: float) -> tuple[TrainResult, float]:
        assert self._done.wait(timeout), f"no on_end within {timeout} s"
        time.sleep(0.2)  # a second call would come now
        assert len(self.calls) == 1, f"on_end called {len(self.calls)} times"
        return self.calls[0][1], self.calls[0][2]


def start(executor: RayExecutor, config: TrainConfig, name: str):
    ending = Ending()
    handle = executor.start(JobSpec(f"{name}-{time.monotonic_ns()}", config), ending)
    return handle, ending


def watch(handle, until, timeout: float = 60) -> list[tuple[float, ProgressSnapshot]]:
    """Poll handle.progress() as a page does until `until(snapshot)`: each distinct snapshot seen,
    with the time it was first seen."""
    seen: list[tuple[float, ProgressSnapshot]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        snapshot = handle.progress()
        if not seen or snapshot is not seen[-1][1]:
            seen.append((time.perf_counter(), snapshot))
        if until(snapshot):
            return seen
        time.sleep(0.02)
    raise AssertionError(f"progress never got there in {timeout} s; last: {seen[-1][1]}")


def first_batch_seconds(seen: list[tuple[float, ProgressSnapshot]], submitted: float) -> float:
    return next(when for when, snapshot in seen if snapshot.step > 0) - submitted


def anonymous_memory_mib() -> float:
    """This process's resident memory that is its own (RssAnon): what its heaps hold."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("RssAnon:"))
    return int(line.split()[1]) / 1024


@ray.remote(num_cpus=0)
def a_job_with_a_large_model(megabytes: int):
    """What a Trainer sends home for a job: a few progress messages, then the result with the
    model's bytes."""
    for step in range(3):
        yield "progress", step
    yield "done", os.urandom(megabytes * 2**20)


def load_keras_bytes(model_bytes: bytes, directory) -> keras.Model:
    path = directory / "model.keras"
    path.write_bytes(model_bytes)
    return keras.models.load_model(path, compile=False, safe_mode=True)


def test_unreachable_cluster_is_refused_naming_the_address_and_what_was_tried():
    assert not ray.is_initialized()
    started = time.perf_counter()
    with pytest.raises(ClusterUnavailable, match=r"127\.0\.0\.1:1: a TCP connection for 3 s failed"):
        RayExecutor("127.0.0.1:1")
    assert time.perf_counter() - started < 5
    with pytest.raises(ClusterUnavailable, match="is not host:port, 'auto' or 'local'"):
        RayExecutor("my-laptop")
    assert not ray.is_initialized()


@pytest.mark.parametrize("field, value", [("cpus_per_job", 0), ("gpus_per_job", -1),
                                          ("jobs_per_worker", 1.5)])
def test_shares_are_checked_before_ray_starts(field, value):
    with pytest.raises(ValueError, match=field):
        RayExecutor("local", **{field: value})
    assert not ray.is_initialized()


@pytest.fixture(scope="class")
def executor(local_ray: RayExecutor) -> RayExecutor:
    return local_ray  # conftest.py's warm private local Ray, for one test class


@pytest.mark.usefixtures("real_mnist")  # workers read it through MNIST_DASH_DATA
class TestLocalRay:

    def test_trains_real_mnist_streams_progress_and_brings_a_loadable_model_home(
            self, executor, tmp_path):
        slots = int(ray.cluster_resources()["CPU"] // 2)
        assert executor.capacity() == slots
        submitted = time.perf_counter()
        handle, ending = start(executor, SMALL, "small")
        assert executor.capacity() == slots - 1 and executor.describe()["busy"] == 1
        seen = watch(handle, lambda snapshot: snapshot.step == snapshot.total_steps > 0)
        result, _ = ending.wait(30)

        assert_first_batch_in_time(first_batch_seconds(seen, submitted), SMALL, "on a warm worker")
        assert len(seen) >= 3, f"progress came in {len(seen)} snapshots"
        gaps = np.diff([when for when, _ in seen])
        assert gaps.max() < 1, f"progress came {gaps.max():.2f} s apart"
        assert result.state == JobState.COMPLETED, result.message
        assert len(result.history) == 1 and result.metrics["test_accuracy"] > 0.8
        assert result.node == handle.worker.node and result.node.startswith("127.0.0.1 (")
        model = load_keras_bytes(result.model_bytes, tmp_path)
        outputs = np.asarray(model.predict(np.zeros((2, 28, 28), np.uint8), verbose=0))
        assert outputs.shape == (2, 10) and result.test_outputs.shape == (10_000, 10)
        assert executor.capacity() == slots

    def test_capacity_asks_the_cluster_at_most_twice_a_second(self, executor, monkeypatch):
        """Every queued job's snapshot asks for the capacity (its wait estimate): a class in line
        must not turn each page poll into a call to the cluster."""
        asked = []
        cluster_resources = ray.cluster_resources
        monkeypatch.setattr(ray, "cluster_resources", lambda: asked.append(1) or cluster_resources())
        time.sleep(ray_cluster.CAPACITY_FRESH_SECONDS)  # what was asked before is stale now
        assert {executor.capacity() for _ in range(300)} == {executor.capacity()}
        assert len(asked) == 1
        time.sleep(ray_cluster.CAPACITY_FRESH_SECONDS + 0.05)
        executor.capacity()
        assert len(asked) == 2

    def test_large_results_leave_the_app_process_no_larger(self, executor):
        """Each job's result comes home in the thread that follows it. With glibc's own mmap
        threshold the app process kept every model it had received (it grew 15 MB here per 15 MB
        result); the executor fixes the threshold (ray_cluster.give_large_blocks_back)."""
        def follow() -> None:
            for reference in a_job_with_a_large_model.options(num_returns="streaming").remote(15):
                kind, payload = ray.get(reference)
            assert kind == "done" and len(payload) == 15 * 2**20

        sizes = []
        for _ in range(6):
            thread = threading.Thread(target=follow)
            thread.start()
            thread.join()
            sizes.append(anonymous_memory_mib())
        assert sizes[-1] - sizes[1] < 15, f"the app process grew with each result: {sizes} MiB"

    def test_a_worker_serves_jobs_per_worker_jobs_then_a_warm_successor_takes_over(self, executor):
        workers = []
        while not workers or workers[-1].jobs_run < executor.jobs_per_worker:
            handle, ending = start(executor, SMALL, "recycle")
            assert ending.wait(60)[0].state == JobState.COMPLETED
            workers.append(handle.worker)
        assert len({worker.pid for worker in workers}) == 1  # the same process served them all
        assert executor.wait_warm(WARM_SECONDS)
        submitted = time.perf_counter()
        handle, ending = start(executor, SMALL, "successor")
        first_batch = first_batch_seconds(watch(handle, lambda snapshot: snapshot.step > 0), submitted)
        assert ending.wait(60)[0].state == JobState.COMPLETED
        assert handle.worker.pid != workers[-1].pid and handle.worker.jobs_run == 1
        assert_first_batch_in_time(first_batch, SMALL, "on the successor")

    def test_stop_ends_the_job_stopped_within_a_second_keeping_what_it_learned(
            self, executor, tmp_path):
        handle, ending = start(executor, LONG, "stop")
        watch(handle, lambda snapshot: snapshot.step >= 20)
        asked = time.perf_counter()
        handle.stop("Stopped by the learner")
        result, ended = ending.wait(10)

        assert ended - asked < 1.0, f"Stop took {ended - asked:.2f} s"
        assert result.state == JobState.STOPPED and result.message == "Stopped by the learner"
        assert result.history[0].partial and result.progress.step < result.progress.total_steps
        assert result.metrics["test_accuracy"] > 0.3  # learned something in a few dozen batches
        load_keras_bytes(result.model_bytes, tmp_path)

    def test_a_killed_worker_fails_its_job_as_a_lost_machine_and_the_next_job_runs(self, executor):
        handle, ending = start(executor, LONG, "killed")
        watch(handle, lambda snapshot: snapshot.step >= 20)
        killed = time.perf_counter()
        os.kill(handle.worker.pid, signal.SIGKILL)
        result, ended = ending.wait(10)

        assert ended - killed < 10
        assert result.state == JobState.FAILED and result.message.startswith(LOST_MESSAGE)
        assert f"worker {handle.worker.pid}" in result.message and result.model_bytes is None
        assert result.progress.step >= 20  # the curves seen so far are kept for the record
        assert executor.busy == 0
        next_handle, next_ending = start(executor, SMALL, "after-kill")
        assert next_ending.wait(WARM_SECONDS)[0].state == JobState.COMPLETED
        assert next_handle.worker.pid != handle.worker.pid

    def test_a_silent_worker_counts_as_lost(self, executor):
        handle, ending = start(executor, LONG, "frozen")
        watch(handle, lambda snapshot: snapshot.step >= 20)
        frozen = time.perf_counter()
        os.kill(handle.worker.pid, signal.SIGSTOP)  # a machine that hangs or leaves the network
        try:
            result, ended = ending.wait(ray_cluster.SILENCE_SECONDS + 4)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(handle.worker.pid, signal.SIGKILL)

        assert ended - frozen < 10
        assert result.state == JobState.FAILED and result.message.startswith(LOST_MESSAGE)
        assert "no word from it" in result.message

    def test_a_job_that_raises_in_its_task_fails_naming_the_node_and_the_error(self, executor):
        ending = Ending()
        handle = executor.start(JobSpec("bad-spec", config="not a config"), ending)
        result, _ = ending.wait(WARM_SECONDS)  # after the tests above, a fresh worker may warm first
        assert result.state == JobState.FAILED and not handle.lost
        assert result.message == (f"The job failed on {handle.worker.node}: "
                                  "AttributeError: 'str' object has no attribute 'dataset'")

    def test_describe_says_where_jobs_run(self, executor):
        description = executor.describe()
        assert description["backend"] == "ray" and description["address"] == "local"
        assert [node["alive"] for node in description["nodes"]] == [True]
        assert description["cpus"] == ray.cluster_resources()["CPU"]
        assert description["busy"] == 0 and description["cpus_per_job"] == 2


@pytest.fixture(scope="class")
def cluster():
    """Ray's own two-node test cluster (a head and a second node, 2 CPUs each), joined by address."""
    # Health checks every 0.5 s: Ray marks a lost node dead within seconds, not its default ~15 s.
    health = {"health_check_period_ms": 500, "health_check_failure_threshold": 3}
    cluster = Cluster(initialize_head=True,
                      head_node_args={"num_cpus": 2, "_system_config": health})
    try:
        second = cluster.add_node(num_cpus=2)
        cluster.wait_for_nodes()
        executor = RayExecutor(cluster.address, cpus_per_job=2)
        assert_loopback_only()
        assert executor.wait_warm(WARM_SECONDS)
        yield cluster, second, executor
        executor.shutdown()
    finally:
        ray.shutdown()
        cluster.shutdown()


@pytest.mark.usefixtures("real_mnist")
class TestTwoNodes:

    def test_jobs_land_on_both_nodes(self, cluster):
        _, _, executor = cluster
        assert executor.capacity() == 2
        assert len(executor.describe()["nodes"]) == 2
        jobs = [start(executor, SMALL, f"node{index}") for index in range(2)]
        results = [ending.wait(120)[0] for _, ending in jobs]
        assert [result.state for result in results] == [JobState.COMPLETED] * 2
        assert results[0].node != results[1].node

    def test_a_lost_node_fails_the_job_it_ran_within_ten_seconds(self, cluster):
        head_cluster, second, executor = cluster
        jobs = [start(executor, LONG, f"long{index}") for index in range(2)]
        for handle, _ in jobs:
            watch(handle, lambda snapshot: snapshot.step >= 20, timeout=120)
        on_lost_node = [job for job in jobs if job[0].worker.node_id == second.node_id]
        on_head = [job for job in jobs if job[0].worker.node_id != second.node_id]
        assert len(on_lost_node) == len(on_head) == 1
        removed = time.perf_counter()
        head_cluster.remove_node(second, allow_graceful=False)
        result, ended = on_lost_node[0][1].wait(15)
        assert ended - removed < 10, f"the lost node's job ended {ended - removed:.1f} s later"
        assert result.state == JobState.FAILED and result.message.startswith(LOST_MESSAGE)
        on_head[0][0].stop("Stopped by the learner")
        assert on_head[0][1].wait(10)[0].state == JobState.STOPPED
        deadline = time.monotonic() + 20
        while executor.capacity() != 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert executor.capacity() == 1, "capacity still counts the lost node's CPUs"
        assert [node["alive"] for node in executor.describe()["nodes"]].count(True) == 1
