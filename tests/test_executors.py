"""The thread executor: progress, stop within a batch, capacity, on_end exactly once."""

import pickle
import threading
import time

import pytest

from mnist_dash.config import TrainConfig
from mnist_dash.executors.base import JobSpec
from mnist_dash.executors.threads import ThreadExecutor
from mnist_dash.vocabulary import JobState
from tests.test_jobs import fake_train

SPEC = JobSpec("job1", TrainConfig(hidden_units=(16,), epochs=1))


class Ends:
    """Collects on_end calls; `done` is set at the first."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.done = threading.Event()

    def __call__(self, job_id, result) -> None:
        self.calls.append((job_id, result, threading.current_thread().name))
        self.done.set()


@pytest.fixture
def make_executor(tiny_dataset):
    executors = []

    def make(workers: int = 1, train_fn=None) -> ThreadExecutor:
        executor = ThreadExecutor(workers, lambda name, path: tiny_dataset, train_fn)
        executors.append(executor)
        return executor

    yield make
    for executor in executors:
        executor.shutdown()


def test_a_job_reports_progress_and_ends_once_with_plain_data(make_executor):
    executor = make_executor(train_fn=fake_train(steps=30, seconds=0.01))
    ends = Ends()
    handle = executor.start(SPEC, ends)
    time.sleep(0.1)
    assert 0 < handle.progress().step < 30
    assert ends.done.wait(5)
    time.sleep(0.1)
    (job_id, result, thread), = ends.calls
    assert job_id == "job1" and result.state == JobState.COMPLETED and thread.startswith("mnist-dash")
    assert result.progress.step == 30 and result.node.startswith("local")
    assert pickle.loads(pickle.dumps(result)).state == JobState.COMPLETED  # can cross processes


def test_stop_is_seen_within_one_batch(make_executor):
    executor = make_executor(train_fn=fake_train(steps=10_000, seconds=0.05))
    ends = Ends()
    handle = executor.start(SPEC, ends)
    time.sleep(0.2)
    asked, step = time.monotonic(), handle.progress().step
    handle.stop("Stopped on request.")
    handle.stop("a later reason does not replace the first")
    assert ends.done.wait(5)
    _, result, _ = ends.calls[0]
    assert time.monotonic() - asked < 1.0
    assert result.state == JobState.STOPPED and result.message == "Stopped on request."
    assert result.progress.step - step <= 1


def test_capacity_bounds_the_jobs_running_at_once(make_executor):
    release = threading.Event()
    executor = make_executor(workers=2, train_fn=fake_train(release))
    assert executor.capacity() == 2
    ends = Ends()
    executor.start(SPEC, ends)
    executor.start(JobSpec("job2", SPEC.config), ends)
    assert executor.capacity() == 0
    with pytest.raises(RuntimeError, match="busy"):
        executor.start(JobSpec("job3", SPEC.config), ends)
    assert executor.describe()["busy"] == 2
    release.set()
    deadline = time.monotonic() + 5
    while len(ends.calls) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sorted(call[0] for call in ends.calls) == ["job1", "job2"]
    assert executor.capacity() == 2


def test_a_worker_is_free_again_when_on_end_runs(make_executor):
    """The manager starts the next job from on_end: the ended one must not count any more."""
    executor = make_executor(train_fn=fake_train(steps=2))
    seen = []
    done = threading.Event()

    def on_end(job_id, result):
        seen.append(executor.capacity())
        done.set()

    executor.start(SPEC, on_end)
    assert done.wait(5) and seen == [1]


def test_a_failing_job_and_a_broken_callback_leave_the_worker_alive(make_executor):
    def broken(*args):
        raise RuntimeError("out of cheese")

    executor = make_executor(train_fn=broken)
    ends = Ends()

    def raising_on_end(job_id, result):
        ends(job_id, result)
        raise ValueError("a bug in the caller")

    executor.start(SPEC, raising_on_end)
    assert ends.done.wait(5)
    assert ends.calls[0][1].state == JobState.FAILED and "out of cheese" in ends.calls[0][1].message
    executor.train_fn = fake_train(steps=2)
    again = Ends()
    executor.start(JobSpec("job2", SPEC.config), again)
    assert again.done.wait(5) and again.calls[0][1].state == JobState.COMPLETED


def test_no_data_is_a_failed_result_not_an_exception():
    from mnist_dash import data

    def missing(name, path):
        raise data.DataError("no MNIST on this machine")

    executor = ThreadExecutor(1, missing, fake_train())
    ends = Ends()
    try:
        executor.start(SPEC, ends)
        assert ends.done.wait(5)
    finally:
        executor.shutdown()
    result = ends.calls[0][1]
    assert result.state == JobState.FAILED and "no MNIST" in result.message


def test_shutdown_stops_running_jobs_and_they_still_end(make_executor):
    executor = make_executor(train_fn=fake_train(steps=10_000))
    ends = Ends()
    executor.start(SPEC, ends)
    time.sleep(0.1)
    executor.shutdown(timeout=5)
    assert [call[1].state for call in ends.calls] == [JobState.STOPPED]
    assert "shutting down" in ends.calls[0][1].message
