"""Shared pieces: the run context, result rows, timing statistics and the machine description."""

from __future__ import annotations

import math
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from tests.e2e.server import browser_missing


@dataclass
class Context:
    """What every benchmark is told: how small to be, how often to repeat, where the data is."""

    quick: bool  # tiny sizes, for the test suite
    repeats: int  # interleaved repeats of each measurement
    data_path: str  # the real MNIST .npz

    def dataset(self) -> Any:
        from mnist_dash import data

        return data.get_dataset("mnist", self.data_path)


@dataclass
class Row:
    """One figure of the table: its value, its target and whether the target is met."""

    metric: str
    value: float | str | None
    unit: str = ""
    target: str = ""
    met: bool | None = None  # None: no target, or nothing to judge
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "value": self.value, "unit": self.unit,
                "target": self.target, "met": self.met, "detail": self.detail}


@dataclass
class Outcome:
    """What one benchmark returns: table rows, raw measurements, and a status."""

    rows: list[Row] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    status: str = "ok"  # ok, skipped or error
    reason: str = ""


class Skip(Exception):
    """A benchmark cannot run here (no browser, no data); the message says why."""


def require_browser() -> None:
    """Skip a benchmark that needs Chromium and Playwright where they are missing."""
    if reason := browser_missing():
        raise Skip(reason)


def median(values: list[float]) -> float | None:
    clean = [v for v in values if v is not None]
    return statistics.median(clean) if clean else None


def spread(values: list[float]) -> float | None:
    """Max minus min, to show how noisy a median is."""
    clean = [v for v in values if v is not None]
    return max(clean) - min(clean) if clean else None


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile; fine for the hundreds of samples a benchmark takes."""
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))
    return ordered[index]


def interleaved(repeats: int, arms: dict[str, Callable[[int], Any]]) -> dict[str, list[Any]]:
    """Run each arm once per repeat, alternating the order (a,b then b,a) so drift cancels."""
    results: dict[str, list[Any]] = {name: [] for name in arms}
    names = list(arms)
    for repeat in range(repeats):
        for name in names if repeat % 2 == 0 else reversed(names):
            results[name].append(arms[name](repeat))
    return results


def within(value: float | None, low: float | None = None, high: float | None = None) -> bool | None:
    """Whether value lies in [low, high]; None when there is no value to judge."""
    if value is None:
        return None
    return (low is None or value >= low) and (high is None or value <= high)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def package_versions() -> dict[str, str]:
    versions = {}
    for package in ("tensorflow-cpu", "tensorflow", "keras", "numpy", "streamlit", "plotly", "playwright"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return versions


def machine_info() -> dict[str, Any]:
    """What the numbers were taken on; OPENBLAS_CORETYPE is reported, never changed."""
    return {
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "versions": package_versions(),
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


class Stopwatch:
    """`with Stopwatch() as watch: ...` then `watch.seconds`."""

    def __enter__(self) -> Stopwatch:
        self.start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start
