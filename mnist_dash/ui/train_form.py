"""The Train form: widgets bounded by TrainConfig, filled from presets, read back as a config."""

from __future__ import annotations

import streamlit as st

from mnist_dash import architecture, i18n
from mnist_dash import config as config_lib
from mnist_dash.classroom.rules import Rules
from mnist_dash.config import TrainConfig
from mnist_dash.i18n import N_, _
from mnist_dash.jobs import JobSnapshot
from mnist_dash.presets import DEFAULT_PRESET, PRESETS
from mnist_dash.ui import rules_form, state
from mnist_dash.ui.rules_form import NO_RULES

UNIT_CHOICES = (8, 16, 32, 64, 100, 128, 150, 200, 256, 300, 500, 512, 800, 1024, 2048)
RATE_CHOICES = (1e-5, 3e-5, 1e-4, 3e-4, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
BATCH_CHOICES = (16, 32, 64, 128, 256, 512, 1024, 2048)
SIZE_CHOICES = (1000, 2000, 5000, 10_000, 20_000, 30_000, 60_000)
DECAY_CHOICES = (0.0, 1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1)
LESSONS_TITLE = N_("After the tutorials: augmentation, weight decay, schedules, early stopping")
CUSTOM = "custom"
BOUNDED_CHOICES = {"hidden_units": UNIT_CHOICES, "learning_rate": RATE_CHOICES,
                   "batch_size": BATCH_CHOICES, "train_size": SIZE_CHOICES}

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


def fill_form(config: TrainConfig, rules: Rules = NO_RULES) -> None:
    """Put a config's values into the widgets' state (before they are drawn), inside the rules."""
    config = rules_form.fixed_config(config, rules)
    state.set_form(_form_fields(config), [_nearest(UNIT_CHOICES, units) for units in config.hidden_units])
    keep_within(rules)


def show_job_settings(job: JobSnapshot | None, rules: Rules = NO_RULES) -> None:
    """Fill the form with the settings of the learner's job on screen, once per job (before the
    form is drawn): after a reload, or when another tab of theirs started it. What the learner
    changes afterwards stays."""
    if job is None or not state.form_to_follow(job.job_id):
        return
    fill_form(job.config, rules)
    same = (name for name, preset in PRESETS.items()
            if preset.config.replace(dataset=job.config.dataset) == job.config)
    state.set_form_preset(next(same, CUSTOM))


def lock_fixed_fields(rules: Rules) -> None:
    """Set the widgets of the rules' fixed fields to their values (when a challenge starts)."""
    fixed = rules_form.fixed_config(TrainConfig(), rules)
    fields = _form_fields(fixed)
    units = fixed.hidden_units if "hidden_units" in rules.fixed else None
    state.set_form({f: fields[f] for f in rules.fixed if f in state.FORM_KEYS},
                   units and [_nearest(UNIT_CHOICES, u) for u in units])


def keep_within(rules: Rules) -> None:
    """Lower the bounded widgets' values to their bounds (before they are drawn)."""
    state.lower_form_values(rules_form.bounded_keys(rules, BOUNDED_CHOICES))


def _form_fields(config: TrainConfig) -> dict[str, object]:
    """The config's fields as the widgets hold them (choices on a scale, 0 for off, all images)."""
    fields = {field: getattr(config, field) for field in state.FORM_KEYS}
    fields["learning_rate"] = _nearest(RATE_CHOICES, config.learning_rate)
    fields["batch_size"] = _nearest(BATCH_CHOICES, config.batch_size)
    fields["train_size"] = config.train_size or 60_000
    fields["weight_decay"] = _nearest(DECAY_CHOICES, config.weight_decay)
    fields["early_stopping_patience"] = config.early_stopping_patience or 0
    return fields


def _apply_preset(rules: Rules) -> None:
    name = state.form_preset()
    if name in PRESETS:
        fill_form(PRESETS[name].config, rules)


def preset_selector(rules: Rules = NO_RULES) -> str:
    if state.form_preset() is None:
        state.set_form_preset(DEFAULT_PRESET)
        fill_form(PRESETS[DEFAULT_PRESET].config, rules)
    names = [*PRESETS, CUSTOM]
    return st.selectbox(
        _("Start from a tutorial"), names, key=state.FORM_PRESET, on_change=_apply_preset,
        args=(rules,), persist_state="session", format_func=_preset_title,
    )


def _layer_widgets(rules: Rules) -> tuple[int, ...]:
    lock = rules_form.locked("hidden_units", rules)
    count = st.slider(_("Hidden layers"), key=state.FORM_LAYERS, persist_state="session",
                      **rules_form.int_slider(config_lib.MAX_HIDDEN_LAYERS, "hidden_layers", rules, lock))
    choices = rules_form.options(UNIT_CHOICES, "units_per_layer", rules)
    units = []
    for index in range(count):
        state.default_form_units(index, min(128, max(choices)))
        units.append(st.select_slider(_("Units in hidden layer {layer}", layer=index + 1),
                                      choices, key=state.form_units_key(index),
                                      persist_state="session", **lock))
    return tuple(units)


def _choice(label: str, field: str, options: tuple, rules: Rules, horizontal: bool = False):
    key, lock = _key(field), rules_form.locked(field, rules)
    if horizontal:
        return st.radio(label, options, key=key, format_func=_label, horizontal=True,
                        persist_state="session", **lock)
    return st.selectbox(label, options, key=key, format_func=_label, persist_state="session",
                        **lock)


def draw_form(disabled: bool, rules: Rules = NO_RULES) -> dict:
    """Draw the widgets, locked and bounded by a challenge's rules; return the raw values
    (validated by read_config)."""
    keep_within(rules)
    values: dict = {"dataset": None}
    network, learning = st.columns(2, gap="medium")
    with network:
        st.markdown(_("**Network**"))
        values["hidden_units"] = _layer_widgets(rules)
        values["activation"] = _choice(_("Hidden activation"), "activation",
                                       config_lib.ACTIVATIONS, rules)
        values["output_activation"] = _choice(_("Output activation"), "output_activation",
                                              config_lib.OUTPUT_ACTIVATIONS, rules)
        values["dropout"] = st.slider(_("Dropout after each hidden layer"), 0.0, 0.9, step=0.05,
                                      key=_key("dropout"), persist_state="session",
                                      **rules_form.locked("dropout", rules))
        values["initializer"] = _choice(_("Initial weights"), "initializer",
                                        config_lib.INITIALIZERS, rules)
        if values["initializer"] == "truncated_normal":
            values["init_stddev"] = st.slider(_("Std of initial weights"), 0.01, 1.0, step=0.01,
                                              key=_key("init_stddev"), persist_state="session",
                                              **rules_form.locked("init_stddev", rules))
        values["preprocessing"] = _choice(_("Input scaling"), "preprocessing",
                                          config_lib.PREPROCESSING, rules, horizontal=True)
    with learning:
        st.markdown(_("**Learning**"))
        values.update(_learning_widgets(rules))
    with st.expander(_(LESSONS_TITLE)):
        values.update(_lesson_widgets(rules))
    return values


def _learning_widgets(rules: Rules) -> dict:
    """Loss, optimizer, rate, batch, epochs and the training images (bounds: TrainConfig, rules)."""
    values = {"loss": _choice(_("Loss"), "loss", config_lib.LOSSES, rules, horizontal=True),
              "optimizer": _choice(_("Optimizer"), "optimizer", config_lib.OPTIMIZERS, rules)}
    values["learning_rate"] = st.select_slider(
        _("Learning rate (log scale)"), rules_form.options(RATE_CHOICES, "learning_rate", rules),
        key=_key("learning_rate"), format_func=_label, persist_state="session",
        **rules_form.locked("learning_rate", rules))
    if values["optimizer"] == "momentum":
        values["momentum"] = st.slider(_("Momentum"), 0.0, 0.99, step=0.01, key=_key("momentum"),
                                       persist_state="session", **rules_form.locked("momentum", rules))
    values["batch_size"] = st.select_slider(
        _("Batch size"), rules_form.options(BATCH_CHOICES, "batch_size", rules),
        key=_key("batch_size"), persist_state="session", **rules_form.locked("batch_size", rules))
    values["epochs"] = st.slider(
        _("Epochs"), key=_key("epochs"), persist_state="session",
        **rules_form.int_slider(config_lib.MAX_EPOCHS, "epochs", rules, rules_form.locked("epochs", rules)))
    values["train_size"] = st.select_slider(
        _("Training images"), rules_form.options(SIZE_CHOICES, "train_size", rules),
        key=_key("train_size"), persist_state="session", format_func=_image_count,
        **rules_form.locked("train_size", rules,
                            help=_("Fewer images train faster: handy for a quick first try.")))
    values["validation_split"] = st.slider(
        _("Held out for validation"), 0.0, 0.5, step=0.05, key=_key("validation_split"),
        persist_state="session", **rules_form.locked(
            "validation_split", rules, help=_("Taken from the end of the training images.")))
    values["shuffle"] = st.checkbox(_("Shuffle every epoch"), key=_key("shuffle"),
                                    persist_state="session", **rules_form.locked("shuffle", rules))
    values["seed"] = st.number_input(_("Seed"), 0, 2**31 - 1, step=1, key=_key("seed"),
                                     persist_state="session", **rules_form.locked("seed", rules))
    return values


def _lesson_widgets(rules: Rules) -> dict:
    """Augmentation, weight decay, schedule with warm-up, early stopping (bounds: TrainConfig)."""
    values = {"augment": _choice(_("Augmentation of each training batch"), "augment",
                                 config_lib.AUGMENTATIONS, rules)}
    if values["augment"] != "none":
        values["augment_strength"] = st.slider(
            _("Strength of the distortions"), config_lib.MIN_AUGMENT_STRENGTH,
            config_lib.MAX_AUGMENT_STRENGTH, step=0.1, key=_key("augment_strength"),
            persist_state="session", **rules_form.locked(
                "augment_strength", rules, help=_("1 = shifts up to 2 px, Simard's elastic fields.")))
    values["weight_decay"] = st.select_slider(
        _("Weight decay (of the kernels)"), DECAY_CHOICES, key=_key("weight_decay"),
        format_func=_label, persist_state="session", **rules_form.locked(
            "weight_decay", rules, help=_("Decoupled decay: AdamW for Adam; for SGD exactly an L2 term.")))
    values["schedule"] = _choice(_("Learning-rate schedule"), "schedule", config_lib.SCHEDULES,
                                 rules, horizontal=True)
    values["warmup_epochs"] = st.number_input(
        _("Warm-up epochs"), 0, config_lib.MAX_EPOCHS - 1, step=1, key=_key("warmup_epochs"),
        persist_state="session", **rules_form.locked(
            "warmup_epochs", rules, help=_("The rate rises linearly from about 0; fewer than the epochs.")))
    values["early_stopping_patience"] = st.slider(
        _("Early stopping: patience in epochs (0 = off)"), 0, config_lib.MAX_PATIENCE,
        key=_key("early_stopping_patience"), persist_state="session", **rules_form.locked(
            "early_stopping_patience", rules,
            help=_("Stops after this many epochs without a lower validation loss and keeps the best "
                   "epoch's weights. Needs images held out for validation.")))
    return values


def read_config(values: dict, dataset: str, base: TrainConfig) -> TrainConfig:
    """The config the widgets describe; fields without a widget shown keep the base's value."""
    changes = {k: v for k, v in values.items() if v is not None}
    changes["dataset"] = dataset
    changes["train_size"] = None if changes.get("train_size") == 60_000 else changes.get("train_size")
    if changes.get("early_stopping_patience") == 0:
        changes["early_stopping_patience"] = None
    return base.replace(**changes)
