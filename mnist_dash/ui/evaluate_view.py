"""Evaluate page widgets: headline, clickable confusion matrix, galleries, per-class table
(the Compare section is compare_view)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from mnist_dash import figures, i18n, images, look, metrics
from mnist_dash.data import Dataset
from mnist_dash.i18n import N_, _, ngettext
from mnist_dash.progress import format_seconds
from mnist_dash.runs import RunRecord
from mnist_dash.ui import app, events, state

CELL_PLACE = "stacked_confusion_cell"  # presenter mode: the chosen cell's sentence and images
GALLERY_STEP = 16  # images a gallery shows at first, and how many more each "Show more" adds
# A tile 182 px wide: two fit beside the matrix at 1280x720, presenter mode too, and a caption in
# presenter mode's type (17.5 px) fits under one. A longer caption would widen the tile and blur it.
TILE_SCALE, TILE_BAR_PIXELS = 4, 40
# The page's sections, in order; only the chosen one is computed (tabs would draw them all).
# Short names: the bar stays one row at 150% browser zoom (the section's caption says the rest).
SECTIONS = {"cells": N_("Confusion matrix"), "mistakes": N_("Mistakes"),
            "classes": N_("Per class"), "history": N_("How it learned"), "compare": N_("Compare")}
# The per-class table's columns as people read them (the CSV download keeps the data's names).
CLASS_METRIC_COLUMNS = {"class": N_("Class"), "support": N_("Test images"),
                        "precision": N_("Precision"), "recall": N_("Recall"), "f1": N_("F1")}


def headline(record: RunRecord) -> None:
    m = record.metrics
    # Each card as wide as its value, wrapping to a second row when the text is large (presenter
    # mode at 150% zoom): four equal columns cut "66.03%" to "66.…".
    cards = st.container(horizontal=True, gap="medium", key="evaluate_headline")
    cards.metric(_("Test accuracy"), i18n.percent(m["test_accuracy"], 2), width="content")
    cards.metric(_("Test loss"), i18n.number(m["test_loss"], 4), width="content")
    cards.metric(_("Epochs"), m.get("epochs_completed", "–"), width="content")
    cards.metric(_("Training time"), format_seconds(m.get("train_seconds")), width="content")
    facts = {"summary": record.config.summary(), "state": _(str(record.state)), "run_id": record.run_id}
    if record.saved:
        st.caption(_("{summary} · state: {state} · run {run_id}", **facts))
    else:
        st.caption(_("{summary} · state: {state} · run {run_id} · not saved to disk", **facts))


def section_picker() -> str:
    """The section bar: which part of the evaluation the learner looks at."""
    return app.section_picker(SECTIONS, state.EVALUATE_SECTION)


def _sync_click(run_id: str) -> bool:
    """A click on the chart moves the keyboard selectors to that cell (before they are drawn);
    whether there was a new click."""
    cell = events.selected_cell(state.confusion_click(run_id))
    if cell is None or cell == state.last_click():
        return False
    state.set_last_click(cell)
    state.show_cell(cell)
    return True


def _default_cell(matrix: np.ndarray) -> tuple[int, int]:
    off_diagonal = matrix - np.diag(np.diag(matrix))
    true, predicted = np.unravel_index(int(off_diagonal.argmax()), matrix.shape)
    return int(true), int(predicted)


def confusion_section(record: RunRecord, dataset: Dataset, matrix: np.ndarray) -> None:
    """The clickable matrix, the chosen cell outlined, and that cell's images beside it."""
    names = figures.class_labels(dataset.class_names)
    clicked = _sync_click(record.run_id)
    state.show_cell(state.shown_cell() or _default_cell(matrix))
    chart, side = _matrix_and_cell_places()
    with chart:
        normalized = st.toggle(_("Show % of each true class"), key="cm_normalized")
        st.plotly_chart(figures.confusion_figure(matrix, dataset.class_names, normalized,
                                                 selected=state.shown_cell()),
                        key=state.confusion_chart_key(record.run_id),
                        on_select="rerun", selection_mode="points", theme=None)
        with st.expander(_("Confusion matrix as numbers")):
            st.dataframe(pd.DataFrame(matrix, index=[_("true {name}", name=n) for n in names],
                                      columns=[_("pred {name}", name=n) for n in names]))
    with side:
        st.markdown(_("**Click a cell, or choose it here:**"))
        options = list(range(len(names)))
        left, right = st.columns(2)
        true = left.selectbox(_("True class"), options, key=state.CELL_TRUE,
                              format_func=names.__getitem__)
        predicted = right.selectbox(_("Predicted class"), options, key=state.CELL_PRED,
                                    format_func=names.__getitem__)
        st.markdown(_cell_sentence(int(matrix[true, predicted]), names[true], names[predicted],
                                   true == predicted))
        gallery(metrics.cell_indices(dataset.y_test, record.test_probabilities, true, predicted),
                record, dataset, key=f"cell_{record.run_id}_{true}_{predicted}")
        if clicked and look.is_presenting():  # its images are under the page-wide matrix: show them
            app.scroll_to(CELL_PLACE, reason=f"{record.run_id} {true} {predicted}")


def _matrix_and_cell_places() -> tuple[DeltaGenerator, DeltaGenerator]:
    """Side by side; in presenter mode one under the other: the matrix then takes the page's width,
    so its cells hold numbers large enough for a room (a half-width column squeezed them)."""
    parts = ("chart", "cell")
    if look.is_presenting():
        return st.container(key="stacked_confusion_chart"), st.container(key=CELL_PLACE)
    return tuple(column.container(key=f"{look.STACKS_WHEN_NARROW}confusion_{part}")
                 for column, part in zip(st.columns([1, 1], gap="medium"), parts, strict=True))


def mistakes_section(record: RunRecord, dataset: Dataset) -> None:
    st.caption(_("Wrong answers the network was surest about: often odd handwriting, sometimes a "
                 "wrong label."))
    st.caption(_("Under each image: its number in the test set, its true class → the predicted class, "
                 "and how sure the network was."))
    everything = len(dataset.y_test)
    gallery(metrics.most_confident_mistakes(dataset.y_test, record.test_probabilities, everything),
            record, dataset, key=f"mistakes_{record.run_id}")


def _cell_sentence(count: int, true: str, predicted: str, correct: bool) -> str:
    """'**12** test images are **4** and were predicted **9** (mistakes, ...).'"""
    if correct:
        return ngettext("**{n}** test image is **{true}** and was predicted **{predicted}** "
                        "(correct, least confident first).",
                        "**{n}** test images are **{true}** and were predicted **{predicted}** "
                        "(correct, least confident first).", count, true=true, predicted=predicted)
    return ngettext("**{n}** test image is **{true}** and was predicted **{predicted}** "
                    "(mistakes, most confident first).",
                    "**{n}** test images are **{true}** and were predicted **{predicted}** "
                    "(mistakes, most confident first).", count, true=true, predicted=predicted)


def gallery(indices: np.ndarray, record: RunRecord, dataset: Dataset, key: str) -> None:
    """Each image beside its probability bars, GALLERY_STEP at a time; the caption says label,
    prediction, confidence. `key` names the gallery: its "Show more" count is kept per key."""
    if len(indices) == 0:
        st.caption(_("No images here."))
        return
    shown = indices[:state.gallery_size(key, GALLERY_STEP)]
    names, probabilities = figures.class_labels(dataset.class_names), record.test_probabilities
    tiles = _tiles(record.run_id, tuple(int(i) for i in shown), probabilities, dataset)
    captions = []
    for index in shown:
        true, predicted = int(dataset.y_test[index]), int(probabilities[index].argmax())
        captions.append(tile_caption(int(index), names[true], names[predicted],
                                     float(probabilities[index, predicted]), true == predicted))
    st.image(tiles, caption=captions, width="content")
    if len(shown) < len(indices):
        _more_button(key, len(shown), len(indices))


def tile_caption(index: int, true: str, predicted: str, confidence: float, right: bool) -> str:
    """"#9009: 7 → 2, 98% ✗": short enough to fit under its tile (the sentence above a gallery,
    or the key above the mistakes, says what the parts are). The image number is a name, not a
    quantity: no grouping."""
    shown = {"index": index, "true": true, "predicted": predicted, "confidence": i18n.percent(confidence, 0)}
    if right:
        return _("#{index}: {true} → {predicted}, {confidence} ✓", **shown)
    return _("#{index}: {true} → {predicted}, {confidence} ✗", **shown)


def _more_button(key: str, shown: int, total: int) -> None:
    more = min(GALLERY_STEP, total - shown)
    caption, button = st.columns([3, 2], vertical_alignment="center")
    caption.caption(_("Showing {shown} of {total}.", shown=i18n.number(shown), total=i18n.number(total)))
    button.button(_("Show {n} more", n=more), key=f"more_{key}",
                  on_click=state.show_more, args=(key, GALLERY_STEP), icon=":material/expand_more:")


@st.cache_data(max_entries=64, show_spinner=False)
def _tiles(run_id: str, indices: tuple[int, ...], _probabilities: np.ndarray,
           _dataset: Dataset) -> list[bytes]:
    """PNG tiles of a gallery, drawn once per run and set of images (the key is run id + indices)."""
    return [
        images.to_png_bytes(images.probability_tile(
            _dataset.x_test[index], _probabilities[index], int(_dataset.y_test[index]),
            scale=TILE_SCALE, bar_width=TILE_BAR_PIXELS))
        for index in indices
    ]


def class_metrics_section(matrix: np.ndarray, dataset: Dataset, run_id: str) -> None:
    table = metrics.per_class_metrics(matrix, list(dataset.class_names))
    shown = table.assign(**{"class": figures.class_labels(table["class"])})
    shown = shown.rename(columns={name: _(title) for name, title in CLASS_METRIC_COLUMNS.items()})
    ratios = [_(CLASS_METRIC_COLUMNS[name]) for name in ("precision", "recall", "f1")]
    st.dataframe(shown.style.format(lambda value: i18n.number(value, 3), subset=ratios),
                 hide_index=True)
    left, right = st.columns(2)
    left.download_button(_("Per-class metrics (CSV)"), table.to_csv(index=False),
                         file_name=f"{run_id}-per-class.csv", mime="text/csv")
    confusion = pd.DataFrame(matrix, index=list(dataset.class_names), columns=list(dataset.class_names))
    right.download_button(_("Confusion matrix (CSV)"), confusion.to_csv(index_label="true/predicted"),
                          file_name=f"{run_id}-confusion.csv", mime="text/csv")
