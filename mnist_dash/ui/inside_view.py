"""Inside page widgets: cached per-run insides, weight images, unit detail, maps, downloads; the
sentence for a run without test predictions (Evaluate says it too)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from mnist_dash import export, figures, i18n, inside, inside_figures, metrics, vocabulary
from mnist_dash.data import Dataset
from mnist_dash.i18n import N_, _, ngettext
from mnist_dash.runs import RunRecord
from mnist_dash.ui import resources, state
from mnist_dash.ui.run_models import RunModel

GRID_UNITS = 64  # units drawn at once: 64 small heatmaps stay fast
GRID_COLUMNS = 8
TOP_K = 12
MAP_SAMPLE, MAP_SEED = 2000, 0
NO_PREDICTIONS = {
    vocabulary.JobState.STOPPED: N_("This run stopped and has no test predictions. {message}"),
    vocabulary.JobState.FAILED: N_("This run failed and has no test predictions. {message}"),
    vocabulary.JobState.DIVERGED: N_("This run diverged and has no test predictions. {message}"),
}


def no_predictions(record: RunRecord) -> str:
    """Why a run has nothing to evaluate, with the run's own message."""
    sentence = NO_PREDICTIONS.get(record.state, N_("This run has no test predictions. {message}"))
    return _(sentence, message=_(record.message)).strip()


def run_insides(run_id: str, dataset_name: str, source: str, model: RunModel,
                dataset: Dataset) -> inside.RunInsides:
    """A run's insides, with a spinner in the page's language (it appears only after half a
    second, so not when they are cached)."""
    with st.spinner(_("Looking inside the network (about a second)…")):
        return _run_insides(run_id, dataset_name, source, model, dataset)


@st.cache_resource(max_entries=4, show_spinner=False)
def _run_insides(run_id: str, dataset_name: str, source: str, _model: RunModel,
                 _dataset: Dataset) -> inside.RunInsides:
    """Computed once per run (the arguments without _ are the key); read-only afterwards."""
    with _model.lock:
        return inside.summarize_run(_model.model, _dataset.x_test, _dataset.y_test,
                                    MAP_SAMPLE, TOP_K, MAP_SEED)


def weight_grid(insides: inside.RunInsides) -> None:
    units = len(insides.weights)
    first = 0
    if units > GRID_UNITS:
        starts = list(range(0, units, GRID_UNITS))
        first = st.selectbox(_("Units shown"), starts, key="inside_grid_start",
                             format_func=lambda s: f"{s}–{min(s + GRID_UNITS, units) - 1}")
    shown = insides.weights[first:first + GRID_UNITS]
    st.plotly_chart(inside_figures.weight_grid_figure(shown, GRID_COLUMNS, first),
                    key=f"inside_grid_{first}", theme=None)


def unit_detail(insides: inside.RunInsides, dataset: Dataset) -> None:
    units = len(insides.weights)
    unit = st.columns([1, 3])[0].number_input(
        _("Unit"), 0, units - 1, key=state.INSIDE_UNIT, step=1,
        help=_("Pick a unit of the first hidden layer by its number in the grid."))
    left, right = st.columns([1, 1], gap="large")
    left.plotly_chart(inside_figures.unit_weights_figure(insides.weights[unit], unit),
                      key="inside_unit_weights", theme=None)
    with right:
        st.markdown(_("**The {count} test images that excite unit {unit} most**",
                      count=TOP_K, unit=unit))
        names = figures.class_labels(dataset.class_names)
        indices, values = insides.top_indices[unit], insides.top_values[unit]
        if np.any(values > 0):
            st.caption(_("Under each: its label · the unit's output for it."))
        else:
            st.caption(_("This unit outputs 0 for every test image: it is 'dead' and takes no part."))
        st.image([dataset.x_test[i] for i in indices], width=84,
                 caption=[f"{names[dataset.y_test[i]]} · {i18n.number(value, 2)}"
                          for i, value in zip(indices, values, strict=True)])


def maps(insides: inside.RunInsides, record: RunRecord, dataset: Dataset) -> None:
    sample = insides.sample
    labels = dataset.y_test[sample]
    predicted = record.test_probabilities[sample].argmax(axis=1)
    names = dataset.class_names
    left, right = st.columns(2)
    left.plotly_chart(inside_figures.embedding_figure(
        insides.hidden_map, labels, predicted, sample, names, _("What the last hidden layer sees")),
        key=f"inside_hidden_map_{record.run_id}", theme=None)
    right.plotly_chart(inside_figures.embedding_figure(
        insides.pixel_map, labels, predicted, sample, names, _("The raw pixels")),
        key=f"inside_pixel_map_{record.run_id}", theme=None)
    timing = " · ".join(f"{_(step)} {i18n.number(seconds, 2)} s"
                        for step, seconds in insides.seconds.items())
    st.caption(ngettext("{n} test image drawn at random (seed {seed}). Computed once for this run: "
                        "{timing}.",
                        "{n} test images drawn at random (seed {seed}). Computed once for this run: "
                        "{timing}.", len(sample), seed=MAP_SEED, timing=timing))


def take_home(record: RunRecord, dataset: Dataset) -> None:
    """Downloads; each file is made only when its button is clicked (no TensorFlow needed
    for a saved run's model file)."""
    run_id = record.run_id
    columns = st.columns(4)
    model_path = resources.run_store().model_path(run_id) if record.saved else None

    def model_file() -> bytes:
        return export.model_bytes(record.model_bytes, model_path)

    def report() -> str:
        probabilities = record.test_probabilities
        matrix = metrics.confusion_matrix(dataset.y_test, probabilities.argmax(axis=1), dataset.num_classes)
        mistakes = export.mistake_images(dataset.x_test, dataset.y_test, probabilities, dataset.class_names)
        return export.html_report(record, dataset.class_names, matrix, mistakes)

    columns[0].download_button(_("Model (.keras)"), model_file, file_name=f"{run_id}.keras",
                               mime="application/octet-stream", on_click="ignore",
                               icon=":material/download:")
    columns[1].download_button(_("History (CSV)"), vocabulary.history_csv(record.history),
                               file_name=f"{run_id}-history.csv", mime="text/csv", on_click="ignore",
                               icon=":material/download:")
    columns[2].download_button(_("Training script (.py)"), export.standalone_script(record.config, run_id),
                               file_name=f"train_{run_id}.py", mime="text/x-python", on_click="ignore",
                               icon=":material/download:")
    columns[3].download_button(_("Report (.html)"), report, file_name=f"{run_id}-report.html",
                               mime="text/html", on_click="ignore", icon=":material/download:")
    st.caption(_("The script trains the same network with plain Keras and the same seeds: "
                 "`python train_….py path/to/mnist.npz`. Open the model in Python with "
                 "`keras.models.load_model(path, compile=False)`."))
