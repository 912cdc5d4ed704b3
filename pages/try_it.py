"""Try it: draw a digit, see how it is turned into an MNIST-style image, and what the network says."""

import streamlit as st

from mnist_dash import data, preprocess
from mnist_dash.ui import app, try_view
from mnist_dash.ui.run_models import run_model

_, record = app.start_run_page("Try it: draw a digit",
                               then="come back and test it with your own handwriting")
model = run_model(record)
if model is None:
    st.stop()
class_names = data.SPECS[record.config.dataset].class_names
if record.config.dataset != "mnist":
    st.warning(f"This run learned {data.SPECS[record.config.dataset].title}, not digits: "
               "whatever you draw, it answers with one of its classes.")

draw, result = st.columns([1, 2], gap="large")
with draw:
    st.markdown("**Draw one digit, large, in the middle of the black square.**")
    drawing = try_view.canvas()
prepared = preprocess.preprocess_drawing(drawing) if drawing is not None else None
with result:
    if prepared is None or prepared.is_blank:
        st.info("Draw a digit on the black square: the network's answer appears here as soon as "
                "you lift the mouse or your finger.", icon=":material/draw:")
    else:
        probabilities = model.probabilities(record, prepared.centred[None])[0]
        try_view.answer(probabilities, class_names, key="try_probabilities")

if prepared is not None and not prepared.is_blank:
    st.subheader("What the network sees")
    st.caption("The network only ever saw MNIST digits, which were made in these steps. "
               "Your drawing gets the same treatment before it is shown to the network.")
    try_view.steps(prepared)
    squeezed = model.probabilities(record, prepared.squeezed[None])[0]
    centred_answer = class_names[int(probabilities.argmax())]
    squeezed_answer = class_names[int(squeezed.argmax())]
    verdict = "the same answer" if squeezed_answer == centred_answer else "a different answer"
    st.markdown(f"Shown the squeezed image instead, the network would say **{squeezed_answer}** "
                f"({squeezed.max():.0%} sure): {verdict}.")

st.subheader("Our class's handwriting")
st.caption("MNIST was written by American students and census workers in the 1990s. "
           "Does the network read *your* handwriting as well as theirs?")
try_view.our_class(record, model, class_names,
                   prepared.centred if prepared is not None and not prepared.is_blank else None)
