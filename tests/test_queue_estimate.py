"""The queue estimate against hand-played schedules."""

import pytest

from mnist_dash.config import TrainConfig
from mnist_dash.progress import ProgressSnapshot
from mnist_dash.queue_estimate import START_SECONDS, images_to_train, wait_seconds


def running(eta: float | None, speed: float | None = 10_000.0) -> ProgressSnapshot:
    return ProgressSnapshot(epoch=0, num_epochs=1, batch=5, steps_per_epoch=79, step=5,
                            elapsed_seconds=1.0, eta_seconds=eta, samples_per_second=speed)


SMALL = TrainConfig(epochs=2, train_size=10_000, validation_split=0.0)  # 20,000 images: 2 s at 10k/s


def test_images_to_train_counts_epochs_and_holds_out_validation():
    assert images_to_train(SMALL) == 20_000
    assert images_to_train(SMALL.replace(validation_split=0.1)) == 18_000
    assert images_to_train(TrainConfig(epochs=1, train_size=None, validation_split=0.0)) == 60_000


def test_first_in_line_waits_for_the_earliest_running_job():
    assert wait_seconds([running(7.0), running(3.0)], [], slots=2) == 3.0


def test_jobs_ahead_take_the_earliest_free_slots_in_turn():
    # One slot, running job ends in 5 s; the one ahead then trains 2 s after starting up.
    assert wait_seconds([running(5.0)], [SMALL], slots=1) == pytest.approx(5.0 + START_SECONDS + 2.0)
    # Two slots: the job ahead takes the one free at 1 s; ours gets the one free at 4 s.
    assert wait_seconds([running(1.0), running(4.0)], [SMALL], slots=2) == 4.0


def test_a_free_slot_means_no_wait():
    assert wait_seconds([running(9.0)], [], slots=2) == 0.0


def test_no_estimate_before_any_speed_is_measured():
    assert wait_seconds([running(None, speed=None)], [SMALL], slots=1) is None
    assert wait_seconds([], [SMALL], slots=1) is None
