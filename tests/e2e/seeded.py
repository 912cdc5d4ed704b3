"""A class already at work, for browser checks and screenshots: a challenge with four learners' real runs,
and an earlier challenge with the same runs, ended (its board ranks by the private score).

Shared by scripts/screenshots.py and the zoom browser tests (tests/e2e/test_zoom_browser.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from mnist_dash import data
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
    """A challenge (SGD, at most 3 epochs and 120,000 parameters) with four learners' real runs on
    the board, as if they had trained in the app: one epoch on 10,000 images each. The same runs
    are on the board of an earlier, ended challenge (ENDED_TITLE) with the same rules."""
    dataset = data.get_dataset("mnist", data_path)
    room = Classroom(runs / CLASSROOM_DIR, test_labels=lambda _name: dataset.y_test)
    teacher = InstructorKey(token, False).unlock(token)
    ended = _challenge(room, teacher, ENDED_TITLE, created=now_utc() - timedelta(hours=1))
    store = RunStore(runs)
    seeded = []
    for number, (name, units, rate) in enumerate(CLASS):
        owner = f"{number:x}" * 32
        room.names.rename(owner, name)
        config = TrainConfig(hidden_units=units, optimizer="sgd", learning_rate=rate, epochs=1,
                             train_size=10_000, batch_size=32)
        room.admit(config, owner)
        result = run_job(JobSpec(f"seed-{number}", config, data_path), Progress(), lambda: None,
                         load_dataset=lambda _name, _path: dataset)
        run = RunRecord.from_result(new_run_id(), config, result)
        store.save(run)
        room.record(owner, run)
        seeded.append((owner, run))
    room.challenges.end(teacher, ended.id)
    _challenge(room, teacher, "Small and fast")
    for owner, run in seeded:
        room.admit(run.config, owner)
        room.record(owner, run)


def _challenge(room: Classroom, teacher: Instructor, title: str, created: datetime | None = None
               ) -> Challenge:
    return room.challenges.create(
        teacher, title,
        "Reach the best test accuracy with **SGD** in at most 3 epochs and 120,000 parameters.",
        "mnist", Rules({"optimizer": "sgd"}, {"epochs": 3, "parameters": 120_000}), now=created)
