"""The Keras model of a run, for the Try it and Inside pages: loaded once per run, used under a lock."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from mnist_dash import i18n, inside
from mnist_dash.i18n import _
from mnist_dash.runs import DamagedRun, RunRecord, model_from_bytes
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


# No spinner text here: it would be fixed in one language at import (run_model shows it).
@st.cache_resource(max_entries=8, show_spinner=False)
def _saved_model(run_id: str) -> RunModel:
    """A saved run's model; saved runs are shared by everyone, so one copy serves all sessions."""
    return RunModel(run_id, resources.run_store().load_model(run_id), threading.Lock())


@st.cache_resource(max_entries=8, show_spinner=False)
def _unsaved_model(run_id: str, _content: bytes) -> RunModel:
    """A run that could not be saved: its model from the .keras bytes kept in memory (keyed by
    run id, which only its owner's session lists)."""
    return RunModel(run_id, model_from_bytes(_content), threading.Lock())


def run_model(record: RunRecord) -> RunModel | None:
    """The saved model, else this session's unsaved one; None (after saying why) if neither."""
    try:
        with st.spinner(_("Loading the trained network…")):  # shown only if it takes a while
            if not record.saved and record.model_bytes is not None:
                return _unsaved_model(record.run_id, record.model_bytes)
            return _saved_model(record.run_id)
    except DamagedRun as error:
        st.error(_("{problem}. Runs that failed or diverged keep no network; pick another run.",
                   problem=_(i18n.message_of(error))))
        return None
    except (OSError, ValueError) as error:  # Keras reports a corrupt .keras file as either
        st.error(_("The network of run {run} could not be loaded ({problem}); pick another run.",
                   run=record.run_id, problem=_(i18n.message_of(error))))
        return None
