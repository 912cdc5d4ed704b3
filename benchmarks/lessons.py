"""What the lessons after the tutorials cost: epoch time with each augmentation, and TensorBoard's share."""

from __future__ import annotations

from unittest import mock

from benchmarks.common import Context, Outcome, Row, interleaved, median, within
from benchmarks.engine import QUICK_TRAIN_SIZE, engine_run, steady
from mnist_dash import tensorboard_log
from mnist_dash.config import AUGMENTATIONS, TrainConfig

AUGMENT_TARGET = 1.3  # shift and affine: at most 1.3x the epoch time without augmentation
TENSORBOARD_TARGET = 0.03  # TensorBoard's events: at most 3% of the training time


def _config(ctx: Context, seed: int, **changes) -> TrainConfig:
    """The Keras book's 784-512-10, as engine_vs_keras trains it."""
    return TrainConfig(hidden_units=(512,), optimizer="rmsprop", learning_rate=0.001, epochs=3,
                       validation_split=0.0, seed=seed,
                       train_size=QUICK_TRAIN_SIZE if ctx.quick else 20_000, **changes)


def augmentation_cost(ctx: Context) -> Outcome:
    """Seconds per epoch (after the first) with each augmentation, interleaved per repeat."""
    dataset = ctx.dataset()
    runs = interleaved(ctx.repeats, {
        kind: lambda seed, kind=kind: engine_run(dataset, _config(ctx, seed, augment=kind))
        for kind in AUGMENTATIONS})
    plain = median([steady(run) for run in runs["none"]])
    plain_cpu = median([steady(run, "epoch_cpu_seconds") for run in runs["none"]])
    outcome = Outcome(data={"runs": runs})
    for kind in AUGMENTATIONS[1:]:  # after "none"
        seconds = median([steady(run) for run in runs[kind]])
        cpu = median([steady(run, "epoch_cpu_seconds") for run in runs[kind]])
        ratio = seconds / plain
        bounded = kind in ("shift", "affine")
        outcome.rows.append(Row(f"784-512-10 epoch with {kind} augmentation / none", ratio, "x",
                                f"<= {AUGMENT_TARGET}x" if bounded else "",
                                within(ratio, high=AUGMENT_TARGET) if bounded else None,
                                detail=f"{seconds:.2f} s per epoch, none {plain:.2f} s; CPU time "
                                       f"{cpu / plain_cpu:.2f}x"))
    return outcome


def tensorboard_overhead(ctx: Context) -> Outcome:
    """Training time with the event files against the same run whose log writes nothing."""
    dataset = ctx.dataset()

    def silent(seed: int) -> dict:
        with mock.patch.object(tensorboard_log.TensorBoardLog, "batch_end"), \
                mock.patch.object(tensorboard_log.TensorBoardLog, "epoch_end"):
            return engine_run(dataset, _config(ctx, seed))

    runs = interleaved(ctx.repeats, {"written": lambda seed: engine_run(dataset, _config(ctx, seed)),
                                     "silent": silent})
    written = median([sum(run["epoch_cpu_seconds"]) for run in runs["written"]])
    without = median([sum(run["epoch_cpu_seconds"]) for run in runs["silent"]])
    share = written / without - 1
    return Outcome(rows=[Row("TensorBoard events, share of training CPU time", 100 * share, "%",
                             f"<= {100 * TENSORBOARD_TARGET:.0f}%", within(share, high=TENSORBOARD_TARGET),
                             detail=f"{written:.2f} s CPU with, {without:.2f} s without")],
                   data={"runs": runs})
