"""Explore: what MNIST is, what one image is, and what the network will receive."""

import numpy as np
import streamlit as st

from mnist_dash import explain, i18n, images, look
from mnist_dash.classroom import auth
from mnist_dash.i18n import N_, _, ngettext
from mnist_dash.ui import app, augment_view, patches, resources, state, teach

SAMPLE_SIZE = 60
SPLITS = {"train": N_("Training set"), "test": N_("Test set")}

dataset = app.start_page()
names = [_(name) for name in dataset.class_names]

st.title(_("Explore {dataset}", dataset=_(dataset.title)))
st.info(_("**Start here:** look at the samples below, then open one image up close to see the "
          "784 numbers a network reads. Ready? Train one on **Train live**."), icon=":material/flag:")
facts_line = resources.data_sources().describe(dataset.name)
st.caption(_("{title}: {train} training and {test} test images · checksum {checksum}",
             title=_(facts_line.title), train=i18n.number(facts_line.train_images),
             test=i18n.number(facts_line.test_images), checksum=facts_line.checksum))
if auth.local_visitor(patches.client_ip()) is not None:  # server paths only for the server's own machine
    st.caption(_("Loaded from `{source}`", source=dataset.source))
# Each card as wide as its value, wrapping to a second row when the text is large (presenter mode,
# browser zoom): five equal columns cut "0 … 255" to "0 … …".
cards = st.container(horizontal=True, gap="medium", key="explore_facts")
cards.metric(_("Training images"), i18n.number(len(dataset.x_train)), width="content")
cards.metric(_("Test images"), i18n.number(len(dataset.x_test)), width="content")
cards.metric(_("Image size"), "28 × 28", width="content")
cards.metric(_("Grey levels"), "0 … 255", width="content")
cards.metric(_("Classes"), dataset.num_classes, width="content")

# Side by side where both are readable; with large text or zoom the chart goes below the samples.
row = st.container(horizontal=True, gap="large")
samples = row.container(key=f"{look.WRAPS_BELOW}explore_samples")
balance = row.container(key=f"{look.WRAPS_BELOW}explore_balance")
with samples:
    st.subheader(_("Samples"))
    split = st.radio(_("Split"), list(SPLITS), horizontal=True, key="explore_split",
                     persist_state="session", format_func=lambda s: _(SPLITS[s]))
    chosen = st.multiselect(_("Show only these classes"), list(range(dataset.num_classes)),
                            format_func=lambda c: names[c], key="explore_classes",
                            persist_state="session", placeholder=_("All classes"))
    if st.button(_("Shuffle"), icon=":material/shuffle:", help=_("Draw a new random sample")):
        state.next_shuffle()
    x, y = (dataset.x_train, dataset.y_train) if split == "train" else (dataset.x_test, dataset.y_test)
    picked = images.sample_indices(y, chosen or None, SAMPLE_SIZE, state.shuffle_seed())
    st.image([x[i] for i in picked], caption=[f"{names[y[i]]} · #{i}" for i in picked],
             width=images.tile_width(dataset.class_names, 64))

# After the samples are on screen: on a fresh server plotly's import and first figure take ~0.5 s.
from mnist_dash import figures  # noqa: E402

facts = resources.dataset_facts(dataset.name, dataset.source)
with balance:
    st.subheader(_("Class balance"))
    st.plotly_chart(figures.class_balance_figure(facts["train_counts"], facts["test_counts"], names),
                    key="class_balance")
    with st.expander(_("Class counts as a table")):
        st.dataframe({_("Class"): names, _(SPLITS["train"]): facts["train_counts"],
                      _(SPLITS["test"]): facts["test_counts"]}, hide_index=True)

st.subheader(_("One image, up close"))
index_label = (_("Image number in the training set") if split == "train"
               else _("Image number in the test set"))
index = st.number_input(index_label, 0, len(x) - 1,
                        value=int(picked[0]) if len(picked) else 0, key="explore_index")
st.markdown(_(
    "Image **#{index}** is a **{name}**: a 28 × 28 grid of numbers from 0 (black paper) to 255 "
    "(white ink). The network does not see a picture: it receives these 784 numbers in one row, "
    "scaled to 0…1 inside the model.", index=index, name=names[y[index]]))
teach.explanations([explain.image_to_vector()])
augment_view.augmentation_preview(x[index], _("original"))
row = st.container(horizontal=True, gap="large")
pixels = row.container(key=f"{look.WRAPS_BELOW}explore_pixels")
vector = row.container(key=f"{look.WRAPS_BELOW}explore_vector")
pixels.plotly_chart(figures.pixel_figure(x[index]), key="pixel_figure")
with vector:
    st.plotly_chart(figures.vector_figure(x[index]), key="vector_figure")
    ink = int(np.count_nonzero(x[index]))
    st.caption(ngettext(
        "{n} of 784 pixels carries ink; the rest are 0. Row r, column c sits at index 28·r + c of "
        "the vector.",
        "{n} of 784 pixels carry ink; the rest are 0. Row r, column c sits at index 28·r + c of "
        "the vector.", ink))

st.subheader(_("The average image of each class"))
st.plotly_chart(figures.class_means_figure(facts["class_means"], names), key="class_means")
