"""An executor made in a background thread, so the app serves pages while a Ray cluster starts.

Until it is made, it runs nothing and says why ("Connecting to ..."); if making it fails, it says
that instead, for good: the manager refuses new jobs with its message, and every page shows it.
The thread that made it lives until shutdown: a private Ray's head processes die with it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from mnist_dash.executors.base import Executor, JobHandle, JobSpec, TrainResult
from mnist_dash.i18n import Msg, message_of

log = logging.getLogger(__name__)


class BackgroundExecutor:
    """Wraps the executor that `build()` returns, once it has returned; `where` names it for people."""

    def __init__(self, build: Callable[[], Executor], where: str) -> None:
        self.where = where
        self._executor: Executor | None = None
        self._error: str | None = None
        self._built = threading.Event()
        self._closed = threading.Event()
        threading.Thread(target=self._build, args=(build,), name="mnist-dash-connect",
                         daemon=True).start()

    def _build(self, build: Callable[[], Executor]) -> None:
        try:
            self._executor = build()
        except Exception as error:  # an unreachable cluster, Ray missing: pages say so
            log.warning("cannot use %s: %s", self.where, error)
            self._error = message_of(error)
            return
        finally:
            self._built.set()
        # ray.init starts a private cluster's GCS and raylet with PR_SET_PDEATHSIG, which Linux ties
        # to the starting thread, not the process: were this thread to end, they would be killed.
        self._closed.wait()

    def ready(self, timeout: float | None = None) -> bool:
        """Wait until it is made; True when jobs can start."""
        return self._built.wait(timeout) and self.unavailable() is None

    def unavailable(self) -> str | None:
        if not self._built.is_set():
            # ray.init, then warm workers (benchmarks/ray_start.py) on 2 cores: 18 + 18 s at load
            # average 20, 31 + 83 s at 13-19; about 4 + 7 s measured earlier on an idle machine.
            return Msg("Connecting to {where}… Training can start once it answers and its "
                       "workers have loaded TensorFlow: about 15 seconds on an idle laptop, up to "
                       "2 minutes on a very busy one.", where=self.where)
        if self._executor is None:
            return self._error
        return self._executor.unavailable()

    def capacity(self) -> int:
        return self._executor.capacity() if self._built.is_set() and self._executor else 0

    def start(self, spec: JobSpec, on_end: Callable[[str, TrainResult], None]) -> JobHandle:
        if self._executor is None:
            raise RuntimeError(self.unavailable())
        return self._executor.start(spec, on_end)

    def describe(self) -> dict[str, Any]:
        if self._built.is_set() and self._executor:
            return self._executor.describe()
        return {"backend": "ray", "where": self.where, "unavailable": self.unavailable()}

    def shutdown(self, timeout: float = 10.0) -> None:
        if self._built.wait(timeout) and self._executor:
            self._executor.shutdown(timeout)
        self._closed.set()
