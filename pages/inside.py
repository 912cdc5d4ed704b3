"""Inside the network: what the first layer's units look for, and how the last one sorts digits."""

import streamlit as st

from mnist_dash import i18n
from mnist_dash.i18n import _
from mnist_dash.ui import app, inside_view, run_picker
from mnist_dash.ui.run_models import run_model

dataset, record = app.start_run_page(_("Inside the network"), then=_("come back and look inside it"),
                                     opens_on=run_picker.BEST)
model = run_model(record)
if model is None or not record.has_predictions:
    if model is not None:
        st.error(inside_view.no_predictions(record))
    st.stop()
st.caption(_("{summary} · test accuracy {accuracy} · run {run_id}", summary=record.config.summary(),
             accuracy=i18n.percent(record.test_accuracy, 2), run_id=record.run_id))
section = inside_view.section_picker()
if section == "units":
    st.subheader(_("What does each unit of the first hidden layer look for?"))
    st.markdown(_(
        "A unit of the first hidden layer multiplies each of the 784 pixels by its own weight and adds "
        "them up. Drawn as a 28×28 picture, those weights show what the unit looks for: ink on "
        "**purple** pixels raises its output, ink on **orange** pixels lowers it, white pixels do not "
        "matter. Each small picture uses its own scale."
    ))
    inside_view.weight_grid(record, model, dataset)
    inside_view.unit_detail(inside_view.run_insides(record, model, dataset), record, dataset)
elif section == "maps":
    st.subheader(_("How does the last hidden layer sort the digits?"))
    units = i18n.number(record.config.hidden_units[-1])
    if len(record.config.hidden_units) == 1:
        layer = _("Each test image gives {units} numbers in the only hidden layer, the numbers the "
                  "output layer reads.", units=units)
    else:
        layer = _("Each test image gives {units} numbers in the last hidden layer, the numbers the "
                  "output layer reads.", units=units)
    st.markdown(_(
        "{layer} PCA flattens them to the two directions in which they vary most. The first map "
        "shows those numbers; the second, the same images' raw 784 pixels. Where the classes form "
        "separate clusters, a single layer of weights can tell them apart. Crosses are images the "
        "network got wrong; hover a point to see its label, the prediction and its test-image "
        "number.", layer=layer
    ))
    inside_view.maps(inside_view.run_insides(record, model, dataset), record, dataset)
else:
    st.subheader(_("Which digits are learned first?"))
    inside_view.class_accuracy(record, dataset)

st.subheader(_("Take it home"))
with st.expander(_("Download the model, its history, a script that retrains it, and a report"),
                 icon=":material/download:"):
    inside_view.take_home(record, dataset)
