"""The run picker: this session's runs (in memory) and the shared run store, newest first."""

from __future__ import annotations

import streamlit as st

from mnist_dash import i18n
from mnist_dash.i18n import N_, _, ngettext
from mnist_dash.runs import DamagedRun, RunRecord
from mnist_dash.ui import resources, state
from mnist_dash.vocabulary import JobState

STATE_NAMES = {  # a job's state in one word, as the UI shows it ("Job: running")
    JobState.QUEUED: N_("queued"), JobState.RUNNING: N_("running"),
    JobState.STOPPING: N_("stopping"), JobState.COMPLETED: N_("completed"),
    JobState.STOPPED: N_("stopped"), JobState.FAILED: N_("failed"),
    JobState.DIVERGED: N_("diverged"),
}


def state_name(job_state: str) -> str:
    """A job state's one word in the current language (an unknown state as it is)."""
    return _(STATE_NAMES[job_state]) if job_state in STATE_NAMES else job_state


def _ended_early(record: RunRecord) -> str:
    """" · stopped after 3 epochs" for a run that did not complete; "" for one that did."""
    done = record.metrics.get("epochs_completed")
    if record.state == JobState.COMPLETED or done is None:
        return ""
    return ngettext(" · {state} after {n} epoch", " · {state} after {n} epochs", done,
                    state=state_name(record.state))


def _label(record: RunRecord, own: bool) -> str:
    accuracy = (i18n.percent(record.test_accuracy, 2) if record.test_accuracy is not None
                else state_name(record.state))
    parts = {"time": record.created[11:16], "summary": _(record.config.summary()),
             "ended": _ended_early(record), "accuracy": accuracy}
    if own:
        return _("{time} · yours · {summary}{ended} · {accuracy}", **parts)
    return _("{time} · shared · {summary}{ended} · {accuracy}", **parts)


def pick_run(key: str = state.SELECTED_RUN, label: str | None = None,
             exclude: str | None = None) -> RunRecord | None:
    """The run chosen in a select box (labelled `label`, by default "Run") over every run but
    `exclude`; None when there is none."""
    own = {r.run_id: r for r in state.session_records()}
    saved, problems = resources.run_store().list_runs()
    for problem in problems:
        st.caption(_("Skipped: {problem}", problem=_(problem)))
    labels = {run_id: _label(record, True) for run_id, record in own.items()}
    labels.update({r.run_id: _label(r, False) for r in saved if r.run_id not in own})
    labels.pop(exclude, None)
    if not labels:
        return None
    if state.chosen_run(key) not in labels:
        state.choose_run(next(iter(labels)), key)
    run_id = st.selectbox(label or _("Run"), list(labels), key=key, format_func=labels.get,
                          help=_("'yours' are this session's runs; 'shared' are saved runs "
                                 "everyone using this server can see."))
    if run_id in own:
        return own[run_id]
    try:
        return resources.load_saved_run(run_id)
    except DamagedRun as error:
        st.error(_(i18n.message_of(error)))
        return None
