"""Shared fixtures: a tiny learnable dataset, the real MNIST file, a clean run store."""

from __future__ import annotations

import contextlib
import importlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from mnist_dash import data
from mnist_dash.executors.base import JobSpec
from mnist_dash.executors.threads import ThreadExecutor
from mnist_dash.executors.worker import run_job
from mnist_dash.presets import DEFAULT_PRESET, PRESETS
from mnist_dash.progress import Progress
from mnist_dash.runs import RunRecord, RunStore, new_run_id
from mnist_dash.vocabulary import JobState

# Ray clusters in tests register every node as 127.0.0.1, so their traffic stays on loopback (by
# default Ray swaps loopback for the machine's routable address). Ray reads this when imported.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")

# Import TensorFlow once, up front, so its seconds of start-up do not land in one test's timeout.
import tensorflow  # noqa: F401  isort: skip


def make_arrays(num_train: int = 400, num_test: int = 100, seed: int = 0) -> dict:
    """Digits drawn as a bright 6x6 block whose position encodes the class, plus noise."""
    rng = np.random.default_rng(seed)

    def split(count: int) -> tuple[np.ndarray, np.ndarray]:
        labels = rng.integers(0, 10, size=count).astype(np.uint8)
        images = rng.integers(0, 40, size=(count, 28, 28)).astype(np.uint8)
        for index, label in enumerate(labels):
            row, col = 2 + 12 * (label // 5), 2 + 5 * (label % 5)
            images[index, row:row + 6, col:col + 6] = 250
        return images, labels

    x_train, y_train = split(num_train)
    x_test, y_test = split(num_test)
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def make_dataset(num_train: int = 400, num_test: int = 100, seed: int = 0) -> data.Dataset:
    arrays = data.validate_arrays(make_arrays(num_train, num_test, seed), "synthetic")
    return data.Dataset(spec=data.SPECS["mnist"], source="synthetic", **arrays)


UNPICKLED: list[str] = []  # one entry per PickleTripwire that something unpickled


def _trip() -> str:
    UNPICKLED.append("unpickled")
    return "unpickled"


class PickleTripwire:
    """Unpickling it leaves a mark in UNPICKLED: proof that a loader ran pickle."""

    def __reduce__(self):
        return (_trip, ())


def tripwire_array(length: int) -> np.ndarray:
    """An object array that numpy can only save, and load, through pickle."""
    array = np.empty(length, dtype=object)
    array[:] = [PickleTripwire() for _ in range(length)]
    return array


@pytest.fixture
def tiny_dataset() -> data.Dataset:
    return make_dataset()


def find_real_mnist() -> Path | None:
    """The real MNIST file if one is on this machine ($MNIST_DASH_DATA, then Keras's cache)."""
    env_path = os.environ.get(data.SPECS["mnist"].env_var)
    if env_path and Path(env_path).exists():
        return Path(env_path)
    cached = data._cache_paths(data.SPECS["mnist"])[0]
    return cached if cached.exists() else None


WARM_SECONDS = 180  # importing TensorFlow in fresh Ray workers, on 2 busy cores


def assert_loopback_only() -> None:
    """RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 (set above, before Ray is imported) keeps nodes there."""
    import ray

    addresses = {node["NodeManagerAddress"] for node in ray.nodes()}
    assert addresses == {"127.0.0.1"}, f"Ray nodes left loopback: {addresses}"


FIRST_BATCH_SECONDS = 3.0  # the target: a job's first batch after submit, on a warm idle cluster
RAY_EXTRA_SECONDS = 1.0  # what Ray may add to the threads backend's first batch: a call, a message


def assert_first_batch_in_time(ray_seconds: float, config, what: str) -> None:
    """The first batch on Ray within FIRST_BATCH_SECONDS; on a machine too busy for that, within
    RAY_EXTRA_SECONDS of the same job's first batch on the threads backend, measured right now."""
    if ray_seconds < FIRST_BATCH_SECONDS:
        return
    reference = threads_first_batch_seconds(config)
    assert ray_seconds < reference + RAY_EXTRA_SECONDS, (
        f"first batch {ray_seconds:.2f} s after submit {what}: over {FIRST_BATCH_SECONDS:g} s, "
        f"and {ray_seconds - reference:.2f} s more than on threads ({reference:.2f} s) just now")


def threads_first_batch_seconds(config, tries: int = 2) -> float:
    """Submit to first batch of `config` in this process's threads (the fastest of `tries`)."""
    executor, seconds = ThreadExecutor(1), []
    for attempt in range(tries):
        ended = threading.Event()
        submitted = time.perf_counter()
        handle = executor.start(JobSpec(f"reference-{attempt}", config),
                                lambda _job, _result, done=ended: done.set())
        while handle.progress().step == 0 and not ended.wait(0.01):
            pass
        seconds.append(time.perf_counter() - submitted)
        handle.stop("reference measured")
        assert ended.wait(120), "the threads reference job did not end"
    executor.shutdown()
    return min(seconds)


@pytest.fixture(scope="class")
def local_ray():
    """A private local Ray with warm workers, for one test class; its workers retire after 2 jobs.
    Ray is imported here, not above: a machine without Ray still runs every other test (CI
    installs requirements.txt, so there a missing Ray fails)."""
    ray = importlib.import_module("ray") if os.environ.get("CI") == "true" else pytest.importorskip("ray")
    from mnist_dash.executors.ray_cluster import RayExecutor

    executor = RayExecutor("local", cpus_per_job=2, jobs_per_worker=2)
    try:
        assert_loopback_only()
        assert executor.wait_warm(WARM_SECONDS)
        yield executor
    finally:
        executor.shutdown()
        ray.shutdown()


def save_trained_run(runs: str | os.PathLike, data_path: str | os.PathLike, created: str | None = None,
                     **changes) -> RunRecord:
    """Train the default preset with `changes` on the data at `data_path`, in this process, and
    save the run in `runs`, as the command line's `train` does (without starting Python again).
    `created` backdates it, for tests that need to know which run is the newest."""
    config = PRESETS[DEFAULT_PRESET].config.replace(**changes)
    result = run_job(JobSpec("saved-run", config, str(data_path)), Progress(), lambda: None)
    assert result.state == JobState.COMPLETED, result.message
    run = RunRecord.from_result(new_run_id(), config, result)
    if created is not None:
        run.created = created
    RunStore(runs).save(run)
    return run


@pytest.fixture(scope="session")
def real_mnist() -> data.Dataset:
    """The real MNIST, found as the app finds it; skipped on a laptop without it, never in CI."""
    path = find_real_mnist()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but real MNIST was not found: set MNIST_DASH_DATA")
        pytest.skip("real MNIST not found: set MNIST_DASH_DATA=/path/to/mnist.npz")
    return data.get_dataset("mnist", path)


@contextlib.contextmanager
def app_resources(monkeypatch: pytest.MonkeyPatch, runs: Path, **environ: str) -> Iterator[None]:
    """The app's process-wide resources made afresh (its run store in `runs`, these environment
    variables set) for the block, and shut down after it: one test's jobs never reach another's."""
    import streamlit as st

    monkeypatch.setenv("MNIST_DASH_RUNS", str(runs))
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    st.cache_resource.clear()
    try:
        yield
    finally:
        from mnist_dash import ui

        ui.job_manager().shutdown()
        st.cache_resource.clear()


@pytest.fixture
def zh_cn() -> Iterator[None]:
    """Speak Simplified Chinese from the app's own catalog, read afresh."""
    from mnist_dash import i18n

    i18n.translations.cache_clear()
    with i18n.language("zh-CN"):
        yield
    i18n.translations.cache_clear()
