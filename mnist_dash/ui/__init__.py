"""The UI glue, the only package that talks to Streamlit: cached resources, session state, sidebar."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
import uuid
from pathlib import Path

import numpy as np
import streamlit as st
from streamlit.runtime.scriptrunner import script_runner

from mnist_dash import data
from mnist_dash.executors.threads import ThreadExecutor, default_concurrency
from mnist_dash.jobs import JobManager, JobSnapshot
from mnist_dash.progress import epoch_and_batch
from mnist_dash.runs import RunRecord, RunStore
from mnist_dash.vocabulary import JobState

# Session-state keys: small values only (ids, choices), never models or arrays.
OWNER = "owner_id"  # this browser session's identity for the job manager
JOB_ID = "job_id"  # the session's latest job
DATASET = "dataset_name"  # "mnist" or "fashion-mnist"
SELECTED_RUN = "selected_run"  # run id chosen on Evaluate
COMPARE_RUN = "compare_run"  # second run id for comparison
PREFILL = "prefill_config"  # a config dict the Train form should load on its next run

PAGES = {
    "explore": "pages/explore.py",
    "train": "pages/train.py",
    "evaluate": "pages/evaluate.py",
    "try_it": "pages/try_it.py",
    "inside": "pages/inside.py",
}
POLL_SECONDS = 1.0
ICON = Path(__file__).resolve().parent / "icon.png"
LEARNER_PARAM = "learner"  # URL query parameter holding the owner id
_OWNER_PATTERN = re.compile(r"[0-9a-f]{32}")
MAX_UPLOAD_BYTES = 200 * 2**20


def _keep_keras_state() -> None:
    """Streamlit's cleanup after every script and fragment run, minus its Keras reset.

    Streamlit 1.67 calls `keras.backend.clear_session()` after each run once Keras is imported:
    that resets Keras's global state for every thread (a job building its model races with it),
    clears TensorFlow's kernel caches under the training thread, and collects garbage with the
    GIL held (~100 ms, measured), once a second per page watching a job. The app keeps no
    state for it to clear: models live in jobs and caches. Matplotlib is not used.
    """


script_runner._clean_problem_modules = _keep_keras_state


class DataSources:
    """Process-wide overrides of where each dataset comes from (set by a path or an upload)."""

    def __init__(self) -> None:
        self._paths: dict[str, str] = {}
        self._lock = threading.Lock()
        self._upload_dir = Path(tempfile.mkdtemp(prefix="mnist-dash-uploads-"))

    def path_for(self, name: str) -> str | None:
        with self._lock:
            return self._paths.get(name)

    def set_path(self, name: str, path: str) -> data.Dataset:
        dataset = data.get_dataset(name, path)  # validates before anyone else sees it
        with self._lock:
            self._paths[name] = path
        return dataset

    def set_upload(self, name: str, content: bytes) -> data.Dataset:
        arrays = data.load_npz_bytes(content, source="the uploaded file", max_bytes=MAX_UPLOAD_BYTES)
        digest = hashlib.sha256(content).hexdigest()[:16]
        path = self._upload_dir / f"{name}-{digest}.npz"
        import numpy as np

        np.savez(path, **arrays)
        return self.set_path(name, str(path))

    def load(self, name: str) -> data.Dataset:
        return data.get_dataset(name, self.path_for(name))


@st.cache_resource
def data_sources() -> DataSources:
    return DataSources()


@st.cache_resource
def run_store() -> RunStore:
    store = RunStore()
    store.remove_stale_temp()
    return store


@st.cache_resource
def job_manager() -> JobManager:
    """One per server process, shared by every session."""
    limit = os.environ.get("MNIST_DASH_MAX_JOBS")
    return JobManager(
        run_store(), ThreadExecutor(int(limit) if limit else default_concurrency()),
        unwatched_seconds=float(os.environ.get("MNIST_DASH_UNWATCHED_SECONDS", 300)),
        data_path_for=data_sources().path_for,
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


def run_app() -> None:
    """The whole app: page config, navigation over the pages, the sidebar, the chosen page."""
    # A local icon: a ":material/...:" favicon is fetched from a font server on every load.
    st.set_page_config(page_title="mnist-dash", page_icon=str(ICON), layout="wide")
    navigation = st.navigation([
        st.Page(PAGES["explore"], title="Explore the data", icon=":material/image_search:",
                default=True),
        st.Page(PAGES["train"], title="Train live", icon=":material/model_training:"),
        st.Page(PAGES["evaluate"], title="Evaluate", icon=":material/fact_check:"),
        st.Page(PAGES["try_it"], title="Try it: draw a digit", icon=":material/draw:"),
        st.Page(PAGES["inside"], title="Inside the network", icon=":material/neurology:"),
    ])
    owner_id()
    sidebar()
    navigation.run()


def require_router() -> None:
    """Make every page run inside app.py's navigation.

    Streamlit's legacy pages/ mode runs a page file alone, without app.py, when a fresh
    server's first request is a deep link (/train); run the app from here instead.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        run_app()  # st.navigation switches the legacy mode off, then runs this page again
        st.stop()


def owner_id() -> str:
    """This learner's identity; kept in the URL too, so a reload finds the same job again."""
    if OWNER not in st.session_state:
        from_url = st.query_params.get(LEARNER_PARAM, "")
        st.session_state[OWNER] = from_url if _OWNER_PATTERN.fullmatch(from_url) else uuid.uuid4().hex
    if st.query_params.get(LEARNER_PARAM) != st.session_state[OWNER]:
        st.query_params[LEARNER_PARAM] = st.session_state[OWNER]
    return st.session_state[OWNER]


def dataset_name() -> str:
    return st.session_state.get(DATASET, "mnist")


def current_dataset() -> data.Dataset | None:
    """The session's dataset, or None after drawing the fixes on the page."""
    name = dataset_name()
    try:
        return data_sources().load(name)
    except data.DataError as error:
        _draw_data_fixes(name, error)
        return None


def _draw_data_fixes(name: str, error: data.DataError) -> None:
    spec = data.SPECS[name]
    st.error(f"**{spec.title} could not be loaded.**\n\n{error}")
    st.markdown(
        "Fix it in one of these ways:\n"
        "1. **Online:** restart the app with internet access; Keras downloads the data once.\n"
        f"2. **A file on this computer:** set `{spec.env_var}=/path/to/file` before "
        "`streamlit run app.py`, or enter the path below.\n"
        "3. **Upload** a Keras-layout `.npz` (keys x_train, y_train, x_test, y_test)."
    )
    path = st.text_input("Path to a .npz file or a folder of IDX files", key=f"data_path_{name}")
    if path and st.button("Load from this path", key=f"data_path_go_{name}"):
        _try_fix(lambda: data_sources().set_path(name, path.strip()))
    upload = st.file_uploader("Or upload a .npz", type=["npz"], key=f"data_upload_{name}",
                              max_upload_size=MAX_UPLOAD_BYTES // 2**20)
    if upload is not None and st.button("Use the uploaded file", key=f"data_upload_go_{name}"):
        _try_fix(lambda: data_sources().set_upload(name, upload.getvalue()))


def _try_fix(action) -> None:
    try:
        action()
    except data.DataError as error:
        st.error(str(error))
        return
    st.rerun()


def session_job() -> JobSnapshot | None:
    """The learner's latest job, found again by owner after a reload."""
    manager = job_manager()
    job_id = st.session_state.get(JOB_ID)
    if job_id is None:
        latest = manager.jobs_of(owner_id())
        if not latest:
            return None
        job_id = st.session_state[JOB_ID] = latest[0].job_id
    return manager.snapshot(job_id)


def session_records() -> list[RunRecord]:
    """This session's ended runs, held in memory (also the ones that failed to save)."""
    return job_manager().records_of(owner_id())


def sidebar() -> None:
    """Dataset switch and the current job's status, on every page."""
    with st.sidebar:
        names = list(data.SPECS)
        st.selectbox("Dataset", names, key=DATASET, format_func=lambda n: data.SPECS[n].title,
                     persist_state="session", help="Switch between handwritten digits and clothes.")
        _sidebar_job_status()


def _sidebar_job_status() -> None:
    snap = session_job()
    if snap is None:
        st.sidebar.caption("No training job yet.")
        return

    @st.fragment(run_every=POLL_SECONDS if snap.active else None)
    def status() -> None:
        current = session_job()
        if current is None:
            return
        job_manager().mark_watched(current.job_id, owner_id())
        st.markdown(f"**Job:** {current.state}")
        if current.state == JobState.QUEUED:
            st.caption(f"Waiting in line: position {current.queue_position}")
        elif current.progress.num_epochs:
            epoch, _ = epoch_and_batch(current.progress.step, current.progress.steps_per_epoch)
            st.progress(current.progress.fraction,
                        text=f"Epoch {epoch}/{current.progress.num_epochs}")
        if current.test_accuracy is not None:
            st.caption(f"Test accuracy {current.test_accuracy:.2%}")
        if snap.active and not current.active:
            st.rerun()  # the job ended: one full rerun shows its result and stops polling

    with st.sidebar:
        status()


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
