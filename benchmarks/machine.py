"""The machine's limit: float32 GEMM rate in TensorFlow, and the fraction of it an engine epoch reaches."""

from __future__ import annotations

import math
import time

import tensorflow as tf

from benchmarks.common import Context, Outcome, Row, median, within
from benchmarks.engine import CONFIGS, bench_config, engine_run
from mnist_dash.architecture import train_image_count, training_flops_per_sample

FRACTION_TARGET = 0.5
TARGET_CONFIG = "784-1024-1024-10"


def gemm_rate(rows: int, size: int, chain: int, calls: int) -> float:
    """GFLOP/s of [rows,size] @ [size,size] products, `chain` of them per call, median over calls.

    Chaining inside one tf.function keeps Python out of the loop; the right-hand matrix is
    scaled by 1/sqrt(size) so values neither overflow nor turn denormal.
    """
    left = tf.random.normal((rows, size), seed=1)
    right = tf.random.normal((size, size), seed=2) / math.sqrt(size)

    @tf.function
    def products(x: tf.Tensor) -> tf.Tensor:
        for _ in range(chain):
            x = tf.matmul(x, right)
        return x

    products(left).numpy()  # trace and warm up
    rates = []
    for _ in range(calls):
        start = time.perf_counter()
        products(left).numpy()
        rates.append(2 * rows * size * size * chain / (time.perf_counter() - start) / 1e9)
    return median(rates)


def gemm_rates(quick: bool) -> dict[str, float]:
    big = 2048 if quick else 4096
    return {
        f"{big}x{big}x{big}": gemm_rate(big, big, chain=1, calls=2 if quick else 3),
        "128x1024x1024": gemm_rate(128, 1024, chain=20 if quick else 50, calls=3 if quick else 5),
    }


def epoch_measure(ctx: Context, label: str, seed: int) -> dict:
    """The engine's second epoch (the first compiles), and the FLOPs that epoch performs."""
    config = bench_config(label, epochs=2, seed=seed, quick=ctx.quick)
    images = train_image_count(config, 60_000)
    run = engine_run(ctx.dataset(), config)
    return {"seconds": run["epoch_seconds"][1], "flops": training_flops_per_sample(config) * images,
            "xla": run["xla"]}


def _repeat(ctx: Context, seed: int) -> dict:
    """One repeat: GEMM rates, then one engine epoch per config, so each fraction has its own peak."""
    peaks = gemm_rates(ctx.quick)
    epochs = {label: epoch_measure(ctx, label, seed) for label in CONFIGS}
    peak = max(peaks.values())
    fractions = {label: e["flops"] / e["seconds"] / 1e9 / peak for label, e in epochs.items()}
    return {"gemm_gflops": peaks, "epochs": epochs, "fractions": fractions}


def machine_limit(ctx: Context) -> Outcome:
    """FLOPs per epoch / seconds per epoch, against the best measured GEMM rate of the same repeat."""
    repeats = [_repeat(ctx, seed) for seed in range(ctx.repeats)]
    outcome = Outcome(data={"repeats": repeats, "intra_op_threads":
                            tf.config.threading.get_intra_op_parallelism_threads() or "default (all cores)"})
    for shape in repeats[0]["gemm_gflops"]:
        outcome.rows.append(Row(f"GEMM {shape} float32", median([r["gemm_gflops"][shape] for r in repeats]),
                                "GFLOP/s", detail="tf.matmul, TensorFlow's own threads"))
    for label in CONFIGS:
        fraction = median([r["fractions"][label] for r in repeats])
        seconds = median([r["epochs"][label]["seconds"] for r in repeats])
        flops = repeats[0]["epochs"][label]["flops"]
        is_target = label == TARGET_CONFIG
        outcome.rows.append(Row(
            f"{label} achieved / GEMM peak", 100 * fraction, "%",
            f">= {100 * FRACTION_TARGET:.0f}%" if is_target else "",
            within(fraction, FRACTION_TARGET) if is_target else None,
            detail=f"{flops / 1e9:.0f} GFLOP per epoch in {seconds:.2f} s "
                   f"= {flops / seconds / 1e9:.0f} GFLOP/s",
        ))
    return outcome
