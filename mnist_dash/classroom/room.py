"""The classroom: the one object the UI holds for names, challenges, scoring, pause, broadcast and
the class's drawings.

Wire it into the job manager so the server enforces what pages show:
`JobManager(..., admission=room.admit, on_run_end=room.record)`. `admit` refuses jobs while
training is paused or when a config breaks the active challenge's rules; `record` scores a run
that was admitted under a challenge when it ends.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mnist_dash.classroom import scoring
from mnist_dash.classroom.auth import Instructor, require_instructor
from mnist_dash.classroom.challenges import Challenge, ChallengeBook, Submission, now_utc
from mnist_dash.classroom.drawings import DrawingBook
from mnist_dash.classroom.load import LoadMeter, ServerLoad
from mnist_dash.classroom.names import NameBook
from mnist_dash.config import TrainConfig
from mnist_dash.i18n import Msg, Refusal
from mnist_dash.jobs import JobRefused
from mnist_dash.runs import RunRecord
from mnist_dash.vocabulary import completed_epochs

# pandas (and the leaderboard, a table) take 0.5-2.5 s to import: imported where used, so a first
# visitor's page does not wait for them.
if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

MAX_BROADCAST = 200
CLASSROOM_DIR = "classroom"  # beside the runs, inside the run store's root


class RulesBroken(JobRefused):
    """A config breaks the active challenge's rules: args[0] is the first reason, `violations` all."""

    def __init__(self, violations: list[Msg]) -> None:
        super().__init__(violations[0])
        self.violations = violations


class BroadcastRefused(Refusal, ValueError):
    """A broadcast message that cannot be sent; `msg` says why."""


@dataclass(frozen=True)
class Broadcast:
    """The instructor's one-line message to everyone; `number` grows with each new one (show it once)."""

    text: str
    number: int
    sent: datetime


class Classroom:
    """One per server process; every method is safe to call from any session's thread."""

    def __init__(self, root: Path, test_labels: Callable[[str], np.ndarray],
                 clock: Callable[[], datetime] = now_utc) -> None:
        """`root`: its folder (runs root / CLASSROOM_DIR); `test_labels`: a dataset's y_test, by name."""
        self.root = Path(root)
        self.names = NameBook(self.root / "names.json")
        self.challenges = ChallengeBook(self.root)
        self.drawings = DrawingBook(self.root / "drawings.json")
        self._test_labels, self._clock = test_labels, clock
        self._lock = threading.Lock()
        self._paused = False
        self._broadcast: Broadcast | None = None
        self._numbers = itertools.count(1)
        self._admitted: dict[str, tuple[str, TrainConfig]] = {}  # owner -> (challenge id, config)
        self._meter = LoadMeter()

    @property
    def paused(self) -> bool:
        return self._paused

    def set_paused(self, instructor: Instructor, paused: bool) -> None:
        """Pause or resume new training for everyone (running jobs go on)."""
        require_instructor(instructor)
        self._paused = bool(paused)

    @property
    def broadcast(self) -> Broadcast | None:
        return self._broadcast

    def set_broadcast(self, instructor: Instructor, text: str) -> Broadcast | None:
        """Show one line to every learner; an empty text takes the message down."""
        require_instructor(instructor)
        line = " ".join(text.split())
        if len(line) > MAX_BROADCAST:
            raise BroadcastRefused(Msg("A message can have at most {max} characters; this one has "
                                       "{length}.", max=MAX_BROADCAST, length=len(line)))
        with self._lock:
            self._broadcast = Broadcast(line, next(self._numbers), self._clock()) if line else None
            return self._broadcast

    def admit(self, config: TrainConfig, owner: str | None) -> None:
        """The job manager's admission check: JobRefused while paused or when rules are broken."""
        if self._paused:
            raise JobRefused(Msg("The instructor has paused training for everyone. "
                                 "Try again when they resume it."))
        challenge = self.challenges.active(self._clock())
        with self._lock:
            if owner is not None:
                self._admitted.pop(owner, None)
            if challenge is None:
                return
            broken = challenge.violations(config)
            if broken:
                raise RulesBroken(broken)
            if owner is not None:
                self._admitted[owner] = (challenge.id, config)

    def record(self, owner: str | None, run: RunRecord) -> Submission | None:
        """Score a run that ended, if it was admitted under a challenge still running; else None."""
        with self._lock:
            admitted = self._admitted.pop(owner, None) if owner is not None else None
        if admitted is None or admitted[1] != run.config:
            return None
        challenge, now = self.challenges.get(admitted[0]), self._clock()
        outputs = run.test_probabilities if run.test_probabilities is not None else run.test_outputs
        if challenge.has_ended(now) or outputs is None or not run.state.learned:
            return None  # too late for the board, or nothing learned to score
        y_test = self._test_labels(challenge.dataset)
        public, private = scoring.scores(scoring.predicted_labels(outputs), y_test,
                                         scoring.public_mask(len(y_test), challenge.split_seed))
        submission = Submission(
            owner=owner, run_id=run.run_id, challenge_id=challenge.id, public=public,
            private=private, parameters=run.config.parameter_count,
            epochs=completed_epochs(run.history), seconds=float(run.metrics.get("train_seconds") or 0),
            config=run.config.to_dict(), submitted=now)
        self.challenges.add_submission(submission)
        return submission

    def shown_challenge(self) -> Challenge | None:
        """The challenge to show: the active one, else the one that ended last."""
        now = self._clock()
        return self.challenges.active(now) or next(iter(self.challenges.past(now)), None)

    def standings(self, challenge_id: str | None = None) -> pd.DataFrame:
        """The leaderboard of a challenge (default: shown_challenge); see leaderboard.standings."""
        from mnist_dash.classroom import leaderboard

        challenge = self.challenges.get(challenge_id) if challenge_id else self.shown_challenge()
        if challenge is None:
            return leaderboard.standings([], {}, revealed=False)
        submissions = self.challenges.submissions(challenge.id)
        names = {s.owner: self.names.name_of(s.owner) for s in submissions}
        return leaderboard.standings(submissions, names, challenge.has_ended(self._clock()))

    def results_csv(self, instructor: Instructor) -> str:
        """Every submission of every challenge: names, scores, times and configs (for the instructor)."""
        require_instructor(instructor)
        rows = []
        for challenge in self.challenges.all():
            for s in self.challenges.submissions(challenge.id):
                config = {f"config.{k}": "-".join(map(str, v)) if isinstance(v, list) else v
                          for k, v in s.config.items()}
                rows.append({"challenge": challenge.title, "name": self.names.name_of(s.owner),
                             "run_id": s.run_id, "public": s.public, "private": s.private,
                             "parameters": s.parameters, "epochs": s.epochs, "seconds": s.seconds,
                             "submitted": s.submitted.isoformat(timespec="seconds"), **config})
        import pandas as pd

        return pd.DataFrame(rows).to_csv(index=False)

    def server_load(self) -> ServerLoad:
        return self._meter.sample()
