"""A challenge's rules on the Train form: fixed fields locked and showing the rule, bounded widgets
stopped at the bound. The server checks the rules anyway (Classroom.admit); this only guides."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mnist_dash import config as config_lib
from mnist_dash.classroom.rules import Rules
from mnist_dash.i18n import _
from mnist_dash.ui import state

NO_RULES = Rules()


def locked(field: str, rules: Rules, help: str | None = None) -> dict[str, Any]:
    """A widget's `disabled` and `help`: a fixed field is disabled, its help the rule."""
    if field not in rules.fixed:
        return {"help": help} if help else {}
    return {"disabled": True, "help": _(rules.fixed_rule(field))}


def options(choices: Sequence[float], bound: str, rules: Rules) -> tuple:
    """A select slider's choices up to the bound (at least the smallest, so it can be drawn)."""
    limit = rules.at_most.get(bound)
    allowed = tuple(c for c in choices if limit is None or c <= limit)
    return allowed or (min(choices),)


def slider_max(own_max: int, bound: str, rules: Rules) -> int:
    """An integer slider's max_value: its own, or the bound's when lower (never below 1)."""
    limit = rules.at_most.get(bound)
    return own_max if limit is None else max(1, min(own_max, int(limit)))


def int_slider(own_max: int, bound: str, rules: Rules, lock: dict[str, Any]) -> dict[str, Any]:
    """An integer slider's range from 1 (and `lock`, from `locked`), stopped at the bound.

    A bound of 1 leaves one value, which Streamlit cannot draw (min_value == max_value raises):
    that slider keeps 1 to 2 and is disabled at 1 (bounded_keys lowers its value), the rule as help.
    """
    top = slider_max(own_max, bound, rules)
    if top > 1:
        return {"min_value": 1, "max_value": top, **lock}
    return {"min_value": 1, "max_value": 2, **lock, "disabled": True,
            "help": _(rules.bound_rule(bound))}


def bounded_keys(rules: Rules, choices: dict[str, Sequence[float]]) -> dict[str, Any]:
    """Widget key -> the highest value the rules allow there (select sliders by `choices`)."""
    highest: dict[str, Any] = {
        state.FORM_KEYS["epochs"]: slider_max(config_lib.MAX_EPOCHS, "epochs", rules),
        state.FORM_LAYERS: slider_max(config_lib.MAX_HIDDEN_LAYERS, "hidden_layers", rules),
    }
    for field, values in choices.items():
        bound = "units_per_layer" if field == "hidden_units" else field
        top = max(options(values, bound, rules))
        keys = ([state.form_units_key(i) for i in range(config_lib.MAX_HIDDEN_LAYERS)]
                if field == "hidden_units" else [state.FORM_KEYS[field]])
        highest.update(dict.fromkeys(keys, top))
    return highest


def fixed_config(config: config_lib.TrainConfig, rules: Rules) -> config_lib.TrainConfig:
    """The config with the rules' fixed fields set, except the dataset (the sidebar chooses it)."""
    return config.replace(**{k: v for k, v in rules.fixed.items() if k != "dataset"})
