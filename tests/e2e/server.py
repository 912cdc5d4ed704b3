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
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = "/work/shared/data/mnist.npz"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


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
    """End streamlit and everything it started (its own process group)."""
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
def streamlit_server(runs_dir: str | None = None, timeout: float = 60.0,
                     extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """Yield the base URL of a fresh app with its own run store; the log goes to a temp file."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with contextlib.ExitStack() as stack:
        if runs_dir is None:
            runs_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="mnist-dash-e2e-runs-"))
        env = {**os.environ, "MNIST_DASH_DATA": os.environ.get("MNIST_DASH_DATA", DEFAULT_DATA),
               "MNIST_DASH_RUNS": runs_dir, **(extra_env or {})}
        log = stack.enter_context(tempfile.NamedTemporaryFile(
            "w+", prefix="mnist-dash-e2e-", suffix=".log", delete=False))
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        stack.callback(_stop, process)
        deadline = time.monotonic() + timeout
        while not _healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError(f"streamlit did not become healthy at {url} within {timeout:g} s "
                                   f"(exit code {process.poll()}); its log:\n{log.read()[-4000:]}")
            time.sleep(0.3)
        yield url
