"""The one training configuration: a frozen, validated dataclass shared by the UI, CLI and engine."""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass
from typing import Any

from mnist_dash.i18n import Msg, _, ngettext

ACTIVATIONS = ("relu", "tanh", "sigmoid")
OUTPUT_ACTIVATIONS = ("softmax", "linear", "relu")
LOSSES = ("crossentropy", "mse")
OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")
PREPROCESSING = ("scale", "standardize")
INITIALIZERS = ("default", "truncated_normal", "pytorch_default")
DATASETS = ("mnist", "fashion-mnist")
AUGMENTATIONS = ("none", "shift", "affine", "elastic")
SCHEDULES = ("constant", "step", "cosine")

MAX_HIDDEN_LAYERS = 4
MAX_UNITS = 2048
MAX_EPOCHS = 100
MIN_BATCH_SIZE, MAX_BATCH_SIZE = 8, 8192
MIN_LEARNING_RATE, MAX_LEARNING_RATE = 1e-6, 10.0
MIN_TRAIN_SIZE = 100
MIN_AUGMENT_STRENGTH, MAX_AUGMENT_STRENGTH = 0.1, 2.0
# What augment_strength 1 means (augment.py applies it, explain.py says it; strength scales all):
# each image draws uniformly up to these amounts...
MAX_SHIFT_PIXELS = 2.0
MAX_ROTATION_DEGREES = 15.0
MAX_SCALE_CHANGE = 0.15  # width and height each scaled by 1 +- 0.15, independently
MAX_SHEAR = 0.2  # horizontal shear: x moves by 0.2 * y
# ...and elastic fields as Simard, Steinkraus & Platt (2003) made them for their best MLP (0.7%
# error): uniform [-1, 1] noise per pixel, smoothed by a Gaussian of sigma 4 px, times alpha 34 px.
ELASTIC_ALPHA = 34.0
ELASTIC_SIGMA = 4.0
MAX_WEIGHT_DECAY = 0.1
MAX_PATIENCE = 20
MAX_PARAMETERS = 8_000_000  # beyond this an epoch takes minutes on a laptop CPU


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run; two equal configs train identically."""

    dataset: str = "mnist"  # which dataset to train on
    hidden_units: tuple[int, ...] = (512,)  # units of each hidden layer, input side first
    activation: str = "relu"  # activation of the hidden layers
    output_activation: str = "softmax"  # softmax, or linear/relu as some tutorials use
    loss: str = "crossentropy"  # categorical cross-entropy, or MSE on one-hot targets
    optimizer: str = "rmsprop"  # sgd, sgd with momentum, rmsprop, adam
    learning_rate: float = 0.001  # step size of the optimizer
    momentum: float = 0.9  # used by the "momentum" optimizer only
    batch_size: int = 128  # images per gradient step
    epochs: int = 5  # passes over the training set
    dropout: float = 0.0  # dropout rate after each hidden layer (0 = none)
    validation_split: float = 0.1  # fraction of training images held out, taken from the end
    preprocessing: str = "scale"  # scale 0..255 to 0..1, or standardize with mean/std
    normalize_mean: float = 0.1307  # mean used by "standardize" (of pixels scaled to 0..1)
    normalize_std: float = 0.3081  # std used by "standardize"
    initializer: str = "default"  # Keras default (Glorot uniform), truncated normal, or PyTorch's
    init_stddev: float = 0.1  # stddev of the truncated normal initializer
    seed: int = 0  # seeds the initial weights, dropout and shuffling
    train_size: int | None = None  # use only the first N training images (quick demos)
    shuffle: bool = True  # reshuffle the training set every epoch
    augment: str = "none"  # distort each training batch: none, shift, affine or elastic (augment.py)
    augment_strength: float = 1.0  # scales the distortions; 1 = shifts up to 2 px, Simard's elastic
    weight_decay: float = 0.0  # decoupled weight decay on the kernels (0 = none; regularize.py)
    schedule: str = "constant"  # learning rate over the run: constant, step (halving) or cosine
    warmup_epochs: int = 0  # epochs of linear warm-up from ~0 to learning_rate, before the schedule
    early_stopping_patience: int | None = None  # epochs without a better val loss, then stop; None = off

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden_units", tuple(self.hidden_units))
        validate(self)

    def replace(self, **changes: Any) -> TrainConfig:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["hidden_units"] = list(self.hidden_units)
        return data

    def differences(self, other: TrainConfig) -> list[tuple[str, Any, Any]]:
        """(field, this value, the other's value) for each field the other config changes."""
        mine, theirs = self.to_dict(), other.to_dict()
        return [(name, mine[name], theirs[name]) for name in mine if mine[name] != theirs[name]]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(Msg("unknown configuration field(s): {fields}", fields=", ".join(unknown)))
        return cls(**data)

    @property
    def parameter_count(self) -> int:
        sizes = (784, *self.hidden_units, 10)
        return sum(a * b + b for a, b in itertools.pairwise(sizes))

    def summary(self) -> str:
        """One line a learner can read, e.g. '784-512-10 relu/softmax, rmsprop lr=0.001, ...'
        (in the current language)."""
        shape = "-".join(str(n) for n in (784, *self.hidden_units, 10))
        epochs = ngettext("{n} epoch", "{n} epochs", self.epochs)
        return _("{shape} {activation}/{output}, {loss}, {optimizer} lr={rate}, batch {batch_size}, "
                 "{epochs}", shape=shape, activation=self.activation, output=self.output_activation,
                 loss=self.loss, optimizer=self.optimizer, rate=format(self.learning_rate, "g"),
                 batch_size=self.batch_size, epochs=epochs) + self.lessons_summary()

    def lessons_summary(self) -> str:
        """The options after the tutorials, only those that are on: ', affine x0.5, cosine, ...'."""
        parts = []
        if self.augment != "none":
            parts.append(_("{kind} augmentation x{strength}", kind=self.augment,
                           strength=format(self.augment_strength, "g")))
        if self.weight_decay:
            parts.append(_("weight decay {decay}", decay=format(self.weight_decay, "g")))
        if self.schedule != "constant":
            parts.append(_("{kind} schedule", kind=self.schedule))
        if self.warmup_epochs:
            parts.append(ngettext("{n} warm-up epoch", "{n} warm-up epochs", self.warmup_epochs))
        if self.early_stopping_patience is not None:
            parts.append(_("early stopping (patience {patience})",
                           patience=self.early_stopping_patience))
        return "".join(f", {part}" for part in parts)


def _check_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(Msg("{name} must be one of {choices}; got {value}", name=name,
                             choices=", ".join(choices), value=repr(value)))


def _check_number(name: str, value: Any, low: float, high: float, integer: bool = False) -> None:
    ok_type = isinstance(value, int) if integer else isinstance(value, int | float)
    bounds = {"name": name, "low": f"{low:g}", "high": f"{high:g}", "value": repr(value)}
    if isinstance(value, bool) or not ok_type:
        raise ValueError(Msg("{name} must be an integer from {low} to {high}; got {value}", **bounds)
                         if integer else
                         Msg("{name} must be a number from {low} to {high}; got {value}", **bounds))
    if not (math.isfinite(value) and low <= value <= high):
        raise ValueError(Msg("{name} must be from {low} to {high}; got {value}", **bounds))


def validate(config: TrainConfig) -> None:
    """Raise ValueError naming the first field that is out of range."""
    _check_choice("dataset", config.dataset, DATASETS)
    layers = config.hidden_units
    if not 1 <= len(layers) <= MAX_HIDDEN_LAYERS:
        raise ValueError(Msg("hidden_units must have 1 to {most} layers; got {count}",
                             most=MAX_HIDDEN_LAYERS, count=len(layers)))
    for units in layers:
        _check_number("hidden_units", units, 1, MAX_UNITS, integer=True)
    _check_choice("activation", config.activation, ACTIVATIONS)
    _check_choice("output_activation", config.output_activation, OUTPUT_ACTIVATIONS)
    _check_choice("loss", config.loss, LOSSES)
    _check_choice("optimizer", config.optimizer, OPTIMIZERS)
    _check_choice("preprocessing", config.preprocessing, PREPROCESSING)
    _check_choice("initializer", config.initializer, INITIALIZERS)
    _check_number("learning_rate", config.learning_rate, MIN_LEARNING_RATE, MAX_LEARNING_RATE)
    _check_number("momentum", config.momentum, 0.0, 0.999)
    _check_number("batch_size", config.batch_size, MIN_BATCH_SIZE, MAX_BATCH_SIZE, integer=True)
    _check_number("epochs", config.epochs, 1, MAX_EPOCHS, integer=True)
    _check_number("dropout", config.dropout, 0.0, 0.9)
    _check_number("validation_split", config.validation_split, 0.0, 0.5)
    _check_number("normalize_mean", config.normalize_mean, 0.0, 1.0)
    _check_number("normalize_std", config.normalize_std, 1e-3, 1.0)
    _check_number("init_stddev", config.init_stddev, 1e-4, 1.0)
    _check_number("seed", config.seed, 0, 2**31 - 1, integer=True)
    if config.train_size is not None:
        _check_number("train_size", config.train_size, MIN_TRAIN_SIZE, 60_000, integer=True)
    if not isinstance(config.shuffle, bool):
        raise ValueError(Msg("shuffle must be true or false; got {value}", value=repr(config.shuffle)))
    _validate_lessons(config)
    if config.parameter_count > MAX_PARAMETERS:
        raise ValueError(Msg(
            "hidden_units {layers} give {count} parameters; the limit is {limit} (an epoch would "
            "take minutes on a workshop laptop)", layers=str(list(layers)),
            count=format(config.parameter_count, ","), limit=format(MAX_PARAMETERS, ",")))


def _validate_lessons(config: TrainConfig) -> None:
    """The options of the lessons after the tutorials: augmentation, decay, schedule, early stop."""
    _check_choice("augment", config.augment, AUGMENTATIONS)
    _check_number("augment_strength", config.augment_strength,
                  MIN_AUGMENT_STRENGTH, MAX_AUGMENT_STRENGTH)
    _check_number("weight_decay", config.weight_decay, 0.0, MAX_WEIGHT_DECAY)
    _check_choice("schedule", config.schedule, SCHEDULES)
    if not (isinstance(config.warmup_epochs, int) and not isinstance(config.warmup_epochs, bool)
            and 0 <= config.warmup_epochs < config.epochs):
        raise ValueError(Msg(
            "warmup_epochs must be an integer from 0 to {most}, fewer than the {epochs} epoch(s), "
            "so the schedule keeps at least one epoch after the warm-up; got {value}",
            most=config.epochs - 1, epochs=config.epochs, value=repr(config.warmup_epochs)))
    if config.early_stopping_patience is not None:
        patience = config.early_stopping_patience
        if isinstance(patience, bool) or not isinstance(patience, int) or not 1 <= patience <= MAX_PATIENCE:
            raise ValueError(Msg(
                "early_stopping_patience must be an integer from 1 to {most} epochs (0 would stop "
                "at the first epoch without progress; leave it unset to train every epoch); "
                "got {value}", most=MAX_PATIENCE, value=repr(patience)))
        if config.validation_split == 0:
            raise ValueError(Msg("early_stopping_patience needs a validation_split above 0: "
                                 "early stopping watches the validation loss"))
