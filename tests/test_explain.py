"""The sections on the options after the tutorials: present when the option is on, with its numbers."""

import math

import pytest

from mnist_dash import explain
from mnist_dash.config import TrainConfig

# 60,000 images, 10% held out, batch 100: 540 updates per epoch.
BASE = TrainConfig(batch_size=100, epochs=10, validation_split=0.1, learning_rate=0.002)


def titles(config: TrainConfig) -> list[str]:
    return [item.title for item in explain.for_training(config, 60000)]


def balanced(tex: str) -> bool:
    depth = 0
    for char in tex:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def test_default_run_gets_no_option_sections():
    assert len(titles(BASE)) == 5


@pytest.mark.parametrize(("changes", "title"), [
    ({"augment": "shift"}, "Data augmentation"),
    ({"weight_decay": 1e-4}, "Weight decay"),
    ({"schedule": "cosine"}, "The learning rate over the run"),
    ({"warmup_epochs": 1}, "The learning rate over the run"),
    ({"early_stopping_patience": 3}, "Early stopping"),
])
def test_each_option_that_is_on_gets_its_section(changes, title):
    found = [t for t in titles(BASE.replace(**changes)) if t.startswith(title)]
    assert len(found) == 1


@pytest.mark.parametrize("kind", ["shift", "affine", "elastic"])
def test_augmentation_states_the_amounts_at_the_chosen_strength(kind):
    item = explain.augmentation(BASE.replace(augment=kind, augment_strength=0.5))
    assert "±1 pixels" in item.text or kind == "elastic"
    if kind == "affine":
        assert "±7.5°" in item.text and "8%" in item.text
        assert f"±{math.degrees(math.atan(0.1)):.0f}°" in item.text
    if kind == "elastic":
        assert "α = 17" in item.text and "σ = 4" in item.text and "17" in item.formulas[0]
    assert all(balanced(f) for f in item.formulas)


def test_weight_decay_shows_the_l2_term_with_lambda():
    item = explain.weight_decay(BASE.replace(weight_decay=0.0005))
    assert r"\frac{\lambda}{2} \sum_i w_i^2" in item.formulas[0] and "0.0005" in item.formulas[0]
    assert "0.002 × 0.0005" in item.text


def test_cosine_schedule_formula_has_this_runs_steps():
    item = explain.learning_rate_schedule(BASE.replace(schedule="cosine", warmup_epochs=1), 60000)
    warmup, cosine = item.formulas
    assert r"\frac{t + 1}{540}" in warmup
    assert r"\cos\frac{\pi\,(t - 540)}{4860}" in cosine and "0.002" in cosine
    assert "4,860 updates" in item.text and all(balanced(f) for f in item.formulas)


def test_step_schedule_says_how_often_it_halves():
    item = explain.learning_rate_schedule(BASE.replace(schedule="step"), 60000)
    assert "halved every 3 epoch" in item.text and r"\lfloor e / 3 \rfloor" in item.formulas[0]


def test_early_stopping_names_the_patience():
    item = explain.early_stopping(BASE.replace(early_stopping_patience=4))
    assert "**4**" in item.text and r"\ge 4" in item.formulas[0]


@pytest.mark.parametrize(("epochs", "warmup", "expected", "warmup_text"), [
    (1, 0, "and 1 epoch makes **540** updates", "Then it follows half a cosine"),
    (2, 1, "and 2 epochs make **1,080** updates", "For the first epoch (540 updates)"),
    (3, 2, "and 3 epochs make **1,620** updates", "For the first 2 epochs (1,080 updates)"),
])
def test_epoch_counts_read_right_in_the_singular_and_the_plural(epochs, warmup, expected, warmup_text):
    config = BASE.replace(epochs=epochs, warmup_epochs=warmup, schedule="cosine")
    counted = explain.epochs_and_batches(config, 60000).text
    schedule = explain.learning_rate_schedule(config, 60000).text
    assert expected in counted and warmup_text in schedule
    assert "epoch(s)" not in counted + schedule and "1 epochs" not in counted + schedule


def test_a_step_schedule_halving_after_each_epoch_says_so():
    item = explain.learning_rate_schedule(BASE.replace(schedule="step", epochs=3), 60000)
    assert "halved after every epoch" in item.text
