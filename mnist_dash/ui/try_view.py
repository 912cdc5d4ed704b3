"""Try it page widgets: the drawing canvas, the preprocessing steps, the answer, our class set."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit_drawable_canvas import st_canvas

from mnist_dash import figures, i18n, images, look, preprocess
from mnist_dash.classroom.drawings import Drawing, DrawingRefused
from mnist_dash.i18n import _
from mnist_dash.runs import RunRecord
from mnist_dash.ui import resources, run_picker, state, train_form
from mnist_dash.ui.run_models import RunModel, run_model

CANVAS_SIZE, STROKE_WIDTH = 280, 18
STEP_SIZE = 150


def canvas_and_answer() -> tuple[DeltaGenerator, DeltaGenerator]:
    """Two places side by side: one as wide as the canvas, and the answer's beside it. Columns in a
    ratio cut the canvas when text is large (presenter mode, browser zoom); this row wraps instead,
    the answer going below."""
    row = st.container(horizontal=True, gap="large")
    return row.container(width=CANVAS_SIZE), row.container(key=f"{look.WRAPS_BELOW}try_answer")


def canvas() -> np.ndarray | None:
    """The drawing as an RGBA array (h, w, 4), or None before the canvas has sent anything."""
    result = st_canvas(
        stroke_width=STROKE_WIDTH, stroke_color="#FFFFFF", background_color="#000000",
        height=CANVAS_SIZE, width=CANVAS_SIZE, drawing_mode="freedraw", return_image_data=True,
        key=f"try_canvas_{state.canvas_version()}",
    )
    st.button(_("Clear"), icon=":material/delete:", on_click=state.clear_canvas, key="try_clear")
    return result.image_data


def answer(probabilities: np.ndarray, class_names: tuple[str, ...], key: str) -> None:
    predicted = int(probabilities.argmax())
    st.markdown(f"<div style='font-size:5rem;line-height:1;font-weight:700'>"
                f"{_(class_names[predicted])}</div>", unsafe_allow_html=True)
    st.caption(_("the network's answer, {confidence} sure",
                 confidence=i18n.percent(probabilities[predicted], 0)))
    st.plotly_chart(figures.probability_figure(probabilities, class_names), key=key, theme=None)


def steps(prepared: preprocess.Preprocessed) -> None:
    """Each preprocessing step as a small picture with one line on why."""
    height, width = prepared.scaled.shape
    pictures = [
        (preprocess.annotate(prepared.grey, STEP_SIZE, box=prepared.box),
         _("1 · Your drawing. The orange box is the ink's bounding box.")),
        (preprocess.annotate(prepared.cropped, STEP_SIZE),
         _("2 · Cropped to the box: the empty paper around it is dropped.")),
        (preprocess.annotate(prepared.scaled, STEP_SIZE),
         _("3 · Scaled to {width}×{height}: MNIST digits were size-normalized to fit 20×20, "
           "keeping their shape.", width=width, height=height)),
        (preprocess.annotate(prepared.centred, STEP_SIZE, point=prepared.centre_of_mass),
         _("4 · Placed in 28×28 so the centre of mass (orange cross) is at the middle, "
           "as MNIST was made. This is what the network sees.")),
    ]
    pictures.append(
        (preprocess.annotate(prepared.squeezed, STEP_SIZE),
         _("Without steps 2–4: the whole canvas squeezed to 28×28. Digits the network never saw "
           "look like this, and your drawing is often misread.")))
    # Cells as wide as a picture, in a row that wraps: in a narrow window (150% zoom) three to
    # a row, each caption under its picture, rather than five columns of one word per line.
    row = st.container(horizontal=True)
    for picture, caption in pictures:
        cell = row.container(width=STEP_SIZE)
        cell.image(preprocess.framed(picture, STEP_SIZE))
        cell.caption(caption)


def add_to_our_class(digit: np.ndarray, label: int, dataset: str) -> None:
    """The Add button's callback: the drawing joins the class's set (or the refusal is kept to show)."""
    try:
        resources.classroom().drawings.add(state.owner_id(), dataset, digit, label)
    except DrawingRefused as error:
        state.set_drawing_refusal(error.msg)
    state.forget_drawing_label()
    state.clear_canvas()


def remove_own_drawing() -> None:
    """The Remove button's callback: the learner's chosen drawing leaves the class's set."""
    try:
        resources.classroom().drawings.remove(state.drawing_to_remove(), state.owner_id())
    except DrawingRefused as error:
        state.set_drawing_refusal(error.msg)


def our_class(record: RunRecord, model: RunModel, class_names: tuple[str, ...],
              digit: np.ndarray | None) -> None:
    """Label drawings to build a test set of the whole class, then score the network on it."""
    dataset = record.config.dataset
    names = figures.class_labels(class_names)
    if digit is not None:
        _add_form(digit, dataset, names)
    refusal = state.drawing_refusal()
    if refusal is not None:
        st.error(_(refusal))
    drawings = resources.classroom().drawings.drawings(dataset)
    if not drawings:
        st.caption(_("No drawings in our set yet: draw a digit, choose its class and add it."))
        return
    x = np.stack([drawing.pixels for drawing in drawings])
    labels = np.array([drawing.label for drawing in drawings])
    predicted = model.probabilities(record, x).argmax(axis=1)
    columns = st.columns(3)
    columns[0].metric(_("Our drawings"), i18n.number(len(drawings)))
    columns[1].metric(_("Accuracy on our drawings"), i18n.percent((predicted == labels).mean(), 0))
    if record.test_accuracy is not None:
        columns[2].metric(_("Accuracy on the MNIST test set"), i18n.percent(record.test_accuracy, 1))
    counts = resources.classroom().drawings.counts(dataset, len(names))
    st.dataframe(pd.DataFrame([counts], columns=names, index=[_("Drawings of each class")]),
                 key="try_class_counts")
    width = images.tile_width(class_names, 56)
    st.image([preprocess.annotate(image, width) for image in x], width=width,
             caption=[f"{number} · {names[t]}→{names[p]} {'✓' if t == p else '✗'}"
                      for number, (t, p) in enumerate(zip(labels, predicted, strict=True), 1)])
    _remove_form(drawings, names)


def _add_form(digit: np.ndarray, dataset: str, names: list[str]) -> None:
    left, right = st.columns([1, 2], vertical_alignment="bottom")
    label = left.selectbox(_("This drawing is a"), range(len(names)),
                           format_func=names.__getitem__, key=state.DRAWING_LABEL, index=None,
                           placeholder=_("choose its class"))
    right.button(_("Add it to our class's test set"), disabled=label is None,
                 on_click=add_to_our_class, args=(digit, label, dataset), key="try_add",
                 help=_("Everyone in the class sees it, without your name; you can add up to "
                        "{limit} and remove your own.",
                        limit=resources.classroom().drawings.max_per_learner))


def _remove_form(drawings: list[Drawing], names: list[str]) -> None:
    """Remove one of the learner's own drawings, chosen by its number in the gallery."""
    owner = state.owner_id()
    mine = {drawing.id: _("Drawing {number}: {label}", number=number, label=names[drawing.label])
            for number, drawing in enumerate(drawings, 1) if drawing.owner == owner}
    if not mine:
        return
    choice, button, _rest = st.columns([2, 1, 2], vertical_alignment="bottom")
    choice.selectbox(_("Remove one of your drawings"), list(mine), format_func=mine.get,
                     key=state.DRAWING_TO_REMOVE)
    button.button(_("Remove"), key="try_remove", icon=":material/delete:", on_click=remove_own_drawing)


def moved_to_a_corner(record: RunRecord, model: RunModel, digit: np.ndarray,
                      class_names: tuple[str, ...]) -> None:
    """The drawing moved to a corner, read by this run and by a second one (trained with
    augmentation, when there is one): does seeing shifted digits in training help?"""
    st.subheader(_("Moved to a corner: does augmentation help?"))
    st.caption(_("A dense network sees 784 separate pixels: the same digit moved a few pixels "
                 "lands on other inputs, and it may not recognise it any more. A network trained "
                 "with data augmentation has seen its digits in many places."))
    _prefer_augmented(record)
    other = run_picker.pick_run(key=state.TRY_COMPARE_RUN, label=_("Compare with"),
                                exclude=record.run_id)
    if other is None:
        st.caption(_("Train a second run on the same dataset, with augmentation (Train, after the "
                     "tutorials), to compare the two here."))
        return
    other_model = run_model(other)
    if other_model is None:
        return
    moved = preprocess.shift_to_corner(digit)
    names = figures.class_labels(class_names)
    picture, *readers = st.columns(3)
    picture.image(preprocess.annotate(moved, STEP_SIZE))
    picture.caption(_("Your digit, moved to the bottom-right corner."))
    for column, (run, reader) in zip(readers, ((record, model), (other, other_model)), strict=True):
        probabilities = reader.probabilities(run, moved[None])[0]
        predicted = int(probabilities.argmax())
        trained = (_("trained with augmentation: {kind}", kind=_(train_form.LABELS[run.config.augment]))
                   if run.config.augment != "none" else _("trained without augmentation"))
        label = _("Run {run}, {trained}", run=run.created[11:16], trained=trained)
        column.caption(label)  # a caption wraps; a metric's own label is cut with "…" when narrow
        column.metric(label, names[predicted], _("{confidence} sure",
                                                 confidence=i18n.percent(probabilities[predicted], 0)),
                      delta_color="off", label_visibility="collapsed")


def _prefer_augmented(record: RunRecord) -> None:
    """Before the picker first shows: choose the newest other run trained with augmentation."""
    if state.chosen_run(state.TRY_COMPARE_RUN) is not None:
        return
    saved, _problems = resources.run_store().list_runs()
    for run in [*state.session_records(), *saved]:
        if run.run_id != record.run_id and run.config.augment != "none":
            state.choose_run(run.run_id, state.TRY_COMPARE_RUN)
            return
