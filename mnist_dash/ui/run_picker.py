"""The run picker: this session's runs (in memory) and the shared run store, newest first."""

from __future__ import annotations

import streamlit as st

from mnist_dash.runs import DamagedRun, RunRecord
from mnist_dash.ui import resources, state
from mnist_dash.vocabulary import JobState


def _label(record: RunRecord, own: bool) -> str:
    accuracy = f"{record.test_accuracy:.2%}" if record.test_accuracy is not None else record.state
    who = "yours" if own else "shared"
    done = record.metrics.get("epochs_completed")
    state_note = f" · {record.state} after {done} epoch{'s' if done != 1 else ''}" if (
        record.state != JobState.COMPLETED and done is not None) else ""
    return f"{record.created[11:16]} · {who} · {record.config.summary()}{state_note} · {accuracy}"


def pick_run(key: str = state.SELECTED_RUN, label: str = "Run",
             exclude: str | None = None) -> RunRecord | None:
    """The run chosen in a select box over every run but `exclude`; None when there is none."""
    own = {r.run_id: r for r in state.session_records()}
    saved, problems = resources.run_store().list_runs()
    for problem in problems:
        st.caption(f"Skipped: {problem}")
    labels = {run_id: _label(record, True) for run_id, record in own.items()}
    labels.update({r.run_id: _label(r, False) for r in saved if r.run_id not in own})
    labels.pop(exclude, None)
    if not labels:
        return None
    if state.chosen_run(key) not in labels:
        state.choose_run(next(iter(labels)), key)
    run_id = st.selectbox(label, list(labels), key=key, format_func=labels.get,
                          help="'yours' are this session's runs; 'shared' are saved runs "
                          "everyone using this server can see.")
    if run_id in own:
        return own[run_id]
    try:
        return resources.load_saved_run(run_id)
    except DamagedRun as error:
        st.error(str(error))
        return None
