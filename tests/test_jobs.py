"""The job manager: queue, limits, one job per learner, stop, failure, eviction, reproducibility."""

import threading
import time

import numpy as np
import pytest

from mnist_dash import jobs
from mnist_dash.config import TrainConfig
from mnist_dash.executors.base import TrainResult
from mnist_dash.executors.threads import ThreadExecutor
from mnist_dash.runs import RunStore
from mnist_dash.training import TrainOutcome
from mnist_dash.vocabulary import JobState

CONFIG = TrainConfig(hidden_units=(32,), epochs=2, batch_size=32, validation_split=0.2,
                     optimizer="adam", learning_rate=0.01)


def fake_train(release: threading.Event | None = None, steps: int = 20, seconds: float = 0.005):
    """A stand-in for training: counts steps until released or asked to stop."""

    def run(config, dataset, progress, should_stop):
        progress.begin(1, steps)
        state, message = JobState.COMPLETED, ""
        for _ in range(steps):
            if release is not None:
                release.wait(5)
            reason = should_stop()
            if reason:
                state, message = JobState.STOPPED, reason
                break
            progress.batch_end(1.0, 0.5, 32)
            time.sleep(seconds)
        return TrainOutcome(state=state, message=message, model=None, history=[],
                            epochs_completed=0, train_seconds=0.1, samples_per_second=None,
                            xla=False)

    return run


@pytest.fixture
def make_manager(tmp_path, tiny_dataset):
    managers = []

    def make(workers: int = 1, train_fn=None, **options):
        executor = ThreadExecutor(workers, lambda name, path: tiny_dataset, train_fn)
        manager = jobs.JobManager(RunStore(tmp_path / "runs"), executor, **options)
        managers.append(manager)
        return manager

    yield make
    for manager in managers:
        manager.shutdown()


def wait_until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_job_runs_in_a_worker_thread_and_is_saved(make_manager):
    caller = threading.get_ident()
    seen = {}

    def train(config, dataset, progress, should_stop):
        seen["thread"] = threading.get_ident()
        return fake_train()(config, dataset, progress, should_stop)

    manager = make_manager(train_fn=train)
    job = manager.submit(CONFIG, owner="a")
    assert job.state == JobState.RUNNING  # a free worker: started at once
    snap = manager.wait(job.job_id, timeout=10)
    assert snap.state is JobState.COMPLETED and snap.saved and snap.node.startswith("local")
    assert seen["thread"] != caller
    assert manager.store.load(snap.run_id).state is JobState.COMPLETED


def test_queue_positions_and_concurrency_bound(make_manager):
    release = threading.Event()
    manager = make_manager(workers=2, train_fn=fake_train(release))
    submitted = [manager.submit(CONFIG, owner=f"learner{i}") for i in range(5)]
    time.sleep(0.3)
    snaps = [manager.snapshot(job.job_id) for job in submitted]
    assert [s.state for s in snaps].count(JobState.RUNNING) == 2
    assert [s.queue_position for s in snaps if s.state == JobState.QUEUED] == [1, 2, 3]
    assert manager.describe()["waiting"] == 3 and manager.describe()["workers"] == 2
    release.set()
    assert all(manager.wait(j.job_id, 20).state == JobState.COMPLETED for j in submitted)


def test_one_active_job_per_owner_and_full_queue(make_manager):
    release = threading.Event()
    manager = make_manager(max_queue=2, train_fn=fake_train(release))
    manager.submit(CONFIG, owner="a")
    with pytest.raises(jobs.JobRefused, match="already have"):
        manager.submit(CONFIG, owner="a")
    time.sleep(0.2)
    manager.submit(CONFIG, owner="b")
    manager.submit(CONFIG, owner="c")
    with pytest.raises(jobs.JobRefused, match="busy"):
        manager.submit(CONFIG, owner="d")
    release.set()


def test_stop_running_and_cancel_queued(make_manager):
    manager = make_manager(train_fn=fake_train(steps=10_000))
    running = manager.submit(CONFIG, owner="a")
    queued = manager.submit(CONFIG, owner="b")
    time.sleep(0.2)
    manager.stop(queued.job_id, "b")
    manager.stop(running.job_id, "a")
    assert manager.wait(running.job_id, 5).state == JobState.STOPPED
    cancelled = manager.snapshot(queued.job_id)
    assert cancelled.state == JobState.STOPPED and "before it started" in cancelled.message


def test_stop_halts_within_a_batch_in_under_a_second(make_manager):
    manager = make_manager(train_fn=fake_train(steps=10_000, seconds=0.05))
    job = manager.submit(CONFIG, owner="a")
    wait_until(lambda: manager.snapshot(job.job_id).progress.step >= 3)
    before = manager.snapshot(job.job_id).progress.step
    asked = time.monotonic()
    manager.stop(job.job_id, "a")
    assert manager.snapshot(job.job_id).state == JobState.STOPPING
    snap = manager.wait(job.job_id, 5)
    assert time.monotonic() - asked < 1.0
    assert snap.state == JobState.STOPPED and snap.message == "Stopped on request."
    assert snap.progress.step - before <= 1  # at most the batch under way


def test_a_learner_cannot_stop_or_watch_another_learners_job(make_manager):
    manager = make_manager(train_fn=fake_train(steps=10_000))
    job = manager.submit(CONFIG, owner="a")
    with pytest.raises(jobs.NotYourJob, match="another learner"):
        manager.stop(job.job_id, "b")
    with pytest.raises(jobs.NotYourJob):
        manager.stop(job.job_id, None)
    with pytest.raises(jobs.NotYourJob):
        manager.mark_watched(job.job_id, "b")
    assert manager.snapshot(job.job_id).active
    manager.stop(job.job_id, "a")
    assert manager.wait(job.job_id, 5).state == JobState.STOPPED


def test_exception_marks_failed_and_manager_keeps_working(make_manager):
    calls = []

    def broken_once(config, dataset, progress, should_stop):
        calls.append(config)
        if len(calls) == 1:
            raise RuntimeError("out of cheese")
        return fake_train()(config, dataset, progress, should_stop)

    manager = make_manager(train_fn=broken_once)
    failed = manager.wait(manager.submit(CONFIG).job_id, 5)
    assert failed.state == JobState.FAILED and "out of cheese" in failed.message
    assert manager.wait(manager.submit(CONFIG).job_id, 5).state == JobState.COMPLETED


class BrokenExecutor(ThreadExecutor):
    """Refuses its first start, as a cluster that went away would."""

    def start(self, spec, on_end):
        if not hasattr(self, "refused"):
            self.refused = True
            raise ConnectionError("cluster unreachable")
        return super().start(spec, on_end)


def test_an_executor_that_cannot_start_a_job_fails_only_that_job(tmp_path, tiny_dataset):
    manager = jobs.JobManager(RunStore(tmp_path), BrokenExecutor(1, lambda n, p: tiny_dataset,
                                                                 fake_train()))
    try:
        failed = manager.submit(CONFIG, owner="a")
        assert failed.state == JobState.FAILED and "cluster unreachable" in failed.message
        assert manager.wait(manager.submit(CONFIG, owner="a").job_id, 5).state == JobState.COMPLETED
    finally:
        manager.shutdown()


def test_time_limit_and_unwatched_job_stop_themselves(make_manager):
    manager = make_manager(train_fn=fake_train(steps=10_000), max_seconds=0.3)
    started = time.monotonic()
    snap = manager.wait(manager.submit(CONFIG).job_id, 5)
    assert snap.state == JobState.STOPPED and "time limit" in snap.message
    assert time.monotonic() - started < 1.3  # the limit, then within a batch
    manager = make_manager(train_fn=fake_train(steps=10_000), unwatched_seconds=0.3)
    job = manager.submit(CONFIG)
    wait_until(lambda: manager.snapshot(job.job_id).state != JobState.QUEUED)
    for _ in range(10):  # reading is not watching: snapshots do not keep it alive
        manager.snapshot(job.job_id)
        time.sleep(0.1)
    snap = manager.wait(job.job_id, 5)
    assert snap.state == JobState.STOPPED and "nobody looked" in snap.message


def test_a_watched_job_keeps_running(make_manager):
    manager = make_manager(train_fn=fake_train(steps=10_000), unwatched_seconds=0.3)
    job = manager.submit(CONFIG, owner="a")
    for _ in range(10):  # a page polling the job, as the live panel does
        manager.mark_watched(job.job_id, "a")
        time.sleep(0.1)
    assert manager.snapshot(job.job_id).state == JobState.RUNNING
    assert manager.wait(job.job_id, 5).state == JobState.STOPPED  # unwatched from now on


def test_save_failure_keeps_the_run_in_memory(make_manager, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the runs directory should be")
    manager = make_manager(train_fn=fake_train())
    manager.store = RunStore(blocker)
    job = manager.submit(CONFIG, owner="a")
    snap = manager.wait(job.job_id, 5)
    assert snap.state == JobState.COMPLETED and not snap.saved
    assert "could not be saved" in snap.save_error
    assert [record.run_id for record in manager.records_of("a")] == [snap.run_id]


def test_ended_jobs_are_forgotten_but_their_runs_stay(make_manager):
    """A long-lived server must not keep every ended job, and its model, in memory."""
    manager = make_manager(train_fn=fake_train(), keep_seconds=0)
    first = manager.submit(CONFIG, owner="a")
    run_id = manager.wait(first.job_id, 5).run_id
    second = manager.submit(CONFIG, owner="a")  # a submit forgets the jobs ended long enough ago
    assert manager.snapshot(first.job_id) is None
    assert [snap.job_id for snap in manager.jobs_of("a")] == [second.job_id]
    assert manager.store.load(run_id).state == JobState.COMPLETED


def test_jobs_of_hands_out_snapshots_of_the_owners_jobs_only(make_manager):
    manager = make_manager(train_fn=fake_train())
    mine = manager.wait(manager.submit(CONFIG, owner="a").job_id, 5)
    manager.wait(manager.submit(CONFIG, owner="b").job_id, 5)
    listed = manager.jobs_of("a")
    assert listed == [mine] and isinstance(listed[0], jobs.JobSnapshot)
    assert [record.run_id for record in manager.records_of("a")] == [mine.run_id]


def test_an_executor_ending_a_job_inside_start_is_handled(tmp_path):
    """on_end may come from any thread, even before start() returns."""

    class Instant:
        def capacity(self):
            return 1

        def start(self, spec, on_end):
            on_end(spec.job_id, TrainResult(JobState.FAILED, "no data here", node="nowhere"))
            return None

        def describe(self):
            return {"backend": "instant"}

        def unavailable(self):
            return None

        def shutdown(self, timeout=10.0):
            pass

    manager = jobs.JobManager(RunStore(tmp_path), Instant())
    try:
        snap = manager.submit(CONFIG, owner="a")
        assert snap.state == JobState.FAILED and snap.message == "no data here"
        assert snap.node == "nowhere" and snap.saved
        assert manager.describe() == {"backend": "instant", "waiting": 0, "max_queue": 16}
    finally:
        manager.shutdown()


def test_real_diverging_job(make_manager):
    manager = make_manager()
    config = CONFIG.replace(optimizer="sgd", learning_rate=10.0, loss="mse",
                            output_activation="linear", hidden_units=(64, 64))
    snap = manager.wait(manager.submit(config).job_id, 60)
    assert snap.state == JobState.DIVERGED and "learning rate" in snap.message


def test_two_concurrent_jobs_with_the_same_seed_have_identical_histories(make_manager):
    manager = make_manager(workers=2)
    first, second = manager.submit(CONFIG, "a"), manager.submit(CONFIG, "b")
    manager.wait(first.job_id, 120)
    manager.wait(second.job_id, 120)
    (one,), (two,) = manager.records_of("a"), manager.records_of("b")
    assert one.state == two.state == JobState.COMPLETED
    assert [e.loss for e in one.history] == [e.loss for e in two.history]
    first_saved, second_saved = manager.store.load(one.run_id), manager.store.load(two.run_id)
    assert np.array_equal(first_saved.test_probabilities, second_saved.test_probabilities)


def test_a_saved_run_leaves_its_model_and_predictions_to_the_store(make_manager, tmp_path):
    """The manager keeps a session's runs for hours: in memory, only a saved run's summary."""
    manager = make_manager()
    saved = manager.wait(manager.submit(CONFIG, "a").job_id, 120)
    manager.store = RunStore(tmp_path / "a-file")
    (tmp_path / "a-file").write_text("a file where the runs directory should be")
    unsaved = manager.wait(manager.submit(CONFIG, "b").job_id, 120)
    assert saved.saved and not unsaved.saved
    (kept,), (only_copy,) = manager.records_of("a"), manager.records_of("b")
    assert kept.model_bytes is None and kept.test_probabilities is None and kept.history
    on_disk = RunStore(tmp_path / "runs").load(kept.run_id)
    assert on_disk.test_probabilities is not None and on_disk.history == kept.history
    assert only_copy.model_bytes and only_copy.test_probabilities is not None  # nowhere else


class RecordingExecutor(ThreadExecutor):
    """Notes the order in which the manager starts jobs."""

    def start(self, spec, on_end):
        self.started = [*getattr(self, "started", []), spec.config.seed]
        return super().start(spec, on_end)


def test_many_learners_none_lost_or_starved_and_the_bound_holds(tmp_path, tiny_dataset):
    running, peak, lock = [0], [0], threading.Lock()
    inner = fake_train(steps=15)

    def counted(config, dataset, progress, should_stop):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        try:
            return inner(config, dataset, progress, should_stop)
        finally:
            with lock:
                running[0] -= 1

    executor = RecordingExecutor(2, lambda name, path: tiny_dataset, counted)
    manager = jobs.JobManager(RunStore(tmp_path), executor, max_queue=40)
    try:
        submitted = [manager.submit(CONFIG.replace(seed=i), owner=f"learner{i}") for i in range(24)]
        ended = [manager.wait(job.job_id, 60) for job in submitted]
    finally:
        manager.shutdown()
    assert [s.state for s in ended] == [JobState.COMPLETED] * 24
    assert peak[0] == 2
    assert executor.started == list(range(24))  # first come, first served


def test_a_queued_learner_sees_an_estimated_wait_from_the_running_jobs_speed(make_manager):
    manager = make_manager(workers=1, train_fn=fake_train(steps=400, seconds=0.01))
    first = manager.submit(CONFIG, owner="a")
    second = manager.submit(CONFIG.replace(epochs=1), owner="b")
    assert manager.snapshot(second.job_id).queue_position == 1
    # Before the running job's speed is measured there is no estimate to give.
    wait_until(lambda: manager.snapshot(first.job_id).progress.samples_per_second)
    waiting = manager.snapshot(second.job_id)
    running_eta = manager.snapshot(first.job_id).progress.eta_seconds
    assert waiting.wait_seconds is not None
    assert waiting.wait_seconds == pytest.approx(running_eta, abs=1.0)  # next in line: the ETA
    manager.stop(first.job_id, "a")
    wait_until(lambda: manager.snapshot(second.job_id).state != JobState.QUEUED)
    assert manager.snapshot(second.job_id).wait_seconds is None


def test_only_the_instructor_lists_every_job_and_stops_any(make_manager):
    from mnist_dash.classroom.auth import InstructorKey, NotInstructor

    instructor = InstructorKey("t0ken-t0ken", generated=False).unlock("t0ken-t0ken")
    manager = make_manager(train_fn=fake_train(steps=10_000))
    running, queued = manager.submit(CONFIG, owner="a"), manager.submit(CONFIG, owner="b")
    wait_until(lambda: manager.snapshot(running.job_id).progress.step >= 2)
    for learner in (None, "a", object()):
        with pytest.raises(NotInstructor):
            manager.all_jobs(learner)
        with pytest.raises(NotInstructor):
            manager.stop_any(running.job_id, learner)
    everyone = manager.all_jobs(instructor)
    assert [(j.owner, j.state, j.queue_position) for j in everyone] == [
        ("a", JobState.RUNNING, None), ("b", JobState.QUEUED, 1)]
    assert everyone[0].progress.loss == 1.0 and everyone[0].config == CONFIG
    manager.stop_any(queued.job_id, instructor)
    assert manager.snapshot(queued.job_id).state == JobState.STOPPED  # cancelled before it started
    manager.stop_any(running.job_id, instructor)
    stopped = manager.wait(running.job_id, 5)
    assert stopped.state == JobState.STOPPED and stopped.message == "Stopped by the instructor."


def test_admission_refuses_before_anything_is_queued(make_manager):
    def admission(config, owner):
        if config.epochs > 1:
            raise jobs.JobRefused(f"{owner}: at most 1 epoch")

    manager = make_manager(train_fn=fake_train(), admission=admission)
    with pytest.raises(jobs.JobRefused, match="a: at most 1 epoch"):
        manager.submit(CONFIG.replace(epochs=2), owner="a")
    assert manager.jobs_of("a") == [] and manager.describe()["waiting"] == 0
    job = manager.submit(CONFIG.replace(epochs=1), owner="a")
    assert manager.wait(job.job_id, 10).state == JobState.COMPLETED


def test_on_run_end_hears_each_saved_run_and_its_failures_break_nothing(make_manager):
    heard = []

    def on_run_end(owner, record):
        heard.append((owner, record.run_id, record.saved))
        raise RuntimeError("scoring broke")

    manager = make_manager(train_fn=fake_train(), on_run_end=on_run_end)
    first = manager.wait(manager.submit(CONFIG, owner="a").job_id, 10)
    second = manager.wait(manager.submit(CONFIG, owner="a").job_id, 10)
    assert heard == [("a", first.run_id, True), ("a", second.run_id, True)]
    assert first.state == second.state == JobState.COMPLETED and second.saved
