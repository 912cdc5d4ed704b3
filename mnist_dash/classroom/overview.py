"""The class at one moment, taken at most once per tick for every instructor session of the process.

Twenty projectors polling every second would otherwise each snapshot every job, look up every
name and sample the server's load: the same work twenty times, and a load meter sampled over
milliseconds. `OverviewCache.get` hands every session the one overview of the current tick.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mnist_dash.classroom.auth import Instructor, require_instructor
from mnist_dash.classroom.load import ServerLoad
from mnist_dash.classroom.room import Classroom
from mnist_dash.jobs import JobManager, JobSnapshot
from mnist_dash.vocabulary import JobState

TICK_SECONDS = 1.0  # an overview is shared until it is this old
LIVE = (JobState.RUNNING, JobState.STOPPING)


@dataclass(frozen=True)
class LearnerJob:
    """A learner's newest job and the name people see (None: a job from the command line)."""

    name: str | None
    job: JobSnapshot


@dataclass(frozen=True)
class ClassOverview:
    """Each learner's newest job (oldest learner first), the executor's description, the load."""

    learners: tuple[LearnerJob, ...]
    described: dict[str, Any]
    load: ServerLoad
    taken: float  # time.monotonic() when it was taken

    @property
    def active(self) -> tuple[LearnerJob, ...]:
        """The jobs that can still be stopped (queued, running or stopping)."""
        return tuple(learner for learner in self.learners if learner.job.active)

    @property
    def running(self) -> tuple[LearnerJob, ...]:
        """The jobs whose loss curve moves."""
        return tuple(learner for learner in self.learners if learner.job.state in LIVE)


def latest_per_learner(jobs: list[JobSnapshot]) -> list[JobSnapshot]:
    """Each learner's newest job (`jobs` oldest first, as JobManager.all_jobs gives them)."""
    return list({job.owner or job.job_id: job for job in jobs}.values())


class OverviewCache:
    """One ClassOverview per tick for the whole process; safe to call from any session's thread."""

    def __init__(self, manager: JobManager, room: Classroom, max_age: float = TICK_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._manager, self._room, self._max_age, self._clock = manager, room, max_age, clock
        self._lock = threading.Lock()
        self._latest: ClassOverview | None = None

    def get(self, instructor: Instructor) -> ClassOverview:
        """The current tick's overview, taken now if the last one is `max_age` old (instructor only)."""
        require_instructor(instructor)
        with self._lock:
            now = self._clock()
            if self._latest is None or now - self._latest.taken >= self._max_age:
                self._latest = self._take(instructor, now)
            return self._latest

    def _take(self, instructor: Instructor, now: float) -> ClassOverview:
        names = self._room.names
        learners = tuple(LearnerJob(names.name_of(job.owner) if job.owner else None, job)
                         for job in latest_per_learner(self._manager.all_jobs(instructor)))
        return ClassOverview(learners, self._manager.describe(), self._room.server_load(), now)
