"""The Keras model of a run, for the Try it and Inside pages: loaded once per run, used under a lock."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from mnist_dash import inside
from mnist_dash.runs import DamagedRun, RunRecord
from mnist_dash.ui import resources


@dataclass(frozen=True)
class RunModel:
    """A trained model, read-only, with the lock every use takes (TF models are not thread-safe)."""

    run_id: str
    model: Any
    lock: threading.Lock

    def probabilities(self, record: RunRecord, x: np.ndarray) -> np.ndarray:
        with self.lock:
            return inside.predict_probabilities(self.model, record.config, x)


@st.cache_resource(max_entries=8, show_spinner="Loading the trained network…")
def _saved_model(run_id: str) -> RunModel:
    """A saved run's model; saved runs are shared by everyone, so one copy serves all sessions."""
    return RunModel(run_id, resources.run_store().load_model(run_id), threading.Lock())


@st.cache_resource(max_entries=64)
def _lock(run_id: str) -> threading.Lock:
    return threading.Lock()


def run_model(record: RunRecord) -> RunModel | None:
    """This session's model in memory, else the saved one; None (after saying why) if neither."""
    if record.model is not None:
        return RunModel(record.run_id, record.model, _lock(record.run_id))
    try:
        return _saved_model(record.run_id)
    except DamagedRun as error:
        st.error(f"{error}. Runs that failed or diverged keep no network; pick another run.")
        return None
    except (OSError, ValueError) as error:  # Keras reports a corrupt .keras file as either
        st.error(f"The network of run {record.run_id} could not be loaded ({error}); pick another run.")
        return None
