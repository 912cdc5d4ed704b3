"""Train live: pick a tutorial or your own settings, see the network, watch it learn."""

import streamlit as st

from mnist_dash import architecture, explain
from mnist_dash.config import TrainConfig
from mnist_dash.jobs import JobRefused
from mnist_dash.presets import PRESETS
from mnist_dash.ui import app, live, resources, state, teach, train_form

dataset = app.start_page()
resources.warm_tensorflow()
st.title("Train a network live")

teach.apply_prefill()
preset_name = train_form.preset_selector()
preset = PRESETS.get(preset_name)
if preset:
    st.caption(f"{preset.description}  \n*Source:* {preset.source}. *Reported:* {preset.reported}.")
snap = state.session_job()
busy = snap is not None and snap.active

form, summary = st.columns([3, 2], gap="large")
with form:
    values = train_form.draw_form(disabled=busy)
try:
    config = train_form.read_config(values, dataset.name, preset.config if preset else TrainConfig())
except ValueError as error:
    st.error(f"These settings cannot be trained: {error}")
    st.stop()

with summary:
    st.markdown("**The network you are about to train**")
    st.table(architecture.summary_rows(config))
    num_images = architecture.train_image_count(config, len(dataset.x_train))
    steps = architecture.steps_per_epoch(config, num_images)
    held_out = architecture.validation_count(config, num_images)
    st.markdown(
        f"**{config.parameter_count:,}** parameters to learn · {num_images - held_out:,} training "
        f"images ({held_out:,} held out) · batch {config.batch_size} → **{steps}** updates per "
        f"epoch, **{steps * config.epochs:,}** in all."
    )
    if preset and config != preset.config.replace(dataset=dataset.name):
        changed = [k for k, v in config.to_dict().items() if v != preset.config.to_dict()[k]]
        st.caption(f"Changed from the preset: {', '.join(c for c in changed if c != 'dataset') or '–'}")
    teach.explanations(explain.for_training(config, len(dataset.x_train)))

if st.button("Train", key="train_button", type="primary", icon=":material/play_arrow:", disabled=busy,
             help="Runs on the server; you can switch pages while it trains."):
    try:
        job = resources.job_manager().submit(config, owner=state.owner_id())
    except JobRefused as error:
        st.warning(str(error))
    else:
        state.set_job_id(job.job_id)
        st.rerun()

live.live_panel()
