"""The Train form folded while a job runs (and after it, until Change), and what the advice changed."""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from mnist_dash.classroom.rules import Rules
from mnist_dash.config import TrainConfig
from mnist_dash.i18n import N_, _
from mnist_dash.jobs import JobSnapshot
from mnist_dash.presets import PRESETS
from mnist_dash.ui import state, train_form

FORM_KEY = "train_form"  # the unfolded form's container: the page scrolls it into view after advice
FIELD_TITLES = {  # a TrainConfig field -> its name in the note of what the advice changed
    "hidden_units": N_("hidden units"), "activation": N_("hidden activation"),
    "output_activation": N_("output activation"), "dropout": N_("dropout"),
    "initializer": N_("initial weights"), "init_stddev": N_("std of initial weights"),
    "preprocessing": N_("input scaling"), "loss": N_("loss"), "optimizer": N_("optimizer"),
    "learning_rate": N_("learning rate"), "momentum": N_("momentum"), "batch_size": N_("batch size"),
    "epochs": N_("epochs"), "train_size": N_("training images"),
    "validation_split": N_("held out for validation"), "shuffle": N_("shuffle"), "seed": N_("seed"),
    "augment": N_("augmentation"), "augment_strength": N_("strength of the distortions"),
    "weight_decay": N_("weight decay"), "schedule": N_("learning-rate schedule"),
    "warmup_epochs": N_("warm-up epochs"), "early_stopping_patience": N_("early stopping patience"),
}
HEADER_KEY = "train_header"  # the title's row: folded, the page scrolls it into view


def folded(snap: JobSnapshot | None) -> bool:
    """Fold the form while the session's job is active, and after it until the learner presses Change."""
    return snap is not None and (snap.active or not state.form_is_open(snap.job_id))


def change_button(row: DeltaGenerator, config: TrainConfig, rules: Rules, busy: bool) -> None:
    """Change, on the folded form's row: unfolds the form, filled with the job's settings."""
    row.space("stretch")  # pushes the buttons to the row's end
    row.button(_("Change settings"), key="change_settings", icon=":material/edit:", disabled=busy,
               on_click=_unfold, args=(config, rules),
               help=_("Shows the form with these settings, to change them before the next run."))


def _unfold(config: TrainConfig, rules: Rules) -> None:
    train_form.fill_form(config, rules)
    matching = [name for name, preset in PRESETS.items()
                if preset.config.replace(dataset=config.dataset) == config]
    state.set_form_preset(matching[0] if matching else train_form.CUSTOM)
    state.open_form()


def advice_note() -> None:
    """Which fields the last "Try this next" changed, from what to what, above the form."""
    changes = state.advice_changes()
    if not changes:
        return
    items = _(", ").join(_("{field} {before} → {after}", field=_(FIELD_TITLES.get(field, field)),
                           before=_shown(before), after=_shown(after)) for field, before, after in changes)
    st.info(_("Changed by the advice: {changes}. Press Train to run it.", changes=items),
            icon=":material/science:")


def _shown(value: object) -> str:
    """A config value as the note shows it: numbers short (0.001, not 0.0010), options by their label."""
    if isinstance(value, list):
        return "-".join(str(v) for v in value)
    if value is None or isinstance(value, bool):
        return {None: "–", True: _("on"), False: _("off")}[value]
    return _(train_form.LABELS.get(value, value)) if isinstance(value, str) else f"{value:g}"
