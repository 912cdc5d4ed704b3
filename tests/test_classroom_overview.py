"""The class overview shared by instructor sessions, the class tables' settings, the overlaid chart."""

import pytest

from mnist_dash import figures
from mnist_dash.classroom import leaderboard
from mnist_dash.classroom.auth import InstructorKey, NotInstructor
from mnist_dash.classroom.load import ServerLoad
from mnist_dash.classroom.overview import OverviewCache, latest_per_learner
from mnist_dash.config import TrainConfig
from mnist_dash.jobs import JobSnapshot
from mnist_dash.progress import ProgressSnapshot
from mnist_dash.vocabulary import JobState

INSTRUCTOR = InstructorKey("t0ken-t0ken", generated=False).unlock("t0ken-t0ken")
ADA, BOB = "a" * 32, "b" * 32


def job(job_id: str, owner: str | None, state: JobState = JobState.RUNNING) -> JobSnapshot:
    progress = ProgressSnapshot(epoch=0, num_epochs=2, batch=0, steps_per_epoch=10, step=0,
                                elapsed_seconds=0.0, eta_seconds=None, samples_per_second=None)
    return JobSnapshot(job_id=job_id, owner=owner, config=TrainConfig(), state=state, message="",
                       queue_position=None, progress=progress, run_id=None, test_accuracy=None,
                       test_loss=None, saved=False, save_error=None, node="")


class CountingManager:
    """A job manager stand-in that counts how often the class was snapshot."""

    def __init__(self, jobs: list[JobSnapshot]) -> None:
        self.jobs, self.calls = jobs, 0

    def all_jobs(self, instructor):
        self.calls += 1
        return list(self.jobs)

    def describe(self) -> dict:
        return {"workers": 2, "busy": 1, "waiting": 0}


class Names:
    def name_of(self, owner: str) -> str:
        return {ADA: "Ada", BOB: "Bob"}[owner]


class Room:
    names = Names()

    def __init__(self) -> None:
        self.samples = 0

    def server_load(self) -> ServerLoad:
        self.samples += 1
        return ServerLoad(process_cpu_percent=50.0, memory_mb=500.0, load_average=1.0, cpus=2)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_every_session_shares_one_overview_per_tick():
    manager, room, clock = CountingManager([job("j1", ADA)]), Room(), Clock()
    cache = OverviewCache(manager, room, max_age=1.0, clock=clock)
    first = cache.get(INSTRUCTOR)
    assert all(cache.get(INSTRUCTOR) is first for _ in range(20))  # twenty sessions, one tick
    assert (manager.calls, room.samples) == (1, 1)
    clock.now += 1.0
    assert cache.get(INSTRUCTOR) is not first
    assert (manager.calls, room.samples) == (2, 2)


def test_the_overview_names_each_learners_newest_job_and_is_for_the_instructor_only():
    jobs = [job("j1", ADA, JobState.COMPLETED), job("j2", BOB, JobState.QUEUED), job("j3", ADA),
            job("j4", None, JobState.FAILED)]
    assert [j.job_id for j in latest_per_learner(jobs)] == ["j3", "j2", "j4"]
    cache = OverviewCache(CountingManager(jobs), Room(), clock=Clock())
    overview = cache.get(INSTRUCTOR)
    assert [(learner.name, learner.job.job_id) for learner in overview.learners] == [
        ("Ada", "j3"), ("Bob", "j2"), (None, "j4")]
    assert [learner.job.job_id for learner in overview.active] == ["j3", "j2"]
    assert [learner.job.job_id for learner in overview.running] == ["j3"]
    with pytest.raises(NotInstructor):
        cache.get(None)


def test_the_class_tables_settings_are_short_and_say_what_differs():
    usual = TrainConfig(hidden_units=(64, 32), optimizer="sgd", learning_rate=0.01, batch_size=64)
    assert leaderboard.settings_summary(usual) == "784-64-32-10 relu, sgd lr=0.01, batch 64"
    assert len(leaderboard.settings_summary(usual)) < len(usual.summary())
    unusual = usual.replace(output_activation="linear", loss="mse", augment="shift")
    assert leaderboard.settings_summary(unusual).startswith("784-64-32-10 relu/linear, mse, sgd")
    assert leaderboard.settings_summary(unusual).endswith(", shift augmentation x1")


def test_the_overlaid_loss_chart_is_thinned_and_its_layout_never_moves():
    steps = list(range(600))
    figure = figures.class_loss_figure({"Ada": (steps, [1 / (s + 1) for s in steps]),
                                        "Bob": (steps[:50], [0.5] * 50)})
    lengths = [len(trace.x) for trace in figure.data]
    assert lengths == [figures.CLASS_POINTS, 50]
    assert figure.data[0].x[-1] == 599  # the newest point is always drawn
    assert figure.layout.margin.autoexpand is False and figure.layout.transition.duration == 0


def test_the_class_table_has_a_place_in_line_column_only_while_someone_waits():
    from dataclasses import replace

    from mnist_dash.classroom.overview import LearnerJob
    from mnist_dash.ui import instructor_view

    running = LearnerJob("Ada", job("j1", ADA))
    waiting = LearnerJob("Bob", replace(job("j2", BOB, JobState.QUEUED), queue_position=1))
    table = instructor_view.class_table([running, waiting])
    assert table.to_dict("list")["Place in line"] == ["", "1"]
    assert list(table.columns)[-1] == "Settings"  # the long text last: it wraps, the rest keep a line
    assert "Place in line" not in instructor_view.class_table([running]).columns
