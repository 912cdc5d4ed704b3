"""The Classroom wired into the job manager: the server refuses what breaks the rules, scores what ends."""

import io
import threading
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from mnist_dash import jobs
from mnist_dash.classroom import scoring
from mnist_dash.classroom.auth import InstructorKey, NotInstructor
from mnist_dash.classroom.room import BroadcastRefused, Classroom, RulesBroken
from mnist_dash.classroom.rules import Rules
from mnist_dash.config import TrainConfig
from mnist_dash.executors.threads import ThreadExecutor
from mnist_dash.runs import RunStore
from mnist_dash.vocabulary import JobState
from tests.test_jobs import fake_train

INSTRUCTOR = InstructorKey("t0ken-t0ken", generated=False).unlock("t0ken-t0ken")
ADA, BOB = "a" * 32, "b" * 32
ALLOWED = TrainConfig(hidden_units=(32,), epochs=2, batch_size=32, optimizer="sgd", train_size=200)


class Clock:
    """A settable clock, so a test can move past a challenge's end."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def predicting(y_test: np.ndarray, wrong: int, release: threading.Event | None = None):
    """A stand-in for training whose test outputs get the first `wrong` test images wrong."""

    def train(config, dataset, progress, should_stop):
        labels = y_test.copy()
        labels[:wrong] = (labels[:wrong] + 1) % 10
        outputs = np.eye(10, dtype=np.float32)[labels]
        outcome = fake_train(release, steps=3)(config, dataset, progress, should_stop)
        outcome.test_outputs = outcome.test_probabilities = outputs
        return outcome

    return train


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def room(tmp_path, tiny_dataset, clock):
    return Classroom(tmp_path / "runs" / "classroom", lambda name: tiny_dataset.y_test, clock)


@pytest.fixture
def make_wired(tmp_path, tiny_dataset, room):
    managers = []

    def make(train_fn):
        executor = ThreadExecutor(1, lambda name, path: tiny_dataset, train_fn)
        manager = jobs.JobManager(RunStore(tmp_path / "runs"), executor,
                                  admission=room.admit, on_run_end=room.record)
        managers.append(manager)
        return manager

    yield make
    for manager in managers:
        manager.shutdown()


def start_challenge(room, clock, **options):
    rules = Rules(fixed={"optimizer": "sgd"}, at_most={"epochs": 3, "parameters": 50_000})
    return room.challenges.create(INSTRUCTOR, "Small nets", "Use **SGD**.", "mnist", rules,
                                  split_seed=11, now=clock.now, **options)


def test_the_server_refuses_a_forbidden_config_submitted_directly(room, clock, make_wired,
                                                                  tiny_dataset):
    manager = make_wired(predicting(tiny_dataset.y_test, 0))
    start_challenge(room, clock)
    forbidden = ALLOWED.replace(optimizer="adam", epochs=5)
    with pytest.raises(RulesBroken) as refused:
        manager.submit(forbidden, owner=ADA)  # whatever the page showed or sent
    assert isinstance(refused.value, jobs.JobRefused)
    assert [str(m) for m in refused.value.violations] == [
        "This challenge fixes Optimizer to sgd; you chose adam.",
        "This challenge allows at most 3 epochs; you asked for 5."]
    with pytest.raises(RulesBroken, match="parameters"):
        manager.submit(ALLOWED.replace(hidden_units=(512,)), owner=None)
    assert manager.jobs_of(ADA) == []
    assert manager.wait(manager.submit(ALLOWED, owner=ADA).job_id, 10).state == JobState.COMPLETED


def test_a_run_admitted_under_the_challenge_is_scored_on_both_halves(room, clock, make_wired,
                                                                     tiny_dataset):
    y_test = tiny_dataset.y_test
    manager = make_wired(predicting(y_test, wrong=10))
    challenge = start_challenge(room, clock)
    room.names.rename(ADA, "Ada")
    job = manager.wait(manager.submit(ALLOWED, owner=ADA).job_id, 10)
    [submission] = room.challenges.submissions(challenge.id)
    mask = scoring.public_mask(len(y_test), 11)
    right = np.arange(len(y_test)) >= 10  # an independent count of the right answers
    assert (submission.public, submission.private) == pytest.approx(
        (right[mask].mean(), right[~mask].mean()))
    assert (submission.owner, submission.run_id, submission.parameters) == (
        ADA, job.run_id, ALLOWED.parameter_count)
    board = room.standings()
    assert list(board["name"]) == ["Ada"] and "private" not in board.columns
    clock.now += timedelta(minutes=5)
    room.challenges.end(INSTRUCTOR, challenge.id, now=clock.now)
    revealed = room.standings()
    assert revealed["private"][0] == pytest.approx(submission.private)


def test_runs_outside_a_challenge_or_ending_after_it_are_not_scored(room, clock, make_wired,
                                                                    tiny_dataset):
    release = threading.Event()
    manager = make_wired(predicting(tiny_dataset.y_test, wrong=0, release=release))
    early = manager.submit(ALLOWED, owner=ADA)  # admitted before the challenge exists
    challenge = start_challenge(room, clock, ends_at=clock.now + timedelta(minutes=10))
    release.set()
    assert manager.wait(early.job_id, 10).state == JobState.COMPLETED
    release.clear()
    late = manager.submit(ALLOWED, owner=BOB)
    clock.now += timedelta(minutes=11)  # the challenge ends while the run trains
    release.set()
    assert manager.wait(late.job_id, 10).state == JobState.COMPLETED
    assert room.challenges.submissions(challenge.id) == []
    clock.now -= timedelta(minutes=5)  # the control: the same run inside the challenge counts
    manager.wait(manager.submit(ALLOWED, owner=BOB).job_id, 10)
    assert [s.owner for s in room.challenges.submissions(challenge.id)] == [BOB]


def test_pausing_refuses_new_jobs_for_everyone_and_only_the_instructor_pauses(room, make_wired):
    manager = make_wired(fake_train())
    with pytest.raises(NotInstructor):
        room.set_paused(None, True)
    room.set_paused(INSTRUCTOR, True)
    with pytest.raises(jobs.JobRefused, match="paused"):
        manager.submit(ALLOWED, owner=ADA)
    room.set_paused(INSTRUCTOR, False)
    assert manager.wait(manager.submit(ALLOWED, owner=ADA).job_id, 10).state == JobState.COMPLETED


def test_a_broadcast_is_one_line_set_by_the_instructor_only(room):
    with pytest.raises(NotInstructor):
        room.set_broadcast("not the instructor", "hi")
    first = room.set_broadcast(INSTRUCTOR, "  Break\n until   10:30 ")
    assert first.text == "Break until 10:30" and room.broadcast == first
    second = room.set_broadcast(INSTRUCTOR, "Back to work")
    assert second.number > first.number  # a page shows each new message once
    with pytest.raises(BroadcastRefused, match="at most 200"):
        room.set_broadcast(INSTRUCTOR, "x" * 201)
    assert room.set_broadcast(INSTRUCTOR, "") is None and room.broadcast is None


def test_class_results_as_csv_for_the_instructor_only(room, clock, make_wired, tiny_dataset):
    manager = make_wired(predicting(tiny_dataset.y_test, wrong=0))
    start_challenge(room, clock)
    room.names.rename(BOB, "Bob")
    manager.wait(manager.submit(ALLOWED, owner=BOB).job_id, 10)
    with pytest.raises(NotInstructor):
        room.results_csv(None)
    text = room.results_csv(INSTRUCTOR)
    results = pd.read_csv(io.StringIO(text), dtype=str)
    assert list(results["name"]) == ["Bob"] and float(results["public"][0]) == 1.0
    assert results["config.optimizer"][0] == "sgd" and results["config.hidden_units"][0] == "32"
    assert BOB not in text


def test_everything_survives_a_restart(room, clock, make_wired, tiny_dataset):
    manager = make_wired(predicting(tiny_dataset.y_test, wrong=3))
    challenge = start_challenge(room, clock)
    room.names.rename(ADA, "Ada")
    manager.wait(manager.submit(ALLOWED, owner=ADA).job_id, 10)
    again = Classroom(room.root, lambda name: tiny_dataset.y_test, clock)
    assert again.challenges.active(clock.now) == challenge
    pd.testing.assert_frame_equal(again.standings(), room.standings())


def test_server_load_reports_this_process(room):
    load = room.server_load()
    assert load.memory_mb > 10 and load.cpus >= 1 and load.process_cpu_percent >= 0
