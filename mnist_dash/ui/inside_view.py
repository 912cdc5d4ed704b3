"""Inside page widgets: cached per-run insides and figures, weight images, unit detail, maps,
downloads; the sentence for a run without test predictions (Evaluate says it too)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from mnist_dash import export, figures, i18n, inside, inside_figures, look, metrics, vocabulary
from mnist_dash.data import Dataset
from mnist_dash.i18n import N_, _, ngettext
from mnist_dash.runs import RunRecord
from mnist_dash.ui import app, resources, state
from mnist_dash.ui.run_models import RunModel

GRID_UNITS = 64  # units drawn at once: 64 small heatmaps stay fast
GRID_COLUMNS = 8
TOP_K = 12
MAP_SAMPLE, MAP_SEED = 2000, 0
# The page's sections, in order; only the chosen one is drawn. The first is the cheap one: the
# two maps' 4,000 WebGL points cost the browser most, so they wait for a click.
SECTIONS = {"units": N_("First-layer units"), "maps": N_("Maps of the last hidden layer"),
            "classes": N_("Accuracy per class")}
NO_PREDICTIONS = {
    vocabulary.JobState.STOPPED: N_("This run stopped and has no test predictions. {message}"),
    vocabulary.JobState.FAILED: N_("This run failed and has no test predictions. {message}"),
    vocabulary.JobState.DIVERGED: N_("This run diverged and has no test predictions. {message}"),
}


def no_predictions(record: RunRecord) -> str:
    """Why a run has nothing to evaluate, with the run's own message."""
    sentence = NO_PREDICTIONS.get(record.state, N_("This run has no test predictions. {message}"))
    return _(sentence, message=_(record.message)).strip()


def section_picker() -> str:
    """The section bar: which part of the network the learner looks at (units first)."""
    return app.section_picker(SECTIONS, state.INSIDE_SECTION)


def run_insides(record: RunRecord, model: RunModel, dataset: Dataset) -> inside.RunInsides:
    """A run's insides, with a spinner in the page's language (it appears only after half a
    second, so not when they are cached)."""
    with st.spinner(_("Looking inside the network (about a second)…")):
        pixels = _pixel_map(dataset.name, dataset.source, dataset)
        return _run_insides(record.run_id, dataset.name, dataset.source, model, dataset, pixels)


@st.cache_resource(max_entries=2, show_spinner=False)
def _pixel_map(dataset_name: str, source: str, _dataset: Dataset) -> inside.PixelMap:
    """The map's sample and its pixels' PCA: the same for every run of a dataset."""
    return inside.map_pixels(_dataset.x_test, _dataset.y_test, MAP_SAMPLE, MAP_SEED)


@st.cache_resource(max_entries=4, show_spinner=False)
def _run_insides(run_id: str, dataset_name: str, source: str, _model: RunModel,
                 _dataset: Dataset, _pixels: inside.PixelMap) -> inside.RunInsides:
    """Computed once per run (the arguments without _ are the key); read-only afterwards."""
    with _model.lock:
        return inside.summarize_run(_model.model, _dataset.x_test, _pixels, TOP_K, MAP_SEED)


def run_figure(name: str, run_id: str, dataset: Dataset, draw: Callable[[], go.Figure]) -> go.Figure:
    """Figure `name` of a run, built by `draw` once per language and look. A run never changes
    once made (the run store is immutable per run id), so a second visit, or another learner,
    gets the same object: st.plotly_chart only reads it."""
    return _run_figure(name, run_id, dataset.name, dataset.source, i18n.current(),
                       look.is_presenting(), draw)


@st.cache_resource(max_entries=48, show_spinner=False)
def _run_figure(name: str, run_id: str, dataset_name: str, source: str, language: str,
                presenting: bool, _draw: Callable[[], go.Figure]) -> go.Figure:
    return _draw()


def weight_grid(record: RunRecord, model: RunModel, dataset: Dataset) -> None:
    """The first layer's weight tiles; they need only the model, so they show before the slower
    activations are computed."""
    units = record.config.hidden_units[0]
    first = 0
    if units > GRID_UNITS:
        starts = list(range(0, units, GRID_UNITS))
        first = st.selectbox(_("Units shown"), starts, key="inside_grid_start",
                             format_func=lambda s: f"{s}–{min(s + GRID_UNITS, units) - 1}")

    def draw() -> go.Figure:
        with model.lock:
            weights = inside.first_layer_weights(model.model)[first:first + GRID_UNITS]
        return inside_figures.weight_grid_figure(weights, GRID_COLUMNS, first)

    st.plotly_chart(run_figure(f"grid {first}", record.run_id, dataset, draw),
                    key=f"inside_grid_{first}", theme=None)


def _wrapping_pair(left: str, right: str) -> tuple[DeltaGenerator, DeltaGenerator]:
    """Two blocks side by side that go one below the other rather than be squeezed (browser
    zoom, presenter mode): a squeezed chart cuts its title and legend."""
    row = st.container(horizontal=True, gap="large")
    return row.container(key=look.WRAPS_BELOW + left), row.container(key=look.WRAPS_BELOW + right)


def unit_detail(insides: inside.RunInsides, record: RunRecord, dataset: Dataset) -> None:
    units = len(insides.weights)
    unit = st.columns([1, 3])[0].number_input(
        _("Unit"), 0, units - 1, key=state.INSIDE_UNIT, step=1,
        help=_("Pick a unit of the first hidden layer by its number in the grid."))
    left, right = _wrapping_pair("inside_unit", "inside_top_images")
    left.plotly_chart(run_figure(f"unit {unit}", record.run_id, dataset,
                                 lambda: inside_figures.unit_weights_figure(insides.weights[unit], unit)),
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

    def draw(points: np.ndarray, title: str) -> Callable[[], go.Figure]:
        return lambda: inside_figures.embedding_figure(
            points, dataset.y_test[sample], record.test_probabilities[sample].argmax(axis=1), sample,
            dataset.class_names, title)

    left, right = _wrapping_pair("inside_hidden", "inside_pixels")
    left.plotly_chart(run_figure("hidden map", record.run_id, dataset,
                                 draw(insides.hidden_map, _("What the last hidden layer sees"))),
                      key=f"inside_hidden_map_{record.run_id}", theme=None)
    right.plotly_chart(run_figure("pixel map", record.run_id, dataset,
                                  draw(insides.pixel_map, _("The raw pixels"))),
                       key=f"inside_pixel_map_{record.run_id}", theme=None)
    timing = " · ".join(f"{_(step)} {i18n.number(seconds, 2)} s"
                        for step, seconds in insides.seconds.items())
    st.caption(ngettext("{n} test image drawn at random (seed {seed}). Computed once for this run: "
                        "{timing}.",
                        "{n} test images drawn at random (seed {seed}). Computed once for this run: "
                        "{timing}.", len(sample), seed=MAP_SEED, timing=timing))


def class_accuracy(record: RunRecord, dataset: Dataset) -> None:
    """Which digits are learned first, or why this run cannot say."""
    if not any(entry.class_accuracy for entry in record.history):
        st.caption(_("This run was saved before per-class accuracy was recorded."))
        return
    st.caption(_("Measured after each full epoch on the held-out images (or on 2,000 training "
                 "images when none are held out)."))
    figure = run_figure("class accuracy", record.run_id, dataset,
                        lambda: inside_figures.class_accuracy_figure(record.history, dataset.class_names))
    st.plotly_chart(figure, key=f"class_accuracy_{record.run_id}")


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
