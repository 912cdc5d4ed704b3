"""Memory over many jobs: the app process's RSS on both backends, and Ray's Trainer workers' RSS.

Each backend runs in its own fresh process, as an app server would: a job manager saving every run
to a run store, JOBS jobs one after the other. After each job it records its own RSS and, on Ray,
that of every Trainer worker process under it (the local Ray's processes are its children), so the
table shows whether the app grows with jobs and whether recycling keeps the workers bounded.

    python -m benchmarks --only job_memory
    python -m benchmarks.memory_bench BACKEND OUT.json   # one backend (what the benchmark runs)
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

from benchmarks.common import Context, Outcome, Row

JOBS, TRAIN_IMAGES = 50, 2_000
BACKENDS = ("threads", "ray-local")
TRAINER_TITLE = "ray::Trainer"  # how Ray titles a Trainer actor's worker process
MIB = 2**20


def job_memory(ctx: Context) -> Outcome:
    jobs = 4 if ctx.quick else JOBS
    results = {backend: _run_backend(backend, jobs) for backend in BACKENDS}
    rows = []
    for backend, result in results.items():
        app = result["app_rss_mib"]
        rows.append(Row(f"{backend}: app process RSS growth over {jobs} jobs", app[-1] - app[0], "MiB",
                        detail=f"{app[0]:.0f} MiB after the first job, {app[-1]:.0f} after the last, "
                               f"peak {max(app):.0f}; {_growth_per_job(app):.1f} MiB per job "
                               f"over the second half"))
        if workers := result["worker_rss_mib"]:
            peaks = [max(sample.values()) for sample in workers if sample]
            rows.append(Row(f"{backend}: Trainer worker peak RSS over {jobs} jobs", max(peaks), "MiB",
                            detail=f"{peaks[0]:.0f} MiB after the first job, {peaks[-1]:.0f} after "
                                   f"the last; {_growth_per_job(peaks):.1f} MiB per job over the "
                                   f"second half; {result['worker_processes']} worker process(es) "
                                   f"served them"))
    return Outcome(rows=rows, data={"jobs": jobs, "train_images": TRAIN_IMAGES, "backends": results})


def _growth_per_job(series: list[float]) -> float:
    half = series[len(series) // 2:]
    return (half[-1] - half[0]) / max(1, len(half) - 1)


def _run_backend(backend: str, jobs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="mnist-dash-bench-memory-") as folder:
        out = Path(folder) / "result.json"
        subprocess.run([sys.executable, "-m", "benchmarks.memory_bench", backend, str(out),
                        "--jobs", str(jobs)], check=True, timeout=3600)
        return json.loads(out.read_text())


# ---- inside a backend's process ----

def _rss_mib(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MIB


def _trainer_rss_mib() -> dict[int, float]:
    """RSS of every Ray Trainer worker process on this machine that this process started."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found, stack = {}, list(children.get(os.getpid(), []))
    while stack:
        pid = stack.pop()
        stack += children.get(pid, [])
        try:
            if Path(f"/proc/{pid}/cmdline").read_bytes().startswith(TRAINER_TITLE.encode()):
                found[pid] = _rss_mib(pid)
        except OSError:
            continue
    return found


def run_backend(backend: str, jobs: int) -> dict[str, Any]:
    """`jobs` jobs one after the other through a job manager that saves every run."""
    from mnist_dash.executors.configure import executor_from_env
    from mnist_dash.jobs import JobManager
    from mnist_dash.presets import PRESETS
    from mnist_dash.runs import RunStore

    env = {**os.environ, "MNIST_DASH_MAX_JOBS": "1"}
    if backend == "ray-local":
        env["MNIST_DASH_RAY_ADDRESS"] = "local"
    config = PRESETS["keras-book"].config.replace(train_size=TRAIN_IMAGES, epochs=1)
    app, workers, pids, failed = [], [], set(), 0
    with tempfile.TemporaryDirectory(prefix="mnist-dash-bench-runs-") as runs:
        executor = executor_from_env(env)
        if backend == "ray-local":
            executor.wait_warm(600)
        manager = JobManager(RunStore(runs), executor)
        try:
            for _ in range(jobs):
                job = manager.submit(config, owner="learner")
                ended = manager.wait(job.job_id, timeout=600)
                failed += ended.state.value != "completed"
                time.sleep(0.5)  # let a recycled worker's successor appear
                app.append(_rss_mib())
                trainers = _trainer_rss_mib()
                pids.update(trainers)
                workers.append(trainers)
        finally:
            manager.shutdown()
    return {"app_rss_mib": app, "failed": failed, "worker_processes": len(pids),
            "worker_rss_mib": [{str(pid): rss for pid, rss in sample.items()} for sample in workers]
            if backend == "ray-local" else []}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory_bench")
    parser.add_argument("backend", choices=BACKENDS)
    parser.add_argument("out", type=Path)
    parser.add_argument("--jobs", type=int, default=JOBS)
    args = parser.parse_args(argv)
    args.out.write_text(json.dumps(run_backend(args.backend, args.jobs)))


if __name__ == "__main__":
    main()
