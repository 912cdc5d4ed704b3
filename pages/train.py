"""Train live: pick a tutorial or your own settings, see the network, watch it learn."""

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from mnist_dash import architecture, explain, i18n, look
from mnist_dash.classroom.rules import Rules
from mnist_dash.config import TrainConfig
from mnist_dash.data import Dataset
from mnist_dash.i18n import _
from mnist_dash.jobs import JobRefused
from mnist_dash.presets import PRESETS
from mnist_dash.ui import app, challenge_view, live, resources, state, teach, train_fold, train_form
from mnist_dash.ui.rules_form import NO_RULES


def form_and_summary(dataset: Dataset, rules: Rules) -> tuple[TrainConfig, DeltaGenerator]:
    """The unfolded form: a tutorial to start from, the widgets, and the network they describe;
    returns the config and the slot under the network's numbers for the Train button."""
    preset = PRESETS.get(train_form.preset_selector(rules))
    if preset:
        st.caption(_("{description}  \n*Source:* {source}. *Reported:* {reported}.",
                     description=_(preset.description), source=_(preset.source),
                     reported=_(preset.reported)))
    form, summary = st.columns([3, 2], gap="large")
    with form:
        values = train_form.draw_form(disabled=False, rules=rules)
    try:
        config = train_form.read_config(values, dataset.name, preset.config if preset else TrainConfig())
    except ValueError as error:
        st.error(_("These settings cannot be trained: {problem}", problem=_(i18n.message_of(error))))
        st.stop()
    with summary, st.container(key=f"{look.WRAPS_BELOW}train_summary"):  # below the form at 150% zoom
        st.markdown(_("**The network you are about to train**"))
        st.table(train_form.architecture_table(config))
        num_images = architecture.train_image_count(config, len(dataset.x_train))
        steps = architecture.steps_per_epoch(config, num_images)
        held_out = architecture.validation_count(config, num_images)
        st.markdown(_(
            "**{parameters}** parameters to learn · {images} training images ({held_out} held out) · "
            "batch {batch} → **{steps}** updates per epoch, **{total}** in all.",
            parameters=i18n.number(config.parameter_count), images=i18n.number(num_images - held_out),
            held_out=i18n.number(held_out), batch=config.batch_size, steps=i18n.number(steps),
            total=i18n.number(steps * config.epochs)))
        train_slot = st.container()  # in view with the longest preset, under the numbers it trains
        if preset and config != preset.config.replace(dataset=dataset.name):
            changed = [k for k, v in config.to_dict().items() if v != preset.config.to_dict()[k]]
            st.caption(_("Changed from the preset: {fields}",
                         fields=", ".join(c for c in changed if c != "dataset") or "–"))
        teach.explanations(explain.for_training(config, len(dataset.x_train)))
    return config, train_slot


dataset = app.start_page()
resources.warm_tensorflow()
# The title's row; folded, Change and Train sit at its end.
header = st.container(horizontal=True, vertical_alignment="center", key=train_fold.HEADER_KEY)
header.title(_("Train a network live"))

challenge = resources.classroom().challenges.active()
rules = challenge.rules if challenge else NO_RULES
if challenge and state.challenge_to_apply(challenge.id):
    train_form.lock_fixed_fields(rules)
snap = state.session_job()
train_form.show_job_settings(snap, rules)  # after a reload: the settings of the job on screen
advised = teach.apply_prefill(rules)
busy = snap is not None and snap.active
folded = train_fold.folded(snap)
if challenge:  # folded with the form, so that it never pushes the live charts down
    with (st.expander(_("Challenge: {title}", title=challenge.title), icon=":material/flag:") if folded
          else st.container(border=True)):
        challenge_view.challenge_header(challenge, heading=not folded)
        if challenge.dataset != dataset.name:
            st.warning(_("This challenge is on {dataset}: switch the dataset in the sidebar.",
                         dataset=app.dataset_title(challenge.dataset)))

if folded:  # the live panel below says which settings; Train again trains them
    config = snap.config.replace(dataset=dataset.name)
    train_fold.change_button(header, config, rules, busy)
    train_slot = header
    # The live panel takes the page: under the title, or in a short window alone.
    app.scroll_to(train_fold.HEADER_KEY, reason=snap.job_id, short_window_key=live.PANEL_KEY)
else:
    with st.container(key=train_fold.FORM_KEY):
        train_fold.advice_note()
        config, train_slot = form_and_summary(dataset, rules)
    if advised:
        app.scroll_to(train_fold.FORM_KEY, reason=str(state.advice_changes()))

if train_slot.button(_("Train"), key="train_button", type="primary", icon=":material/play_arrow:",
                     disabled=busy,
                     help=_("Runs on the server; you can switch pages while it trains.")):
    try:
        job = resources.job_manager().submit(config, owner=state.owner_id())
    except JobRefused as error:
        challenge_view.show_refusal(error)
    else:
        state.set_job_id(job.job_id)
        state.forget_advice_changes()
        st.rerun()

live.live_panel()
