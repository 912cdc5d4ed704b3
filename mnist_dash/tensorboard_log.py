"""Write one run's TensorBoard event files while it trains, so `tensorboard --logdir runs/` shows it.

Per-step loss, accuracy and learning rate (every `every` steps), per-epoch train and validation
metrics, a histogram of every weight per epoch, the test metrics at the end, and the HParams
summary of the run's config, so TensorBoard's HParams dashboard compares runs by config.

Each run has its own file writer, made default only inside `with writer.as_default()` around each
write: TensorFlow keeps the default writer per thread, so two jobs training in two threads never
write into each other's files. Call it from the training thread only (one writer, one thread).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tensorflow as tf
from tensorboard.plugins.hparams import api as hparams_api

from mnist_dash.config import TrainConfig
from mnist_dash.vocabulary import EpochRecord

# TensorBoard keeps 1,000 points per scalar curve by default (it samples the rest away): writing
# about that many per run keeps every point it can draw and costs little.
POINTS_PER_CURVE = 1000


def step_interval(total_steps: int) -> int:
    """Write the per-step scalars every this many steps: about POINTS_PER_CURVE points per run."""
    return max(1, -(-total_steps // POINTS_PER_CURVE))


def config_hparams(config: TrainConfig) -> dict[str, bool | int | float | str]:
    """The config as HParams values: layer sizes as '256-128'; unset options (None) left out."""
    values = {}
    for name, value in config.to_dict().items():
        if isinstance(value, list):
            values[name] = "-".join(str(units) for units in value)
        elif value is not None:
            values[name] = value
    return values


class TensorBoardLog:
    """One run's event files in `log_dir`; the HParams summary is written when it is made."""

    def __init__(self, log_dir: str | Path, config: TrainConfig, run_id: str, every: int = 1) -> None:
        self.every = every
        self._writer = tf.summary.create_file_writer(str(log_dir))
        with self._writer.as_default():
            hparams_api.hparams(config_hparams(config), trial_id=run_id, start_time_secs=time.time())

    def batch_end(self, step: int, loss: float, accuracy: float, learning_rate: float) -> None:
        """One update's loss and accuracy (on its batch) and the learning rate it used."""
        if step % self.every:
            return
        self._scalars({"batch/loss": loss, "batch/accuracy": accuracy,
                       "batch/learning_rate": learning_rate}, step)

    def epoch_end(self, record: EpochRecord, weights: Mapping[str, Any]) -> None:
        """The epoch's train and validation metrics and a histogram of each weight, at its epoch."""
        values = {"epoch/loss": record.loss, "epoch/accuracy": record.accuracy,
                  "epoch/val_loss": record.val_loss, "epoch/val_accuracy": record.val_accuracy}
        self._scalars({tag: value for tag, value in values.items() if value is not None}, record.epoch)
        with self._writer.as_default(step=record.epoch):
            for name, value in weights.items():
                tf.summary.histogram(f"weights/{name}", value)

    def run_end(self, metrics: Mapping[str, float | None], epoch: int) -> None:
        """Final numbers such as test_accuracy, as 'test/...' scalars the HParams table can show."""
        self._scalars({f"test/{name.removeprefix('test_')}": value
                       for name, value in metrics.items() if value is not None}, epoch)
        self.close()

    def close(self) -> None:
        self._writer.close()

    def _scalars(self, values: Mapping[str, float], step: int) -> None:
        with self._writer.as_default(step=step):
            for tag, value in values.items():
                tf.summary.scalar(tag, value)


def model_weights(model: Any) -> dict[str, Any]:
    """A Keras model's trainable weights by path, e.g. {'hidden_1/kernel': <variable>, ...}."""
    return {variable.path: variable for variable in model.trainable_variables}
