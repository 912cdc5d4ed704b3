"""The server's own load for the instructor page: this process's CPU share and memory, the machine's load."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

try:
    import psutil
except ImportError:  # optional: /proc and os.times() give the same numbers on Linux
    psutil = None


@dataclass(frozen=True)
class ServerLoad:
    process_cpu_percent: float  # since the previous sample; 100 = one core busy
    memory_mb: float  # this process's resident memory
    load_average: float | None  # the machine's 1-minute load average (None where unknown)
    cpus: int


def _resident_bytes() -> float:
    if psutil is not None:
        return float(psutil.Process().memory_info().rss)
    with open("/proc/self/statm") as statm:  # pages: size resident shared ...
        return float(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


class LoadMeter:
    """Samples the load; CPU % is measured between two calls (the first call: since start-up)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = (time.monotonic(), _cpu_seconds())

    def sample(self) -> ServerLoad:
        now, cpu = time.monotonic(), _cpu_seconds()
        with self._lock:
            (then, cpu_then), self._last = self._last, (now, cpu)
        wall = now - then
        try:
            load = os.getloadavg()[0]
        except OSError:
            load = None
        return ServerLoad(
            process_cpu_percent=100 * (cpu - cpu_then) / wall if wall > 0 else 0.0,
            memory_mb=_resident_bytes() / 2**20, load_average=load, cpus=os.cpu_count() or 1,
        )
