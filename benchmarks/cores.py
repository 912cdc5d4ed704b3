"""Where processes run: the browsers off the server's cores, as in a real class.

In a workshop every learner's and instructor's browser runs on their own laptop, and the server
only serves. Here Chromium shares the server's two cores, so a benchmark of "does X slow the
server" also measures Chromium rendering X. A split placement pins the server (and what it
started) to some cores and this process, Playwright and Chromium to the others; benchmarks report
both placements and say which one a target is judged on.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path


def descendants(pid: int) -> list[int]:
    """Every process started, directly or not, by `pid` (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # the process ended meanwhile
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def pin(pids: list[int], cores: set[int]) -> None:
    """Every thread of these processes onto `cores`; threads and children they start later inherit it."""
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").glob("[0-9]*"):
            with contextlib.suppress(OSError):  # the thread or process ended meanwhile
                os.sched_setaffinity(int(task.name), cores)


def can_split() -> bool:
    return len(os.sched_getaffinity(0)) >= 2


@contextlib.contextmanager
def split(server_pid: int, alone: Callable[[int], bool] = lambda _pid: True) -> Iterator[dict[str, str]]:
    """While the block runs, the server's processes that `alone(pid)` picks (by default its whole
    tree: the page server and what it started) get the first core to themselves; the rest of its
    tree, this process, Playwright and Chromium share the other cores. Then everything gets every
    core back.

    With Ray, `alone` can pick the training workers instead: the job's own process gets a core
    that neither the page server nor the browsers use, as on a machine with cores to spare.
    Yields what went where, in words, for the report.
    """
    every = set(os.sched_getaffinity(0))
    if len(every) < 2:
        raise RuntimeError("a split placement needs at least 2 cores")
    first = {min(every)}
    server_tree = [server_pid, *descendants(server_pid)]
    lonely = [pid for pid in server_tree if alone(pid)]
    if not lonely:
        raise RuntimeError("nothing in the server's process tree was picked to run alone")
    others = [os.getpid(), *(pid for pid in descendants(os.getpid()) if pid not in lonely)]
    pin(lonely, first)
    pin(others, every - first)
    try:
        yield {"alone": f"{len(lonely)} process(es) on core {min(first)}",
               "shared": f"the rest on core(s) {', '.join(map(str, sorted(every - first)))}"}
    finally:
        pin([os.getpid(), *descendants(os.getpid())], every)
