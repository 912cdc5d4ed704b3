"""Try it: draw a digit, see how it is turned into an MNIST-style image, and what the network says."""

import streamlit as st

from mnist_dash import data, figures, i18n, preprocess
from mnist_dash.i18n import _
from mnist_dash.ui import app, run_picker, try_view
from mnist_dash.ui.run_models import run_model

_dataset, record = app.start_run_page(_("Try it: draw a digit"),
                                      then=_("come back and test it with your own handwriting"),
                                      opens_on=run_picker.BEST)
model = run_model(record)
if model is None:
    st.stop()
class_names = data.SPECS[record.config.dataset].class_names
if record.config.dataset != "mnist":
    st.warning(_("This run learned {dataset}, not digits: whatever you draw, it answers with one "
                 "of its classes.", dataset=data.SPECS[record.config.dataset].title))

draw, result = try_view.canvas_and_answer()
with draw:
    st.markdown(_("**Draw one digit, large, in the middle of the black square.**"))
    drawing = try_view.canvas()
prepared = preprocess.preprocess_drawing(drawing) if drawing is not None else None
with result:
    if prepared is None or prepared.is_blank:
        st.info(_("Draw a digit on the black square: the network's answer appears here as soon as "
                  "you lift the mouse or your finger."), icon=":material/draw:")
    else:
        probabilities = model.probabilities(record, prepared.centred[None])[0]
        try_view.answer(probabilities, class_names, key="try_probabilities")

if prepared is not None and not prepared.is_blank:
    st.subheader(_("What the network sees"))
    st.caption(_("The network only ever saw MNIST digits, which were made in these steps. "
                 "Your drawing gets the same treatment before it is shown to the network."))
    try_view.steps(prepared)
    squeezed = model.probabilities(record, prepared.squeezed[None])[0]
    centred_answer, squeezed_answer = (int(p.argmax()) for p in (probabilities, squeezed))
    facts = {"answer": figures.class_labels(class_names)[squeezed_answer],
             "confidence": i18n.percent(squeezed.max(), 0)}
    if squeezed_answer == centred_answer:
        st.markdown(_("Shown the squeezed image instead, the network would say **{answer}** "
                      "({confidence} sure): the same answer.", **facts))
    else:
        st.markdown(_("Shown the squeezed image instead, the network would say **{answer}** "
                      "({confidence} sure): a different answer.", **facts))

    try_view.moved_to_a_corner(record, model, prepared.centred, class_names)

st.subheader(_("Our class's handwriting"))
st.caption(_("MNIST was written by American students and census workers in the 1990s. "
             "Does the network read *your* handwriting as well as theirs?"))
try_view.our_class(record, model, class_names,
                   prepared.centred if prepared is not None and not prepared.is_blank else None)
