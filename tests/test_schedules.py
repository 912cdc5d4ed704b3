"""Learning-rate schedules: values at the steps that matter, and Keras's schedule equal to the curve."""

import math

import keras
import numpy as np
import pytest

from mnist_dash.config import TrainConfig
from mnist_dash.keras_schedule import ScheduledLearningRate, learning_rate
from mnist_dash.schedules import Schedule

STEPS = 100  # per epoch


def test_constant_without_warmup_is_the_base_rate_throughout():
    schedule = Schedule("constant", 0.01, 5, 0, STEPS)
    np.testing.assert_array_equal(schedule.rates(np.arange(500)), np.full(500, 0.01))
    assert learning_rate(schedule) == 0.01  # a plain float: no schedule object for the optimizer


def test_warmup_rises_linearly_from_small_to_the_base_rate():
    schedule = Schedule("constant", 0.1, 5, 2, STEPS)
    assert schedule.rate_at(0) == pytest.approx(0.1 / 200)
    assert schedule.rate_at(99) == pytest.approx(0.05)
    assert schedule.rate_at(199) == pytest.approx(0.1)  # the last warm-up update
    assert schedule.rate_at(350) == pytest.approx(0.1)
    assert np.all(np.diff(schedule.rates(np.arange(200))) > 0)


def test_step_halves_every_third_of_the_epochs():
    schedule = Schedule("step", 0.1, 10, 0, STEPS)  # every max(1, 10 // 3) = 3 epochs
    rates = [schedule.rate_at(epoch * STEPS) for epoch in range(10)]
    assert rates == pytest.approx([0.1] * 3 + [0.05] * 3 + [0.025] * 3 + [0.0125])
    assert Schedule("step", 0.1, 2, 0, STEPS).rate_at(150) == pytest.approx(0.05)  # every epoch


def test_step_counts_its_epochs_after_the_warmup():
    schedule = Schedule("step", 0.1, 7, 1, STEPS)  # 6 epochs after warm-up: halve every 2
    assert schedule.rate_at(99) == pytest.approx(0.1)
    assert schedule.rate_at(100) == pytest.approx(0.1) and schedule.rate_at(299) == pytest.approx(0.1)
    assert schedule.rate_at(300) == pytest.approx(0.05)


def test_cosine_follows_the_formula_and_ends_at_zero():
    schedule = Schedule("cosine", 0.2, 4, 1, STEPS)  # 300 decay steps after 100 warm-up steps
    for step in (100, 175, 250, 399):
        expected = 0.2 * 0.5 * (1 + math.cos(math.pi * (step - 100) / 300))
        assert schedule.rate_at(step) == pytest.approx(expected)
    assert schedule.rate_at(250) == pytest.approx(0.1)  # half way: half the rate
    assert schedule.rate_at(399) < 1e-4 * 0.2  # the last update: almost nothing
    assert schedule.rate_at(400) == 0.0 and schedule.rate_at(10_000) == 0.0


@pytest.mark.parametrize("kind", ["constant", "step", "cosine"])
@pytest.mark.parametrize("warmup", [0, 2])
def test_keras_schedule_equals_the_numpy_curve(kind, warmup):
    schedule = Schedule(kind, 0.003, 6, warmup, 469)
    keras_schedule = ScheduledLearningRate(kind, 0.003, 6, warmup, 469)
    steps = np.arange(0, 6 * 469 + 10, 7)
    keras_rates = np.array([float(keras_schedule(step)) for step in steps])
    np.testing.assert_allclose(keras_rates, schedule.rates(steps), rtol=1e-5, atol=1e-10)


def test_the_optimizer_uses_it_and_it_survives_saving(tmp_path):
    config = TrainConfig(schedule="cosine", warmup_epochs=1, epochs=3, learning_rate=0.1,
                         optimizer="sgd")
    schedule = Schedule.from_config(config, steps_per_epoch=10)
    optimizer = keras.optimizers.SGD(learning_rate=learning_rate(schedule))
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=optimizer, loss="mse")
    model.fit(np.ones((40, 2)), np.ones((40, 1)), batch_size=4, epochs=1, verbose=0)  # 10 updates
    assert float(optimizer.learning_rate) == pytest.approx(schedule.rate_at(10))
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert loaded.optimizer._learning_rate.get_config() == optimizer._learning_rate.get_config()


def test_impossible_schedules_are_refused():
    with pytest.raises(ValueError, match="schedule must be one of"):
        Schedule("exponential", 0.1, 5, 0, STEPS)
    with pytest.raises(ValueError, match="fewer warm-up epochs than epochs"):
        Schedule("cosine", 0.1, 3, 3, STEPS)
