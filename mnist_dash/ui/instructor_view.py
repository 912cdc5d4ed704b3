"""The instructor page's pieces: the token gate, the live class view, the server, the class controls,
our class's drawings."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from mnist_dash import canvas_chart, data, figures, i18n, look, preprocess
from mnist_dash.classroom import leaderboard
from mnist_dash.classroom.auth import TOKEN_VARIABLE, Instructor, NotInstructor
from mnist_dash.classroom.drawings import DrawingRefused
from mnist_dash.classroom.overview import ClassOverview, LearnerJob, OverviewCache
from mnist_dash.classroom.room import BroadcastRefused
from mnist_dash.i18n import N_, _, ngettext
from mnist_dash.progress import epoch_and_batch
from mnist_dash.ui import app, data_fix, line_chart, resources, run_picker, state

# The class, its loss curves and the server refresh together, in one fragment: every fragment
# rerun costs the projecting browser ~25-60 ms of CPU however little it draws, plus a share for
# every element on the page (Streamlit redraws them all), so the live class is a section of its
# own, and the curves are a canvas (line_chart), which redraws in a millisecond
# (benchmarks: instructor_page).
POLL_SECONDS = 3.0  # 20 instructor pages at 2 s took the health p99 to 274-419 ms (benchmarks)
SECTIONS = {"class": N_("The class, live"), "challenges": N_("Challenges"),
            "controls": N_("Class controls and data")}


def unlock() -> Instructor | None:
    """The instructor's capability when this session gave the right token, else None.

    Without it, the page shows how to get in (and a wrong token's refusal), nothing else.
    """
    state.take_token_from_url()
    key = resources.instructor_key()
    given = state.given_token()
    try:
        return key.unlock(given)
    except NotInstructor as error:
        _how_to_get_in(key.generated, refusal=_(error.msg) if given else None)
        return None


def _how_to_get_in(generated: bool, refusal: str | None) -> None:
    st.title(_("Instructor"))
    if generated:
        st.markdown(_("This page is for the instructor. Open the address printed in the terminal "
                      "where the server was started (it ends in `?token=…`), or type that token below."))
    else:
        st.markdown(_("This page is for the instructor. Type the token: the value of `{variable}` "
                      "on the server.", variable=TOKEN_VARIABLE))
    st.text_input(_("Instructor token"), type="password", key=state.INSTRUCTOR_TOKEN,
                  on_change=state.take_typed_token)
    if refusal:
        st.error(refusal)


def section_picker() -> str:
    """The section bar: the live class (what is projected), challenges, or the class controls."""
    return app.section_picker(SECTIONS, state.INSTRUCTOR_SECTION)


@st.cache_resource
def _overviews() -> OverviewCache:
    """The process's one overview per tick, for every instructor session."""
    return OverviewCache(resources.job_manager(), resources.classroom())


def _shown_name(learner: LearnerJob) -> str:
    """The name people see: never the owner id (a job from the command line has no learner)."""
    return learner.name if learner.name is not None else _("(command line)")


def class_table(learners: Sequence[LearnerJob]) -> pd.DataFrame:
    """One row per learner, by name: state, progress, current loss, test accuracy, place in line
    (a column only while someone waits), settings.

    All text, rounded to what a projector shows: a tick where nothing visible changed sends an
    identical table.
    """
    waiting = any(learner.job.queue_position for learner in learners)
    rows = []
    for learner in learners:
        job, progress = learner.job, learner.job.progress
        epoch, _batch = epoch_and_batch(progress.step, progress.steps_per_epoch)
        row = {
            _("Learner"): _shown_name(learner), _("State"): run_picker.state_name(job.state),
            _("Epoch"): f"{epoch}/{progress.num_epochs}" if progress.num_epochs else "",
            _("Progress"): i18n.percent(progress.fraction, 0),
            _("Loss"): i18n.number(progress.loss, 3) if progress.loss is not None else "",
            _("Test accuracy"): (i18n.percent(job.test_accuracy, 2)
                                 if job.test_accuracy is not None else ""),
        }
        if waiting:
            row[_("Place in line")] = str(job.queue_position or "")
        rows.append(row | {_("Settings"): leaderboard.settings_summary(job.config)})
    return pd.DataFrame(rows).sort_values(_("Learner")) if rows else pd.DataFrame(rows)


@st.fragment(run_every=POLL_SECONDS)
def live_class(instructor: Instructor) -> None:
    """The class table and stop, the running jobs' losses, and the server, refreshed live."""
    overview = _overviews().get(instructor)
    st.subheader(_("The class"))
    _class_panel(instructor, overview)
    _loss_panel(overview)
    st.subheader(_("The server"))
    _server_panel(overview)


def _class_panel(instructor: Instructor, overview: ClassOverview) -> None:
    if not overview.learners:
        st.info(_("No learner has trained yet."))
        return
    # st.table: plain HTML that wraps long settings, far cheaper for the browser than a data grid
    with st.container(key=f"{look.ONE_LINE_MIDDLE}class_table"):
        st.table(class_table(overview.learners), hide_index=True)
    _stop_form(instructor, overview.active)


def _stop_form(instructor: Instructor, active: Sequence[LearnerJob]) -> None:
    if not active:
        return
    names = {learner.job.job_id: _shown_name(learner) for learner in active}
    choice, button, _rest = st.columns([2, 1, 2], vertical_alignment="bottom")
    job_id = choice.selectbox(_("Stop a learner's job"), list(names), format_func=names.get,
                              key="class_stop_job")
    if button.button(_("Stop"), key="class_stop", icon=":material/stop:") and job_id:
        resources.job_manager().stop_any(job_id, instructor)
        st.toast(_("Asked {name}'s job to stop.", name=names[job_id]))


def _loss_panel(overview: ClassOverview) -> None:
    if not overview.running:
        st.caption(_("The loss curves of running jobs appear here."))
        return
    line_chart.draw_spec(_class_chart(overview.taken, i18n.current(), look.is_presenting(), overview),
                         key="class_loss_chart")


@st.cache_resource(max_entries=8, show_spinner=False)
def _class_chart(taken: float, language: str, presenting: bool, _overview: ClassOverview) -> dict:
    """The class chart's canvas spec, built once per overview (`taken`: its tick) for every
    instructor's session in that language and look: 20 instructor pages must not each build it."""
    with i18n.language(language), look.presenting(presenting):
        series = {_shown_name(learner): (learner.job.progress.batch_steps, learner.job.progress.batch_loss)
                  for learner in _overview.running}
        return canvas_chart.from_figure(figures.class_loss_spec(series))


def _server_panel(overview: ClassOverview) -> None:
    described, load = overview.described, overview.load
    cards = st.container(horizontal=True, gap="medium")  # each as wide as its label: wraps, never cut
    cards.metric(_("Waiting in line"), i18n.number(described.get("waiting", 0)), width="content")
    total = described.get("workers") or _ray_slots(described)
    cards.metric(_("Workers busy"), _("{busy} of {total}", busy=described.get("busy", 0),
                                      total=total if total is not None else "?"), width="content")
    cards.metric(_("CPU (server process)"), i18n.percent(load.process_cpu_percent / 100, 0),
                 help=_("100% is one core busy; this machine has {cpus} cores.", cpus=load.cpus),
                 width="content")
    cards.metric(_("Memory (server process)"), _("{megabytes} MB", megabytes=i18n.number(load.memory_mb, 0)),
                 width="content")
    if described.get("unavailable"):
        st.warning(_(described["unavailable"]))
    if described.get("nodes"):
        st.dataframe(pd.DataFrame([{_("Ray node"): node["id"], _("Address"): node["address"],
                                    _("CPUs"): node["cpus"], _("GPUs"): node["gpus"],
                                    _("Alive"): node["alive"]} for node in described["nodes"]]),
                     hide_index=True, key="class_ray_nodes")


def _ray_slots(described: dict) -> int | None:
    """How many jobs a Ray cluster runs at once (its CPUs over each job's), when known."""
    if described.get("cpus") and described.get("cpus_per_job"):
        return int(described["cpus"] // described["cpus_per_job"])
    return None


def class_controls(instructor: Instructor) -> None:
    """Pause new training, broadcast one line, and download the class results."""
    room = resources.classroom()
    st.subheader(_("Class controls"))
    state.show_pause(room.paused)
    st.toggle(_("Pause new training for everyone"), key=state.CLASS_PAUSE,
              on_change=lambda: room.set_paused(instructor, state.pause_switch()),
              help=_("Running jobs go on; new ones are refused until you switch this off."))
    # The button as wide as its word beside the field (a column of a quarter cut it to "S."), or
    # below it when the field would be too narrow.
    row = st.container(horizontal=True, vertical_alignment="bottom")
    line = row.text_input(_("Message to every learner"), key="class_broadcast",
                          help=_("Shown at the top of every learner's page. Send an empty "
                                 "message to take it down."))
    if row.button(_("Send"), key="class_broadcast_send", icon=":material/campaign:"):
        try:
            room.set_broadcast(instructor, line)
        except BroadcastRefused as error:
            st.error(_(error.msg))
    if room.broadcast is not None:
        st.caption(_("Showing now:"))
        st.text(room.broadcast.text)  # plain text: never markdown
    st.download_button(_("Download the class results (CSV)"), room.results_csv(instructor),
                       file_name="class-results.csv", mime="text/csv", key="class_results_csv",
                       icon=":material/download:")


def class_drawings(instructor: Instructor) -> None:
    """Our class's handwriting (the sidebar's dataset): look at it, remove a drawing, or clear all."""
    book = resources.classroom().drawings
    dataset = state.dataset_name()
    drawings = book.drawings(dataset)
    st.subheader(_("Our class's handwriting"))
    st.caption(ngettext("{n} drawing of {dataset} classes, added on Try it.",
                        "{n} drawings of {dataset} classes, added on Try it.", len(drawings),
                        dataset=_(data.SPECS[dataset].title)))
    if not drawings:
        return
    names = figures.class_labels(data.SPECS[dataset].class_names)
    st.image([preprocess.annotate(d.pixels, 48) for d in drawings], width=48,
             caption=[f"{number} · {names[d.label]}" for number, d in enumerate(drawings, 1)])
    shown = {d.id: _("Drawing {number}: {label}, by {name}", number=number, label=names[d.label],
                     name=resources.classroom().names.name_of(d.owner))
             for number, d in enumerate(drawings, 1)}
    chosen = st.selectbox(_("Remove a drawing"), list(shown), format_func=shown.get,
                          key="class_drawing_choice")
    buttons = st.container(horizontal=True)  # side by side, each as wide as its words
    if buttons.button(_("Remove"), key="class_drawing_remove", icon=":material/delete:"):
        try:
            book.remove_any(chosen, instructor)
        except DrawingRefused as error:  # another instructor tab removed it first
            st.error(_(error.msg))
        else:
            st.rerun()
    if buttons.button(_("Clear every drawing"), key="class_drawings_clear", icon=":material/delete_sweep:"):
        st.toast(ngettext("Removed {n} drawing.", "Removed {n} drawings.", book.clear(instructor)))
        st.rerun()


def data_panel(instructor: Instructor) -> None:
    """The sidebar's dataset: its facts and where it comes from, and the form to change that.

    Only the session's dataset: loading another one could start a download on every rerun.
    """
    st.subheader(_("Data source"))
    name, sources = state.dataset_name(), resources.data_sources()
    try:
        facts = sources.describe(name)
    except data.DataError as error:
        data_fix.draw_fixes(name, error, instructor)
        return
    st.markdown(_("**{title}**: {train} training and {test} test images, checksum `{checksum}`. "
                  "Switch the dataset in the sidebar to see the other one.",
                  title=_(facts.title), train=i18n.number(facts.train_images),
                  test=i18n.number(facts.test_images), checksum=facts.checksum))
    with st.expander(_("Change where {title} comes from (for everyone)", title=_(facts.title))):
        st.caption(_("Now loaded from {source}", source=sources.load(name).source))
        data_fix.source_form(name, instructor)
