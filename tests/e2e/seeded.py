"""A class already at work, for browser checks and screenshots: a challenge with four learners' real runs,
and an earlier challenge with the same runs, ended (its board ranks by the private score).

Shared by scripts/screenshots.py and the zoom browser tests (tests/e2e/test_zoom_browser.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from mnist_dash import data
from mnist_dash.classroom import scoring
from mnist_dash.classroom.auth import Instructor, InstructorKey
from mnist_dash.classroom.challenges import Challenge, now_utc
from mnist_dash.classroom.room import CLASSROOM_DIR, Classroom
from mnist_dash.classroom.rules import Rules
from mnist_dash.config import TrainConfig
from mnist_dash.executors.base import JobSpec
from mnist_dash.executors.worker import run_job
from mnist_dash.progress import Progress
from mnist_dash.runs import RunRecord, RunStore, new_run_id

# name, hidden units, learning rate: the seeded class's choices under the challenge's rules
CLASS = [("Ada Lovelace", (48,), 0.1), ("Grace Hopper", (32,), 0.3), ("Blue Heron 7", (16, 16), 0.1),
         ("Alan Turing", (64,), 0.03)]


ENDED_TITLE = "Warm-up"  # the ended challenge: created and ended before the running one


def seed_class(runs: Path, data_path: str, token: str) -> None:
    """A challenge (SGD, at most 3 epochs and 120,000 parameters) with the CLASS's real runs on the
    board, as if they had trained in the app: one epoch on 10,000 images each. The same runs are on
    the board of an earlier, ended challenge (ENDED_TITLE) with the same rules, whose split shows a
    shake-up: someone's rank changes once the private scores are revealed."""
    dataset = data.get_dataset("mnist", data_path)
    room = Classroom(runs / CLASSROOM_DIR, test_labels=lambda _name: dataset.y_test)
    teacher = InstructorKey(token, False).unlock(token)
    store = RunStore(runs)
    seeded = []
    for number, (name, units, rate) in enumerate(CLASS):
        owner = f"{number:x}" * 32
        room.names.rename(owner, name)
        config = TrainConfig(hidden_units=units, optimizer="sgd", learning_rate=rate, epochs=1,
                             train_size=10_000, batch_size=32)
        result = run_job(JobSpec(f"seed-{number}", config, data_path), Progress(), lambda: None,
                         load_dataset=lambda _name, _path: dataset)
        run = RunRecord.from_result(new_run_id(), config, result)
        store.save(run)
        seeded.append((owner, run))
    split_seed = shake_up_seed([run.test_probabilities if run.test_probabilities is not None
                               else run.test_outputs for _owner, run in seeded], dataset.y_test)
    ended = _challenge(room, teacher, ENDED_TITLE, created=now_utc() - timedelta(hours=1),
                       split_seed=split_seed)
    _submit(room, seeded)
    room.challenges.end(teacher, ended.id)
    _challenge(room, teacher, "Small and fast")
    _submit(room, seeded)


def shake_up_seed(outputs: list[np.ndarray], y_test: np.ndarray, tries: int = 5_000) -> int:
    """The first split seed under which ranking these runs by the private half differs from ranking
    them by the public half: a shake-up, as a class's board often shows, and the lesson to teach."""
    predicted = [scoring.predicted_labels(output) for output in outputs]
    for seed in range(tries):
        public = scoring.public_mask(len(y_test), seed)
        scores = [scoring.scores(labels, y_test, public) for labels in predicted]
        by_public = sorted(range(len(scores)), key=lambda i: -scores[i][0])  # ties: the earlier run
        by_private = sorted(by_public, key=lambda i: -scores[i][1])  # ties: the public rank
        if by_public != by_private:
            return seed
    raise AssertionError(f"no split of the first {tries} seeds reorders these runs: make them closer")


def _submit(room: Classroom, seeded: list[tuple[str, RunRecord]]) -> None:
    for owner, run in seeded:
        room.admit(run.config, owner)
        room.record(owner, run)


def _challenge(room: Classroom, teacher: Instructor, title: str, created: datetime | None = None,
               split_seed: int | None = None) -> Challenge:
    return room.challenges.create(
        teacher, title,
        "Reach the best test accuracy with **SGD** in at most 3 epochs and 120,000 parameters.",
        "mnist", Rules({"optimizer": "sgd"}, {"epochs": 3, "parameters": 120_000}), now=created,
        split_seed=split_seed)
