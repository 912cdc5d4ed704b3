"""A process-wide job manager: training runs in worker threads, pages read snapshots."""

from __future__ import annotations

import collections
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from mnist_dash import data
from mnist_dash.config import TrainConfig
from mnist_dash.progress import Progress, ProgressSnapshot
from mnist_dash.runs import RunRecord, RunStore, new_run_id

log = logging.getLogger(__name__)

QUEUED, RUNNING, STOPPING = "queued", "running", "stopping"
COMPLETED, STOPPED, FAILED, DIVERGED = "completed", "stopped", "failed", "diverged"
ACTIVE_STATES = (QUEUED, RUNNING, STOPPING)


class JobRefused(Exception):
    """A job could not be accepted; the message says why and what to do."""


def default_concurrency() -> int:
    """TensorFlow already uses every core for one job; a second per 4 cores keeps pages responsive."""
    return max(1, (os.cpu_count() or 1) // 4)


@dataclass(frozen=True)
class JobSnapshot:
    """An immutable view of a job for pages to draw."""

    job_id: str
    owner: str | None
    config: TrainConfig
    state: str
    message: str
    queue_position: int | None
    progress: ProgressSnapshot
    run_id: str | None
    test_accuracy: float | None
    test_loss: float | None
    saved: bool
    save_error: str | None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES


class Job:
    """One training request; the worker writes it, everyone else reads snapshots."""

    def __init__(self, config: TrainConfig, owner: str | None) -> None:
        self.job_id = uuid.uuid4().hex[:12]
        self.owner = owner
        self.config = config
        self.progress = Progress()
        self.stop_event = threading.Event()
        self.state = QUEUED
        self.message = ""
        self.record: RunRecord | None = None
        self.created = time.monotonic()
        self.started: float | None = None
        self.ended: float | None = None
        self.last_seen = time.monotonic()

    def touch(self) -> None:
        """A page looked at this job: someone is still watching."""
        self.last_seen = time.monotonic()


class JobManager:
    """Runs at most `max_concurrent` jobs at once; queues up to `max_queue` more."""

    def __init__(self, store: RunStore, dataset_loader: Callable | None = None,
                 max_concurrent: int | None = None, max_queue: int = 16,
                 max_seconds: float = 30 * 60, unwatched_seconds: float | None = None,
                 keep_seconds: float = 2 * 3600, train_fn: Callable | None = None) -> None:
        self.store = store
        self.dataset_loader = dataset_loader or data.get_dataset
        self.max_concurrent = max_concurrent or default_concurrency()
        self.max_queue = max_queue
        self.max_seconds = max_seconds
        self.unwatched_seconds = unwatched_seconds
        self.keep_seconds = keep_seconds
        self.train_fn = train_fn
        self._jobs: dict[str, Job] = {}
        self._queue: collections.deque[Job] = collections.deque()
        self._lock = threading.Condition()
        self._closed = False
        self._workers = [
            threading.Thread(target=self._work, name=f"mnist-dash-worker-{i}", daemon=True)
            for i in range(self.max_concurrent)
        ]
        for worker in self._workers:
            worker.start()

    def submit(self, config: TrainConfig, owner: str | None = None) -> Job:
        with self._lock:
            self._evict_old()
            if owner is not None and self.active_job(owner):
                raise JobRefused("You already have a training job running; stop it first.")
            if len(self._queue) >= self.max_queue:
                raise JobRefused(
                    f"The server is busy: {len(self._queue)} jobs are already waiting. "
                    "Try again in a minute, or make your run smaller (fewer epochs or images)."
                )
            job = Job(config, owner)
            self._jobs[job.job_id] = job
            self._queue.append(job)
            self._lock.notify()
            return job

    def get(self, job_id: str | None) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id) if job_id else None

    def active_job(self, owner: str) -> Job | None:
        with self._lock:
            for job in self._jobs.values():
                if job.owner == owner and job.state in ACTIVE_STATES:
                    return job
        return None

    def jobs_of(self, owner: str) -> list[Job]:
        with self._lock:
            return sorted((j for j in self._jobs.values() if j.owner == owner),
                          key=lambda j: j.created, reverse=True)

    def stop(self, job_id: str) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return
            job.stop_event.set()
            if job.state == QUEUED:
                self._queue.remove(job)
                job.state, job.message = STOPPED, "Cancelled before it started."
                job.ended = time.monotonic()
            elif job.state == RUNNING:
                job.state = STOPPING

    def snapshot(self, job_id: str) -> JobSnapshot | None:
        job = self.get(job_id)
        if job is None:
            return None
        job.touch()
        with self._lock:
            position = self._queue.index(job) + 1 if job.state == QUEUED else None
            record = job.record
            return JobSnapshot(
                job_id=job.job_id, owner=job.owner, config=job.config, state=job.state,
                message=job.message, queue_position=position, progress=job.progress.snapshot(),
                run_id=record.run_id if record else None,
                test_accuracy=record.metrics.get("test_accuracy") if record else None,
                test_loss=record.metrics.get("test_loss") if record else None,
                saved=record.saved if record else False,
                save_error=record.save_error if record else None,
            )

    def wait(self, job_id: str, timeout: float | None = None) -> JobSnapshot | None:
        """Block until the job has ended (for the CLI and tests)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            snap = self.snapshot(job_id)
            if snap is None or not snap.active:
                return snap
            if deadline is not None and time.monotonic() > deadline:
                return snap
            time.sleep(0.05)

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop every job and end the workers (tests; the server just exits)."""
        with self._lock:
            self._closed = True
            ids = list(self._jobs)
            self._lock.notify_all()
        for job_id in ids:
            self.stop(job_id)
        for worker in self._workers:
            worker.join(timeout)

    def _evict_old(self) -> None:
        """Forget ended jobs after keep_seconds; their runs stay on disk."""
        now = time.monotonic()
        for job_id, job in list(self._jobs.items()):
            if job.ended is not None and now - job.ended > self.keep_seconds:
                del self._jobs[job_id]

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._queue and not self._closed:
                    self._lock.wait()
                if self._closed:
                    return
                job = self._queue.popleft()
                job.state, job.started = RUNNING, time.monotonic()
            self._run(job)

    def _should_stop(self, job: Job) -> str | None:
        now = time.monotonic()
        if job.stop_event.is_set():
            return "Stopped on request."
        if now - job.started > self.max_seconds:
            return f"Stopped at the time limit of {self.max_seconds / 60:g} minutes per run."
        if self.unwatched_seconds and now - job.last_seen > self.unwatched_seconds:
            return f"Stopped: nobody looked at it for {self.unwatched_seconds:g} s (tab closed?)."
        return None

    def _run(self, job: Job) -> None:
        record = RunRecord(run_id=new_run_id(), config=job.config, state=FAILED)
        try:
            train_fn = self.train_fn or _default_train_fn()
            dataset = self.dataset_loader(job.config.dataset)
            outcome = train_fn(job.config, dataset, job.progress, lambda: self._should_stop(job))
            _fill_record(record, outcome)
        except Exception as error:  # the manager must survive any job's failure
            log.exception("job %s failed", job.job_id)
            record.state, record.message = FAILED, f"{type(error).__name__}: {error}"
        _fill_progress(record, job.progress)
        self._save(record)
        with self._lock:
            job.record, job.state, job.message = record, record.state, record.message
            job.ended = time.monotonic()

    def _save(self, record: RunRecord) -> None:
        try:
            self.store.save(record)
        except Exception as error:  # full disk, no permission: keep it in memory
            log.warning("could not save run %s: %s", record.run_id, error)
            record.saved = False
            record.save_error = (
                f"This run could not be saved to {self.store.root} ({error}). "
                "It stays available in this session until the server restarts."
            )


def _default_train_fn() -> Callable:
    from mnist_dash import training  # imports TensorFlow: only when a job really runs

    return training.train


def _fill_record(record: RunRecord, outcome) -> None:
    record.state, record.message, record.model = outcome.state, outcome.message, outcome.model
    record.history = outcome.history
    record.test_outputs, record.test_probabilities = outcome.test_outputs, outcome.test_probabilities
    record.metrics = {
        "test_accuracy": outcome.test_accuracy, "test_loss": outcome.test_loss,
        "epochs_completed": outcome.epochs_completed, "train_seconds": outcome.train_seconds,
        "samples_per_second": outcome.samples_per_second, "xla": outcome.xla,
        "parameters": record.config.parameter_count,
    }


def _fill_progress(record: RunRecord, progress: Progress) -> None:
    snap = progress.snapshot()
    record.batch_series = {
        "step": list(snap.batch_steps), "loss": list(snap.batch_loss),
        "accuracy": list(snap.batch_accuracy),
        "steps_per_epoch": snap.steps_per_epoch, "num_epochs": snap.num_epochs,
    }
    if not record.history:
        record.history = list(snap.epochs)
