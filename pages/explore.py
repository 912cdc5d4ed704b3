"""Explore: what MNIST is, what one image is, and what the network will receive."""

import numpy as np
import streamlit as st

from mnist_dash import explain, images
from mnist_dash.ui import app, resources, state, teach

SAMPLE_SIZE = 60

dataset = app.start_page()
names = dataset.class_names

st.title(f"Explore {dataset.title}")
st.caption(f"Loaded from `{dataset.source}`")
columns = st.columns(5)
columns[0].metric("Training images", f"{len(dataset.x_train):,}")
columns[1].metric("Test images", f"{len(dataset.x_test):,}")
columns[2].metric("Image size", "28 × 28")
columns[3].metric("Grey levels", "0 … 255")
columns[4].metric("Classes", dataset.num_classes)

samples, balance = st.columns([3, 2], gap="large")
with samples:
    st.subheader("Samples")
    split = st.radio("Split", ["train", "test"], horizontal=True, key="explore_split",
                     persist_state="session")
    chosen = st.multiselect("Show only these classes", list(range(dataset.num_classes)),
                            format_func=lambda c: names[c], key="explore_classes",
                            persist_state="session", placeholder="All classes")
    if st.button("Shuffle", icon=":material/shuffle:", help="Draw a new random sample"):
        state.next_shuffle()
    x, y = (dataset.x_train, dataset.y_train) if split == "train" else (dataset.x_test, dataset.y_test)
    picked = images.sample_indices(y, chosen or None, SAMPLE_SIZE, state.shuffle_seed())
    st.image([x[i] for i in picked], caption=[f"{names[y[i]]} · #{i}" for i in picked], width=64)

# After the samples are on screen: on a fresh server plotly's import and first figure take ~0.5 s.
from mnist_dash import figures  # noqa: E402

facts = resources.dataset_facts(dataset.name, dataset.source)
with balance:
    st.subheader("Class balance")
    st.plotly_chart(figures.class_balance_figure(facts["train_counts"], facts["test_counts"], names),
                    key="class_balance")
    with st.expander("Class counts as a table"):
        st.dataframe({"class": names, "train": facts["train_counts"], "test": facts["test_counts"]},
                     hide_index=True)

st.subheader("One image, up close")
index = st.number_input(f"Image number in the {split} set", 0, len(x) - 1,
                        value=int(picked[0]) if len(picked) else 0, key="explore_index")
st.markdown(
    f"Image **#{index}** is a **{names[y[index]]}**: a 28 × 28 grid of numbers from 0 (black "
    "paper) to 255 (white ink). The network does not see a picture: it receives these "
    "784 numbers in one row, scaled to 0…1 inside the model."
)
teach.explanations([explain.image_to_vector()])
pixels, vector = st.columns([1, 1], gap="large")
pixels.plotly_chart(figures.pixel_figure(x[index]), key="pixel_figure")
with vector:
    st.plotly_chart(figures.vector_figure(x[index]), key="vector_figure")
    ink = np.count_nonzero(x[index])
    st.caption(f"{ink} of 784 pixels carry ink; the rest are 0. Row r, column c sits at index "
               "28·r + c of the vector.")

st.subheader("The average image of each class")
st.plotly_chart(figures.class_means_figure(facts["class_means"], names), key="class_means")
