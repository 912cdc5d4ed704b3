"""Evaluate: how good is a run, which digits does it confuse, and what do its mistakes look like."""

import streamlit as st

from mnist_dash import metrics
from mnist_dash.i18n import _
from mnist_dash.ui import app, inside_view, live
from mnist_dash.ui import evaluate_view as view

dataset, record = app.start_run_page(_("Evaluate a trained network"), then=_("come back here"))
if not record.has_predictions:
    st.error(inside_view.no_predictions(record))
    live.history_charts(record.progress(), f"history_{record.run_id}", record.config)
    st.stop()

view.headline(record)
predicted = metrics.predictions_from_probabilities(record.test_probabilities)
matrix = metrics.confusion_matrix(dataset.y_test, predicted, dataset.num_classes)

st.subheader(_("Which classes does it confuse?"))
true, pred = view.confusion_section(record, dataset, matrix)
view.gallery(metrics.cell_indices(dataset.y_test, record.test_probabilities, true, pred),
             record, dataset, key="cell_show_all")

st.subheader(_("Most confident mistakes"))
st.caption(_("Wrong answers the network was surest about: often odd handwriting, sometimes a "
             "wrong label."))
view.gallery(metrics.most_confident_mistakes(dataset.y_test, record.test_probabilities, 20),
             record, dataset, key="mistakes_show_all")

st.subheader(_("Per-class precision, recall and F1"))
view.class_metrics_section(matrix, dataset, record.run_id)

st.subheader(_("How it learned"))
live.history_charts(record.progress(), f"history_{record.run_id}", record.config)

st.subheader(_("Take it home"))
with st.expander(_("Download the model, its history, a script that retrains it, and a report"),
                 icon=":material/download:"):
    inside_view.take_home(record, dataset)

st.subheader(_("Compare with another run"))
view.compare_section(record, dataset, matrix)
