"""Ray start-up and latency: how long until a local cluster takes jobs, submit -> first batch and
Stop -> stopped on an idle warm cluster, and what a cold worker's first batch is made of.

It runs in its own process, as the app server would (ray.init lasts as long as the process):
ray.init, then the app's own background start (configure.executor_from_env, background=True) until
it accepts jobs, i.e. its Trainer workers are warm; then jobs through a job manager; last, one task
in a fresh worker process that times each step of a cold first batch.

    python -m benchmarks --only ray_start
    python -m benchmarks.ray_start OUT.json [--repeats N] [--quick]   # what the benchmark runs
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import Context, Outcome, Row, median, within

FIRST_BATCH_TARGET_SECONDS = 3.0
STOP_TARGET_SECONDS = 1.0
STEPS_BEFORE_STOP = 10  # past the first batches, into steady training
READY_TIMEOUT = 600.0  # a very busy machine; 11 s on an idle one
COLD_STEPS = ("worker", "tensorflow", "keras", "data", "first_batch")  # in the order they happen
COLD_WORDS = {"worker": "a worker process takes the task", "tensorflow": "import tensorflow",
              "keras": "import keras and the training code", "data": "load MNIST",
              "first_batch": "build, compile and train the first batch"}


def ray_start(ctx: Context) -> Outcome:
    repeats = 2 if ctx.quick else max(5, ctx.repeats)
    with tempfile.TemporaryDirectory(prefix="mnist-dash-bench-ray-start-") as folder:
        out = Path(folder) / "result.json"
        command = [sys.executable, "-m", "benchmarks.ray_start", str(out), "--repeats", str(repeats)]
        subprocess.run(command + (["--quick"] if ctx.quick else []), check=True, timeout=1800,
                       env={**os.environ, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"})
        result = json.loads(out.read_text())
    return Outcome(rows=result_rows(result), data=result)


def result_rows(result: dict[str, Any]) -> list[Row]:
    first = median([job["first_batch"] for job in result["jobs"]])
    stop = median([job["stop"] for job in result["jobs"]])
    stopped = all(job["state"] == "stopped" for job in result["jobs"])
    cold = result["cold"]
    count = len(result["jobs"])
    return [
        Row("ray.init (a private local cluster)", result["init"], "s"),
        Row("then the app's background start until it accepts a job", result["warm"], "s",
            detail=f"{result['trainers']} Trainer worker(s) import TensorFlow, load MNIST and compile "
                   f"a warm-up job; {result['init'] + result['warm']:.1f} s from ray.init"),
        Row("submit -> first batch, idle warm cluster", first, "s",
            f"< {FIRST_BATCH_TARGET_SECONDS:g} s", within(first, high=FIRST_BATCH_TARGET_SECONDS),
            detail=f"median of {count}: {_listed(job['first_batch'] for job in result['jobs'])}; "
                   f"progress reaches the app every 0.25 s"),
        Row("Stop -> 'stopped' on Ray", stop, "s", f"< {STOP_TARGET_SECONDS:g} s",
            within(stop, high=STOP_TARGET_SECONDS) and stopped,
            detail=f"median of {count}: {_listed(job['stop'] for job in result['jobs'])}; training "
                   f"halted after {median([job['halt'] for job in result['jobs']]):.2f} s, the rest is "
                   f"the test evaluation, the .keras bytes coming home and saving the run"),
        Row("a cold worker's first batch (no warm-up)", sum(cold.values()), "s",
            detail="; ".join(f"{COLD_WORDS[step]} {cold[step]:.2f} s" for step in COLD_STEPS)),
    ]


def _listed(values: Any) -> str:
    return ", ".join(f"{value:.2f}" for value in values)


# ---- inside the benchmark's own process ----

def cold_first_batch(submitted: float, data_path: str) -> dict[str, float]:
    """In a fresh worker process: wall-clock seconds of each step up to the end of the first batch."""
    marks = [submitted, time.time()]
    import tensorflow  # noqa: F401

    marks.append(time.time())
    from mnist_dash import data, training
    from mnist_dash.config import TrainConfig
    from mnist_dash.progress import Progress

    marks.append(time.time())
    dataset = data.get_dataset("mnist", data_path)
    marks.append(time.time())

    def first_batch_done() -> str:
        marks.append(time.time())
        return "first batch done"

    training.train(TrainConfig(hidden_units=(512,)), dataset, Progress(), first_batch_done)
    return {step: marks[i + 1] - marks[i] for i, step in enumerate(COLD_STEPS)}


def _first_batch_and_stop(manager: Any, config: Any) -> dict[str, Any]:
    from benchmarks.jobs_bench import wait_for

    job = manager.submit(config, owner="learner")
    submitted = time.perf_counter()
    first = wait_for(lambda: manager.snapshot(job.job_id).progress.step > 0, timeout=120)
    wait_for(lambda: manager.snapshot(job.job_id).progress.step >= STEPS_BEFORE_STOP, timeout=120)
    asked = time.perf_counter()
    manager.stop(job.job_id, owner="learner")
    last = _LastStep(manager, job.job_id, asked)
    done = wait_for(last.ended, timeout=120)
    return {"first_batch": first - submitted, "stop": done - asked,
            "halt": max(0.0, last.changed - asked), "state": str(manager.snapshot(job.job_id).state)}


class _LastStep:
    """Polled until the job ends: when the step it reports last changed, i.e. when training halted
    (to within the 0.25 s between progress messages); the rest is evaluation, transfer, saving."""

    def __init__(self, manager: Any, job_id: str, since: float) -> None:
        self.manager, self.job_id = manager, job_id
        self.step, self.changed = manager.snapshot(job_id).progress.step, since

    def ended(self) -> bool:
        snap = self.manager.snapshot(self.job_id)
        if snap.progress.step != self.step:
            self.step, self.changed = snap.progress.step, time.perf_counter()
        return not snap.active


def measure(repeats: int, quick: bool) -> dict[str, Any]:
    import ray

    from mnist_dash.executors import ray_cluster
    from mnist_dash.executors.configure import RAY_ADDRESS, executor_from_env
    from mnist_dash.jobs import JobManager
    from mnist_dash.presets import PRESETS
    from mnist_dash.runs import RunStore

    start = time.perf_counter()
    ray_cluster.connect("local")
    initialised = time.perf_counter()
    executor = executor_from_env({**os.environ, RAY_ADDRESS: "local"}, background=True)
    if not executor.ready(READY_TIMEOUT):
        raise RuntimeError(f"the Ray executor was not ready within {READY_TIMEOUT:g} s: "
                           f"{executor.unavailable()}")
    ready = time.perf_counter()
    config = PRESETS["keras-book"].config
    if quick:
        config = config.replace(train_size=10_000, epochs=1)
    with tempfile.TemporaryDirectory(prefix="mnist-dash-bench-runs-") as runs:
        manager = JobManager(RunStore(runs), executor)
        try:
            trainers = executor.capacity()
            jobs = [_first_batch_and_stop(manager, config) for _ in range(repeats)]
        finally:
            manager.shutdown()
    cold = ray.remote(num_cpus=0, max_calls=1)(cold_first_batch)  # max_calls=1: a fresh process
    steps = ray.get(cold.remote(time.time(), os.environ["MNIST_DASH_DATA"]))
    ray.shutdown()
    return {"init": initialised - start, "warm": ready - initialised, "trainers": trainers,
            "jobs": jobs, "cold": steps, "config": config.summary()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ray_start")
    parser.add_argument("out", type=Path)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    args.out.write_text(json.dumps(measure(args.repeats, args.quick)))


if __name__ == "__main__":
    main()
