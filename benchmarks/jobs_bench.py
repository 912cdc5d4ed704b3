"""Job-manager benchmarks: the cost of a page watching a job live, and how fast Stop takes effect."""

from __future__ import annotations

import json
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from benchmarks.common import Context, Outcome, Row, interleaved, median, within
from mnist_dash import canvas_chart, figures, training
from mnist_dash.config import TrainConfig
from mnist_dash.executors.threads import ThreadExecutor
from mnist_dash.jobs import JobManager, JobSnapshot
from mnist_dash.presets import PRESETS
from mnist_dash.progress import ProgressSnapshot
from mnist_dash.runs import RunStore
from mnist_dash.vocabulary import JobState

OVERHEAD_TARGET = 0.05
STOP_TARGET_SECONDS = 1.0
POLL_SECONDS = 1.0  # the live panel's refresh period
STEPS_BEFORE_STOP = 10  # past compilation, into steady training


@contextmanager
def job_manager(ctx: Context, train_fn: Callable | None = None) -> Iterator[JobManager]:
    """One worker, its own temporary run store, the real MNIST already loaded."""
    dataset = ctx.dataset()
    with tempfile.TemporaryDirectory(prefix="mnist-dash-bench-runs-") as runs:
        executor = ThreadExecutor(1, load_dataset=lambda name, path: dataset, train_fn=train_fn)
        manager = JobManager(RunStore(runs), executor)
        try:
            yield manager
        finally:
            manager.shutdown()


def wait_for(condition: Callable[[], bool], timeout: float, interval: float = 0.01) -> float:
    """Poll until condition() holds; return the perf_counter time it did."""
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"condition not met within {timeout:g} s")
        time.sleep(interval)
    return time.perf_counter()


def draw_history(progress: ProgressSnapshot) -> int:
    """What the live panel computes each tick: both history charts' canvas specs, as JSON."""
    specs = figures.history_specs(progress, total_steps=progress.total_steps or None)
    return sum(len(json.dumps(canvas_chart.from_figure(spec))) for spec in specs.values())


class FakePage(threading.Thread):
    """Polls one job once per second like the live panel, timing each tick."""

    def __init__(self, manager: JobManager, job_id: str) -> None:
        super().__init__(name="bench-fake-page", daemon=True)
        self.manager, self.job_id = manager, job_id
        self.tick_seconds: list[float] = []

    def run(self) -> None:
        while True:
            start = time.perf_counter()
            snap = self.manager.snapshot(self.job_id)
            draw_history(snap.progress)
            self.tick_seconds.append(time.perf_counter() - start)
            if not snap.active:
                return
            time.sleep(max(0.0, POLL_SECONDS - (time.perf_counter() - start)))


def throughput_run(ctx: Context, config: TrainConfig, polled: bool) -> dict:
    """Train one job to the end, watched by a fake page or not; the engine's own samples/s."""
    with job_manager(ctx) as manager:
        job = manager.submit(config)
        page = FakePage(manager, job.job_id) if polled else None
        if page:
            page.start()
        snap: JobSnapshot = manager.wait(job.job_id, timeout=600)
        if page:
            page.join(timeout=5)
    return {"samples_per_second": snap.progress.samples_per_second, "state": snap.state,
            "ticks": len(page.tick_seconds) if page else 0,
            "tick_ms": 1000 * median(page.tick_seconds) if page and page.tick_seconds else None}


def live_config(ctx: Context) -> TrainConfig:
    """The Keras book's network on all images for 3 epochs (quick: 2000 images, 1 epoch)."""
    base = PRESETS["keras-book"].config
    return base.replace(epochs=1, train_size=2000) if ctx.quick else base.replace(epochs=3)


def live_view_overhead(ctx: Context) -> Outcome:
    """Engine samples/s with a page polling at 1 Hz against none, interleaved per repeat."""
    config = live_config(ctx)
    runs = interleaved(ctx.repeats, {
        "unwatched": lambda _: throughput_run(ctx, config, polled=False),
        "watched": lambda _: throughput_run(ctx, config, polled=True),
    })
    slowdowns = [1 - w["samples_per_second"] / u["samples_per_second"]
                 for u, w in zip(runs["unwatched"], runs["watched"], strict=True)]
    slowdown = median(slowdowns)
    tick = median([r["tick_ms"] for r in runs["watched"]])
    return Outcome(rows=[
        Row("unwatched job", median([r["samples_per_second"] for r in runs["unwatched"]]), "images/s",
            detail=config.summary()),
        Row("watched job (snapshot + 2 live charts at 1 Hz)",
            median([r["samples_per_second"] for r in runs["watched"]]), "images/s",
            detail=f"page tick {tick:.0f} ms median" if tick else ""),
        Row("slowdown when watched", 100 * slowdown, "%", f"<= {100 * OVERHEAD_TARGET:.0f}%",
            within(slowdown, high=OVERHEAD_TARGET),
            detail=f"per repeat {', '.join(f'{100 * s:.1f}%' for s in slowdowns)}"),
    ], data={"config": config.to_dict(), **runs})


def _stop_once(manager: JobManager, config: TrainConfig, returned: list[float]) -> dict:
    """Submit, wait for steady training, stop; split the wait into halt, evaluation and saving."""
    earlier = len(returned)
    job = manager.submit(config)
    wait_for(lambda: manager.snapshot(job.job_id).progress.step >= STEPS_BEFORE_STOP, timeout=300)
    before = manager.snapshot(job.job_id)
    clock_base = time.perf_counter() - before.progress.elapsed_seconds  # when the job's Progress began
    stopped_at = time.perf_counter()
    manager.stop(job.job_id, owner=None)
    done = wait_for(lambda: manager.snapshot(job.job_id).state != JobState.STOPPING, timeout=120)
    final = manager.snapshot(job.job_id)
    fit_end = clock_base + final.progress.elapsed_seconds
    train_end = returned[earlier] if len(returned) > earlier else done
    return {"state": final.state, "seconds": done - stopped_at, "halt": fit_end - stopped_at,
            "evaluate": train_end - fit_end, "save": done - train_end,
            "batches_after_stop": final.progress.step - before.progress.step}


def _timed_train_fn(returned: list[float]) -> Callable:
    """training.train, noting when each call returns (jobs run one at a time, in order)."""
    def train_fn(config: TrainConfig, dataset, progress, should_stop) -> training.TrainOutcome:
        outcome = training.train(config, dataset, progress, should_stop)
        returned.append(time.perf_counter())
        return outcome
    return train_fn


def stop_variant(ctx: Context, config: TrainConfig, count: int) -> list[dict]:
    """`count` jobs in a row on one manager, each stopped after a few batches."""
    returned: list[float] = []
    with job_manager(ctx, _timed_train_fn(returned)) as manager:
        return [_stop_once(manager, config, returned) for _ in range(count)]


def stop_latency(ctx: Context) -> Outcome:
    """Time from manager.stop() to the job's state 'stopped', on all 60000 images."""
    base = PRESETS["keras-book"].config
    variants = {"keras-book (no validation)": base}
    if not ctx.quick:
        variants["keras-book + 10% validation"] = base.replace(validation_split=0.1)
    count = 2 if ctx.quick else max(5, ctx.repeats)
    outcome = Outcome()
    for name, config in variants.items():
        stops = stop_variant(ctx, config, count)
        seconds = median([s["seconds"] for s in stops])
        parts = {part: median([s[part] for s in stops]) for part in ("halt", "evaluate", "save")}
        outcome.rows.append(Row(
            f"stop -> 'stopped', {name}", seconds, "s", f"< {STOP_TARGET_SECONDS:g} s",
            within(seconds, high=STOP_TARGET_SECONDS) and all(s["state"] == JobState.STOPPED for s in stops),
            detail=f"median of {count}: halt {parts['halt']:.2f} s, test evaluation "
                   f"{parts['evaluate']:.2f} s, saving {parts['save']:.2f} s",
        ))
        outcome.data[name] = {"config": config.to_dict(), "stops": stops}
    return outcome
