"""Train live: pick a tutorial or your own settings, see the network, watch it learn."""

import streamlit as st

from mnist_dash import architecture, explain, i18n
from mnist_dash.config import TrainConfig
from mnist_dash.i18n import _
from mnist_dash.jobs import JobRefused
from mnist_dash.presets import PRESETS
from mnist_dash.ui import app, challenge_view, live, resources, state, teach, train_form
from mnist_dash.ui.rules_form import NO_RULES

dataset = app.start_page()
resources.warm_tensorflow()
st.title(_("Train a network live"))

challenge = resources.classroom().challenges.active()
rules = challenge.rules if challenge else NO_RULES
if challenge:
    with st.container(border=True):
        challenge_view.challenge_header(challenge)
        if challenge.dataset != dataset.name:
            st.warning(_("This challenge is on {dataset}: switch the dataset in the sidebar.",
                         dataset=app.dataset_title(challenge.dataset)))
    if state.challenge_to_apply(challenge.id):
        train_form.lock_fixed_fields(rules)

train_form.show_job_settings(state.session_job(), rules)
teach.apply_prefill(rules)
preset_name = train_form.preset_selector(rules)
preset = PRESETS.get(preset_name)
if preset:
    st.caption(_("{description}  \n*Source:* {source}. *Reported:* {reported}.",
                 description=_(preset.description), source=_(preset.source),
                 reported=_(preset.reported)))
snap = state.session_job()
busy = snap is not None and snap.active

form, summary = st.columns([3, 2], gap="large")
with form:
    values = train_form.draw_form(disabled=busy, rules=rules)
try:
    config = train_form.read_config(values, dataset.name, preset.config if preset else TrainConfig())
except ValueError as error:
    st.error(_("These settings cannot be trained: {problem}", problem=_(i18n.message_of(error))))
    st.stop()

with summary:
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
    if preset and config != preset.config.replace(dataset=dataset.name):
        changed = [k for k, v in config.to_dict().items() if v != preset.config.to_dict()[k]]
        st.caption(_("Changed from the preset: {fields}",
                     fields=", ".join(c for c in changed if c != "dataset") or "–"))
    teach.explanations(explain.for_training(config, len(dataset.x_train)))

if st.button(_("Train"), key="train_button", type="primary", icon=":material/play_arrow:",
             disabled=busy, help=_("Runs on the server; you can switch pages while it trains.")):
    try:
        job = resources.job_manager().submit(config, owner=state.owner_id())
    except JobRefused as error:
        challenge_view.show_refusal(error)
    else:
        state.set_job_id(job.job_id)
        st.rerun()

live.live_panel()
