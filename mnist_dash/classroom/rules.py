"""A challenge's rules: config fields fixed to a value and quantities bounded above, checked by the server."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mnist_dash.config import TrainConfig
from mnist_dash.i18n import N_, Msg, PluralMsg

FULL_TRAIN_SIZE = 60_000  # what train_size None (all images) means for MNIST and Fashion-MNIST
CONFIG_FIELDS = tuple(f.name for f in dataclasses.fields(TrainConfig))


FIELD_LABELS = {  # a TrainConfig field -> its label in rule sentences: the Train form's widget label
    "dataset": N_("Dataset"), "hidden_units": N_("Hidden layers"),
    "activation": N_("Hidden activation"), "output_activation": N_("Output activation"),
    "loss": N_("Loss"), "optimizer": N_("Optimizer"), "learning_rate": N_("Learning rate (log scale)"),
    "momentum": N_("Momentum"), "batch_size": N_("Batch size"), "epochs": N_("Epochs"),
    "dropout": N_("Dropout after each hidden layer"), "validation_split": N_("Held out for validation"),
    "preprocessing": N_("Input scaling"), "normalize_mean": N_("Mean used to standardize"),
    "normalize_std": N_("Std used to standardize"), "initializer": N_("Initial weights"),
    "init_stddev": N_("Std of initial weights"), "seed": N_("Seed"), "train_size": N_("Training images"),
    "shuffle": N_("Shuffle every epoch"), "augment": N_("Augmentation of each training batch"),
    "augment_strength": N_("Strength of the distortions"),
    "weight_decay": N_("Weight decay (of the kernels)"), "schedule": N_("Learning-rate schedule"),
    "warmup_epochs": N_("Warm-up epochs"),
    "early_stopping_patience": N_("Early stopping: patience in epochs (0 = off)"),
}


@dataclass(frozen=True)
class Bound:
    """A quantity a challenge may cap: how to read it from a config, and its sentences.

    `broken(limit, value)`: the refusal of a config over the limit; `rule(limit)`: the rule itself.
    Sentences that count (epochs, images) are PluralMsg, so "at most 1 epoch" reads right.
    """

    value: Callable[[TrainConfig], float]
    broken: Callable[[float, str], Msg]
    rule: Callable[[float], Msg]


BOUNDS: dict[str, Bound] = {
    "epochs": Bound(
        lambda c: c.epochs,
        lambda limit, value: PluralMsg(
            "This challenge allows at most {n} epoch; you asked for {value}.",
            "This challenge allows at most {n} epochs; you asked for {value}.", int(limit), value=value),
        lambda limit: PluralMsg("At most {n} epoch.", "At most {n} epochs.", int(limit))),
    "parameters": Bound(
        lambda c: c.parameter_count,
        lambda limit, value: PluralMsg(
            "This challenge allows at most {n} parameter; your network has {value}.",
            "This challenge allows at most {n} parameters; your network has {value}.", int(limit),
            value=value),
        lambda limit: PluralMsg("At most {n} parameter.", "At most {n} parameters.", int(limit))),
    "train_size": Bound(
        lambda c: c.train_size if c.train_size is not None else FULL_TRAIN_SIZE,
        lambda limit, value: PluralMsg(
            "This challenge allows at most {n} training image; you asked for {value}.",
            "This challenge allows at most {n} training images; you asked for {value}.", int(limit),
            value=value),
        lambda limit: PluralMsg("At most {n} training image.", "At most {n} training images.",
                                int(limit))),
    "batch_size": Bound(
        lambda c: c.batch_size,
        lambda limit, value: Msg(
            "This challenge allows a batch size of at most {limit}; you asked for {value}.",
            limit=shown_value(limit), value=value),
        lambda limit: Msg("A batch size of at most {limit}.", limit=shown_value(limit))),
    "hidden_layers": Bound(
        lambda c: len(c.hidden_units),
        lambda limit, value: PluralMsg(
            "This challenge allows at most {n} hidden layer; you asked for {value}.",
            "This challenge allows at most {n} hidden layers; you asked for {value}.", int(limit),
            value=value),
        lambda limit: PluralMsg("At most {n} hidden layer.", "At most {n} hidden layers.", int(limit))),
    "units_per_layer": Bound(
        lambda c: max(c.hidden_units),
        lambda limit, value: PluralMsg(
            "This challenge allows at most {n} unit per hidden layer; your widest has {value}.",
            "This challenge allows at most {n} units per hidden layer; your widest has {value}.",
            int(limit), value=value),
        lambda limit: PluralMsg("At most {n} unit per hidden layer.",
                                "At most {n} units per hidden layer.", int(limit))),
    "learning_rate": Bound(
        lambda c: c.learning_rate,
        lambda limit, value: Msg(
            "This challenge allows a learning rate of at most {limit}; you asked for {value}.",
            limit=shown_value(limit), value=value),
        lambda limit: Msg("A learning rate of at most {limit}.", limit=shown_value(limit))),
}


def shown_value(value: Any) -> str:
    """A config value as people read it: 50,000 · 0.001 · 512-256 · sgd."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple | list):
        return "-".join(shown_value(v) for v in value)
    return str(value)


def field_label(name: str) -> Msg:
    """A config field as rule sentences name it: the Train form's label, translated where drawn."""
    return Msg(FIELD_LABELS[name])


def _normalized(name: str, value: Any) -> Any:
    """JSON gives lists where the config holds tuples."""
    return tuple(value) if name == "hidden_units" else value


@dataclass(frozen=True)
class Rules:
    """Fields fixed to one value ({"optimizer": "sgd"}) and upper bounds ({"epochs": 3}).

    Fixed: any TrainConfig field. Bounded: the names in BOUNDS. Raises ValueError naming the
    unknown field or the impossible value.
    """

    fixed: Mapping[str, Any] = field(default_factory=dict)
    at_most: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        fixed = {name: _normalized(name, value) for name, value in self.fixed.items()}
        object.__setattr__(self, "fixed", fixed)
        object.__setattr__(self, "at_most", dict(self.at_most))
        unknown = sorted(set(fixed) - set(CONFIG_FIELDS)) + sorted(set(self.at_most) - set(BOUNDS))
        if unknown:
            raise ValueError(f"unknown rule field(s): {', '.join(unknown)}; fixed fields are "
                             f"TrainConfig fields, bounded ones {', '.join(BOUNDS)}")
        TrainConfig().replace(**fixed)  # each fixed value must be one a config can hold
        for name, limit in self.at_most.items():
            if isinstance(limit, bool) or not isinstance(limit, int | float) \
                    or not math.isfinite(limit) or limit <= 0:
                raise ValueError(f"the bound on {name} must be a positive number; got {limit!r}")

    def violations(self, config: TrainConfig) -> list[Msg]:
        """Every rule the config breaks, as sentences for the learner (empty: it may train)."""
        broken = [
            Msg("This challenge fixes {field} to {value}; you chose {chosen}.", field=field_label(name),
                value=shown_value(value), chosen=shown_value(getattr(config, name)))
            for name, value in self.fixed.items() if getattr(config, name) != value
        ]
        for name, limit in self.at_most.items():
            value = BOUNDS[name].value(config)
            if value > limit:
                broken.append(BOUNDS[name].broken(limit, shown_value(value)))
        return broken

    def sentences(self) -> list[Msg]:
        """The rules as learners read them above the Train form."""
        return [*map(self.fixed_rule, self.fixed), *map(self.bound_rule, self.at_most)]

    def fixed_rule(self, name: str) -> Msg:
        """The rule on one fixed field: "Optimizer is fixed to sgd." (the label translated, not the value)."""
        return Msg("{field} is fixed to {value}.", field=field_label(name),
                   value=shown_value(self.fixed[name]))

    def bound_rule(self, name: str) -> Msg:
        """The rule on one bounded quantity: "At most 3 epochs." """
        return BOUNDS[name].rule(self.at_most[name])

    def apply_fixed(self, config: TrainConfig) -> TrainConfig:
        """The config with the fixed fields set (to start the Train form inside the rules)."""
        return config.replace(**self.fixed)

    def to_dict(self) -> dict[str, Any]:
        fixed = {k: list(v) if isinstance(v, tuple) else v for k, v in self.fixed.items()}
        return {"fixed": fixed, "at_most": dict(self.at_most)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rules:
        return cls(fixed=data.get("fixed", {}), at_most=data.get("at_most", {}))
