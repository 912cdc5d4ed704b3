"""Tests for the progress wording in mnist_dash.progress: durations, epoch/batch, the progress line."""

import pytest

from mnist_dash.progress import (
    STATE_WORDS,
    ProgressSnapshot,
    epoch_and_batch,
    format_seconds,
    progress_text,
    queue_text,
)
from mnist_dash.vocabulary import JobState


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "–"),
        (0.0, "0.0 s"),
        (4.24, "4.2 s"),
        (59.4, "59.4 s"),
        (59.95, "1:00"),  # rounds to a whole minute: never "60.0 s"
        (60.0, "1:00"),
        (125.4, "2:05"),
        (185.0, "3:05"),
        (3600.0, "60:00"),
    ],
)
def test_format_seconds(seconds, text):
    assert format_seconds(seconds) == text


@pytest.mark.parametrize(
    ("step", "steps_per_epoch", "epoch_batch"),
    [
        (0, 10, (1, 0)),  # nothing trained yet
        (1, 10, (1, 1)),
        (9, 10, (1, 9)),
        (10, 10, (1, 10)),  # the end of epoch 1 is still epoch 1
        (11, 10, (2, 1)),
        (30, 10, (3, 10)),
        (7, 0, (1, 0)),  # steps per epoch not known yet
    ],
)
def test_epoch_and_batch(step, steps_per_epoch, epoch_batch):
    assert epoch_and_batch(step, steps_per_epoch) == epoch_batch


def snapshot(step: int, speed: float | None, eta: float | None) -> ProgressSnapshot:
    return ProgressSnapshot(epoch=step // 79, num_epochs=5, batch=step % 79, steps_per_epoch=79,
                            step=step, elapsed_seconds=3.14, eta_seconds=eta, samples_per_second=speed)


def test_progress_text_with_speed():
    assert progress_text(snapshot(96, 20_000.4, 9.0)) == (
        "Epoch 2/5 · batch 17/79 · elapsed 3.1 s · ETA 9.0 s · 20,000 images/s")


def test_progress_text_before_the_speed_is_known():
    assert progress_text(snapshot(0, None, None)) == (
        "Epoch 1/5 · batch 0/79 · elapsed 3.1 s · ETA – · measuring speed")


def test_progress_text_at_the_end_of_an_epoch():
    assert progress_text(snapshot(158, 1234.0, 75.0)).startswith("Epoch 2/5 · batch 79/79 · ")
    assert progress_text(snapshot(158, 1234.0, 75.0)).endswith("ETA 1:15 · 1,234 images/s")


def test_every_job_state_has_words():
    assert set(STATE_WORDS) == set(JobState)
    assert all(STATE_WORDS.values())


def test_progress_text_before_training_is_set_up_never_shows_epoch_one_of_zero():
    """Seen in a workshop for under a second as a job started: 'Epoch 1/0 · batch 0/0'."""
    starting = ProgressSnapshot(epoch=0, num_epochs=0, batch=0, steps_per_epoch=0, step=0,
                                elapsed_seconds=0.4, eta_seconds=None, samples_per_second=None)
    text = progress_text(starting)
    assert text == "Starting: loading the data and building the network · elapsed 0.4 s"
    assert "/0" not in text


@pytest.mark.parametrize(
    ("position", "wait", "text"),
    [
        (1, 3.2, "next in line, about 4 s"),
        (2, 14.6, "1 job ahead, about 15 s"),
        (3, 75.0, "2 jobs ahead, about 1:15"),
        (2, None, "1 job ahead, measuring how long the wait is"),
        (1, 0.0, "next in line, about 1 s"),
    ],
)
def test_queue_text(position, wait, text):
    assert queue_text(position, wait) == text
