"""Train one MLP: own shuffling and train step, live progress, stop within a batch, divergence.

The loop is ours, not Keras's `fit`: one compiled step gathers its batch from the images kept in
TensorFlow once per dataset, and an accumulator sums each batch into the epoch's record and
checks Stop and divergence after every batch. It computes what `fit` would: the exported
plain-Keras script, which uses `fit` with the same seeds, reproduces a run's test loss.
How fast it is against `fit`: benchmarks/RESULTS.md (engine_vs_keras).
"""

from __future__ import annotations

import logging
import math
import secrets
import tempfile
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from mnist_dash import metrics
from mnist_dash import model as model_lib
from mnist_dash.accumulator import EpochAccumulator, StopCheck
from mnist_dash.architecture import train_image_count, validation_count
from mnist_dash.augment import augment_batch
from mnist_dash.config import TrainConfig
from mnist_dash.data import Dataset
from mnist_dash.i18n import Msg
from mnist_dash.progress import Progress
from mnist_dash.schedules import Schedule
from mnist_dash.tensorboard_log import TensorBoardLog, model_weights, step_interval
from mnist_dash.vocabulary import EpochRecord, JobState, completed_epochs

log = logging.getLogger(__name__)

CLASS_PROBE_SIZE = 2000  # training images that give per-class accuracy when nothing is held out

Split = tuple[np.ndarray, np.ndarray]  # images, labels


@dataclass
class TrainOutcome:
    """What a finished training leaves behind."""

    state: JobState  # COMPLETED, STOPPED or DIVERGED
    message: str  # a Msg: translated where it is drawn
    model: keras.Model
    history: list[EpochRecord]
    epochs_completed: int
    train_seconds: float
    samples_per_second: float | None
    xla: bool
    test_loss: float | None = None
    test_accuracy: float | None = None
    test_outputs: np.ndarray | None = None  # (n_test, 10) float32, raw network outputs
    test_probabilities: np.ndarray | None = None
    best_epoch: int | None = None  # the epoch whose weights early stopping kept; None: the last
    tensorboard_files: dict[str, bytes] = field(default_factory=dict)  # event file name -> bytes


@dataclass(frozen=True)
class RunData:
    """What one run trains on and checks against: the dataset split once."""

    dataset: Dataset
    train: Split  # the first images of the training set
    validation: Split | None  # held out from the end of the training images; None: nothing held out

    @classmethod
    def split(cls, config: TrainConfig, dataset: Dataset) -> RunData:
        count = train_image_count(config, len(dataset.x_train))
        x, y = dataset.x_train[:count], dataset.y_train[:count]
        held_out = validation_count(config, count)
        if held_out == 0:
            return cls(dataset, (x, y), None)
        return cls(dataset, (x[:-held_out], y[:-held_out]), (x[-held_out:], y[-held_out:]))

    @property
    def probe(self) -> Split:
        """Images for the per-class accuracy after each epoch."""
        if self.validation is not None:
            return self.validation
        return self.train[0][:CLASS_PROBE_SIZE], self.train[1][:CLASS_PROBE_SIZE]


def train(config: TrainConfig, dataset: Dataset, progress: Progress,
          should_stop: StopCheck = lambda: None) -> TrainOutcome:
    """Train in the calling thread (a worker thread in the app); never touches Streamlit.

    TensorBoard events are written to a temporary folder and come back as bytes in the outcome:
    the worker may run on another machine than the run store."""
    data = RunData.split(config, dataset)
    with tempfile.TemporaryDirectory(prefix="mnist-dash-tensorboard-") as log_dir:
        total_steps = config.epochs * len(_batch_sizes(len(data.train[0]), config.batch_size))
        board = TensorBoardLog(log_dir, config, run_id=secrets.token_hex(4), every=step_interval(total_steps))
        try:
            outcome = _train_and_test(config, data, progress, should_stop, board)
            board.run_end({"test_loss": outcome.test_loss, "test_accuracy": outcome.test_accuracy},
                          epoch=outcome.epochs_completed)
        finally:
            board.close()
        outcome.tensorboard_files = {path.name: path.read_bytes() for path in Path(log_dir).iterdir()}
    return outcome


def _train_and_test(config: TrainConfig, data: RunData, progress: Progress, should_stop: StopCheck,
                    board: TensorBoardLog) -> TrainOutcome:
    xla = model_lib.use_xla(config, len(data.dataset.x_train)) and model_lib.XLA_BUDGET.claim()
    started = time.perf_counter()
    try:
        model, accumulator, keeper = _fit(config, data, progress, should_stop, xla, board)
    except Exception:
        if not xla or progress.snapshot().step > 0:
            raise
        log.warning("XLA compilation failed; training without XLA", exc_info=True)
        xla = False
        model, accumulator, keeper = _fit(config, data, progress, should_stop, xla, board)
    progress.end()
    history = progress.epochs
    outcome = TrainOutcome(
        state=_end_state(accumulator), message=accumulator.stop_reason or "", model=model,
        history=history, epochs_completed=completed_epochs(history),
        train_seconds=time.perf_counter() - started,
        samples_per_second=progress.snapshot().samples_per_second, xla=xla,
        best_epoch=keeper.restore(model) if keeper is not None else None,
    )
    if keeper is not None and keeper.stopped_early:
        outcome.message = keeper.message()
    if accumulator.diverged is not None:
        outcome.message = divergence_message(config, accumulator.diverged)
    else:
        evaluate_test(outcome, config, data.dataset)
    return outcome


def _end_state(accumulator: EpochAccumulator) -> JobState:
    if accumulator.diverged is not None:
        return JobState.DIVERGED
    return JobState.STOPPED if accumulator.stop_reason is not None else JobState.COMPLETED


class BestWeights:
    """Early stopping: remembers the weights of the epoch with the lowest validation loss, says
    when `patience` epochs in a row brought none lower, and puts the best weights back."""

    def __init__(self, patience: int) -> None:
        self.patience = patience
        self.best_loss = math.inf
        self.best_epoch: int | None = None
        self.weights: list[np.ndarray] | None = None
        self.stopped_early = False

    def after_epoch(self, record: EpochRecord, model: keras.Model) -> bool:
        """Note a checked epoch; True when training should stop now."""
        if record.val_loss is None:
            return False
        if record.val_loss < self.best_loss:
            self.best_loss, self.best_epoch = record.val_loss, record.epoch
            self.weights = model.get_weights()
        self.stopped_early = record.epoch - self.best_epoch >= self.patience
        return self.stopped_early

    def restore(self, model: keras.Model) -> int | None:
        """Put the best epoch's weights back into the model; that epoch (None: none checked)."""
        if self.weights is not None:
            model.set_weights(self.weights)
        return self.best_epoch

    def message(self) -> Msg:
        return Msg("Early stopping: the validation loss was not lower than epoch {best}'s "
                   "({loss}) for {patience} epoch(s); kept epoch {best}'s weights.",
                   best=self.best_epoch, loss=format(self.best_loss, ".4f"), patience=self.patience)


def _fit(config: TrainConfig, data: RunData, progress: Progress, should_stop: StopCheck,
         jit_compile: bool, board: TensorBoardLog
         ) -> tuple[keras.Model, EpochAccumulator, BestWeights | None]:
    """A new model trained epoch by epoch until the end, Stop, divergence or early stopping."""
    sizes = _batch_sizes(len(data.train[0]), config.batch_size)
    model = model_lib.build_model(config)
    model_lib.compile_model(model, config, steps_per_epoch=len(sizes))
    accumulator = EpochAccumulator(progress, should_stop)
    keeper = None if config.early_stopping_patience is None else BestWeights(config.early_stopping_patience)
    _train_epochs(model, config, data, accumulator, jit_compile, board, keeper)
    return model, accumulator, keeper


def _train_epochs(model: keras.Model, config: TrainConfig, data: RunData,
                  accumulator: EpochAccumulator, jit_compile: bool, board: TensorBoardLog,
                  keeper: BestWeights | None = None) -> None:
    images, labels = training_tensors(data.dataset)
    step = make_train_step(model, config, images, labels, jit_compile)
    sizes = _batch_sizes(len(data.train[0]), config.batch_size)
    schedule = Schedule.from_config(config, len(sizes))
    rates = schedule.rates(np.arange(config.epochs * len(sizes)))  # of each update, for TensorBoard
    count = len(data.train[0])  # the training images are the first `count` of the set
    rng = np.random.default_rng(config.seed)
    accumulator.progress.begin(config.epochs, len(sizes))
    for _ in range(config.epochs):
        order = rng.permutation(count) if config.shuffle else np.arange(count)
        # The epoch's batches of indices in one op (slicing per batch cost ~12% of a small net's epoch).
        batches = tf.split(tf.constant(order.astype(np.int32)), sizes)
        accumulator.start_epoch()
        for indices, size in zip(batches, sizes, strict=True):
            loss, accuracy = (float(value) for value in step(indices).numpy())
            halt = accumulator.add_batch(loss, accuracy, size)
            board.batch_end(accumulator.step, loss, accuracy, float(rates[accumulator.step - 1]))
            if halt:
                break
        if accumulator.diverged is not None:
            return
        record = accumulator.end_epoch().with_checks(
            learning_rate=float(rates[accumulator.step - 1]))
        # Validation after a full epoch only: a Stop must not wait for it.
        if accumulator.stop_reason is None:
            record = with_epoch_checks(record, model, config, data)
        accumulator.progress.epoch_end(record)
        board.epoch_end(record, model_weights(model))
        if accumulator.stop_reason is not None:
            return
        if keeper is not None and keeper.after_epoch(record, model):
            return


def divergence_message(config: TrainConfig, what: str) -> Msg:
    return Msg("Training diverged: {what}. The steps were too large for this network: try a "
               "learning rate about 10x smaller than {rate}.", what=what,
               rate=format(config.learning_rate, "g"))


def with_epoch_checks(record: EpochRecord, model: keras.Model, config: TrainConfig,
                      data: RunData) -> EpochRecord:
    """The record plus validation loss/accuracy, and accuracy per class (which digits are
    learned first)."""
    x, y = data.probe
    outputs = model_lib.predict_outputs(model, x)
    record = record.with_checks(class_accuracy=metrics.class_accuracy(outputs, y))
    if data.validation is None:
        return record
    val_loss, val_accuracy = model_lib.measure(model, config, x, y, outputs)
    return record.with_checks(val_loss=val_loss, val_accuracy=val_accuracy)


def evaluate_test(outcome: TrainOutcome, config: TrainConfig, dataset: Dataset) -> None:
    """Test loss, accuracy and outputs, computed once when a run ends."""
    outputs = model_lib.predict_outputs(outcome.model, dataset.x_test)
    outcome.test_loss, outcome.test_accuracy = model_lib.measure(
        outcome.model, config, dataset.x_test, dataset.y_test, outputs)
    outcome.test_outputs = outputs
    outcome.test_probabilities = model_lib.outputs_to_probabilities(outputs, config)


def _batch_sizes(num_images: int, batch_size: int) -> list[int]:
    full, rest = divmod(num_images, batch_size)
    return [batch_size] * full + ([rest] if rest else [])


_tensors_lock = threading.Lock()
_tensors: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def training_tensors(dataset: Dataset) -> tuple[tf.Tensor, tf.Tensor]:
    """The training images and labels as TensorFlow tensors: made once per dataset, shared by
    every job (60,000 images are 47 MB), freed with the dataset."""
    with _tensors_lock:
        if dataset not in _tensors:
            _tensors[dataset] = (tf.convert_to_tensor(dataset.x_train),
                                 tf.convert_to_tensor(dataset.y_train.astype(np.int32)))
        return _tensors[dataset]


def make_train_step(model: keras.Model, config: TrainConfig, images: tf.Tensor, labels: tf.Tensor,
                    jit_compile: bool) -> Callable:
    """One optimizer update on the images at `indices`; returns [loss, accuracy] of that batch.

    With augmentation, the batch is distorted first, seeded by the run's seed and the optimizer's
    update count: the same seed gives the same distortions, another batch other ones."""
    loss_fn = model_lib.make_loss(config)
    optimizer, variables = model.optimizer, model.trainable_variables

    @tf.function(jit_compile=jit_compile, reduce_retracing=True)
    def train_step(indices):
        x, y = tf.gather(images, indices), tf.gather(labels, indices)
        if config.augment != "none":
            seed = tf.stack([tf.constant(config.seed, tf.int64), tf.cast(optimizer.iterations, tf.int64)])
            x = augment_batch(x, config.augment, config.augment_strength, seed)
        with tf.GradientTape() as tape:
            outputs = model(x, training=True)
            loss = tf.reduce_mean(loss_fn(y, outputs))  # the mean over the batch, as fit's
        optimizer.apply(tape.gradient(loss, variables), variables)
        right = tf.equal(tf.argmax(outputs, axis=-1, output_type=tf.int32), y)
        return tf.stack([loss, tf.reduce_mean(tf.cast(right, tf.float32))])

    return train_step
