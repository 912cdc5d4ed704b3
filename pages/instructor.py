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
section = instructor_view.section_picker()
if section == "class":
    instructor_view.live_class(instructor)
elif section == "challenges":
    challenge_form.challenges(instructor)
else:
    # Side by side where both are readable; with large text or zoom the data source goes below.
    row = st.container(horizontal=True, gap="large")
    with row.container(key=f"{look.WRAPS_BELOW}instructor_controls"):
        instructor_view.class_controls(instructor)
    with row.container(key=f"{look.WRAPS_BELOW}instructor_data"):
        instructor_view.class_drawings(instructor)
        instructor_view.data_panel(instructor)
