"""A challenge's rules: config fields fixed to a value and quantities bounded above, checked by the server."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mnist_dash.config import TrainConfig
from mnist_dash.i18n import N_, Msg

FULL_TRAIN_SIZE = 60_000  # what train_size None (all images) means for MNIST and Fashion-MNIST
CONFIG_FIELDS = tuple(f.name for f in dataclasses.fields(TrainConfig))


@dataclass(frozen=True)
class Bound:
    """A quantity a challenge may cap: how to read it from a config, and the sentence for breaking it."""

    value: Callable[[TrainConfig], float]
    broken: str  # {limit} and {value}
    rule: str  # {limit}


BOUNDS: dict[str, Bound] = {
    "epochs": Bound(
        lambda c: c.epochs,
        N_("This challenge allows at most {limit} epochs; you asked for {value}."),
        N_("At most {limit} epochs.")),
    "parameters": Bound(
        lambda c: c.parameter_count,
        N_("This challenge allows at most {limit} parameters; your network has {value}."),
        N_("At most {limit} parameters.")),
    "train_size": Bound(
        lambda c: c.train_size if c.train_size is not None else FULL_TRAIN_SIZE,
        N_("This challenge allows at most {limit} training images; you asked for {value}."),
        N_("At most {limit} training images.")),
    "batch_size": Bound(
        lambda c: c.batch_size,
        N_("This challenge allows a batch size of at most {limit}; you asked for {value}."),
        N_("A batch size of at most {limit}.")),
    "hidden_layers": Bound(
        lambda c: len(c.hidden_units),
        N_("This challenge allows at most {limit} hidden layers; you asked for {value}."),
        N_("At most {limit} hidden layers.")),
    "units_per_layer": Bound(
        lambda c: max(c.hidden_units),
        N_("This challenge allows at most {limit} units per hidden layer; your widest has {value}."),
        N_("At most {limit} units per hidden layer.")),
    "learning_rate": Bound(
        lambda c: c.learning_rate,
        N_("This challenge allows a learning rate of at most {limit}; you asked for {value}."),
        N_("A learning rate of at most {limit}.")),
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
            Msg("This challenge fixes {field} to {value}; you chose {chosen}.", field=name,
                value=shown_value(value), chosen=shown_value(getattr(config, name)))
            for name, value in self.fixed.items() if getattr(config, name) != value
        ]
        for name, limit in self.at_most.items():
            bound, value = BOUNDS[name], BOUNDS[name].value(config)
            if value > limit:
                broken.append(Msg(bound.broken, limit=shown_value(limit), value=shown_value(value)))
        return broken

    def sentences(self) -> list[Msg]:
        """The rules as learners read them above the Train form."""
        fixed = [Msg("{field} is fixed to {value}.", field=name, value=shown_value(value))
                 for name, value in self.fixed.items()]
        return fixed + [Msg(BOUNDS[name].rule, limit=shown_value(limit))
                        for name, limit in self.at_most.items()]

    def apply_fixed(self, config: TrainConfig) -> TrainConfig:
        """The config with the fixed fields set (to start the Train form inside the rules)."""
        return config.replace(**self.fixed)

    def to_dict(self) -> dict[str, Any]:
        fixed = {k: list(v) if isinstance(v, tuple) else v for k, v in self.fixed.items()}
        return {"fixed": fixed, "at_most": dict(self.at_most)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rules:
        return cls(fixed=data.get("fixed", {}), at_most=data.get("at_most", {}))
