"""Sum a training epoch's batches into its EpochRecord, halting on divergence or Stop."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from mnist_dash.i18n import Msg
from mnist_dash.progress import Progress
from mnist_dash.vocabulary import EpochRecord

# A loss this many times the first batch's loss (and above 10) counts as exploding.
EXPLODE_FACTOR = 100.0

StopCheck = Callable[[], str | None]  # a reason to stop now, or None


class EpochAccumulator:
    """Sums an epoch's batches into its EpochRecord, and after each batch checks for divergence
    and asks `should_stop`; progress hears of every batch."""

    def __init__(self, progress: Progress, should_stop: StopCheck) -> None:
        self.progress = progress
        self.should_stop = should_stop
        self.stop_reason: str | None = None
        self.diverged: str | None = None  # what went wrong, once the loss diverged
        self.first_loss: float | None = None
        self.step = 0  # batches done in all
        self.epochs_ended = 0
        self._seen = 0
        self._loss_sum = 0.0
        self._accuracy_sum = 0.0
        self._epoch_start = time.perf_counter()

    @property
    def halted(self) -> bool:
        return self.diverged is not None or self.stop_reason is not None

    def start_epoch(self) -> None:
        self._seen, self._loss_sum, self._accuracy_sum = 0, 0.0, 0.0
        self._epoch_start = time.perf_counter()

    def add_batch(self, loss: float, accuracy: float, size: int) -> bool:
        """Record one batch; True when training must halt now (diverged or asked to stop)."""
        self.step += 1
        self._seen += size
        self._loss_sum += loss * size
        self._accuracy_sum += accuracy * size
        self.progress.batch_end(loss, accuracy, size)
        self._check(loss)
        return self.halted

    def _check(self, loss: float) -> None:
        if self.first_loss is None:
            self.first_loss = loss
        if not math.isfinite(loss):
            self.diverged = Msg("the loss became {loss} at step {step}", loss=loss, step=self.step)
        elif loss > max(10.0, EXPLODE_FACTOR * self.first_loss):
            self.diverged = Msg("the loss exploded from {first} to {loss}",
                                first=format(self.first_loss, ".3g"), loss=format(loss, ".3g"))
        else:
            self.stop_reason = self.should_stop()

    def end_epoch(self) -> EpochRecord:
        """The epoch's loss and accuracy: batch values weighted by batch size, as Keras does."""
        self.epochs_ended += 1
        seen = max(self._seen, 1)
        return EpochRecord(epoch=self.epochs_ended, step=self.step,
                           seconds=time.perf_counter() - self._epoch_start,
                           loss=self._loss_sum / seen, accuracy=self._accuracy_sum / seen,
                           partial=self.stop_reason is not None)
