"""Evaluate page widgets: headline, clickable confusion matrix, galleries, per-class table, comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from mnist_dash import figures, images, metrics
from mnist_dash.data import Dataset
from mnist_dash.progress import format_seconds
from mnist_dash.runs import RunRecord
from mnist_dash.ui import events, run_picker, state

GALLERY_LIMIT = 60


def headline(record: RunRecord) -> None:
    m = record.metrics
    columns = st.columns(4)
    columns[0].metric("Test accuracy", f"{m['test_accuracy']:.2%}")
    columns[1].metric("Test loss", f"{m['test_loss']:.4f}")
    columns[2].metric("Epochs", m.get("epochs_completed", "–"))
    columns[3].metric("Training time", format_seconds(m.get("train_seconds")))
    st.caption(f"{record.config.summary()} · state: {record.state} · run {record.run_id}"
               + ("" if record.saved else " · not saved to disk"))


def _sync_click(run_id: str) -> None:
    """A click on the chart moves the keyboard selectors to that cell (before they are drawn)."""
    cell = events.selected_cell(state.confusion_click(run_id))
    if cell is not None and cell != state.last_click():
        state.set_last_click(cell)
        state.show_cell(cell)


def _default_cell(matrix: np.ndarray) -> tuple[int, int]:
    off_diagonal = matrix - np.diag(np.diag(matrix))
    true, predicted = np.unravel_index(int(off_diagonal.argmax()), matrix.shape)
    return int(true), int(predicted)


def confusion_section(record: RunRecord, dataset: Dataset, matrix: np.ndarray) -> tuple[int, int]:
    names = dataset.class_names
    _sync_click(record.run_id)
    if state.shown_cell() is None:
        state.show_cell(_default_cell(matrix))
    chart, side = st.columns([3, 2], gap="large")
    with chart:
        normalized = st.toggle("Show % of each true class", key="cm_normalized")
        st.plotly_chart(figures.confusion_figure(matrix, names, normalized),
                        key=state.confusion_chart_key(record.run_id),
                        on_select="rerun", selection_mode="points", theme=None)
        with st.expander("Confusion matrix as numbers"):
            st.dataframe(pd.DataFrame(matrix, index=[f"true {n}" for n in names],
                                      columns=[f"pred {n}" for n in names]))
    with side:
        st.markdown("**Click a cell, or choose it here:**")
        options = list(range(len(names)))
        true = st.selectbox("True class", options, key=state.CELL_TRUE, format_func=names.__getitem__)
        predicted = st.selectbox("Predicted class", options, key=state.CELL_PRED,
                                 format_func=names.__getitem__)
        count = int(matrix[true, predicted])
        kind = "correct, least confident first" if true == predicted else "mistakes, most confident first"
        st.markdown(f"**{count}** test images are **{names[true]}** and were predicted "
                    f"**{names[predicted]}** ({kind}).")
    return true, predicted


def gallery(indices: np.ndarray, record: RunRecord, dataset: Dataset, key: str) -> None:
    """Each image beside its probability bars; the caption says label, prediction, confidence."""
    if len(indices) == 0:
        st.caption("No images here.")
        return
    shown = indices
    if len(indices) > GALLERY_LIMIT and not st.checkbox(f"Show all {len(indices)}", key=key):
        shown = indices[:GALLERY_LIMIT]
        st.caption(f"Showing the first {GALLERY_LIMIT} of {len(indices)}.")
    names, probabilities = dataset.class_names, record.test_probabilities
    tiles = _tiles(record.run_id, tuple(int(i) for i in shown), probabilities, dataset)
    captions = []
    for index in shown:
        true, predicted = int(dataset.y_test[index]), int(probabilities[index].argmax())
        mark = "✓ right" if true == predicted else "✗ wrong"
        captions.append(f"#{index}: true {names[true]}, predicted {names[predicted]} "
                        f"({probabilities[index, predicted]:.0%}) {mark}")
    st.image(tiles, caption=captions, width=216)


@st.cache_data(max_entries=64, show_spinner=False)
def _tiles(run_id: str, indices: tuple[int, ...], _probabilities: np.ndarray,
           _dataset: Dataset) -> list[bytes]:
    """PNG tiles of a gallery, drawn once per run and set of images (the key is run id + indices)."""
    return [
        images.to_png_bytes(images.probability_tile(
            _dataset.x_test[index], _probabilities[index], int(_dataset.y_test[index]), scale=4))
        for index in indices
    ]


def class_metrics_section(matrix: np.ndarray, dataset: Dataset, run_id: str) -> None:
    table = metrics.per_class_metrics(matrix, list(dataset.class_names))
    st.dataframe(table.style.format({"precision": "{:.3f}", "recall": "{:.3f}", "f1": "{:.3f}"}),
                 hide_index=True)
    left, right = st.columns(2)
    left.download_button("Per-class metrics (CSV)", table.to_csv(index=False),
                         file_name=f"{run_id}-per-class.csv", mime="text/csv")
    confusion = pd.DataFrame(matrix, index=list(dataset.class_names), columns=list(dataset.class_names))
    right.download_button("Confusion matrix (CSV)", confusion.to_csv(index_label="true/predicted"),
                          file_name=f"{run_id}-confusion.csv", mime="text/csv")


def _epoch_curve(record: RunRecord, validation: bool) -> tuple[list[int], list[float]]:
    entries = [e for e in record.history if e.metric("loss", validation) is not None]
    return [e.epoch for e in entries], [e.metric("loss", validation) for e in entries]


def compare_section(first: RunRecord, dataset: Dataset, first_matrix: np.ndarray) -> None:
    """A second run beside the first: curves, accuracies, confusion change, fixed and broken."""
    second = run_picker.pick_run(key=state.COMPARE_RUN, label="Compare with", exclude=first.run_id)
    if second is None or not second.has_predictions:
        st.caption("Train or choose a second run with test predictions to compare.")
        return
    if second.config.dataset != first.config.dataset:
        st.warning("The second run was trained on another dataset.")
        return
    both_val = all(any(e.val_loss is not None for e in r.history) for r in (first, second))
    which = "Validation" if both_val else "Training"
    curves = [(f"A: {r.config.summary()}", *_epoch_curve(r, both_val)) for r in (first, second)]
    curves[1] = (f"B: {second.config.summary()}", *curves[1][1:])
    st.plotly_chart(figures.compare_history_figure(curves, "loss", which), key="compare_curves")
    columns = st.columns(3)
    columns[0].metric("A: test accuracy", f"{first.test_accuracy:.2%}")
    columns[1].metric("B: test accuracy", f"{second.test_accuracy:.2%}",
                      delta=f"{second.test_accuracy - first.test_accuracy:+.2%}")
    second_pred = metrics.predictions_from_probabilities(second.test_probabilities)
    second_matrix = metrics.confusion_matrix(dataset.y_test, second_pred, dataset.num_classes)
    st.plotly_chart(figures.confusion_difference_figure(first_matrix, second_matrix,
                                                        dataset.class_names), key="compare_matrix")
    first_pred = metrics.predictions_from_probabilities(first.test_probabilities)
    fixed, broken = metrics.compare_predictions(dataset.y_test, first_pred, second_pred)
    columns[2].metric("Fixed / broken by B", f"{len(fixed)} / {len(broken)}")
    left, right = st.columns(2)
    with left:
        st.markdown(f"**B fixed {len(fixed)}** (A wrong, B right); B's view:")
        gallery(fixed, second, dataset, key="compare_fixed_all")
    with right:
        st.markdown(f"**B broke {len(broken)}** (A right, B wrong); B's view:")
        gallery(broken, second, dataset, key="compare_broken_all")

