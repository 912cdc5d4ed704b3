"""The default executor: jobs run in this process, each in one of a fixed set of worker threads."""

from __future__ import annotations

import logging
import os
import queue
import socket
import threading
from collections.abc import Callable
from typing import Any

from mnist_dash import data
from mnist_dash.executors.base import JobSpec, TrainResult
from mnist_dash.executors.worker import DatasetLoader, TrainFunction, run_job
from mnist_dash.progress import Progress, ProgressSnapshot

log = logging.getLogger(__name__)

OnEnd = Callable[[str, TrainResult], None]


def default_concurrency() -> int:
    """TensorFlow already uses every core for one job; a second per 4 cores keeps pages responsive."""
    return max(1, (os.cpu_count() or 1) // 4)


class ThreadHandle:
    """A job in a worker thread: its own Progress, and the reason it was asked to stop."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._stop_reason: str | None = None

    def progress(self) -> ProgressSnapshot:
        return self._progress.snapshot()

    def stop(self, reason: str) -> None:
        """The training loop reads the reason after its current batch; the first one given wins."""
        if self._stop_reason is None:
            self._stop_reason = reason

    def stop_reason(self) -> str | None:
        return self._stop_reason


class ThreadExecutor:
    """Runs up to `max_workers` jobs at once, each with `run_job`, in long-lived daemon threads.

    Long-lived, so a server's thousandth job reuses the threads (and their memory arenas) of the
    first; daemon, so a running job never keeps the process from exiting.
    """

    def __init__(self, max_workers: int, load_dataset: DatasetLoader = data.get_dataset,
                 train_fn: TrainFunction | None = None) -> None:
        if max_workers < 1:
            raise ValueError(f"max_workers must be at least 1; got {max_workers}")
        self.max_workers = max_workers
        self.load_dataset = load_dataset
        self.train_fn = train_fn
        self._started: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._busy = 0
        self._handles: dict[str, ThreadHandle] = {}
        self._threads = [threading.Thread(target=self._work, name=f"mnist-dash-worker-{index}",
                                          daemon=True) for index in range(max_workers)]
        for thread in self._threads:
            thread.start()

    def capacity(self) -> int:
        with self._lock:
            return self.max_workers - self._busy

    def start(self, spec: JobSpec, on_end: OnEnd) -> ThreadHandle:
        progress = Progress()
        handle = ThreadHandle(progress)
        with self._lock:
            if self._busy >= self.max_workers:
                raise RuntimeError(f"all {self.max_workers} workers are busy; check capacity() first")
            self._busy += 1
            self._handles[spec.job_id] = handle
        self._started.put((spec, progress, handle, on_end))
        return handle

    def describe(self) -> dict[str, Any]:
        with self._lock:
            busy = self._busy
        return {"backend": "threads", "node": socket.gethostname(), "workers": self.max_workers,
                "busy": busy}

    def unavailable(self) -> None:
        """Threads in this process are always there."""
        return None

    def shutdown(self, timeout: float = 10.0) -> None:
        """Ask every running job to stop, and end the workers once they are done."""
        with self._lock:
            handles = list(self._handles.values())
        for handle in handles:
            handle.stop("Stopped: the server is shutting down.")
        for _ in self._threads:
            self._started.put(None)
        for thread in self._threads:
            thread.join(timeout)

    def _work(self) -> None:
        while (job := self._started.get()) is not None:
            spec, progress, handle, on_end = job
            result = run_job(spec, progress, handle.stop_reason, self.load_dataset, self.train_fn)
            with self._lock:  # free the worker first: on_end may start the next job at once
                self._busy -= 1
                del self._handles[spec.job_id]
            try:
                on_end(spec.job_id, result)
            except Exception:  # the worker must outlive a broken callback
                log.exception("on_end of job %s failed", spec.job_id)
