"""What runs inside Ray's worker processes: the training task, its warm-up, and the Stop board.

Ray imports this module in worker processes on every node, so it imports neither Streamlit nor
(until a job or warm-up needs it) TensorFlow. A job is a generator task: it trains in a thread of
its worker and, from the task's own thread, sends who and where it is, then a progress snapshot
every PROGRESS_SECONDS (also a heartbeat for the app), then the `TrainResult`. Stop requests wait
on a `StopBoard` actor that the task polls without blocking the training loop.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import ray

from mnist_dash.config import TrainConfig
from mnist_dash.executors.base import JobSpec, TrainResult
from mnist_dash.executors.worker import run_job
from mnist_dash.progress import Progress

STOP_POLL_SECONDS = 0.1  # how often a job asks the board whether it should stop
PROGRESS_SECONDS = 0.25  # how often a job sends its progress home

# Enough samples (images x epochs) for training to use XLA, so warming compiles with it too.
WARM_UP = TrainConfig(hidden_units=(8,), epochs=10, train_size=5_000)

_jobs_run = 0  # training tasks this worker process has started (Ray ends it after max_calls)


@dataclass(frozen=True)
class WorkerInfo:
    """Which process on which node runs a job; the first thing every job sends home."""

    pid: int
    node_id: str  # Ray's node id (hex)
    node: str  # for people: the node's address and short id, e.g. "10.0.0.5 (3fa2b1c0)"
    jobs_run: int  # jobs this worker process has started, this one included


@ray.remote(num_cpus=0)  # on no CPU: a CPU-holding actor can starve the jobs it serves, silently
class StopBoard:
    """Stop requests by job id, one board per executor: the app writes, jobs read."""

    def __init__(self) -> None:
        self._reasons: dict[str, str] = {}

    def request(self, job_id: str, reason: str) -> None:
        self._reasons[job_id] = reason

    def reason(self, job_id: str) -> str | None:
        return self._reasons.get(job_id)

    def forget(self, job_id: str) -> None:
        self._reasons.pop(job_id, None)


class StopWatch:
    """One job's Stop request as the training loop sees it: read without waiting on the board."""

    def __init__(self, board, job_id: str) -> None:
        self._board, self._job_id = board, job_id
        self._pending = board.reason.remote(job_id)
        self._reason: str | None = None

    def poll(self) -> None:
        """Take the board's answer if it has come, and ask again."""
        if self._reason is not None or not ray.wait([self._pending], timeout=0)[0]:
            return
        self._reason = ray.get(self._pending)
        if self._reason is None:
            self._pending = self._board.reason.remote(self._job_id)

    def reason(self) -> str | None:
        return self._reason


def worker_info(jobs_run: int) -> WorkerInfo:
    node_id = ray.get_runtime_context().get_node_id()
    node = f"{ray.util.get_node_ip_address()} ({node_id[:8]})"
    return WorkerInfo(os.getpid(), node_id, node, jobs_run)


def train_job(spec: JobSpec, board) -> Iterator[tuple[str, object]]:
    """Yield ("started", WorkerInfo), ("progress", ProgressSnapshot)..., ("result", TrainResult)."""
    global _jobs_run
    # Before the first message, which arms the app's watch for silence: in a cold worker, loading
    # TensorFlow's libraries holds the interpreter for seconds.
    from mnist_dash import training as _imports_tensorflow  # noqa: F401

    _jobs_run += 1
    info = worker_info(_jobs_run)
    yield "started", info
    progress, stop = Progress(), StopWatch(board, spec.job_id)
    outcome: list[TrainResult | Exception] = []

    def train() -> None:
        try:
            outcome.append(run_job(spec, progress, stop.reason, node=info.node))
        except Exception as error:  # run_job reports training's failures; this is a bad spec
            outcome.append(error)

    thread = threading.Thread(target=train, name=f"job-{spec.job_id}", daemon=True)
    thread.start()
    last_sent = time.monotonic()
    while thread.is_alive():
        thread.join(STOP_POLL_SECONDS)
        stop.poll()
        if time.monotonic() - last_sent >= PROGRESS_SECONDS:
            yield "progress", progress.snapshot()
            last_sent = time.monotonic()
    if isinstance(outcome[0], Exception):
        raise outcome[0]  # reaches the app as the cause of a RayTaskError
    yield "result", outcome[0]


def warm_worker(data_path: str | None) -> WorkerInfo:
    """Pay a worker process's cold start off a learner's clock: TensorFlow and Keras imports
    (about 7 s), the dataset, the first XLA compilation, predict and save, by a job stopped at
    its first batch. The job that follows in this process has its first batch in under a second."""
    run_job(JobSpec("warm-up", WARM_UP, data_path), Progress(), should_stop=lambda: "warm-up done")
    return worker_info(_jobs_run)
