"""Class throughput: 30 learners submit the Keras-book preset at once; how long until all have results?

Each backend runs in its own process (an "arm"), as an app server would: a job manager on that
backend, and a tiny HTTP health endpoint in the same process that the parent probes every 50 ms
(training in-process competes with it for the GIL, as with Streamlit's own /_stcore/health).

    python -m benchmarks --only class_throughput        # all four arms, the table in RESULTS.md
    python -m benchmarks.class_throughput ARM OUT.json  # one arm (what the benchmark runs)
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.common import Context, Outcome, Row, median, percentile, within

LEARNERS, TRAIN_IMAGES, EPOCHS = 30, 10_000, 3
SUBMIT_WINDOW_SECONDS = 10.0  # all learners click within this
HEALTH_P99_TARGET_MS = 250.0
ARMS = {  # name -> what it is, for the table
    "threads-default": "threads, today's default (1 job per 4 cores)",
    "threads-2x1": "threads, 2 jobs of 1 TensorFlow thread each",
    "ray-local": "Ray local (2 CPUs per job)",
    "ray-2-nodes": "Ray, 2 simulated nodes on this machine (2 CPUs each, sharing its cores)",
}


JUDGED = ("threads-default", "ray-local")  # the target's pair: repeated, interleaved


def class_throughput(ctx: Context) -> Outcome:
    """Every arm in its own process, one after the other; the ratios are what carry over.

    Wall times on a shared 2-core machine vary by tens of percent from run to run, so the pair the
    target compares runs `ctx.repeats` times, alternating which goes first; the others run once."""
    learners, images, epochs = (3, 1_000, 1) if ctx.quick else (LEARNERS, TRAIN_IMAGES, EPOCHS)
    arms = ["threads-default", "ray-local"] if ctx.quick else list(ARMS)
    runs: dict[str, list[dict[str, Any]]] = {arm: [] for arm in arms}
    rows = []
    for repeat in range(ctx.repeats):
        order = arms if repeat == 0 else [arm for arm in arms if arm in JUDGED]
        for arm in reversed(order) if repeat % 2 else order:
            try:
                runs[arm].append(_run_arm(arm, learners, images, epochs))
            except (RuntimeError, subprocess.TimeoutExpired) as error:  # keep the other arms' figures
                rows.append(Row(f"{arm}: all {learners} results", None, detail=f"failed: {error}"))
    minutes = {arm: median([run["minutes"] for run in done]) for arm, done in runs.items() if done}
    for arm, done in runs.items():
        if done:
            rows += _arm_rows(arm, done, learners, minutes.get("threads-default"))
    for done in runs.values():
        for result in done:  # thousands of probes: keep their shape, not every one
            health = result.pop("health_ms")
            result["health"] = {"probes": len(health), "p50_ms": percentile(health, 0.5),
                                "p99_ms": percentile(health, 0.99), "max_ms": max(health, default=None)}
            result["first_batch_waits"] = [round(wait, 2) for wait in result["first_batch_waits"]]
    return Outcome(rows=rows, data={"learners": learners, "train_images": images, "epochs": epochs,
                                    "arms": runs})


def _arm_rows(arm: str, runs: list[dict[str, Any]], learners: int, baseline: float | None) -> list[Row]:
    """Median minutes (judged on Ray local against the threads default), its run's waits and CPU,
    and the worst health p99 of the arm's runs."""
    minutes = median([run["minutes"] for run in runs])
    typical = min(runs, key=lambda run: abs(run["minutes"] - minutes))
    waits = typical["first_batch_waits"]
    p99s = [percentile(run["health_ms"], 0.99) for run in runs]
    judged = arm == "ray-local" and baseline is not None
    each = ", ".join(f"{run['minutes']:.2f}" for run in runs)
    repeats = f"median of {len(runs)}: {each}; " if len(runs) > 1 else ""
    return [
        Row(f"{arm}: all {learners} results", minutes, "min", "<= threads default" if judged else "",
            within(minutes, high=baseline) if judged else None,
            detail=(f"{ARMS[arm]}; {repeats}wait to first batch p50 {percentile(waits, 0.5):.0f} s, "
                    f"p95 {percentile(waits, 0.95):.0f} s; {typical['cpu_seconds_per_job']:.1f} "
                    f"CPU-s per job; {sum(run['failed'] for run in runs)} failed")),
        Row(f"{arm}: health p99 meanwhile", max(p99s), "ms", f"< {HEALTH_P99_TARGET_MS:g} ms",
            within(max(p99s), high=HEALTH_P99_TARGET_MS),
            detail=f"the worst of {len(runs)} run(s): {', '.join(f'{p99:.0f}' for p99 in p99s)} ms; "
                   f"{sum(len(run['health_ms']) for run in runs)} probes, "
                   f"{sum(run['health_failures'] for run in runs)} failed"),
    ]


def _run_arm(arm: str, learners: int, images: int, epochs: int) -> dict[str, Any]:
    """Start the arm's process, probe its health endpoint until it reports, return its figures."""
    from benchmarks.learners import HealthProbe

    with tempfile.TemporaryDirectory(prefix="mnist-dash-bench-class-") as folder:
        out, port_file = Path(folder) / "result.json", Path(folder) / "port"
        command = [sys.executable, "-m", "benchmarks.class_throughput", arm, str(out),
                   "--learners", str(learners), "--images", str(images), "--epochs", str(epochs),
                   "--port-file", str(port_file)]
        process = subprocess.Popen(command, env=_arm_environment(arm))
        while not port_file.exists() and process.poll() is None:
            time.sleep(0.1)
        probe = HealthProbe(f"http://127.0.0.1:{port_file.read_text()}") if port_file.exists() else None
        if probe:
            probe.start()
        code = process.wait(timeout=3600)
        if probe:
            probe.done.set()
            probe.join()
        if code != 0:
            raise RuntimeError(f"arm {arm} exited with {code}")
        result = json.loads(out.read_text())
        window = (_wall_to_perf(result.pop("submit_started_wall")),
                  _wall_to_perf(result.pop("finished_wall")))
        samples = [latency for at, latency in (probe.samples if probe else [])
                   if window[0] <= at <= window[1]]
        result["health_ms"] = [1000 * latency for latency in samples if latency is not None]
        result["health_failures"] = sum(latency is None for latency in samples)
        return result


def _wall_to_perf(wall: float) -> float:
    """A time.time() from the arm process on this process's perf_counter clock."""
    return time.perf_counter() - (time.time() - wall)


def _arm_environment(arm: str) -> dict[str, str]:
    env = dict(os.environ)
    if arm == "threads-2x1":  # read by TensorFlow when it starts its thread pools
        env["TF_NUM_INTRAOP_THREADS"] = env["TF_NUM_INTEROP_THREADS"] = "1"
    return env


# ---- inside an arm's process ----

class _Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def _executor(arm: str) -> Iterator[Any]:
    if arm.startswith("threads"):
        from mnist_dash.executors.threads import ThreadExecutor, default_concurrency

        executor = ThreadExecutor(2 if arm == "threads-2x1" else default_concurrency())
        yield executor
        return
    from mnist_dash.executors.ray_cluster import RayExecutor

    if arm == "ray-local":
        yield RayExecutor("local", cpus_per_job=2)
        return
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 2})
    try:
        cluster.add_node(num_cpus=2)
        cluster.wait_for_nodes()
        yield RayExecutor(cluster.address, cpus_per_job=2)
    finally:
        import ray

        ray.shutdown()  # Ray refuses to remove the node this driver is connected to
        cluster.shutdown()


def _tree_cpu_seconds() -> float:
    """CPU seconds of this process and every process under it (Ray's workers, its nodes)."""
    children: dict[int, list[int]] = {}
    times: dict[int, float] = {}
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        pid, parent = int(entry.name), int(fields[1])
        children.setdefault(parent, []).append(pid)
        times[pid] = (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / ticks
    total, stack = 0.0, [os.getpid()]
    while stack:
        pid = stack.pop()
        total += times.get(pid, 0.0)
        stack += children.get(pid, [])
    return total


def _wait_for(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not done within {timeout:g} s")
        time.sleep(0.05)


def run_arm(arm: str, learners: int, images: int, epochs: int, port_file: Path) -> dict[str, Any]:
    """The class arrives: `learners` submits spread over SUBMIT_WINDOW_SECONDS; all results timed."""
    from mnist_dash.jobs import JobManager
    from mnist_dash.presets import PRESETS
    from mnist_dash.runs import RunStore

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port_file.write_text(str(server.server_address[1]))
    config = PRESETS["keras-book"].config.replace(train_size=images, epochs=epochs)
    with tempfile.TemporaryDirectory(prefix="mnist-dash-bench-runs-") as runs, _executor(arm) as executor:
        manager = JobManager(RunStore(runs), executor, max_queue=learners + 1)
        warm = manager.submit(config.replace(train_size=1_000, epochs=1))  # imports, first graph
        _wait_for(lambda: not manager.snapshot(warm.job_id).active, timeout=600)
        cpu_before, started_wall, started = _tree_cpu_seconds(), time.time(), time.perf_counter()
        submitted: dict[str, float] = {}
        first_batch: dict[str, float] = {}
        for learner in range(learners):
            time.sleep(SUBMIT_WINDOW_SECONDS / learners)
            job = manager.submit(config, owner=f"learner-{learner}")
            submitted[job.job_id] = time.perf_counter()

        def all_done() -> bool:
            for job_id in submitted:
                snap = manager.snapshot(job_id)
                if job_id not in first_batch and snap.progress.step > 0:
                    first_batch[job_id] = time.perf_counter()
            return all(not manager.snapshot(job_id).active for job_id in submitted)

        _wait_for(all_done, timeout=3600)
        finished = time.perf_counter()
        cpu = _tree_cpu_seconds() - cpu_before
        failed = sum(manager.snapshot(job_id).state.value == "failed" for job_id in submitted)
        capacity = manager.describe()
        manager.shutdown()
    server.shutdown()
    return {"minutes": (finished - started) / 60, "submit_started_wall": started_wall,
            "finished_wall": started_wall + finished - started,
            "first_batch_waits": [first_batch[j] - submitted[j] for j in first_batch],
            "cpu_seconds_per_job": cpu / learners, "failed": failed,
            "capacity": capacity}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.class_throughput")
    parser.add_argument("arm", choices=list(ARMS))
    parser.add_argument("out", type=Path)
    parser.add_argument("--learners", type=int, default=LEARNERS)
    parser.add_argument("--images", type=int, default=TRAIN_IMAGES)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--port-file", type=Path, required=True)
    args = parser.parse_args(argv)
    result = run_arm(args.arm, args.learners, args.images, args.epochs, args.port_file)
    args.out.write_text(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
