"""The app's frame: the router over the pages, the sidebar, and the preamble at the top of every page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import streamlit as st

from mnist_dash import data, i18n, look
from mnist_dash.i18n import _
from mnist_dash.progress import epoch_and_batch
from mnist_dash.runs import RunRecord
from mnist_dash.ui import data_fix, patches, resources, run_picker, state
from mnist_dash.vocabulary import JobState

PAGES = {
    "explore": "pages/explore.py",
    "train": "pages/train.py",
    "leaderboard": "pages/leaderboard.py",
    "evaluate": "pages/evaluate.py",
    "try_it": "pages/try_it.py",
    "inside": "pages/inside.py",
    "instructor": "pages/instructor.py",
}
POLL_SECONDS = 1.0  # how often a running job's views refresh
BANNER_POLL_SECONDS = 2.0  # how often a page that cannot train checks whether it now can
# How often a page without an active job looks for the instructor's broadcast and for a job the
# learner started in another tab; while a job is active, its live view's tick looks (see watch_tick).
WATCH_POLL_SECONDS = 2.0
LIVE_PANEL_PAGES = {"train"}  # pages whose own live panel shows the session's job while it runs
_MARKDOWN_SPECIALS = re.compile(r"[\\`*_{}\[\]()<>#+\-.!|~$:]")
ICON = Path(__file__).resolve().parent / "icon.png"


def run_app() -> None:
    """The whole app: page config, navigation over the pages, the sidebar, the chosen page."""
    # A local icon: a ":material/...:" favicon is fetched from a font server on every load.
    st.set_page_config(page_title="mnist-dash", page_icon=str(ICON), layout="wide")
    state.language()  # before any text: the navigation's titles are translated too
    st.html(look.page_css(look.PRESENTING if state.presenting() else look.READABLE))
    navigation = st.navigation([
        st.Page(PAGES["explore"], title=_("Explore the data"), icon=":material/image_search:",
                default=True),
        st.Page(PAGES["train"], title=_("Train live"), icon=":material/model_training:"),
        st.Page(PAGES["leaderboard"], title=_("Leaderboard"), icon=":material/leaderboard:"),
        st.Page(PAGES["evaluate"], title=_("Evaluate"), icon=":material/fact_check:"),
        st.Page(PAGES["try_it"], title=_("Try it: draw a digit"), icon=":material/draw:"),
        st.Page(PAGES["inside"], title=_("Inside the network"), icon=":material/neurology:"),
        st.Page(PAGES["instructor"], title=_("Instructor"), url_path="instructor", visibility="hidden"),
    ])
    state.owner_id()
    state.forget_broadcast_shown()
    resources.instructor_key()  # the first page load prints the instructor page's address
    sidebar(page_has_live_panel=navigation.url_path in LIVE_PANEL_PAGES)
    navigation.run()


def start_page() -> data.Dataset:
    """The top of every page: run inside the router, then load the session's dataset.

    When the dataset cannot be loaded, the page shows how to fix it and stops here.
    """
    require_router()
    _cluster_banner()
    _page_watch()
    dataset = data_fix.dataset_or_fixes(state.dataset_name())
    if dataset is None:
        st.stop()
    return dataset


def _cluster_banner() -> None:
    """Say, at the top of the page, why training cannot start now (e.g. the Ray cluster cannot be
    reached); while it cannot, look again every few seconds, and rerun the page once it can."""
    if resources.job_manager().unavailable() is None:
        return

    @st.fragment(run_every=BANNER_POLL_SECONDS)
    def banner() -> None:
        reason = resources.job_manager().unavailable()
        if reason is None:
            st.rerun()
        st.warning(_(reason), icon=":material/cloud_off:")

    banner()


def _page_watch() -> None:
    """The instructor's broadcast (a toast once per session, a one-line banner while it is
    current), and a rerun when the learner starts a job in another tab (same owner id), so that
    every tab of theirs shows their newest job.

    One fragment ticks on a page, never two: every fragment rerun costs the browser ~25-60 ms of
    CPU, and a second ticking fragment beside a live view that reruns the page when its job ends
    can blank the page (seen in CI; Streamlit issue #15084). So while the session's job is active
    this draws once, and the live view's tick calls watch_tick (no other job can start then: one
    per learner).
    """
    shown = state.session_job()
    shown_id = shown.job_id if shown else None

    @st.fragment(run_every=None if shown is not None and shown.active else WATCH_POLL_SECONDS)
    def watch() -> None:
        message = resources.classroom().broadcast
        state.set_broadcast_shown(message.number if message else None)
        newest = state.session_job()
        if (newest.job_id if newest else None) != shown_id:
            st.rerun()
        if message is None:
            return
        if state.broadcast_is_new(message.number):
            st.toast(plain_text(message.text), icon=":material/campaign:")
        st.info(plain_text(message.text), icon=":material/campaign:")

    watch()


def watch_tick() -> None:
    """A live view's tick (the page's one ticking fragment while a job is active): rerun the page
    when the instructor's broadcast changed since the page drew it."""
    drawn, number = state.broadcast_shown()
    message = resources.classroom().broadcast
    if drawn and (message.number if message else None) != number:
        st.rerun()


def section_picker(sections: dict[str, str], key: str) -> str:
    """A page's section bar: one of `sections` (key -> English label), the first by default.

    Only the chosen section is drawn: Streamlit redraws every element of a page on each rerun
    and tick, so a shorter page is a cheaper one for the learner's browser too."""
    first = next(iter(sections))
    chosen = st.segmented_control(_("Section"), list(sections), format_func=lambda name: _(sections[name]),
                                  key=key, default=first, required=True, label_visibility="collapsed")
    return chosen or first


def plain_text(text: str) -> str:
    """Text drawn as typed: markdown and HTML characters escaped (names, broadcasts)."""
    return _MARKDOWN_SPECIALS.sub(r"\\\g<0>", text)


def start_run_page(title: str, then: str,
                   opens_on: str = run_picker.NEWEST) -> tuple[data.Dataset, RunRecord]:
    """The top of a page about one trained run: start_page, the title, and the run picker over the
    runs of the sidebar's dataset, which opens on the newest run or the best (`opens_on`).

    Without any run, it says "Train a network first, then {then}." and stops the page. `then` is a
    verb phrase, already translated by the caller (`then=_("come back here")`).
    """
    dataset = start_page()
    st.title(title)
    record = run_picker.pick_run(opens_on=opens_on)
    if record is None:
        st.info(_("No runs yet. Train a network first, then {then}.", then=then))
        st.page_link(PAGES["train"], label=_("Go to Train"), icon=":material/arrow_forward:")
        st.stop()
    return dataset, record


def dataset_title(name: str) -> str:
    spec = data.SPECS.get(name)
    return _(spec.title) if spec else name


def require_router() -> None:
    """Make every page run inside app.py's navigation.

    Streamlit's legacy pages/ mode runs a page file alone, without app.py, when a fresh
    server's first request is a deep link (/train); run the app from here instead.
    """
    if patches.runs_without_router():
        run_app()  # st.navigation switches the legacy mode off, then runs this page again
        st.stop()


def sidebar(page_has_live_panel: bool = False) -> None:
    """Language and dataset switches and the current job's status, on every page (live, unless
    the page's own live panel shows the job)."""
    with st.sidebar:
        # persist_state: the switches' values outlive a run that ends before the sidebar is drawn
        # (seen in CI: a page switch under load fell back to the browser's language).
        st.selectbox(_("Language"), list(i18n.LANGUAGES), key=state.LANGUAGE,
                     format_func=i18n.LANGUAGES.get, on_change=state.keep_language_in_url,
                     icon=":material/translate:", persist_state="session")
        st.selectbox(_("Dataset"), list(data.SPECS), key=state.DATASET, format_func=dataset_title,
                     persist_state="session",
                     help=_("Switch between handwritten digits and clothes."))
        st.toggle(_("Presenter mode"), key=state.PRESENTING, on_change=state.keep_presenting_in_url,
                  persist_state="session",
                  help=_("Larger text and thicker chart lines, for a projector. The address "
                         "keeps it (?present=1): share it or bookmark it."))
        _sidebar_name()
        _sidebar_job_status(live=not page_has_live_panel)


def _sidebar_name() -> None:
    """The learner's display name, which others see on the leaderboard, and a form to change it."""
    st.caption(_("Your name in this class"))
    st.markdown(f"**{plain_text(state.display_name())}**")
    refusal = state.name_refusal()
    if refusal is not None:
        st.error(_(refusal))
    with st.popover(_("Change name"), icon=":material/badge:"), \
            st.form("display_name_form", clear_on_submit=True, border=False):
        st.text_input(_("New name"), key=state.NAME_INPUT, max_chars=40,
                      placeholder=_("e.g. Blue Heron 7"))
        st.form_submit_button(_("Save name"), key="display_name_save",
                              on_click=state.rename_from_input)


def _sidebar_job_status(live: bool) -> None:
    snap = state.session_job()
    if snap is None:
        st.sidebar.caption(_("No training job yet."))
        return
    ticks = live and snap.active

    @st.fragment(run_every=POLL_SECONDS if ticks else None)
    def status() -> None:
        current = state.session_job()
        if current is None:
            return
        if ticks:
            watch_tick()
            resources.job_manager().mark_watched(current.job_id, state.owner_id())
        elif current.active:  # the page's live panel shows it
            st.markdown(_("**Job:** {state}", state=run_picker.state_name(current.state)))
            st.caption(_("Its progress is on this page."))
            return
        st.markdown(_("**Job:** {state}", state=run_picker.state_name(current.state)))
        if current.state == JobState.QUEUED:
            st.caption(_("Waiting in line: position {position}", position=current.queue_position))
        elif current.progress.num_epochs:
            epoch, _batch = epoch_and_batch(current.progress.step, current.progress.steps_per_epoch)
            st.progress(current.progress.fraction,
                        text=_("Epoch {epoch}/{epochs}", epoch=epoch,
                               epochs=current.progress.num_epochs))
        if current.test_accuracy is not None:
            st.caption(_("Test accuracy {accuracy}",
                         accuracy=i18n.percent(current.test_accuracy, 2)))
        if snap.active and not current.active:
            st.rerun()  # the job ended: one full rerun shows its result and stops polling

    with st.sidebar:
        status()


def scroll_to(key: str, reason: str, short_window_key: str | None = None) -> None:
    """Scroll the keyed container into view once, when this element first appears (`reason`, e.g.
    a job id, makes it a new element: the same one again does not scroll again). In a short window
    (look.SHORT_WINDOW_REM) the `short_window_key` container instead. It scrolls once the script
    run has ended: until then the last run's elements above the target may still go, and move it."""
    target = json.dumps(key)
    if short_window_key:
        target = (f"innerHeight < {look.SHORT_WINDOW_REM} * parseFloat(getComputedStyle("
                  f"document.documentElement).fontSize) ? {json.dumps(short_window_key)} : {target}")
    st.html(f"<script>/* {reason} */ {{ const key = {target}; let tries = 0;"
            "const scroll = () => { const target = document.querySelector(`.st-key-${key}`);"
            " const app = document.querySelector(\"[data-testid='stApp']\");"
            " const settled = app?.getAttribute('data-test-script-state') === 'notRunning' || tries > 100;"
            " if (target && settled) { target.style.scrollMarginTop = '1rem'; target.scrollIntoView(); }"
            " else if (tries++ < 150) setTimeout(scroll, 100); };"  # at most 10 s waiting for the run
            "scroll(); }</script>",
            unsafe_allow_javascript=True)
