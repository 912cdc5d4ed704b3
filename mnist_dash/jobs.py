"""The job manager: schedules training jobs onto an executor; everyone else reads snapshots.

It keeps a bounded first-come-first-served queue, one active job per learner, a time limit per
run and a stop for runs nobody watches; it saves each ended run and forgets ended jobs after a
while. How and where a job runs is its executor's business (mnist_dash/executors/).
"""

from __future__ import annotations

import collections
import itertools
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mnist_dash import queue_estimate
from mnist_dash.classroom.auth import Instructor, require_instructor
from mnist_dash.config import TrainConfig
from mnist_dash.executors.base import Executor, JobHandle, JobSpec, TrainResult, without_payload
from mnist_dash.executors.threads import ThreadExecutor, default_concurrency
from mnist_dash.i18n import Msg, message_of
from mnist_dash.progress import Progress, ProgressSnapshot
from mnist_dash.runs import RunRecord, RunStore, new_run_id
from mnist_dash.vocabulary import JobState

log = logging.getLogger(__name__)

NOT_STARTED = Progress().snapshot()


class JobRefused(Exception):
    """A job could not be accepted; the message (a Msg, args[0]) says why and what to do."""


class NotYourJob(Exception):
    """A learner asked to act on another learner's job (the message is a Msg, args[0])."""


@dataclass(frozen=True)
class JobSnapshot:
    """An immutable view of a job for pages to draw."""

    job_id: str
    owner: str | None
    config: TrainConfig
    state: JobState
    message: str  # a Msg while in memory: draw it with _(message)
    queue_position: int | None  # 1 = next to start; None unless queued
    progress: ProgressSnapshot
    run_id: str | None
    test_accuracy: float | None
    test_loss: float | None
    saved: bool
    save_error: str | None
    node: str  # where it trained; "" until it has ended
    wait_seconds: float | None = None  # while queued: the estimated wait until it starts

    @property
    def active(self) -> bool:
        return self.state.active


class _Job:
    """One training request, as only the manager sees it."""

    def __init__(self, spec: JobSpec, owner: str | None) -> None:
        self.spec = spec
        self.owner = owner
        self.state = JobState.QUEUED
        self.message = ""
        self.handle: JobHandle | None = None
        self.result: TrainResult | None = None
        self.record: RunRecord | None = None
        self.created = self.last_seen = time.monotonic()
        self.started: float | None = None
        self.ended: float | None = None

    @property
    def config(self) -> TrainConfig:
        return self.spec.config


class JobManager:
    """Starts queued jobs while the executor has capacity; queues up to `max_queue` more."""

    def __init__(self, store: RunStore, executor: Executor | None = None, max_queue: int = 16,
                 max_seconds: float = 30 * 60, unwatched_seconds: float | None = None,
                 keep_seconds: float = 2 * 3600,
                 data_path_for: Callable[[str], str | None] | None = None,
                 admission: Callable[[TrainConfig, str | None], None] | None = None,
                 on_run_end: Callable[[str | None, RunRecord], None] | None = None) -> None:
        """`admission(config, owner)` may refuse a job by raising JobRefused (classroom rules, a
        pause); `on_run_end(owner, record)` hears of every saved run before its job is marked
        ended, so that owner's next job cannot overtake it."""
        self.store = store
        self.executor = executor or ThreadExecutor(default_concurrency())
        self.max_queue = max_queue
        self.max_seconds = max_seconds
        self.unwatched_seconds = unwatched_seconds
        self.keep_seconds = keep_seconds
        self.data_path_for = data_path_for or (lambda name: None)
        self.admission = admission
        self.on_run_end = on_run_end
        self._jobs: dict[str, _Job] = {}
        self._queue: collections.deque[_Job] = collections.deque()
        # Re-entrant: an executor may call on_end from inside start().
        self._lock = threading.Condition(threading.RLock())
        self._closed = False
        self._monitor = threading.Thread(target=self._enforce_limits, name="mnist-dash-job-limits",
                                         daemon=True)
        self._monitor.start()

    def submit(self, config: TrainConfig, owner: str | None = None) -> JobSnapshot:
        with self._lock:
            self._evict_old()
            if (reason := self.executor.unavailable()) is not None:
                raise JobRefused(reason)  # e.g. the cluster is unreachable: never run elsewhere
            if owner is not None and self._has_active_job(owner):
                raise JobRefused(Msg("You already have a training job running; stop it first."))
            if len(self._queue) >= self.max_queue:
                raise JobRefused(Msg(
                    "The server is busy: {waiting} jobs are already waiting. Try again in a "
                    "minute, or make your run smaller (fewer epochs or images).",
                    waiting=len(self._queue)))
            if self.admission is not None:
                self.admission(config, owner)  # raises JobRefused, whatever the page allowed
            spec = JobSpec(uuid.uuid4().hex[:12], config, self.data_path_for(config.dataset))
            job = _Job(spec, owner)
            self._jobs[spec.job_id] = job
            self._queue.append(job)
            self._dispatch()
            return self._snapshot(job)

    def stop(self, job_id: str, owner: str | None) -> None:
        """Cancel a queued job, or ask a running one to stop after its current batch."""
        with self._lock:
            job = self._owned_job(job_id, owner)
            if job is not None:
                self._request_stop(job, Msg("Stopped on request."))

    def stop_any(self, job_id: str, instructor: Instructor) -> None:
        """The instructor stops any learner's job (NotInstructor without the capability)."""
        require_instructor(instructor)
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                self._request_stop(job, Msg("Stopped by the instructor."))

    def all_jobs(self, instructor: Instructor) -> list[JobSnapshot]:
        """Every job still in memory, oldest first, for the instructor's view of the class."""
        require_instructor(instructor)
        with self._lock:
            jobs = sorted(self._jobs.values(), key=lambda job: job.created)
            return [self._snapshot(job) for job in jobs]

    def mark_watched(self, job_id: str, owner: str | None) -> None:
        """Someone is looking at the job: it is not stopped as unwatched for a while."""
        with self._lock:
            job = self._owned_job(job_id, owner)
            if job is not None:
                job.last_seen = time.monotonic()

    def snapshot(self, job_id: str | None) -> JobSnapshot | None:
        with self._lock:
            job = self._jobs.get(job_id) if job_id else None
            return self._snapshot(job) if job else None

    def jobs_of(self, owner: str) -> list[JobSnapshot]:
        """The owner's jobs still in memory, newest first."""
        with self._lock:
            return [self._snapshot(job) for job in self._jobs_of(owner)]

    def records_of(self, owner: str) -> list[RunRecord]:
        """The owner's ended runs still in memory (also those that could not be saved), newest first."""
        with self._lock:
            return [job.record for job in self._jobs_of(owner) if job.record is not None]

    def describe(self) -> dict[str, Any]:
        """The executor's description, and how many jobs wait in line."""
        with self._lock:
            waiting = len(self._queue)
        return {**self.executor.describe(), "waiting": waiting, "max_queue": self.max_queue}

    def unavailable(self) -> str | None:
        """Why new jobs are refused now (the executor cannot start any), for every page to show."""
        return self.executor.unavailable()

    def wait(self, job_id: str, timeout: float | None = None) -> JobSnapshot | None:
        """Block until the job has ended or `timeout` passed (for the CLI and tests)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while (job := self._jobs.get(job_id)) is not None and job.state.active:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    break
                self._lock.wait(left)
            return self._snapshot(job) if job else None

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop every job, let the running ones end and be saved (tests; the server just exits)."""
        with self._lock:
            self._closed = True
            for job in list(self._jobs.values()):
                self._request_stop(job, Msg("Stopped: the server is shutting down."))
            self._lock.notify_all()
        self.executor.shutdown(timeout)
        self._monitor.join(timeout)

    def _jobs_of(self, owner: str | None) -> list[_Job]:
        owned = (j for j in self._jobs.values() if j.owner == owner)
        return sorted(owned, key=lambda job: job.created, reverse=True)

    def _has_active_job(self, owner: str) -> bool:
        return any(job.owner == owner and job.state.active for job in self._jobs.values())

    def _owned_job(self, job_id: str, owner: str | None) -> _Job | None:
        job = self._jobs.get(job_id)
        if job is not None and job.owner != owner:
            raise NotYourJob(Msg("Job {job_id} belongs to another learner: you can only stop or "
                                 "watch your own jobs.", job_id=job_id))
        return job

    def _snapshot(self, job: _Job) -> JobSnapshot:
        record, result = job.record, job.result
        if result is not None:
            progress = result.progress or NOT_STARTED
        else:
            progress = job.handle.progress() if job.handle else NOT_STARTED
        return JobSnapshot(
            job_id=job.spec.job_id, owner=job.owner, config=job.config, state=job.state,
            message=job.message,
            queue_position=self._queue.index(job) + 1 if job.state == JobState.QUEUED else None,
            progress=progress, run_id=record.run_id if record else None,
            test_accuracy=record.metrics.get("test_accuracy") if record else None,
            test_loss=record.metrics.get("test_loss") if record else None,
            saved=record.saved if record else False,
            save_error=record.save_error if record else None,
            node=result.node if result else "",
            wait_seconds=self._wait_estimate(job) if job.state == JobState.QUEUED else None,
        )

    def _wait_estimate(self, job: _Job) -> float | None:
        """From the measured speed of the running jobs (None until one has been measured)."""
        running = [j.handle.progress() for j in self._jobs.values()
                   if j.state in (JobState.RUNNING, JobState.STOPPING) and j.handle is not None]
        ahead = [j.config for j in itertools.takewhile(lambda j: j is not job, self._queue)]
        slots = len(running) + self.executor.capacity()
        return queue_estimate.wait_seconds(running, ahead, slots)

    def _request_stop(self, job: _Job, reason: str) -> None:
        if job.state == JobState.QUEUED:
            self._queue.remove(job)
            job.state, job.message = JobState.STOPPED, Msg("Cancelled before it started.")
            job.ended = time.monotonic()
            self._lock.notify_all()
        elif job.state == JobState.RUNNING and job.handle is not None:
            job.state = JobState.STOPPING
            job.handle.stop(reason)

    def _dispatch(self) -> None:
        """Start queued jobs, first come first served, while the executor has room."""
        while not self._closed and self._queue and self.executor.capacity() > 0:
            job = self._queue.popleft()
            job.state, job.started = JobState.RUNNING, time.monotonic()
            try:
                handle = self.executor.start(job.spec, self._on_end)
            except Exception as error:  # e.g. a cluster gone: this job fails, the manager goes on
                log.exception("could not start job %s", job.spec.job_id)
                job.state = JobState.FAILED
                job.message = Msg("The run could not be started ({error}). Try again in a minute.",
                                  error=message_of(error))
                job.ended = time.monotonic()
                continue
            if job.state.active:  # the executor may have ended it already, inside start()
                job.handle = handle
        self._lock.notify_all()  # new deadlines for the limits thread, ended jobs for wait()

    def _on_end(self, job_id: str, result: TrainResult) -> None:
        """The executor's report that a job ended (from its thread): save the run, start the next."""
        with self._lock:
            job = self._jobs[job_id]
        record = RunRecord.from_result(new_run_id(), job.config, result)
        self._save(record)
        self._report_run_end(job.owner, record)
        if record.saved:  # the store has the model and predictions: memory keeps only the summary
            record, result = without_payload(record), without_payload(result)
        with self._lock:
            job.result, job.record = result, record
            job.state, job.message = record.state, record.message
            job.ended = time.monotonic()
            self._dispatch()

    def _report_run_end(self, owner: str | None, record: RunRecord) -> None:
        if self.on_run_end is None:
            return
        try:
            self.on_run_end(owner, record)
        except Exception:  # e.g. scoring failed: the run is saved, the manager goes on
            log.exception("on_run_end failed for run %s", record.run_id)

    def _save(self, record: RunRecord) -> None:
        try:
            self.store.save(record)
        except Exception as error:  # full disk, no permission: keep it in memory
            log.warning("could not save run %s: %s", record.run_id, error)
            record.saved = False
            record.save_error = Msg(
                "This run could not be saved to {folder} ({error}). It stays available in this "
                "session until the server restarts.", folder=str(self.store.root), error=message_of(error))

    def _enforce_limits(self) -> None:
        """The limits thread: stop running jobs past the time limit or that nobody watches."""
        with self._lock:
            while not self._closed:
                now, upcoming = time.monotonic(), []
                for job in [job for job in self._jobs.values() if job.state == JobState.RUNNING]:
                    limits = self._limits(job)
                    reached = [reason for when, reason in limits if now >= when]
                    if reached:
                        self._request_stop(job, reached[0])
                    else:
                        upcoming += [when for when, _ in limits]
                self._lock.wait(max(0.01, min(upcoming) - now) if upcoming else None)

    def _limits(self, job: _Job) -> list[tuple[float, str]]:
        """When the job must stop, and why: its time limit, and nobody watching it."""
        limits = [(job.started + self.max_seconds,
                   Msg("Stopped at the time limit of {minutes} minutes per run.",
                       minutes=format(self.max_seconds / 60, "g")))]
        if self.unwatched_seconds:
            limits.append((job.last_seen + self.unwatched_seconds,
                           Msg("Stopped: nobody looked at it for {seconds} s (tab closed?).",
                               seconds=format(self.unwatched_seconds, "g"))))
        return limits

    def _evict_old(self) -> None:
        """Forget ended jobs after keep_seconds; their runs stay on disk."""
        now = time.monotonic()
        for job_id, job in list(self._jobs.items()):
            if job.ended is not None and now - job.ended > self.keep_seconds:
                del self._jobs[job_id]
