"""The instructor's page (hidden from learners, reached at /instructor): the class live, its controls,
its challenges and the data source. Without the instructor's token, only how to get in."""

import streamlit as st

from mnist_dash import look
from mnist_dash.i18n import _
from mnist_dash.ui import app, challenge_form, instructor_view

app.require_router()
instructor = instructor_view.unlock()
if instructor is None:
    st.stop()

st.title(_("Instructor: the class"))
instructor_view.live_class(instructor)
# Side by side where both are readable; with large text or zoom the challenges go below.
row = st.container(horizontal=True, gap="large")
controls = row.container(key=f"{look.WRAPS_BELOW}instructor_controls")
challenges = row.container(key=f"{look.WRAPS_BELOW}instructor_challenges")
with controls:
    instructor_view.class_controls(instructor)
    instructor_view.class_drawings(instructor)
    instructor_view.data_panel(instructor)
with challenges:
    challenge_form.challenges(instructor)
