"""A real `streamlit run app.py` on a free loopback port, its health endpoint, memory, and Chromium."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.common import CHROMIUM, REPO_ROOT, Skip

if TYPE_CHECKING:
    from playwright.sync_api import Browser

# No GPU, no sandbox (containers), nothing that phones home while timing.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@dataclass(frozen=True)
class Server:
    """A running app: its URL, its process, when it was launched, its run store and log."""

    url: str
    process: subprocess.Popen
    launched: float  # perf_counter just before Popen
    runs_dir: Path
    log_path: Path

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError as error:
            return f"(no log: {error})"

    def peak_rss_mib(self) -> float | None:
        """The server process's high-water resident memory (VmHWM), read from /proc."""
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def health(url: str, timeout: float = 5.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=timeout) as response:
            return response.read().decode().strip() == "ok"
    except (OSError, urllib.error.URLError):
        return False


def wait_healthy(server: Server, timeout: float = 90.0, interval: float = 0.05) -> float:
    """Poll the health endpoint; return the perf_counter time it first answered ok."""
    deadline = time.perf_counter() + timeout
    while not health(server.url, timeout=2.0):
        if server.process.poll() is not None or time.perf_counter() > deadline:
            raise RuntimeError(f"streamlit never became healthy at {server.url} (exit code "
                               f"{server.process.poll()}); log:\n{server.log_tail()}")
        time.sleep(interval)
    return time.perf_counter()


def _stop(process: subprocess.Popen) -> None:
    """End the server we started: it leads its own process group, so stop that group only."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


@contextlib.contextmanager
def streamlit_server(data_path: str, extra_env: dict[str, str] | None = None) -> Iterator[Server]:
    """Launch the app headless with its own temporary run store; stopped on exit, even on errors."""
    with contextlib.ExitStack() as stack:
        runs_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mnist-dash-bench-runs-")))
        log_path = runs_dir.parent / f"{runs_dir.name}.log"
        stack.callback(log_path.unlink, missing_ok=True)
        port = free_port()
        env = {**os.environ, "MNIST_DASH_DATA": data_path, "MNIST_DASH_RUNS": str(runs_dir),
               **(extra_env or {})}
        log = stack.enter_context(log_path.open("w"))
        launched = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        stack.callback(_stop, process)
        yield Server(f"http://127.0.0.1:{port}", process, launched, runs_dir, log_path)


def require_browser() -> None:
    if not Path(CHROMIUM).exists():
        raise Skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        raise Skip(f"playwright is not installed ({error})") from error


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's headless Chromium through Playwright (never a downloaded browser)."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def saved_runs(server: Server) -> int:
    """Runs the app has finished and saved (run.json is written last)."""
    return sum(1 for _ in server.runs_dir.glob("*/run.json"))
