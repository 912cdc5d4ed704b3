"""Challenges the instructor sets the class, and the runs learners submitted to them, kept on disk.

Only the instructor (an `auth.Instructor`) creates, edits or ends a challenge. One challenge is
active at a time; one past its end time counts as ended. Each challenge is one JSON file
(`challenge-<id>.json`, with its submissions) in the book's folder, written atomically.
"""

from __future__ import annotations

import dataclasses
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mnist_dash.classroom import files
from mnist_dash.classroom.auth import Instructor, require_instructor
from mnist_dash.classroom.rules import Rules
from mnist_dash.config import DATASETS, TrainConfig
from mnist_dash.i18n import Msg, Refusal

MAX_TITLE, MAX_INSTRUCTIONS = 120, 20_000
# Not the dataset nor the split seed: every submission's score must stay comparable.
EDITABLE = ("title", "instructions", "rules", "ends_at")


class ChallengeRefused(Refusal, ValueError):
    """A challenge that cannot be created or changed as asked; `msg` says why."""


def now_utc() -> datetime:
    return datetime.now(UTC)


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _text(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


@dataclass(frozen=True)
class Submission:
    """One ended run scored for a challenge."""

    owner: str  # the learner's id: never shown to other people
    run_id: str
    challenge_id: str
    public: float  # accuracy on the public half of the test set
    private: float  # ... on the private half, shown once the challenge has ended
    parameters: int
    epochs: int  # completed epochs
    seconds: float  # training time
    config: dict[str, Any]
    submitted: datetime = field(default_factory=now_utc)

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "submitted": _text(self.submitted)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Submission:
        return cls(**{**data, "submitted": _time(data["submitted"])})


@dataclass(frozen=True)
class Challenge:
    """A task for the class: what to do, on which data, under which rules, until when."""

    id: str
    title: str
    instructions: str  # markdown
    dataset: str
    rules: Rules
    split_seed: int  # seeds the public/private split of the test set (scoring.py)
    created: datetime
    ends_at: datetime | None = None  # the announced end, if any
    ended_at: datetime | None = None  # when the instructor ended it

    def has_ended(self, now: datetime | None = None) -> bool:
        if self.ended_at is not None:
            return True
        return self.ends_at is not None and (now or now_utc()) >= self.ends_at

    @property
    def rules_in_force(self) -> Rules:
        """The rules plus the challenge's dataset, which is always fixed."""
        return Rules({**self.rules.fixed, "dataset": self.dataset}, self.rules.at_most)

    def violations(self, config: TrainConfig) -> list[Msg]:
        return self.rules_in_force.violations(config)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "instructions": self.instructions,
                "dataset": self.dataset, "rules": self.rules.to_dict(),
                "split_seed": self.split_seed, "created": _text(self.created),
                "ends_at": _text(self.ends_at), "ended_at": _text(self.ended_at)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Challenge:
        return cls(id=data["id"], title=data["title"], instructions=data["instructions"],
                   dataset=data["dataset"], rules=Rules.from_dict(data["rules"]),
                   split_seed=data["split_seed"], created=_time(data["created"]),
                   ends_at=_time(data["ends_at"]), ended_at=_time(data["ended_at"]))


def _check(challenge: Challenge, now: datetime) -> None:
    """Refuse a challenge a learner could not take part in."""
    if not challenge.title.strip():
        raise ChallengeRefused(Msg("Give the challenge a title."))
    if len(challenge.title) > MAX_TITLE or len(challenge.instructions) > MAX_INSTRUCTIONS:
        raise ChallengeRefused(Msg("The title can have at most {title} characters and the "
                                   "instructions {instructions}.", title=MAX_TITLE,
                                   instructions=MAX_INSTRUCTIONS))
    if challenge.dataset not in DATASETS:
        raise ChallengeRefused(Msg("Choose one of the datasets: {names}.", names=", ".join(DATASETS)))
    if challenge.rules.fixed.get("dataset", challenge.dataset) != challenge.dataset:
        raise ChallengeRefused(Msg("The rules fix another dataset than the challenge's own."))
    if challenge.ends_at is not None and challenge.ends_at.tzinfo is None:
        raise ValueError("ends_at must carry a time zone (e.g. datetime.now(UTC))")
    if challenge.ended_at is None and challenge.ends_at is not None and challenge.ends_at <= now:
        raise ChallengeRefused(Msg("The end time is already past; choose a later one."))


class ChallengeBook:
    """Every challenge and its submissions, in a folder beside the run store."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()
        self._challenges: dict[str, Challenge] = {}
        self._submissions: dict[str, list[Submission]] = {}
        for path in sorted(self.root.glob("challenge-*.json")):
            content = files.read_json(path, None)
            if content is not None:
                challenge = Challenge.from_dict(content["challenge"])
                self._challenges[challenge.id] = challenge
                self._submissions[challenge.id] = [Submission.from_dict(s)
                                                   for s in content["submissions"]]

    def create(self, instructor: Instructor, title: str, instructions: str, dataset: str,
               rules: Rules, ends_at: datetime | None = None, split_seed: int | None = None,
               now: datetime | None = None) -> Challenge:
        """A new active challenge; refused while another one is active."""
        require_instructor(instructor)
        now = now or now_utc()
        challenge = Challenge(id=secrets.token_hex(6), title=title.strip(), instructions=instructions,
                              dataset=dataset, rules=rules, created=now, ends_at=ends_at,
                              split_seed=secrets.randbits(31) if split_seed is None else split_seed)
        _check(challenge, now)
        with self._lock:
            self._refuse_a_second_active(challenge, now)
            self._challenges[challenge.id], self._submissions[challenge.id] = challenge, []
            self._save(challenge.id)
        return challenge

    def edit(self, instructor: Instructor, challenge_id: str, now: datetime | None = None,
             **changes: Any) -> Challenge:
        """Change the title, instructions, rules or end time (new rules apply to new runs)."""
        require_instructor(instructor)
        if not set(changes) <= set(EDITABLE):
            raise ValueError(f"only {', '.join(EDITABLE)} can be edited; got {', '.join(changes)}")
        now = now or now_utc()
        with self._lock:
            challenge = dataclasses.replace(self._get(challenge_id), **changes)
            _check(challenge, now)
            self._refuse_a_second_active(challenge, now)
            self._challenges[challenge_id] = challenge
            self._save(challenge_id)
        return challenge

    def end(self, instructor: Instructor, challenge_id: str, now: datetime | None = None) -> Challenge:
        """End the challenge now: private scores are revealed (ending twice keeps the first end)."""
        require_instructor(instructor)
        with self._lock:
            challenge = self._get(challenge_id)
            if challenge.ended_at is None:
                ended = challenge.ends_at if challenge.has_ended(now) else (now or now_utc())
                challenge = dataclasses.replace(challenge, ended_at=ended)
                self._challenges[challenge_id] = challenge
                self._save(challenge_id)
        return challenge

    def get(self, challenge_id: str) -> Challenge:
        with self._lock:
            return self._get(challenge_id)

    def active(self, now: datetime | None = None) -> Challenge | None:
        """The challenge running now, or None."""
        with self._lock:
            return self._active(now or now_utc())

    def past(self, now: datetime | None = None) -> list[Challenge]:
        """The ended challenges, the most recent first."""
        now = now or now_utc()
        with self._lock:
            ended = [c for c in self._challenges.values() if c.has_ended(now)]
        return sorted(ended, key=lambda c: c.created, reverse=True)

    def all(self) -> list[Challenge]:
        """Every challenge, the oldest first."""
        with self._lock:
            return sorted(self._challenges.values(), key=lambda c: c.created)

    def add_submission(self, submission: Submission) -> None:
        """Keep a scored run (the classroom calls this when a run ends)."""
        with self._lock:
            self._get(submission.challenge_id)
            self._submissions[submission.challenge_id].append(submission)
            self._save(submission.challenge_id)

    def submissions(self, challenge_id: str) -> list[Submission]:
        with self._lock:
            self._get(challenge_id)
            return list(self._submissions[challenge_id])

    def _get(self, challenge_id: str) -> Challenge:
        if challenge_id not in self._challenges:
            raise KeyError(f"no challenge {challenge_id!r}")
        return self._challenges[challenge_id]

    def _refuse_a_second_active(self, challenge: Challenge, now: datetime) -> None:
        current = next((c for c in self._challenges.values()
                        if c.id != challenge.id and not c.has_ended(now)), None)
        if current is not None and not challenge.has_ended(now):
            raise ChallengeRefused(Msg("The challenge {title} is still running; end it before "
                                       "starting another.", title=current.title))

    def _active(self, now: datetime) -> Challenge | None:
        return next((c for c in self._challenges.values() if not c.has_ended(now)), None)

    def _save(self, challenge_id: str) -> None:
        files.write_json(self.root / f"challenge-{challenge_id}.json", {
            "challenge": self._challenges[challenge_id].to_dict(),
            "submissions": [s.to_dict() for s in self._submissions[challenge_id]],
        })
