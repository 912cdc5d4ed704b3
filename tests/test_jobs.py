"""The job manager: worker threads, queue, stop, failure, divergence, reproducibility."""

import threading
import time

import numpy as np
import pytest

from mnist_dash import jobs
from mnist_dash.config import TrainConfig
from mnist_dash.runs import RunStore
from mnist_dash.training import TrainOutcome

CONFIG = TrainConfig(hidden_units=(32,), epochs=2, batch_size=32, validation_split=0.2,
                     optimizer="adam", learning_rate=0.01)


def fake_train(release: threading.Event | None = None, steps: int = 20):
    """A stand-in for training: counts steps until released or asked to stop."""

    def run(config, dataset, progress, should_stop):
        progress.begin(1, steps)
        state, message = "completed", ""
        for _ in range(steps):
            if release is not None:
                release.wait(5)
            reason = should_stop()
            if reason:
                state, message = "stopped", reason
                break
            progress.batch_end(1.0, 0.5, 32)
            time.sleep(0.005)
        return TrainOutcome(state=state, message=message, model=None, history=[],
                            epochs_completed=0, train_seconds=0.1, samples_per_second=None,
                            xla=False)

    return run


@pytest.fixture
def make_manager(tmp_path, tiny_dataset):
    managers = []

    def make(**options):
        manager = jobs.JobManager(RunStore(tmp_path / "runs"), lambda name: tiny_dataset,
                                  **options)
        managers.append(manager)
        return manager

    yield make
    for manager in managers:
        manager.shutdown()


def test_job_runs_in_a_worker_thread_and_is_saved(make_manager):
    manager = make_manager(max_concurrent=1)
    caller = threading.get_ident()
    seen = {}

    def train(config, dataset, progress, should_stop):
        seen["thread"] = threading.get_ident()
        return fake_train()(config, dataset, progress, should_stop)

    manager.train_fn = train
    job = manager.submit(CONFIG, owner="a")
    snap = manager.wait(job.job_id, timeout=10)
    assert snap.state == "completed" and snap.saved
    assert seen["thread"] != caller
    assert manager.store.load(snap.run_id).state == "completed"


def test_queue_positions_and_concurrency_bound(make_manager):
    release = threading.Event()
    manager = make_manager(max_concurrent=2, train_fn=fake_train(release))
    submitted = [manager.submit(CONFIG, owner=f"learner{i}") for i in range(5)]
    time.sleep(0.3)
    snaps = [manager.snapshot(job.job_id) for job in submitted]
    assert [s.state for s in snaps].count("running") == 2
    assert [s.queue_position for s in snaps if s.state == "queued"] == [1, 2, 3]
    release.set()
    assert all(manager.wait(j.job_id, 20).state == "completed" for j in submitted)


def test_one_active_job_per_owner_and_full_queue(make_manager):
    release = threading.Event()
    manager = make_manager(max_concurrent=1, max_queue=2, train_fn=fake_train(release))
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
    manager = make_manager(max_concurrent=1, train_fn=fake_train(steps=10_000))
    running = manager.submit(CONFIG, owner="a")
    queued = manager.submit(CONFIG, owner="b")
    time.sleep(0.2)
    manager.stop(queued.job_id)
    manager.stop(running.job_id)
    assert manager.wait(running.job_id, 5).state == "stopped"
    cancelled = manager.snapshot(queued.job_id)
    assert cancelled.state == "stopped" and "before it started" in cancelled.message


def test_exception_marks_failed_and_manager_keeps_working(make_manager):
    def broken(*args):
        raise RuntimeError("out of cheese")

    manager = make_manager(max_concurrent=1, train_fn=broken)
    failed = manager.wait(manager.submit(CONFIG).job_id, 5)
    assert failed.state == "failed" and "out of cheese" in failed.message
    manager.train_fn = fake_train()
    assert manager.wait(manager.submit(CONFIG).job_id, 5).state == "completed"


def test_time_limit_and_unwatched_job_stop_themselves(make_manager):
    manager = make_manager(max_concurrent=1, train_fn=fake_train(steps=10_000), max_seconds=0.3)
    snap = manager.wait(manager.submit(CONFIG).job_id, 5)
    assert snap.state == "stopped" and "time limit" in snap.message
    manager = make_manager(max_concurrent=1, train_fn=fake_train(steps=10_000),
                           unwatched_seconds=0.3)
    job = manager.submit(CONFIG)
    time.sleep(1.0)  # nobody polls: as if the tab was closed
    assert job.state == "stopped" and "nobody looked" in job.message


def test_save_failure_keeps_the_run_in_memory(make_manager, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the runs directory should be")
    manager = make_manager(max_concurrent=1, train_fn=fake_train())
    manager.store = RunStore(blocker)
    job = manager.submit(CONFIG)
    snap = manager.wait(job.job_id, 5)
    assert snap.state == "completed" and not snap.saved
    assert "could not be saved" in snap.save_error
    assert job.record is not None


def test_ended_jobs_are_forgotten_but_their_runs_stay(make_manager):
    """A long-lived server must not keep every ended job, and its model, in memory."""
    manager = make_manager(max_concurrent=1, train_fn=fake_train(), keep_seconds=0)
    first = manager.submit(CONFIG, owner="a")
    run_id = manager.wait(first.job_id, 5).run_id
    second = manager.submit(CONFIG, owner="a")  # a submit forgets the jobs ended long enough ago
    assert manager.get(first.job_id) is None and manager.get(second.job_id) is second
    assert manager.store.load(run_id).state == "completed"


def test_real_diverging_job(make_manager):
    manager = make_manager(max_concurrent=1)
    config = CONFIG.replace(optimizer="sgd", learning_rate=10.0, loss="mse",
                            output_activation="linear", hidden_units=(64, 64))
    snap = manager.wait(manager.submit(config).job_id, 60)
    assert snap.state == "diverged" and "learning rate" in snap.message


def test_two_concurrent_jobs_with_the_same_seed_have_identical_histories(make_manager):
    manager = make_manager(max_concurrent=2)
    first, second = manager.submit(CONFIG, "a"), manager.submit(CONFIG, "b")
    manager.wait(first.job_id, 120)
    manager.wait(second.job_id, 120)
    one, two = first.record, second.record
    assert one.state == two.state == "completed"
    assert [e["loss"] for e in one.history] == [e["loss"] for e in two.history]
    assert np.array_equal(one.test_probabilities, two.test_probabilities)


def test_many_learners_none_lost_or_starved_and_the_bound_holds(make_manager):
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

    manager = make_manager(max_concurrent=2, max_queue=40, train_fn=counted)
    submitted = [manager.submit(CONFIG, owner=f"learner{i}") for i in range(24)]
    ended = [manager.wait(job.job_id, 60) for job in submitted]
    assert [s.state for s in ended] == ["completed"] * 24
    assert peak[0] == 2
    starts = sorted(submitted, key=lambda job: job.started)
    assert [job.job_id for job in starts] == [job.job_id for job in submitted]  # first come, first served
