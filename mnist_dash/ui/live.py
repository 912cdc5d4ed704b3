"""The live training panel: a polling fragment that draws a job's snapshot about once a second."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from mnist_dash import diagnose, figures, i18n, look
from mnist_dash.config import TrainConfig
from mnist_dash.i18n import N_, _
from mnist_dash.jobs import JobSnapshot
from mnist_dash.presets import PRESETS
from mnist_dash.progress import STATE_WORDS, progress_text, queue_text
from mnist_dash.schedules import Schedule
from mnist_dash.ui import app, line_chart, resources, state, teach
from mnist_dash.vocabulary import HISTORY_COLUMNS, JobState, lowest_validation_epoch

COLUMN_TITLES = {  # a history column -> its header in the table on screen (downloads keep the names)
    "epoch": N_("Epoch"), "loss": N_("Loss"), "accuracy": N_("Accuracy"),
    "val_loss": N_("Validation loss"), "val_accuracy": N_("Validation accuracy"),
    "seconds": N_("Seconds"), "step": N_("Step"), "partial": N_("Partial epoch"),
    "learning_rate": N_("Learning rate"),
}

PANEL_KEY = "live_panel"  # the live panel's container


def _stop(job_id: str) -> None:
    resources.job_manager().stop(job_id, state.owner_id())


def history_charts(snap_progress, key_prefix: str, config: TrainConfig | None = None,
                   live: bool = False) -> None:
    """Loss and accuracy: per-batch values as a thin line, per-epoch train/validation as dots;
    with the run's config, the epoch early stopping keeps is marked and a schedule drawn.
    `live`: redrawn every second while a job trains, so on a canvas (line_chart), not plotly."""
    p = snap_progress
    early = config is not None and config.early_stopping_patience is not None
    specs = figures.history_specs(p, total_steps=p.total_steps or None,
                                  kept_epoch=lowest_validation_epoch(p.epochs) if early else None)
    # Live, in a short window, both charts are half the window tall (look.FITS_SHORT_WINDOW).
    columns = st.container(key=f"{look.FITS_SHORT_WINDOW}{key_prefix}_charts" if live else None).columns(2)
    for column, (metric, spec) in zip(columns, specs.items(), strict=True):
        with column:
            if live:
                line_chart.line_chart(spec, key=f"{key_prefix}_{metric}_canvas")
            else:
                st.plotly_chart(go.Figure(spec, _validate=False), key=f"{key_prefix}_{metric}")
    if config is not None and (config.schedule != "constant" or config.warmup_epochs) and p.steps_per_epoch:
        steps = np.arange(p.total_steps)
        rates = Schedule.from_config(config, p.steps_per_epoch).rates(steps)
        columns[0].plotly_chart(figures.learning_rate_figure(steps + 1, rates, p.total_steps),
                                key=f"{key_prefix}_learning_rate")
    if live:  # a data grid redrawn every second, even folded, costs the browser more than the charts
        return
    with st.expander(_("Loss and accuracy per epoch as a table")):
        if p.epochs:
            st.dataframe([_epoch_row(e.to_row()) for e in p.epochs], hide_index=True)
        else:
            st.caption(_("No epoch has finished yet."))


def _epoch_row(row: dict) -> dict:
    """An epoch's history columns, headed in the current language."""
    return {_(COLUMN_TITLES[k]): v for k, v in row.items() if k in HISTORY_COLUMNS and v is not None}


def _status(snap: JobSnapshot) -> DeltaGenerator:
    """The state line, and the progress bar in a row; returns that row, whose end holds Stop (a row
    less above the charts: with a short window's large text every row counts)."""
    words = _(STATE_WORDS.get(snap.state, snap.state))
    queued = snap.state == JobState.QUEUED
    if queued:
        st.markdown(_("**{state}**: {place}. Training starts by itself; you can leave this page.",
                      state=words, place=_(queue_text(snap.queue_position or 1, snap.wait_seconds))))
    else:
        st.markdown(_("**{state}** · {summary}", state=words, summary=_(snap.config.summary())))
    row = st.container(horizontal=True, vertical_alignment="bottom", key="live_progress_row")
    if queued:
        row.progress(0.0, text=_("Waiting to start"))
    else:
        row.progress(snap.progress.fraction, text=_(progress_text(snap.progress)))
    return row


def live_panel() -> None:
    """Draw this session's job; poll while it is active, rerun the page once when it ends."""
    snap = state.session_job()
    if snap is None:
        return

    # Every element keeps its place between ticks (the Stop button sits in a fixed slot, the
    # result in its own container): a tick that shifts elements can blank the page when the
    # job ends (seen in Chromium; Streamlit issue #15084).
    @st.fragment(run_every=app.POLL_SECONDS if snap.active else None)
    def panel() -> None:
        current = state.session_job()
        if current is None:
            return
        if snap.active:
            app.watch_tick()
        resources.job_manager().mark_watched(current.job_id, state.owner_id())
        with st.container(key=PANEL_KEY):  # a short window scrolls it to its top (pages/train.py)
            stop_slot = _status(current).empty()
            if current.active:
                stop_slot.button(_("Stop"), icon=":material/stop_circle:", type="primary",
                                 key="stop_button", on_click=_stop, args=(current.job_id,),
                                 disabled=current.state == JobState.STOPPING,
                                 help=_("Halts within one batch and keeps what the network has learned."))
            # The chart kind is the page's (a job active when the page ran): the fragment's last tick,
            # which sees the job end and reruns the page, swaps no element for another.
            history_charts(current.progress, "live", current.config, live=snap.active)
            with st.container():
                if current.active:
                    _early_warnings(current)
                else:
                    outcome(current)
        if snap.active and not current.active:
            st.rerun()

    panel()


def _early_warnings(snap: JobSnapshot) -> None:
    """While training: only the findings worth acting on before the run ends."""
    found = diagnose.diagnose(snap.config, list(snap.progress.epochs), list(snap.progress.batch_loss),
                              snap.state)
    for finding in found:
        if finding.kind in ("barely_learning", "overfitting"):
            st.warning(_("**{finding} so far.** {explanation}", finding=_(finding.title),
                         explanation=_(finding.explanation)))


def outcome(snap: JobSnapshot) -> None:
    """What the ended job reached, in plain words, next to what its tutorial reports."""
    if snap.state == JobState.FAILED:
        st.error(_(snap.message))
        return
    if snap.state == JobState.DIVERGED:
        st.error(_(snap.message))
        teach.findings(snap.config, snap.progress, snap.state, key="outcome")
        return
    if snap.message:
        st.info(_("{message} The network keeps what it learned so far.", message=_(snap.message)))
    if snap.save_error:
        st.warning(_(snap.save_error))
    if snap.test_accuracy is None:
        return
    columns = st.columns(3)
    columns[0].metric(_("Test accuracy"), i18n.percent(snap.test_accuracy, 2))
    columns[1].metric(_("Test loss"), i18n.number(snap.test_loss, 4))
    preset = _matching_preset(snap)
    if preset and preset.reported_test_accuracy:
        delta = snap.test_accuracy - preset.reported_test_accuracy
        columns[2].metric(_("The tutorial reports"), i18n.percent(preset.reported_test_accuracy, 2),
                          delta=_("{difference} yours", difference=_signed_percent(delta)),
                          delta_color="off")
    teach.findings(snap.config, snap.progress, snap.state, key="outcome")
    if snap.run_id:
        state.choose_run(snap.run_id)
        st.page_link(app.PAGES["evaluate"], label=_("Inspect the mistakes on Evaluate"),
                     icon=":material/arrow_forward:")


def _signed_percent(fraction: float) -> str:
    """+0.42% or -1.10%: a difference always shows its sign."""
    return ("+" if fraction >= 0 else "") + i18n.percent(fraction, 2)


def _matching_preset(snap: JobSnapshot):
    for preset in PRESETS.values():
        if preset.config.replace(dataset=snap.config.dataset) == snap.config:
            return preset
    return None
