"""The Train form: widgets bounded by TrainConfig, filled from presets, read back as a config."""

from __future__ import annotations

import streamlit as st

from mnist_dash import architecture, i18n
from mnist_dash import config as config_lib
from mnist_dash.config import TrainConfig
from mnist_dash.i18n import N_, _
from mnist_dash.presets import DEFAULT_PRESET, PRESETS
from mnist_dash.ui import state

UNIT_CHOICES = (8, 16, 32, 64, 100, 128, 150, 200, 256, 300, 500, 512, 800, 1024, 2048)
RATE_CHOICES = (1e-5, 3e-5, 1e-4, 3e-4, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
BATCH_CHOICES = (16, 32, 64, 128, 256, 512, 1024, 2048)
SIZE_CHOICES = (1000, 2000, 5000, 10_000, 20_000, 30_000, 60_000)
DECAY_CHOICES = (0.0, 1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1)
LESSONS_TITLE = N_("After the tutorials: augmentation, weight decay, schedules, early stopping")
CUSTOM = "custom"

LABELS = {  # an option's value -> what the form shows (translated where drawn)
    "crossentropy": N_("Cross-entropy"), "mse": N_("MSE on one-hot"),
    "sgd": "SGD", "momentum": N_("SGD + momentum"), "rmsprop": "RMSprop", "adam": "Adam",
    "scale": N_("Scale to 0…1"), "standardize": N_("Standardize (mean/std)"),
    "default": N_("Keras default (Glorot uniform)"), "truncated_normal": N_("Truncated normal"),
    "pytorch_default": N_("PyTorch default (uniform ±1/√fan-in)"),
    "none": N_("None"), "shift": N_("Shift (±2 px)"),
    "affine": N_("Affine (rotate, scale, shear, shift)"), "elastic": N_("Elastic (Simard 2003)"),
    "constant": N_("Constant"), "step": N_("Step (halving)"), "cosine": N_("Cosine"),
}

TABLE_TITLES = {"layer": N_("Layer"), "computes": N_("Computes"), "activation": N_("Activation"),
                "parameters": N_("Parameters")}  # architecture.summary_rows' columns, on screen
LAYER_NAMES = {"input": N_("input"), "output": N_("output")}


def architecture_table(config: TrainConfig) -> list[dict[str, object]]:
    """The network's layers as the Train page shows them: headed and named in the current language."""
    return [{_(TABLE_TITLES.get(column, column)): _layer_name(value) if column == "layer" else value
             for column, value in row.items()} for row in architecture.summary_rows(config)]


def _layer_name(name: object) -> object:
    """input, output, and hidden_2 as "hidden layer 2" (summary_rows names them as Keras does)."""
    if isinstance(name, str) and name.startswith("hidden_") and name[7:].isdigit():
        return _("hidden layer {layer}", layer=int(name[7:]))
    return _(LAYER_NAMES.get(name, name)) if isinstance(name, str) else name


def _key(field: str) -> str:
    """The session-state key of the widget that holds a TrainConfig field."""
    return state.FORM_KEYS[field]


def _label(value: object) -> str:
    """What an option shows: its label translated, a code name (relu) as it is, a number short."""
    return _(LABELS.get(value, value)) if isinstance(value, str) else f"{value:g}"


def _preset_title(name: str) -> str:
    return _(PRESETS[name].title) if name in PRESETS else _("Custom (my own changes)")


def _image_count(count: int) -> str:
    return _("all {n}", n=i18n.number(count)) if count == 60_000 else i18n.number(count)


def _nearest(choices: tuple, value: float) -> float:
    return min(choices, key=lambda choice: abs(choice - value))


def fill_form(config: TrainConfig) -> None:
    """Put a config's values into the widgets' state (before they are drawn)."""
    fields = {field: getattr(config, field) for field in state.FORM_KEYS}
    fields["learning_rate"] = _nearest(RATE_CHOICES, config.learning_rate)
    fields["batch_size"] = _nearest(BATCH_CHOICES, config.batch_size)
    fields["train_size"] = config.train_size or 60_000
    fields["weight_decay"] = _nearest(DECAY_CHOICES, config.weight_decay)
    fields["early_stopping_patience"] = config.early_stopping_patience or 0
    state.set_form(fields, [_nearest(UNIT_CHOICES, units) for units in config.hidden_units])


def _apply_preset() -> None:
    name = state.form_preset()
    if name in PRESETS:
        fill_form(PRESETS[name].config)


def preset_selector() -> str:
    if state.form_preset() is None:
        state.set_form_preset(DEFAULT_PRESET)
        fill_form(PRESETS[DEFAULT_PRESET].config)
    names = [*PRESETS, CUSTOM]
    return st.selectbox(
        _("Start from a tutorial"), names, key=state.FORM_PRESET, on_change=_apply_preset,
        persist_state="session", format_func=_preset_title,
    )


def _layer_widgets() -> tuple[int, ...]:
    count = st.slider(_("Hidden layers"), 1, config_lib.MAX_HIDDEN_LAYERS, key=state.FORM_LAYERS,
                      persist_state="session")
    units = []
    for index in range(count):
        state.default_form_units(index, 128)
        units.append(st.select_slider(_("Units in hidden layer {layer}", layer=index + 1),
                                      UNIT_CHOICES,
                                      key=state.form_units_key(index), persist_state="session"))
    return tuple(units)


def _choice(label: str, field: str, options: tuple, horizontal: bool = False, **kwargs):
    key = _key(field)
    if horizontal:
        return st.radio(label, options, key=key, format_func=_label, horizontal=True,
                        persist_state="session", **kwargs)
    return st.selectbox(label, options, key=key, format_func=_label, persist_state="session",
                        **kwargs)


def draw_form(disabled: bool) -> dict:
    """Draw the widgets; return the raw values (validated by read_config)."""
    values: dict = {"dataset": None}
    network, learning = st.columns(2, gap="medium")
    with network:
        st.markdown(_("**Network**"))
        values["hidden_units"] = _layer_widgets()
        values["activation"] = _choice(_("Hidden activation"), "activation",
                                       config_lib.ACTIVATIONS)
        values["output_activation"] = _choice(_("Output activation"), "output_activation",
                                              config_lib.OUTPUT_ACTIVATIONS)
        values["dropout"] = st.slider(_("Dropout after each hidden layer"), 0.0, 0.9, step=0.05,
                                      key=_key("dropout"), persist_state="session")
        values["initializer"] = _choice(_("Initial weights"), "initializer",
                                        config_lib.INITIALIZERS)
        if values["initializer"] == "truncated_normal":
            values["init_stddev"] = st.slider(_("Std of initial weights"), 0.01, 1.0, step=0.01,
                                              key=_key("init_stddev"), persist_state="session")
        values["preprocessing"] = _choice(_("Input scaling"), "preprocessing",
                                          config_lib.PREPROCESSING, horizontal=True)
    with learning:
        st.markdown(_("**Learning**"))
        values["loss"] = _choice(_("Loss"), "loss", config_lib.LOSSES, horizontal=True)
        values["optimizer"] = _choice(_("Optimizer"), "optimizer", config_lib.OPTIMIZERS)
        values["learning_rate"] = st.select_slider(
            _("Learning rate (log scale)"), RATE_CHOICES, key=_key("learning_rate"),
            format_func=_label, persist_state="session")
        if values["optimizer"] == "momentum":
            values["momentum"] = st.slider(_("Momentum"), 0.0, 0.99, step=0.01,
                                           key=_key("momentum"), persist_state="session")
        values["batch_size"] = st.select_slider(_("Batch size"), BATCH_CHOICES,
                                                key=_key("batch_size"), persist_state="session")
        values["epochs"] = st.slider(_("Epochs"), 1, config_lib.MAX_EPOCHS, key=_key("epochs"),
                                     persist_state="session")
        values["train_size"] = st.select_slider(
            _("Training images"), SIZE_CHOICES, key=_key("train_size"), persist_state="session",
            format_func=_image_count, help=_("Fewer images train faster: handy for a quick first try."))
        values["validation_split"] = st.slider(
            _("Held out for validation"), 0.0, 0.5, step=0.05, key=_key("validation_split"),
            persist_state="session", help=_("Taken from the end of the training images."))
        values["shuffle"] = st.checkbox(_("Shuffle every epoch"), key=_key("shuffle"),
                                        persist_state="session")
        values["seed"] = st.number_input(_("Seed"), 0, 2**31 - 1, step=1, key=_key("seed"),
                                         persist_state="session")
    with st.expander(_(LESSONS_TITLE)):
        values.update(_lesson_widgets())
    return values


def _lesson_widgets() -> dict:
    """Augmentation, weight decay, schedule with warm-up, early stopping (bounds: TrainConfig)."""
    values = {"augment": _choice(_("Augmentation of each training batch"), "augment",
                                 config_lib.AUGMENTATIONS)}
    if values["augment"] != "none":
        values["augment_strength"] = st.slider(
            _("Strength of the distortions"), config_lib.MIN_AUGMENT_STRENGTH,
            config_lib.MAX_AUGMENT_STRENGTH, step=0.1, key=_key("augment_strength"),
            persist_state="session", help=_("1 = shifts up to 2 px, Simard's elastic fields."))
    values["weight_decay"] = st.select_slider(
        _("Weight decay (of the kernels)"), DECAY_CHOICES, key=_key("weight_decay"),
        format_func=_label, persist_state="session",
        help=_("Decoupled decay: AdamW for Adam; for SGD exactly an L2 term."))
    values["schedule"] = _choice(_("Learning-rate schedule"), "schedule", config_lib.SCHEDULES,
                                 horizontal=True)
    values["warmup_epochs"] = st.number_input(
        _("Warm-up epochs"), 0, config_lib.MAX_EPOCHS - 1, step=1, key=_key("warmup_epochs"),
        persist_state="session",
        help=_("The rate rises linearly from about 0; fewer than the epochs."))
    values["early_stopping_patience"] = st.slider(
        _("Early stopping: patience in epochs (0 = off)"), 0, config_lib.MAX_PATIENCE,
        key=_key("early_stopping_patience"), persist_state="session",
        help=_("Stops after this many epochs without a lower validation loss and keeps the best "
               "epoch's weights. Needs images held out for validation."))
    return values


def read_config(values: dict, dataset: str, base: TrainConfig) -> TrainConfig:
    """The config the widgets describe; fields without a widget shown keep the base's value."""
    changes = {k: v for k, v in values.items() if v is not None}
    changes["dataset"] = dataset
    changes["train_size"] = None if changes.get("train_size") == 60_000 else changes.get("train_size")
    if changes.get("early_stopping_patience") == 0:
        changes["early_stopping_patience"] = None
    return base.replace(**changes)
