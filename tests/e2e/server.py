"""Start `streamlit run app.py` on a free port for browser tests and screenshots, and stop it again."""

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

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = "/work/shared/data/mnist.npz"
CHROMIUM = "/usr/bin/chromium"
# No GPU, no sandbox (containers), and nothing that phones home during a test.
VIEWPORT = {"width": 1400, "height": 1000}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@dataclass(frozen=True)
class Server:
    """A running app: where to reach it, where it saves runs, where it logs."""

    url: str
    runs_dir: Path
    log_path: Path
    pid: int  # streamlit's; it leads its own process group

    def log_tail(self, chars: int = 6000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError as error:
            return f"(could not read {self.log_path}: {error})"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().decode().strip() == "ok"
    except (OSError, urllib.error.URLError):
        return False


def _stop(process: subprocess.Popen) -> None:
    """End streamlit and everything it started: it leads its own process group."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextlib.contextmanager
def streamlit_server(runs_dir: str | os.PathLike | None = None, timeout: float = 60.0,
                     extra_env: dict[str, str] | None = None) -> Iterator[Server]:
    """A fresh app with its own run store (a temp dir unless given), stopped on exit even on errors."""
    with contextlib.ExitStack() as stack:
        if runs_dir is None:
            runs_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="mnist-dash-e2e-runs-"))
        log_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mnist-dash-e2e-log-")))
        log_path = log_dir / "streamlit.log"
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "MNIST_DASH_DATA": os.environ.get("MNIST_DASH_DATA", DEFAULT_DATA),
               "MNIST_DASH_RUNS": str(runs_dir), **(extra_env or {})}
        log = stack.enter_context(log_path.open("w"))
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        stack.callback(_stop, process)
        server = Server(url=url, runs_dir=Path(runs_dir), log_path=log_path, pid=process.pid)
        deadline = time.monotonic() + timeout
        while not _healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"streamlit did not answer {url}/_stcore/health with 'ok' within {timeout:g} s "
                    f"(exit code {process.poll()}). Its log:\n{server.log_tail()}"
                )
            time.sleep(0.3)
        yield server


def launch_chromium(playwright):
    """Debian's Chromium (never a downloaded one), headless."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
