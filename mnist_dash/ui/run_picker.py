"""The run picker: this session's runs (in memory) and the shared run store, newest first, of the
sidebar's dataset only."""

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


NEWEST, BEST = "newest", "best"  # what a run page opens on: the run just trained, the best one


def best_run(runs: list[RunRecord], own: set[str]) -> RunRecord | None:
    """The completed run with the highest test accuracy, among the learner's own runs when they
    have one; None when no run completed."""
    finished = [r for r in runs if r.state == JobState.COMPLETED and r.test_accuracy is not None]
    pool = [r for r in finished if r.run_id in own] or finished
    return max(pool, key=lambda r: r.test_accuracy) if pool else None


def pick_run(key: str = state.SELECTED_RUN, label: str | None = None, exclude: str | None = None,
             opens_on: str | None = None) -> RunRecord | None:
    """The run chosen in a select box (labelled `label`, by default "Run") over the runs of the
    sidebar's dataset but `exclude`; None when there is none.

    `opens_on` (NEWEST or BEST) makes it a page's main picker: it says how many runs of the other
    dataset are hidden, and moves to that default whenever one of the learner's runs ends. Without
    it, the picker keeps its choice and starts on the newest run.
    """
    own = {r.run_id: r for r in state.session_records()}
    saved, problems = resources.run_store().list_runs()
    for problem in problems:
        st.caption(_("Skipped: {problem}", problem=_(problem)))
    everything = [*own.values(), *(r for r in saved if r.run_id not in own)]
    runs = [r for r in everything if r.config.dataset == state.dataset_name() and r.run_id != exclude]
    if opens_on is not None:
        _hidden_note(sum(r.config.dataset != state.dataset_name() for r in everything))
    if not runs:
        return None
    labels = {r.run_id: _label(r, r.run_id in own) for r in runs}
    if opens_on is None:
        state.default_run(key, runs[0].run_id, set(labels))
    else:
        default = (best_run(runs, set(own)) if opens_on == BEST else None) or runs[0]
        state.default_run(key, default.run_id, set(labels),
                          reason=f"{opens_on}:{next(iter(own), '')}:{state.dataset_name()}")
    run_id = st.selectbox(label or _("Run"), list(labels), key=key, format_func=labels.get,
                          help=_("'yours' are this session's runs; 'shared' are saved runs "
                                 "everyone using this server can see."))
    if run_id in own and not own[run_id].saved:  # only in memory (its save failed)
        return own[run_id]
    try:
        return resources.load_saved_run(run_id)
    except DamagedRun as error:
        st.error(_(i18n.message_of(error)))
        return None


def _hidden_note(hidden: int) -> None:
    if hidden:
        st.caption(ngettext("{n} run of the other dataset is hidden: switch the dataset in the "
                            "sidebar to see it.", "{n} runs of the other dataset are hidden: switch "
                            "the dataset in the sidebar to see them.", hidden))
