"""The instructor's challenges: a form to set one (fixed fields, bounds, an end time), end it, past ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
import streamlit as st

from mnist_dash import config as config_lib
from mnist_dash import data
from mnist_dash.classroom.auth import Instructor
from mnist_dash.classroom.challenges import Challenge, ChallengeRefused, now_utc
from mnist_dash.classroom.rules import FULL_TRAIN_SIZE, Rules
from mnist_dash.i18n import N_, _, ngettext
from mnist_dash.ui import resources
from mnist_dash.ui.train_form import LABELS

FIXABLE = {  # a TrainConfig field a challenge may fix -> (its label, its values)
    "optimizer": (N_("Optimizer"), config_lib.OPTIMIZERS),
    "activation": (N_("Hidden activation"), config_lib.ACTIVATIONS),
    "output_activation": (N_("Output activation"), config_lib.OUTPUT_ACTIVATIONS),
    "loss": (N_("Loss"), config_lib.LOSSES),
    "preprocessing": (N_("Input scaling"), config_lib.PREPROCESSING),
    "initializer": (N_("Initial weights"), config_lib.INITIALIZERS),
    "augment": (N_("Augmentation of each training batch"), config_lib.AUGMENTATIONS),
    "schedule": (N_("Learning-rate schedule"), config_lib.SCHEDULES),
}
ANY = ""  # a fixable field's choice: not fixed


@dataclass(frozen=True)
class BoundInput:
    """How the form asks for one bound: its label and the range a config can reach."""

    label: str
    lowest: float
    highest: float
    step: float


BOUND_INPUTS = {  # rules.BOUNDS' names, in the order the form shows them
    "epochs": BoundInput(N_("Epochs"), 1, config_lib.MAX_EPOCHS, 1),
    "parameters": BoundInput(N_("Parameters"), 1_000, config_lib.MAX_PARAMETERS, 1_000),
    "train_size": BoundInput(N_("Training images"), config_lib.MIN_TRAIN_SIZE, FULL_TRAIN_SIZE, 1_000),
    "batch_size": BoundInput(N_("Batch size"), config_lib.MIN_BATCH_SIZE, config_lib.MAX_BATCH_SIZE, 8),
    "hidden_layers": BoundInput(N_("Hidden layers"), 1, config_lib.MAX_HIDDEN_LAYERS, 1),
    "units_per_layer": BoundInput(N_("Units per hidden layer"), 1, config_lib.MAX_UNITS, 1),
    "learning_rate": BoundInput(N_("Learning rate"), config_lib.MIN_LEARNING_RATE,
                                config_lib.MAX_LEARNING_RATE, 0.001),
}
MAX_MINUTES = 24 * 60
SUBMISSIONS_POLL_SECONDS = 5.0  # how often the active challenge's count of submitted runs refreshes


def fix_key(field: str) -> str:
    return f"challenge_fix_{field}"


def max_key(bound: str) -> str:
    return f"challenge_max_{bound}"


def challenges(instructor: Instructor) -> None:
    """The active challenge with its End button, or the form to create one; then the past ones."""
    st.subheader(_("Challenges"))
    book = resources.classroom().challenges
    active = book.active()
    if active is None:
        _create_form(instructor)
    else:
        _active(instructor, active)
    _past(book.past())


def _create_form(instructor: Instructor) -> None:
    with st.form("challenge_form"):
        title = st.text_input(_("Title"), key="challenge_title")
        instructions = st.text_area(_("Instructions (markdown)"), key="challenge_instructions")
        dataset = st.selectbox(_("Dataset"), config_lib.DATASETS, key="challenge_dataset",
                               format_func=lambda name: _(data.SPECS[name].title))
        st.markdown(_("**Fixed settings** (learners cannot change them)"))
        fixed = _fixed_inputs()
        st.markdown(_("**Limits** (empty: no limit)"))
        at_most = _bound_inputs()
        minutes = st.number_input(_("Ends in … minutes (empty: when you end it)"), 1, MAX_MINUTES,
                                  value=None, step=5, key="challenge_minutes")
        if not st.form_submit_button(_("Create the challenge"), key="challenge_create",
                                     type="primary", icon=":material/flag:"):
            return
    ends_at = now_utc() + timedelta(minutes=minutes) if minutes else None
    try:
        book = resources.classroom().challenges
        book.create(instructor, title, instructions, dataset, Rules(fixed, at_most), ends_at)
    except ChallengeRefused as refusal:
        st.error(_(refusal.msg))
        return
    st.rerun()


def _fixed_inputs() -> dict[str, str]:
    columns = st.columns(4)
    fixed = {}
    for position, (field, (label, values)) in enumerate(FIXABLE.items()):
        value = columns[position % 4].selectbox(
            _(label), (ANY, *values), key=fix_key(field),
            format_func=lambda v: _("any") if v == ANY else _(LABELS.get(v, v)))
        if value != ANY:
            fixed[field] = value
    return fixed


def _bound_inputs() -> dict[str, float]:
    columns = st.columns(4)
    at_most = {}
    for position, (bound, spec) in enumerate(BOUND_INPUTS.items()):
        whole = float(spec.step).is_integer()
        cast = int if whole else float
        value = columns[position % 4].number_input(
            _(spec.label), cast(spec.lowest), cast(spec.highest), value=None, step=cast(spec.step),
            format=None if whole else "%g", key=max_key(bound))
        if value is not None:
            at_most[bound] = value
    return at_most


def _active(instructor: Instructor, challenge: Challenge) -> None:
    with st.container(border=True):
        st.markdown(_("**Running now:** {title}", title=challenge.title))
        st.markdown(challenge.instructions)
        st.markdown("\n".join(f"- {_(rule)}" for rule in challenge.rules_in_force.sentences()))
        _ends_and_count(challenge)
        if st.button(_("End the challenge and reveal the private scores"), key="challenge_end",
                     icon=":material/sports_score:"):
            resources.classroom().challenges.end(instructor, challenge.id)
            st.rerun()


@st.fragment(run_every=SUBMISSIONS_POLL_SECONDS)
def _ends_and_count(challenge: Challenge) -> None:
    """When it ends, and how many runs were submitted: live, as learners' runs arrive."""
    submitted = len(resources.classroom().challenges.submissions(challenge.id))
    ends = (_("Ends at {time}.", time=_local(challenge.ends_at)) if challenge.ends_at
            else _("Ends when you end it."))
    count = ngettext("{n} run submitted so far.", "{n} runs submitted so far.", submitted)
    st.caption(f"{ends}  \n{count}")


def _past(past: list[Challenge]) -> None:
    if not past:
        return
    book = resources.classroom().challenges
    st.markdown(_("**Past challenges**"))
    st.dataframe(pd.DataFrame([{
        _("Title"): challenge.title, _("Ended"): _local(challenge.ended_at or challenge.ends_at),
        _("Runs submitted"): len(book.submissions(challenge.id)),
    } for challenge in past]), hide_index=True, key="challenge_past")


def _local(moment: datetime | None) -> str:
    """A time in the server's time zone, as a clock shows it."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else ""
