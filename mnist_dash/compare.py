"""What differs between two training configurations, in the few words a chart label has room for."""

from __future__ import annotations

import dataclasses
from typing import Any

from mnist_dash.config import TrainConfig
from mnist_dash.i18n import N_, _

# TrainConfig field -> its short name on a label ("lr 0.001"); every field has one (a test checks).
SHORT_NAMES = {
    "dataset": N_("dataset"), "hidden_units": N_("layers"), "activation": N_("activation"),
    "output_activation": N_("output"), "loss": N_("loss"), "optimizer": N_("optimizer"),
    "learning_rate": "lr", "momentum": N_("momentum"), "batch_size": N_("batch"),
    "epochs": N_("epochs"), "dropout": N_("dropout"), "validation_split": N_("validation"),
    "preprocessing": N_("preprocessing"), "normalize_mean": N_("mean"), "normalize_std": N_("std"),
    "initializer": N_("init"), "init_stddev": N_("init std"), "seed": N_("seed"),
    "train_size": N_("images"), "shuffle": N_("shuffle"), "augment": N_("augmentation"),
    "augment_strength": N_("augmentation strength"), "weight_decay": N_("weight decay"),
    "schedule": N_("schedule"), "warmup_epochs": N_("warm-up"),
    "early_stopping_patience": N_("patience"),
}
NONE_TEXTS = {"train_size": N_("all"), "early_stopping_patience": N_("off")}  # what None means
MAX_SHOWN = 3  # differences named on a label; more are counted ("+2 more")


def _value_text(field: str, value: Any) -> str:
    if value is None:
        return _(NONE_TEXTS[field])
    if isinstance(value, bool):
        return _("on") if value else _("off")
    if isinstance(value, tuple):
        return "-".join(str(units) for units in value)
    if isinstance(value, float):
        return format(value, "g")
    return str(value)


def differences(a: TrainConfig, b: TrainConfig) -> list[tuple[str, str, str]]:
    """(short name, A's value, B's value) of every field that differs, in TrainConfig's order."""
    found = []
    for field in dataclasses.fields(TrainConfig):
        value_a, value_b = getattr(a, field.name), getattr(b, field.name)
        if value_a != value_b:
            found.append((_(SHORT_NAMES[field.name]), _value_text(field.name, value_a),
                          _value_text(field.name, value_b)))
    return found


def _label(pairs: list[str], total: int) -> str:
    shown = _(", ").join(pairs[:MAX_SHOWN])
    if total > MAX_SHOWN:
        return _("{shown}, +{more} more", shown=shown, more=total - MAX_SHOWN)
    return shown


def run_labels(a: TrainConfig, b: TrainConfig) -> tuple[str, str]:
    """Names for runs A and B from what differs: ("A: lr 0.001", "B: lr 0.003")."""
    found = differences(a, b)
    if not found:
        return _("A: same settings"), _("B: same settings")
    sides = []
    for letter, column in (("A", 1), ("B", 2)):
        pairs = [_("{name} {value}", name=row[0], value=row[column]) for row in found]
        sides.append(_("{letter}: {what}", letter=letter, what=_label(pairs, len(found))))
    return sides[0], sides[1]


def difference_text(a: TrainConfig, b: TrainConfig) -> str | None:
    """What B changes, as one line: "lr 0.001 vs 0.003, batch 128 vs 32"; None if nothing."""
    found = differences(a, b)
    if not found:
        return None
    pairs = [_("{name} {a} vs {b}", name=name, a=value_a, b=value_b) for name, value_a, value_b in found]
    return _label(pairs, len(found))
