"""compare.py: two runs named by what differs between their configs."""

import dataclasses

from mnist_dash import compare
from mnist_dash.config import TrainConfig

BASE = TrainConfig()


def test_every_config_field_has_a_short_name() -> None:
    assert set(compare.SHORT_NAMES) == {field.name for field in dataclasses.fields(TrainConfig)}


def test_labels_name_only_what_differs() -> None:
    other = BASE.replace(learning_rate=0.003)
    assert compare.differences(BASE, other) == [("lr", "0.001", "0.003")]
    assert compare.run_labels(BASE, other) == ("A: lr 0.001", "B: lr 0.003")
    assert compare.difference_text(BASE, other) == "lr 0.001 vs 0.003"


def test_values_read_as_people_write_them() -> None:
    other = BASE.replace(hidden_units=(256, 128), train_size=1000, early_stopping_patience=3,
                         shuffle=False)
    assert compare.differences(BASE, other) == [
        ("layers", "512", "256-128"), ("images", "all", "1000"), ("shuffle", "on", "off"),
        ("patience", "off", "3")]


def test_long_differences_are_counted_not_listed() -> None:
    other = BASE.replace(learning_rate=0.01, batch_size=32, epochs=1, seed=7, dropout=0.2)
    first, second = compare.run_labels(BASE, other)
    assert first == "A: lr 0.001, batch 128, epochs 5, +2 more"
    assert second == "B: lr 0.01, batch 32, epochs 1, +2 more"


def test_same_settings_say_so() -> None:
    assert compare.differences(BASE, BASE) == []
    assert compare.run_labels(BASE, BASE) == ("A: same settings", "B: same settings")
    assert compare.difference_text(BASE, BASE) is None

