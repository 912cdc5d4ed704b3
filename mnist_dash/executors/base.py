"""The executor seam: what a job manager hands an executor, and what comes back.

Everything that crosses it is plain, picklable data (a config, a data path, progress snapshots,
a result with the model as `.keras` bytes), so a job can run in another process on another machine.
The manager schedules (queue, limits, one job per learner); an executor only runs what it is given.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import numpy as np

from mnist_dash.config import TrainConfig
from mnist_dash.progress import ProgressSnapshot
from mnist_dash.vocabulary import EpochRecord, JobState


@dataclass(frozen=True)
class JobSpec:
    """One job to run: which, what to train, and where its data comes from."""

    job_id: str
    config: TrainConfig
    data_path: str | None = None  # an override of where the dataset is found; None: the usual places


@dataclass
class TrainResult:
    """How a job ended and all it leaves behind; the manager turns it into a run record."""

    state: JobState  # COMPLETED, STOPPED, DIVERGED or FAILED
    message: str = ""
    history: list[EpochRecord] = field(default_factory=list)
    progress: ProgressSnapshot | None = None  # the last snapshot: curves for the run record
    metrics: dict[str, Any] = field(default_factory=dict)  # test_accuracy, test_loss, train_seconds, ...
    test_outputs: np.ndarray | None = None  # (n_test, classes) float32, raw network outputs
    test_probabilities: np.ndarray | None = None
    model_bytes: bytes | None = None  # the trained model as a .keras file
    node: str = ""  # where it trained: "local" or a cluster node's address
    tensorboard_files: dict[str, bytes] = field(default_factory=dict)  # event file name -> bytes


Ended = TypeVar("Ended")  # a TrainResult or a RunRecord (runs.py): both have these fields


def without_payload(ended: Ended) -> Ended:
    """A job's result or run without its model, predictions and event files: once the run store
    has them, what the job manager keeps in memory for the rest of the session."""
    return dataclasses.replace(ended, test_outputs=None, test_probabilities=None, model_bytes=None,
                               tensorboard_files={})


class JobHandle(Protocol):
    """A started job as its manager sees it."""

    def progress(self) -> ProgressSnapshot:
        """The latest progress; cheap, no side effects, safe from any thread."""
        ...

    def stop(self, reason: str) -> None:
        """Ask the job to end after its current batch, keeping what it learned; `reason` becomes
        the run's message."""
        ...


class Executor(Protocol):
    """Runs jobs somewhere; calls `on_end` exactly once per started job, from any thread.

    By the time a job's `on_end` runs, that job no longer counts against `capacity()`: the
    manager starts the next queued job from inside `on_end`.
    """

    def capacity(self) -> int:
        """How many jobs it can run at once now (the manager starts no more than that)."""
        ...

    def start(self, spec: JobSpec, on_end: Callable[[str, TrainResult], None]) -> JobHandle:
        """Start the job now; `on_end(job_id, result)` follows, also when the job fails."""
        ...

    def describe(self) -> dict[str, Any]:
        """What it is, for the instructor and the CLI: backend name, workers, nodes."""
        ...

    def unavailable(self) -> str | None:
        """Why no new job can start now (e.g. its cluster cannot be reached), for people; None
        when jobs can start. The manager refuses new jobs with this message."""
        ...

    def shutdown(self, timeout: float = 10.0) -> None:
        ...
