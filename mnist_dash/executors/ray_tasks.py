"""What runs inside Ray's worker processes: a long-lived `Trainer` actor that serves jobs.

Ray imports this module in worker processes on every node, so it imports neither Streamlit nor
(until a job or warm-up needs it) TensorFlow. One `Trainer` per job slot keeps TensorFlow imported,
the dataset loaded and Keras's functions warm across jobs, so a job costs a method call, not a
worker process. A job is a generator method: it trains in a thread of the actor and, from the
method's own thread, sends who and where it is, then a progress snapshot every PROGRESS_SECONDS
(also a heartbeat for the app), then the `TrainResult` with the process's memory. Stop is a second
method on the same actor (it serves two calls at once), which the training loop reads from memory.
"""

from __future__ import annotations

import os
import resource
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import ray

from mnist_dash.config import TrainConfig
from mnist_dash.executors.base import JobSpec, TrainResult
from mnist_dash.executors.worker import run_job
from mnist_dash.progress import Progress

PROGRESS_SECONDS = 0.25  # how often a job sends its progress home

# Enough samples (images x epochs) for training to use XLA, so warming compiles with it too.
WARM_UP = TrainConfig(hidden_units=(8,), epochs=10, train_size=5_000)


@dataclass(frozen=True)
class WorkerInfo:
    """Which process on which node runs a job; the first thing every job sends home."""

    pid: int
    node_id: str  # Ray's node id (hex)
    node: str  # for people: the node's address and short id, e.g. "10.0.0.5 (3fa2b1c0)"
    jobs_run: int  # jobs this worker process has started, this one included


@dataclass(frozen=True)
class JobEnd:
    """A job's last message: its result, and how much memory its worker process now holds."""

    result: TrainResult
    rss_bytes: int


def rss_bytes() -> int:
    """This process's resident memory now (Linux: /proc; elsewhere its peak)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Trainer:
    """One job slot: a worker process that trains the jobs it is given, one at a time.

    The executor makes it a Ray actor holding the job's CPUs (and GPUs), with `max_concurrency=2`
    so that `stop` is served while `train` runs."""

    def __init__(self) -> None:
        self._jobs_run = 0
        self._stops: dict[str, str] = {}

    def warm(self, data_path: str | None) -> WorkerInfo:
        """Pay the cold start off a learner's clock: TensorFlow and Keras imports (about 7 s), the
        dataset, the first XLA compilation, predict and save, by a job stopped at its first batch."""
        run_job(JobSpec("warm-up", WARM_UP, data_path), Progress(), should_stop=lambda: "warm-up done")
        return self._info()

    def stop(self, job_id: str, reason: str) -> None:
        self._stops[job_id] = reason

    def train(self, spec: JobSpec) -> Iterator[tuple[str, object]]:
        """Yield ("started", WorkerInfo), ("progress", ProgressSnapshot)..., ("result", JobEnd)."""
        # Before the first message, which arms the app's watch for silence: were this worker not
        # warmed, loading TensorFlow's libraries would hold the interpreter for seconds.
        from mnist_dash import training as _imports_tensorflow  # noqa: F401

        self._jobs_run += 1
        yield "started", self._info()
        progress = Progress()
        outcome: list[TrainResult | Exception] = []

        def train() -> None:
            try:
                outcome.append(run_job(spec, progress, lambda: self._stops.get(spec.job_id),
                                       node=self._info().node))
            except Exception as error:  # run_job reports training's failures; this is a bad spec
                outcome.append(error)

        thread = threading.Thread(target=train, name=f"job-{spec.job_id}", daemon=True)
        thread.start()
        while thread.is_alive():
            thread.join(PROGRESS_SECONDS)
            if thread.is_alive():
                yield "progress", progress.snapshot()
        self._stops.pop(spec.job_id, None)
        if isinstance(outcome[0], Exception):
            raise outcome[0]  # reaches the app as the cause of a RayTaskError
        yield "result", JobEnd(outcome[0], rss_bytes())

    def _info(self) -> WorkerInfo:
        node_id = ray.get_runtime_context().get_node_id()
        node = f"{ray.util.get_node_ip_address()} ({node_id[:8]})"
        return WorkerInfo(os.getpid(), node_id, node, self._jobs_run)
