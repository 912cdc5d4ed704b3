"""`python -m benchmarks [--quick] [--only NAME ...] [--repeats N] [--out PATH]`: run, print, write."""

from __future__ import annotations

import argparse
import importlib
import os
import tempfile
import time
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import report
from benchmarks.common import Context, Outcome, Skip, machine_info
from tests.e2e.server import DEFAULT_DATA

# name -> "module:function", in the order they run; modules are imported only when chosen,
# so a browser-only run does not load TensorFlow into this process.
BENCHMARKS = {
    "engine_vs_keras": "benchmarks.engine:engine_vs_keras",
    "augmentation_cost": "benchmarks.lessons:augmentation_cost",
    "tensorboard_overhead": "benchmarks.lessons:tensorboard_overhead",
    "machine_limit": "benchmarks.machine:machine_limit",
    "live_view_overhead": "benchmarks.jobs_bench:live_view_overhead",
    "live_view_browser": "benchmarks.browser:live_view_browser",
    "cold_start": "benchmarks.browser:cold_start",
    "run_pages": "benchmarks.page_load:run_pages",
    "stop_latency": "benchmarks.jobs_bench:stop_latency",
    "evaluate_render": "benchmarks.app_bench:evaluate_render",
    "language_cost": "benchmarks.language:language_cost",
    "many_learners": "benchmarks.learners:many_learners",
    "class_throughput": "benchmarks.class_throughput:class_throughput",
    "job_memory": "benchmarks.memory_bench:job_memory",
    "instructor_page": "benchmarks.instructor_bench:instructor_page",
    "first_load": "benchmarks.first_load:first_load",
    "browse_while_training": "benchmarks.browse_bench:browse_while_training",
    "ray_start": "benchmarks.ray_start:ray_start",
}
DEFAULT_OUT = Path(__file__).resolve().parent / "results.json"
QUICK_OUT = Path(tempfile.gettempdir()) / "mnist-dash-bench-quick" / "results.json"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes and one repeat (for tests); writes to a temp dir unless --out")
    parser.add_argument("--only", nargs="+", choices=list(BENCHMARKS), metavar="NAME",
                        help=f"run only these: {', '.join(BENCHMARKS)}")
    parser.add_argument("--repeats", type=int, help="interleaved repeats (default 3, quick 1)")
    parser.add_argument("--out", type=Path,
                        help=f"results JSON (default {DEFAULT_OUT}); RESULTS.md is written beside it")
    parser.add_argument("--note", default="",
                        help="a remark stored with each result, e.g. 'machine under load'")
    return parser


def run_one(name: str, ctx: Context) -> Outcome:
    module_name, function_name = BENCHMARKS[name].split(":")
    try:
        function = getattr(importlib.import_module(module_name), function_name)
        return function(ctx)
    except Skip as reason:
        return Outcome(status="skipped", reason=str(reason))
    except Exception as error:  # one broken benchmark must not lose the others' results
        if isinstance(error, ModuleNotFoundError) and error.name == "playwright":  # browser benchmarks
            return Outcome(status="skipped", reason=f"playwright is not installed ({error})")
        traceback.print_exc()
        return Outcome(status="error", reason=f"{type(error).__name__}: {error}")


def timed(name: str, ctx: Context, note: str) -> dict[str, Any]:
    load_before = [round(x, 2) for x in os.getloadavg()]
    start = time.perf_counter()
    print(f"== {name} ...", flush=True)
    outcome = run_one(name, ctx)
    return {
        "status": outcome.status, "reason": outcome.reason,
        "rows": [row.as_dict() for row in outcome.rows], "data": outcome.data,
        "seconds": time.perf_counter() - start, "mode": "quick" if ctx.quick else "full",
        "repeats": ctx.repeats, "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_before": load_before, "load_after": [round(x, 2) for x in os.getloadavg()], "note": note,
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("MNIST_DASH_DATA", DEFAULT_DATA)
    repeats = args.repeats or (1 if args.quick else 3)
    if repeats < 1:
        raise SystemExit("--repeats must be at least 1")
    ctx = Context(quick=args.quick, repeats=repeats, data_path=os.environ["MNIST_DASH_DATA"])
    names = args.only or list(BENCHMARKS)
    fresh = {"machine": machine_info(),
             "benchmarks": {name: timed(name, ctx, args.note) for name in names}}
    out = args.out or (QUICK_OUT if args.quick else DEFAULT_OUT)
    written = report.write(out, fresh, list(BENCHMARKS))
    print(report.text_table({**written, "benchmarks": fresh["benchmarks"]}))
    print(f"\nwrote {out} and {out.parent / 'RESULTS.md'}")
    return 1 if any(b["status"] == "error" for b in fresh["benchmarks"].values()) else 0
