"""Engine speed: train() against a tutorial's plain model.fit, and against the machine's GEMM rate."""

from __future__ import annotations

import gc
import itertools
import time

import keras
from keras import layers

from benchmarks.common import Context, Outcome, Row, interleaved, median, spread, within
from mnist_dash import training
from mnist_dash.config import TrainConfig
from mnist_dash.data import Dataset
from mnist_dash.progress import Progress

# label -> (hidden units, optimizer): the Keras book's network and two wider ones.
CONFIGS = {
    "784-512-10": ((512,), "rmsprop"),
    "784-256-128-10": ((256, 128), "adam"),
    "784-1024-1024-10": ((1024, 1024), "adam"),
}
SPEEDUP_TARGET = 1.5
ACCURACY_TOLERANCE = 0.003  # 0.3 points: the seed-to-seed spread of these MLPs after a few epochs
QUICK_TRAIN_SIZE = 2000


def bench_config(label: str, epochs: int, seed: int, quick: bool) -> TrainConfig:
    """Cross-entropy, batch 128, Keras's default learning rate, no validation: all images train."""
    hidden, optimizer = CONFIGS[label]
    return TrainConfig(hidden_units=hidden, optimizer=optimizer, learning_rate=0.001,
                       loss="crossentropy", batch_size=128, epochs=epochs, validation_split=0.0,
                       seed=seed, train_size=QUICK_TRAIN_SIZE if quick else None)


def interval_seconds(marks: list[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(marks)]


def clocks() -> tuple[float, float]:
    """(wall, CPU of this whole process): CPU time is less disturbed by other programs' load."""
    return time.perf_counter(), time.process_time()


def epoch_times(marks: list[tuple[float, float]]) -> dict[str, list[float]]:
    return {"epoch_seconds": interval_seconds([wall for wall, _ in marks]),
            "epoch_cpu_seconds": interval_seconds([cpu for _, cpu in marks])}


class TimedProgress(Progress):
    """The engine's own Progress, plus a wall-clock mark at the start and at every epoch end.

    An epoch's time is the gap between consecutive marks, so it includes the engine's
    per-epoch shuffling and fit() set-up, not only the batches.
    """

    def begin(self, num_epochs: int, steps_per_epoch: int) -> None:
        self.marks = [clocks()]
        super().begin(num_epochs, steps_per_epoch)

    def epoch_end(self, logs: dict) -> None:
        self.marks.append(clocks())
        super().epoch_end(logs)


class EpochClock(keras.callbacks.Callback):
    """Wall-clock marks at every epoch end of a plain model.fit."""

    def __init__(self) -> None:
        super().__init__()
        self.marks: list[tuple[float, float]] = []

    def on_epoch_end(self, epoch, logs=None):
        self.marks.append(clocks())


def tutorial_model(hidden: tuple[int, ...]) -> keras.Model:
    """The network as a tutorial writes it: Sequential, Dense layers, Keras defaults."""
    return keras.Sequential([
        keras.Input(shape=(784,)),
        *[layers.Dense(units, activation="relu") for units in hidden],
        layers.Dense(10, activation="softmax"),
    ])


def tutorial_run(dataset: Dataset, config: TrainConfig) -> dict:
    """(a) float32 x/255 reshaped to 784, one-hot labels, categorical_crossentropy, verbose=0."""
    count = config.train_size or len(dataset.x_train)
    x = dataset.x_train[:count].reshape(count, 784).astype("float32") / 255
    y = keras.utils.to_categorical(dataset.y_train[:count], 10)
    keras.utils.set_random_seed(config.seed)
    model = tutorial_model(config.hidden_units)
    model.compile(optimizer=config.optimizer, loss="categorical_crossentropy", metrics=["accuracy"])
    clock = EpochClock()
    start = clocks()
    model.fit(x, y, epochs=config.epochs, batch_size=config.batch_size, verbose=0, callbacks=[clock])
    times = epoch_times([start, *clock.marks])
    x_test = dataset.x_test.reshape(len(dataset.x_test), 784).astype("float32") / 255
    _, accuracy = model.evaluate(x_test, keras.utils.to_categorical(dataset.y_test, 10), verbose=0)
    del model, x, y
    gc.collect()
    return {**times, "test_accuracy": float(accuracy)}


def engine_run(dataset: Dataset, config: TrainConfig) -> dict:
    """(b) the engine's train() with live progress recording; its test evaluation is not timed."""
    progress = TimedProgress()
    outcome = training.train(config, dataset, progress)
    result = {**epoch_times(progress.marks), "test_accuracy": outcome.test_accuracy,
              "xla": outcome.xla, "train_seconds": outcome.train_seconds}
    del outcome
    gc.collect()
    return result


def steady(run: dict, key: str = "epoch_seconds") -> float | None:
    """Median seconds of the epochs after the first (which compiles)."""
    return median(run[key][1:])


def robust_ratios(tutorial: list[dict], engine: list[dict]) -> str:
    """Two views less sensitive to other programs: best epochs, and CPU time per epoch."""
    best = min(s for r in tutorial for s in r["epoch_seconds"][1:]) / min(
        s for r in engine for s in r["epoch_seconds"][1:])
    cpu = median([steady(r, "epoch_cpu_seconds") for r in tutorial]) / median(
        [steady(r, "epoch_cpu_seconds") for r in engine])
    return f"fastest epochs {best:.2f}x, CPU time {cpu:.2f}x"


def _config_rows(label: str, runs: dict[str, list[dict]]) -> list[Row]:
    tutorial, engine = runs["tutorial"], runs["engine"]
    speedups = [steady(a) / steady(b) for a, b in zip(tutorial, engine, strict=True)]
    speedup = median(speedups)
    acc_a = median([r["test_accuracy"] for r in tutorial])
    acc_b = median([r["test_accuracy"] for r in engine])
    gap = acc_b - acc_a
    first_a = median([r["epoch_seconds"][0] for r in tutorial])
    first_b = median([r["epoch_seconds"][0] for r in engine])
    return [
        Row(f"{label} tutorial fit", median([steady(r) for r in tutorial]), "s/epoch",
            detail=f"first epoch {first_a:.2f} s"),
        Row(f"{label} engine", median([steady(r) for r in engine]), "s/epoch",
            detail=f"first epoch {first_b:.2f} s, XLA {'on' if engine[0]['xla'] else 'off'}"),
        Row(f"{label} speed-up engine/tutorial", speedup, "x", f">= {SPEEDUP_TARGET}x",
            within(speedup, SPEEDUP_TARGET),
            detail=f"per repeat {', '.join(f'{s:.2f}' for s in speedups)}; "
                   f"{robust_ratios(tutorial, engine)}"),
        Row(f"{label} test accuracy engine - tutorial", 100 * gap, "points",
            f">= -{100 * ACCURACY_TOLERANCE:.1f}", within(gap, -ACCURACY_TOLERANCE),
            detail=f"engine {acc_b:.4f}, tutorial {acc_a:.4f}, spread of tutorial "
                   f"{100 * spread([r['test_accuracy'] for r in tutorial]):.2f} points"),
    ]


def compare(ctx: Context, dataset: Dataset, label: str, epochs: int) -> dict[str, list[dict]]:
    """Tutorial and engine runs of one network, alternating a/b then b/a; repeat r uses seed r."""
    def config(seed: int) -> TrainConfig:
        return bench_config(label, epochs, seed, ctx.quick)

    return interleaved(ctx.repeats, {
        "tutorial": lambda seed: tutorial_run(dataset, config(seed)),
        "engine": lambda seed: engine_run(dataset, config(seed)),
    })


def engine_vs_keras(ctx: Context) -> Outcome:
    """Seconds per epoch of (a) plain model.fit and (b) the engine, interleaved a/b per repeat."""
    dataset = ctx.dataset()
    labels = list(CONFIGS)[:1] if ctx.quick else list(CONFIGS)
    epochs = 2 if ctx.quick else 3
    outcome = Outcome()
    for label in labels:
        runs = compare(ctx, dataset, label, epochs)
        outcome.rows.extend(_config_rows(label, runs))
        outcome.data[label] = {"epochs": epochs, "train_images": QUICK_TRAIN_SIZE if ctx.quick else 60_000,
                               **runs}
    outcome.data["timing"] = ("seconds per epoch = wall time between consecutive epoch ends (the "
                              "first epoch from just before fit/train); test evaluation not timed")
    return outcome
