"""Evaluate's Compare section: a second run beside the first, and what B fixed and broke."""

from __future__ import annotations

import numpy as np
import streamlit as st

from mnist_dash import compare, figures, i18n, metrics
from mnist_dash.data import Dataset
from mnist_dash.i18n import _
from mnist_dash.runs import RunRecord
from mnist_dash.ui import run_picker, state
from mnist_dash.ui.evaluate_view import gallery


def compare_section(first: RunRecord, dataset: Dataset, first_matrix: np.ndarray) -> None:
    """A second run beside the first: curves, accuracies, confusion change, fixed and broken."""
    second = run_picker.pick_run(key=state.COMPARE_RUN, label=_("Compare with"),
                                 exclude=first.run_id)
    if second is None or not second.has_predictions:
        st.caption(_("Train or choose a second run with test predictions to compare."))
        return
    if second.config.dataset != first.config.dataset:
        st.warning(_("The second run was trained on another dataset."))
        return
    _curves(first, second)
    columns = st.columns(3)
    change = second.test_accuracy - first.test_accuracy
    columns[0].metric(_("A: test accuracy"), i18n.percent(first.test_accuracy, 2))
    columns[1].metric(_("B: test accuracy"), i18n.percent(second.test_accuracy, 2),
                      delta=("+" if change >= 0 else "") + i18n.percent(change, 2))
    second_pred = metrics.predictions_from_probabilities(second.test_probabilities)
    second_matrix = metrics.confusion_matrix(dataset.y_test, second_pred, dataset.num_classes)
    st.plotly_chart(figures.confusion_difference_figure(first_matrix, second_matrix,
                                                        dataset.class_names), key="compare_matrix")
    first_pred = metrics.predictions_from_probabilities(first.test_probabilities)
    fixed, broken = metrics.compare_predictions(dataset.y_test, first_pred, second_pred)
    columns[2].metric(_("Fixed / broken by B"), f"{i18n.number(len(fixed))} / {i18n.number(len(broken))}")
    _fixed_and_broken(fixed, broken, second, dataset)


def _epoch_curve(record: RunRecord, validation: bool) -> tuple[list[int], list[float]]:
    entries = [e for e in record.history if e.metric("loss", validation) is not None]
    return [e.epoch for e in entries], [e.metric("loss", validation) for e in entries]


def _curves(first: RunRecord, second: RunRecord) -> None:
    """What A and B are (what differs between them), and their loss per epoch on one chart."""
    both_val = all(any(e.val_loss is not None for e in r.history) for r in (first, second))
    which = "Validation" if both_val else "Training"
    labels = compare.run_labels(first.config, second.config)
    difference = compare.difference_text(first.config, second.config)
    if difference is None:
        st.markdown(_("**A** is this run, **B** the other; they have the same settings (their "
                      "results may still differ by chance)."))
    else:
        st.markdown(_("**A** is this run, **B** the other: {difference}.", difference=difference))
    curves = [(label, *_epoch_curve(r, both_val)) for label, r in zip(labels, (first, second), strict=True)]
    st.plotly_chart(figures.compare_history_figure(curves, "loss", which), key="compare_curves")


def _fixed_and_broken(fixed: np.ndarray, broken: np.ndarray, second: RunRecord, dataset: Dataset) -> None:
    """The test images B got right where A was wrong, beside those B got wrong where A was right."""
    left, right = st.columns(2)
    with left:
        st.markdown(_("**B fixed {count}** (A wrong, B right); B's view:",
                      count=i18n.number(len(fixed))))
        gallery(fixed, second, dataset, key="compare_fixed_all")
    with right:
        st.markdown(_("**B broke {count}** (A right, B wrong); B's view:",
                      count=i18n.number(len(broken))))
        gallery(broken, second, dataset, key="compare_broken_all")
