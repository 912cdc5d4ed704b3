"""Train one MLP with Keras fit: own shuffling, live progress, stop within a batch, divergence."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np

from mnist_dash import model as model_lib
from mnist_dash.architecture import train_image_count, validation_count
from mnist_dash.config import TrainConfig
from mnist_dash.data import Dataset
from mnist_dash.progress import Progress

log = logging.getLogger(__name__)

# A loss this many times the first batch's loss (and above 10) counts as exploding.
EXPLODE_FACTOR = 100.0


class Diverged(Exception):
    """The loss became NaN/inf or exploded."""


@dataclass
class TrainOutcome:
    """What a finished training leaves behind."""

    state: str  # completed, stopped or diverged
    message: str
    model: keras.Model
    history: list[dict]  # per-epoch logs
    epochs_completed: int
    train_seconds: float
    samples_per_second: float | None
    xla: bool
    test_loss: float | None = None
    test_accuracy: float | None = None
    test_outputs: np.ndarray | None = None  # (n_test, 10) float32, raw network outputs
    test_probabilities: np.ndarray | None = None


class ProgressCallback(keras.callbacks.Callback):
    """Records each batch's own loss and checks the stop request after every batch.

    Keras passes the epoch's running mean as logs["loss"]; the batch's own value is
    recovered exactly from two consecutive means, since the mean is weighted by batch size.
    """

    def __init__(self, progress: Progress, batch_sizes: list[int],
                 should_stop: Callable[[], str | None]) -> None:
        super().__init__()
        self.progress = progress
        self.batch_sizes = batch_sizes
        self.should_stop = should_stop
        self.stop_reason: str | None = None
        self.diverged: str | None = None
        self.first_loss: float | None = None
        self._epoch_start = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._seen = 0
        self._sums = (0.0, 0.0)
        self._epoch_start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        size = self.batch_sizes[batch]
        seen = self._seen + size
        loss_sum, acc_sum = logs["loss"] * seen, logs["accuracy"] * seen
        loss = (loss_sum - self._sums[0]) / size
        accuracy = (acc_sum - self._sums[1]) / size
        self._seen, self._sums = seen, (loss_sum, acc_sum)
        self.progress.batch_end(loss, accuracy, size)
        self._check(loss)

    def _check(self, loss: float) -> None:
        if self.first_loss is None:
            self.first_loss = loss
        if not math.isfinite(loss):
            self.diverged = f"the loss became {loss} at step {self.progress.snapshot().step}"
        elif loss > max(10.0, EXPLODE_FACTOR * self.first_loss):
            self.diverged = f"the loss exploded from {self.first_loss:.3g} to {loss:.3g}"
        else:
            self.stop_reason = self.should_stop()
        if self.diverged or self.stop_reason:
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_entry = {"epoch": epoch + 1, "seconds": time.perf_counter() - self._epoch_start}
        self.epoch_entry.update({k: float(v) for k, v in (logs or {}).items()})
        self.epoch_entry["partial"] = self.stop_reason is not None


def split_data(config: TrainConfig, dataset: Dataset):
    """Training images (first train_size) and the validation images held out from their end."""
    count = train_image_count(config, len(dataset.x_train))
    x, y = dataset.x_train[:count], dataset.y_train[:count]
    held_out = validation_count(config, count)
    if held_out == 0:
        return (x, y), None
    return (x[:-held_out], y[:-held_out]), (x[-held_out:], y[-held_out:])


def _batch_sizes(num_images: int, batch_size: int) -> list[int]:
    full, rest = divmod(num_images, batch_size)
    return [batch_size] * full + ([rest] if rest else [])


def _fit_epochs(model, config, train, validation, callback, progress) -> None:
    x, y = train
    rng = np.random.default_rng(config.seed)
    progress.begin(config.epochs, len(callback.batch_sizes))
    for epoch in range(config.epochs):
        order = rng.permutation(len(x)) if config.shuffle else slice(None)
        model.fit(
            x[order], y[order], batch_size=config.batch_size, initial_epoch=epoch,
            epochs=epoch + 1, shuffle=False, callbacks=[callback], verbose=0,
        )
        if callback.diverged:
            return
        entry = callback.epoch_entry
        # Validation after a full epoch only: a Stop must not wait for it (Keras's own
        # validation_data would run even for an interrupted epoch).
        if not callback.stop_reason:
            entry.update(_epoch_checks(model, config, validation, train))
        progress.epoch_end(entry)
        if callback.stop_reason:
            return


def train(config: TrainConfig, dataset: Dataset, progress: Progress,
          should_stop: Callable[[], str | None] = lambda: None) -> TrainOutcome:
    """Train in the calling thread (a worker thread in the app); never touches Streamlit."""
    train_data, validation = split_data(config, dataset)
    callback = ProgressCallback(progress, _batch_sizes(len(train_data[0]), config.batch_size),
                                should_stop)
    model = model_lib.build_model(config)
    xla = model_lib.use_xla(config, len(dataset.x_train)) and model_lib.XLA_BUDGET.claim()
    model_lib.compile_model(model, config, jit_compile=xla)
    started = time.perf_counter()
    try:
        _fit_epochs(model, config, train_data, validation, callback, progress)
    except Exception:
        if not xla or progress.snapshot().step > 0:
            raise
        log.warning("XLA compilation failed; training without XLA", exc_info=True)
        xla = False
        model = model_lib.build_model(config)
        model_lib.compile_model(model, config, jit_compile=False)
        _fit_epochs(model, config, train_data, validation, callback, progress)
    progress.end()
    seconds = time.perf_counter() - started
    outcome = TrainOutcome(
        state="diverged" if callback.diverged else "stopped" if callback.stop_reason else "completed",
        message=callback.diverged or callback.stop_reason or "",
        model=model, history=progress.epochs,
        epochs_completed=sum(not entry["partial"] for entry in progress.epochs),
        train_seconds=seconds, samples_per_second=progress.snapshot().samples_per_second, xla=xla,
    )
    if outcome.state == "diverged":
        outcome.message = divergence_message(config, outcome.message)
    else:
        evaluate_test(outcome, config, dataset)
    return outcome


def divergence_message(config: TrainConfig, what: str) -> str:
    return (
        f"Training diverged: {what}. The steps were too large for this network: "
        f"try a learning rate about 10x smaller than {config.learning_rate:g}."
    )


CLASS_PROBE_SIZE = 2000  # training images that give per-class accuracy when nothing is held out


def _epoch_checks(model, config: TrainConfig, validation, train) -> dict:
    """Validation loss/accuracy, and accuracy per class (which digits are learned first)."""
    x, y = validation if validation is not None else (train[0][:CLASS_PROBE_SIZE],
                                                       train[1][:CLASS_PROBE_SIZE])
    outputs = predict(model, x)
    checks = {f"class_accuracy_{k}": v for k, v in enumerate(class_accuracy(outputs, y))}
    if validation is not None:
        checks["val_loss"], checks["val_accuracy"] = measure(model, config, x, y, outputs)
    return checks


def class_accuracy(outputs: np.ndarray, labels: np.ndarray, num_classes: int = 10) -> list[float]:
    """Fraction right per true class (NaN for a class with no images)."""
    right = outputs.argmax(axis=1) == labels
    totals = np.bincount(labels, minlength=num_classes)
    hits = np.bincount(labels[right], minlength=num_classes)
    return [float(h / t) if t else float("nan") for h, t in zip(hits, totals, strict=True)]


def measure(model, config: TrainConfig, x: np.ndarray, y: np.ndarray,
            outputs: np.ndarray | None = None) -> tuple[float, float]:
    """Loss and accuracy from one inference pass (Keras's evaluate would need a second)."""
    if outputs is None:
        outputs = predict(model, x)
    return model_lib.numpy_loss(outputs, y, config), float(np.mean(outputs.argmax(axis=1) == y))


def predict(model, x: np.ndarray) -> np.ndarray:
    # XLA-compiling a function run once or twice costs more (~1 s) than it saves; the train
    # step, already compiled, keeps XLA.
    model.jit_compile = False
    return np.asarray(model.predict(x, batch_size=2000, verbose=0), dtype=np.float32)


def evaluate_test(outcome: TrainOutcome, config: TrainConfig, dataset: Dataset) -> None:
    """Test loss, accuracy and outputs, computed once when a run ends."""
    outputs = predict(outcome.model, dataset.x_test)
    outcome.test_loss, outcome.test_accuracy = measure(
        outcome.model, config, dataset.x_test, dataset.y_test, outputs)
    outcome.test_outputs = outputs
    outcome.test_probabilities = model_lib.outputs_to_probabilities(outputs, config)
