"""Cached resources: what every session shares, made once per server process (st.cache_resource)."""

from __future__ import annotations

import os
import threading

import numpy as np
import streamlit as st

from mnist_dash.classroom.auth import InstructorKey
from mnist_dash.classroom.room import CLASSROOM_DIR, Classroom
from mnist_dash.data_sources import DataSources
from mnist_dash.executors.configure import executor_from_env
from mnist_dash.jobs import JobManager
from mnist_dash.runs import RunRecord, RunStore


@st.cache_resource
def data_sources() -> DataSources:
    """Where each dataset comes from; a path or upload one learner sets is used by everyone."""
    return DataSources()


@st.cache_resource
def run_store() -> RunStore:
    store = RunStore()
    store.remove_stale_temp()
    return store


@st.cache_resource
def classroom() -> Classroom:
    """Names, challenges, pause and broadcast, kept beside the run store (they survive a restart)."""
    return Classroom(run_store().root / CLASSROOM_DIR,
                     test_labels=lambda name: data_sources().load(name).y_test)


@st.cache_resource
def instructor_key() -> InstructorKey:
    """The instructor's token; the instructor page's address is printed once, as the server starts."""
    key = InstructorKey.from_env(os.environ)
    print(key.announce(_base_url()) if key.generated else
          f"Instructor page: {_base_url()}/instructor (the token is MNIST_DASH_INSTRUCTOR_TOKEN)",
          flush=True)
    return key


def _base_url() -> str:
    host = st.get_option("browser.serverAddress") or "localhost"
    return f"http://{host}:{st.get_option('server.port')}"


@st.cache_resource
def job_manager() -> JobManager:
    """One per server process, shared by every session. With MNIST_DASH_RAY_ADDRESS, jobs run on
    Ray, which starts or connects in the background while pages are served (configure.py). The
    classroom admits each job (pause, challenge rules) and scores each ended run."""
    room = classroom()
    return JobManager(
        run_store(), executor_from_env(os.environ, background=True),
        unwatched_seconds=float(os.environ.get("MNIST_DASH_UNWATCHED_SECONDS", 300)),
        data_path_for=data_sources().path_for, admission=room.admit, on_run_end=room.record,
    )


@st.cache_resource
def warm_tensorflow() -> None:
    """Import TensorFlow in the background, once, so the first Train click does not wait for it."""

    def load() -> None:
        from mnist_dash import training  # noqa: F401

    threading.Thread(target=load, name="mnist-dash-warm-tf", daemon=True).start()


@st.cache_resource(max_entries=32)
def load_saved_run(run_id: str) -> RunRecord:
    """A saved run with its test predictions; read-only once loaded, so sessions may share it."""
    return run_store().load(run_id)


@st.cache_resource(max_entries=4)
def dataset_facts(name: str, source: str) -> dict:
    """Class counts and mean images, computed once per dataset (the arguments are the cache key)."""
    from mnist_dash import images

    dataset = data_sources().load(name)
    classes = dataset.num_classes
    return {
        "train_counts": np.bincount(dataset.y_train, minlength=classes),
        "test_counts": np.bincount(dataset.y_test, minlength=classes),
        "class_means": images.class_means(dataset.x_train, dataset.y_train, classes),
    }
