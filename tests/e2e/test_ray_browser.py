"""The app on a `ray start --head` cluster, in a real Chromium: train live, Stop, then Evaluate.

The fixture starts a one-node cluster on loopback with token authentication (as Ray 2.60 requires)
in its own process group, points the app at it with MNIST_DASH_RAY_ADDRESS, and stops both.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mnist_dash.progress import STATE_WORDS
from mnist_dash.vocabulary import JobState

pytest.importorskip("playwright.sync_api")
pytest.importorskip("ray")

import drive
from playwright.sync_api import Page, expect
from server import DEFAULT_DATA, Server, free_port, streamlit_server

pytestmark = [pytest.mark.e2e, pytest.mark.ray, pytest.mark.slow]

HEAD_START_SECONDS = 120  # 7 s on an idle machine; much longer on 2 busy cores
RAY = str(Path(sys.executable).with_name("ray"))


@dataclass(frozen=True)
class RayHead:
    address: str
    env: dict[str, str]  # what a driver needs to join it: the token, loopback only
    process: subprocess.Popen  # `ray start --block`, leading its own process group


@pytest.fixture(scope="module")
def ray_head() -> Iterator[RayHead]:
    """A running head node, stopped at the end of the module."""
    data = os.environ.get("MNIST_DASH_DATA", DEFAULT_DATA)
    port = free_port()
    env = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",  # register as 127.0.0.1: loopback only
           "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32),
           "MNIST_DASH_DATA": data}  # the workers' own copy of the data
    # Every port pinned to a free one: the defaults (10001, 52365) clash with other test runs.
    command = [RAY, "start", "--head", "--block", f"--port={port}", "--num-cpus=2",
               "--include-dashboard=false", "--disable-usage-stats",
               f"--ray-client-server-port={free_port()}",
               f"--dashboard-agent-listen-port={free_port()}"]
    with tempfile.TemporaryDirectory(prefix="mnist-dash-ray-head-") as log_dir:
        log_path = Path(log_dir) / "head.log"
        with log_path.open("w") as log:
            head = subprocess.Popen(command, env={**os.environ, **env}, stdout=log,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True)  # setsid: its own process group
        try:
            _wait_started(head, log_path)
            yield RayHead(f"127.0.0.1:{port}", env, head)
        finally:
            _stop_group(head)  # never `ray stop`: it would end other runs' clusters too


def _wait_started(head: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + HEAD_START_SECONDS
    while "Ray runtime started" not in log_path.read_text(errors="replace"):
        if head.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"`ray start --head` did not start (exit code {head.poll()}):\n"
                               f"{log_path.read_text(errors='replace')[-4000:]}")
        time.sleep(0.5)


def _stop_group(process: subprocess.Popen) -> None:
    """SIGTERM its process group, then SIGKILL whatever lingers (Ray's shutdown can take a while)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(ray_head: RayHead) -> Iterator[Server]:
    """The app, joined to the cluster (this replaces the threads-backed app of conftest.py)."""
    env = {**ray_head.env, "MNIST_DASH_RAY_ADDRESS": ray_head.address,
           "MNIST_DASH_UNWATCHED_SECONDS": "60"}
    with streamlit_server(extra_env=env) as running:
        yield running


def test_train_on_the_cluster_watch_the_chart_stop_evaluate_then_lose_it(
        page: Page, server: Server, ray_head: RayHead) -> None:
    drive.open_app(page, server.url, "train")
    # The first visit starts the connection; the page says so, and the banner goes by itself.
    banner = drive.main(page).get_by_text(f"Connecting to the Ray cluster at {ray_head.address}…")
    expect(banner).to_be_visible(timeout=30_000)
    connecting = time.monotonic()
    expect(banner).to_have_count(0, timeout=150_000)
    print(f"the banner went {time.monotonic() - connecting:.1f} s after it was first seen")
    expect(drive.main(page).get_by_text(re.compile("Cannot use|Lost contact"))).to_have_count(0)
    drive.configure_training(page, units=64, epochs=5, train_images=60_000, batch=32)  # 9,375 batches
    clicked = time.monotonic()
    drive.click_train(page)
    drive.wait_until(lambda: (drive.progress_steps(drive.progress_text(page)) or 0) > 0,
                     timeout=60, message="the first batches on the cluster")
    print(f"first batch shown {time.monotonic() - clicked:.1f} s after the click")

    chart_steps: list[float] = []
    deadline = time.monotonic() + 60
    while len(chart_steps) < 3 and time.monotonic() < deadline:
        step = drive.chart_last_step(page, "st-key-live_loss")
        if step > 0 and (not chart_steps or step != chart_steps[-1]):
            chart_steps.append(step)
        time.sleep(0.25)
    assert len(chart_steps) >= 3 and chart_steps == sorted(chart_steps), chart_steps

    stop_clicked = time.monotonic()
    drive.main(page).get_by_role("button", name="Stop").click()
    drive.expect_finished(page, timeout=30, state=JobState.STOPPED)
    print(f"'Stopped' shown {time.monotonic() - stop_clicked:.1f} s after the click")
    assert drive.chart_last_step(page, "st-key-live_loss") < 5 * 1875  # far from the end

    drive.main(page).get_by_role("link", name=re.compile("Inspect the mistakes")).click()
    expect(drive.selectbox(page, "Run").locator("input")).to_have_value(
        re.compile(r"· yours · 784-64-10 .*5 epochs"))
    expect(drive.main(page).get_by_text(re.compile(r"state: stopped"))).to_be_visible()
    assert sum(drive.confusion_cells(page).values()) == 10_000
    assert ray_head.env["RAY_AUTH_TOKEN"] not in page.locator("body").inner_text()

    # The cluster goes away: the pages say so, Train refuses, the app keeps serving.
    _stop_group(ray_head.process)
    lost = re.compile(r"^Lost contact with the Ray cluster\. Cannot use the Ray cluster at 127\.0\.0\.1:")
    page.wait_for_timeout(3000)  # the app checks the cluster every 2 s
    drive.go_to(page, "Explore the data")
    expect(drive.main(page).get_by_text(lost)).to_be_visible()
    drive.go_to(page, "Train live")
    expect(drive.main(page).get_by_text(lost)).to_be_visible()
    drive.click_train(page)
    expect(drive.main(page).get_by_text(lost)).to_have_count(2)  # the banner, and the refusal
    # Still the last job's status: none started.
    assert drive.status_text(page).startswith(f"{STATE_WORDS[JobState.STOPPED]} · ")
