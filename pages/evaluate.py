"""Evaluate: how good is a run, which digits does it confuse, and what do its mistakes look like."""

import streamlit as st

from mnist_dash import metrics
from mnist_dash.i18n import _
from mnist_dash.ui import app, compare_view, inside_view, live
from mnist_dash.ui import evaluate_view as view

dataset, record = app.start_run_page(_("Evaluate a trained network"), then=_("come back here"))
if not record.has_predictions:
    st.error(inside_view.no_predictions(record))
    live.history_charts(record.progress(), f"history_{record.run_id}", record.config)
    st.stop()

view.headline(record)
predicted = metrics.predictions_from_probabilities(record.test_probabilities)
matrix = metrics.confusion_matrix(dataset.y_test, predicted, dataset.num_classes)

section = view.section_picker()
if section == "cells":
    view.confusion_section(record, dataset, matrix)
elif section == "mistakes":
    view.mistakes_section(record, dataset)
elif section == "classes":
    view.class_metrics_section(matrix, dataset, record.run_id)
elif section == "history":
    live.history_charts(record.progress(), f"history_{record.run_id}", record.config)
else:
    compare_view.compare_section(record, dataset, matrix)

with st.expander(_("Take it home: the model, its history, a script that retrains it, and a report"),
                 icon=":material/download:"):
    inside_view.take_home(record, dataset)
