"""Live training progress: written by the training thread, read as immutable snapshots."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

from mnist_dash.i18n import N_, _, ngettext, number
from mnist_dash.vocabulary import EpochRecord, JobState


class DownsampledSeries:
    """A per-step series kept to at most 2*limit points by averaging neighbours: O(1) per append."""

    def __init__(self, limit: int = 300) -> None:
        self.limit = limit
        self.stride = 1  # raw steps per stored point
        self.steps: list[int] = []
        self.values: list[float] = []
        self._pending: list[tuple[int, float]] = []

    def append(self, step: int, value: float) -> None:
        self._pending.append((step, value))
        if len(self._pending) < self.stride:
            return
        self.steps.append(self._pending[-1][0])
        self.values.append(sum(v for _, v in self._pending) / len(self._pending))
        self._pending.clear()
        if len(self.steps) >= 2 * self.limit:
            self._halve()

    def _halve(self) -> None:
        self.steps = self.steps[1::2]
        self.values = [(a + b) / 2 for a, b in zip(self.values[::2], self.values[1::2], strict=False)]
        self.stride *= 2

    def points(self) -> tuple[tuple[int, ...], tuple[float, ...]]:
        return tuple(self.steps), tuple(self.values)


@dataclass(frozen=True)
class ProgressSnapshot:
    """What a page needs to draw the live view; safe to share between threads."""

    epoch: int  # epochs finished
    num_epochs: int
    batch: int  # batches finished in the current epoch
    steps_per_epoch: int
    step: int  # batches finished in all
    elapsed_seconds: float
    eta_seconds: float | None
    samples_per_second: float | None
    batch_steps: tuple[int, ...] = ()
    batch_loss: tuple[float, ...] = ()
    batch_accuracy: tuple[float, ...] = ()
    epochs: tuple[EpochRecord, ...] = field(default_factory=tuple)
    loss: float | None = None  # the latest batch's loss (Keras: the running mean of its epoch)

    @property
    def total_steps(self) -> int:
        return self.num_epochs * self.steps_per_epoch

    @property
    def fraction(self) -> float:
        return min(1.0, self.step / self.total_steps) if self.total_steps else 0.0


class Progress:
    """Lock-protected counters; every method is O(1) so the training loop pays nothing."""

    def __init__(self, series_limit: int = 300) -> None:
        self._lock = threading.Lock()
        self._loss = DownsampledSeries(series_limit)
        self._accuracy = DownsampledSeries(series_limit)
        self._epochs: list[EpochRecord] = []
        self.num_epochs = 0
        self.steps_per_epoch = 0
        self._step = 0
        self._batch = 0
        self._samples = 0
        self._last_loss: float | None = None
        self._started: float | None = None
        self._first_step_time: float | None = None
        self._first_step_samples = 0
        self._ended: float | None = None

    def begin(self, num_epochs: int, steps_per_epoch: int) -> None:
        with self._lock:
            self.num_epochs, self.steps_per_epoch = num_epochs, steps_per_epoch
            self._started = time.perf_counter()

    def batch_end(self, loss: float, accuracy: float, samples: int) -> None:
        with self._lock:
            self._step += 1
            self._batch += 1
            self._samples += samples
            if self._first_step_time is None:  # the first step includes compilation
                self._first_step_time = time.perf_counter()
                self._first_step_samples = self._samples
            self._loss.append(self._step, loss)
            self._last_loss = loss
            self._accuracy.append(self._step, accuracy)

    def epoch_end(self, record: EpochRecord) -> None:
        with self._lock:
            self._epochs.append(record)
            self._batch = 0

    def end(self) -> None:
        with self._lock:
            self._ended = time.perf_counter()

    @property
    def epochs(self) -> list[EpochRecord]:
        with self._lock:
            return list(self._epochs)

    def _rate(self, now: float) -> tuple[float | None, float | None]:
        """(steps per second, samples per second) measured after the first step."""
        if self._first_step_time is None or self._step < 2:
            return None, None
        seconds = now - self._first_step_time
        if seconds <= 0:
            return None, None
        return (self._step - 1) / seconds, (self._samples - self._first_step_samples) / seconds

    def snapshot(self) -> ProgressSnapshot:
        with self._lock:
            now = self._ended or time.perf_counter()
            elapsed = now - self._started if self._started else 0.0
            step_rate, sample_rate = self._rate(now)
            remaining = self.num_epochs * self.steps_per_epoch - self._step
            eta = remaining / step_rate if step_rate and not self._ended else None
            loss_steps, losses = self._loss.points()
            _, accuracies = self._accuracy.points()
            return ProgressSnapshot(
                epoch=len(self._epochs),
                num_epochs=self.num_epochs,
                batch=self._batch,
                steps_per_epoch=self.steps_per_epoch,
                step=self._step,
                elapsed_seconds=elapsed,
                eta_seconds=eta if eta is None or math.isfinite(eta) else None,
                samples_per_second=sample_rate,
                batch_steps=loss_steps,
                batch_loss=losses,
                batch_accuracy=accuracies,
                epochs=tuple(self._epochs),
                loss=self._last_loss,
            )


# What a person reads about a job's state, drawn with _(STATE_WORDS[state]); browser tests
# match these English words too.
STATE_WORDS = {
    JobState.QUEUED: N_("Waiting for a free worker"),
    JobState.RUNNING: N_("Training"),
    JobState.STOPPING: N_("Stopping: measuring test accuracy and saving"),
    JobState.COMPLETED: N_("Finished"),
    JobState.STOPPED: N_("Stopped"),
    JobState.FAILED: N_("Failed"),
    JobState.DIVERGED: N_("Diverged"),
}


def format_seconds(seconds: float | None) -> str:
    """'4.2 s' under a minute, '3:05' above, '–' when unknown."""
    if seconds is None:
        return "–"
    minutes, secs = divmod(round(seconds), 60)
    if minutes:
        return f"{minutes}:{secs:02d}"
    return _("{seconds} s", seconds=number(seconds, 1))


def epoch_and_batch(step: int, steps_per_epoch: int) -> tuple[int, int]:
    """(epoch, batch within it), both counted from 1, of the last finished step."""
    if not steps_per_epoch or step == 0:
        return 1, 0
    done, batch = divmod(step, steps_per_epoch)
    return (done, steps_per_epoch) if batch == 0 else (done + 1, batch)


def progress_text(progress: ProgressSnapshot) -> str:
    """'Epoch 2/5 · batch 17/79 · elapsed 3.1 s · ETA 9.0 s · 20,000 images/s'."""
    p = progress
    elapsed = format_seconds(p.elapsed_seconds)
    if not p.num_epochs or not p.steps_per_epoch:  # the job has not reached its first batch
        # Before the first epoch is set up: data loading, model building and compiling.
        return _("Starting: loading the data and building the network · elapsed {elapsed}",
                 elapsed=elapsed)
    speed = (_("{speed} images/s", speed=number(p.samples_per_second, 0)) if p.samples_per_second
             else _("measuring speed"))
    epoch, batch = epoch_and_batch(p.step, p.steps_per_epoch)
    return _("Epoch {epoch}/{epochs} · batch {batch}/{batches} · elapsed {elapsed} · ETA {eta} · {speed}",
             epoch=epoch, epochs=p.num_epochs, batch=batch, batches=p.steps_per_epoch,
             elapsed=elapsed, eta=format_seconds(p.eta_seconds), speed=speed)


def queue_text(position: int, wait_seconds: float | None) -> str:
    """'1 job ahead, about 15 s': a queued learner's place in line and the expected wait."""
    ahead = position - 1
    if wait_seconds is None:
        if ahead == 0:
            return _("next in line, measuring how long the wait is")
        return ngettext("{n} job ahead, measuring how long the wait is",
                        "{n} jobs ahead, measuring how long the wait is", ahead)
    seconds = max(1, math.ceil(wait_seconds))
    wait = _("{seconds} s", seconds=number(seconds)) if seconds < 60 else format_seconds(seconds)
    if ahead == 0:
        return _("next in line, about {wait}", wait=wait)
    return ngettext("{n} job ahead, about {wait}", "{n} jobs ahead, about {wait}", ahead, wait=wait)
