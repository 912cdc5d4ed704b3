"""Start `streamlit run app.py` on a free port, and Debian's Chromium, for browser tests and benchmarks.

The e2e tests, the benchmarks and scripts/screenshots.py all start the app this one way:
`from tests.e2e import server`. Nothing here imports Playwright until a browser is launched.
"""

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

if TYPE_CHECKING:
    from playwright.sync_api import Browser

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = "/work/shared/data/mnist.npz"
CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1400, "height": 1000}
PROJECTOR = {"width": 1280, "height": 720}  # a classroom projector: what must fit without scrolling


def projector_screen(zoom: float = 1.0) -> dict:
    """Browser-context options for the projector at a browser zoom: at 150% a 1280x720 screen gives
    the page 853x480 CSS pixels, each drawn 1.5 device pixels wide (Playwright's new_context)."""
    viewport = {"width": round(PROJECTOR["width"] / zoom), "height": round(PROJECTOR["height"] / zoom)}
    return {"viewport": viewport, "device_scale_factor": zoom}
# No GPU, no sandbox (containers), and nothing that phones home during a test or a timing.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@dataclass(frozen=True)
class Server:
    """A running, healthy app: where to reach it, its process, when it started, its run store and log."""

    url: str
    process: subprocess.Popen  # streamlit; it leads its own process group
    launched: float  # perf_counter just before the process was started
    healthy_at: float  # perf_counter when /_stcore/health first answered ok
    runs_dir: Path
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, chars: int = 6000) -> str:
        return _tail(self.log_path, chars)

    def peak_rss_mib(self) -> float | None:
        """The server process's high-water resident memory (VmHWM), read from /proc."""
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None


def _tail(log_path: Path, chars: int = 6000) -> str:
    try:
        return log_path.read_text(errors="replace")[-chars:]
    except OSError as error:
        return f"(could not read {log_path}: {error})"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def health(url: str, timeout: float = 2.0) -> bool:
    """Whether the app at `url` answers its health endpoint with 'ok'."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=timeout) as response:
            return response.read().decode().strip() == "ok"
    except (OSError, urllib.error.URLError):
        return False


def _wait_healthy(url: str, process: subprocess.Popen, log_path: Path, timeout: float) -> float:
    """Poll the health endpoint every 50 ms; return the perf_counter time it first answered ok."""
    deadline = time.perf_counter() + timeout
    while not health(url):
        if process.poll() is not None or time.perf_counter() > deadline:
            raise RuntimeError(f"streamlit did not answer {url}/_stcore/health with 'ok' within "
                               f"{timeout:g} s (exit code {process.poll()}). Its log:\n{_tail(log_path)}")
        time.sleep(0.05)
    return time.perf_counter()


def _stop(process: subprocess.Popen) -> None:
    """End streamlit and everything it started: it leads its own process group, so stop that group."""
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
def streamlit_server(data_path: str | None = None, runs_dir: str | os.PathLike | None = None,
                     extra_env: dict[str, str] | None = None, timeout: float = 90.0) -> Iterator[Server]:
    """A fresh, healthy app with its own run store (a temp dir unless given); stopped on exit, even on errors.

    `data_path` defaults to $MNIST_DASH_DATA, else DEFAULT_DATA.
    """
    with contextlib.ExitStack() as stack:
        if runs_dir is None:
            runs_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="mnist-dash-runs-"))
        log_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mnist-dash-log-")))
        log_path = log_dir / "streamlit.log"
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "MNIST_DASH_DATA": data_path or os.environ.get("MNIST_DASH_DATA", DEFAULT_DATA),
               "MNIST_DASH_RUNS": str(runs_dir), **(extra_env or {})}
        log = stack.enter_context(log_path.open("w"))
        launched = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        stack.callback(_stop, process)
        healthy_at = _wait_healthy(url, process, log_path, timeout)
        yield Server(url, process, launched, healthy_at, Path(runs_dir), log_path)


def browser_missing() -> str | None:
    """Why Chromium cannot be driven here (no browser, no Playwright), or None when it can."""
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing: apt-get install chromium"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        return f"playwright is not installed ({error}): pip install -r requirements.txt"
    return None


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's headless Chromium through Playwright (never a downloaded browser); closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
