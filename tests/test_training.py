"""The training engine on tiny synthetic data, and once on the real MNIST file."""

import re

import numpy as np
import pytest

from mnist_dash import model as model_lib
from mnist_dash import training
from mnist_dash.accumulator import EpochAccumulator
from mnist_dash.config import TrainConfig
from mnist_dash.presets import PRESETS
from mnist_dash.progress import DownsampledSeries, Progress
from mnist_dash.vocabulary import EpochRecord, JobState

FAST = TrainConfig(hidden_units=(32,), epochs=3, batch_size=32, validation_split=0.2,
                   optimizer="adam", learning_rate=0.01)


def test_model_has_expected_parameters_and_scales_uint8_inside():
    config = TrainConfig(hidden_units=(64, 32), preprocessing="standardize")
    model = model_lib.build_model(config)
    assert model.count_params() == config.parameter_count
    assert model.inputs[0].dtype == "uint8"
    scaled = model.layers[1](np.full((1, 28, 28), 255, dtype=np.uint8))
    assert float(np.asarray(scaled).max()) == pytest.approx((1.0 - 0.1307) / 0.3081, rel=1e-5)


def test_same_seed_same_initial_weights_other_seed_differs():
    first = model_lib.build_model(TrainConfig(seed=3)).get_weights()
    again = model_lib.build_model(TrainConfig(seed=3)).get_weights()
    other = model_lib.build_model(TrainConfig(seed=4)).get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[0], other[0])


def test_one_hot_mse_matches_numpy():
    y_true = np.array([2, 0], dtype=np.uint8)
    y_pred = np.array([[0.1] * 10, [0.5] * 10], dtype=np.float32)
    expected = ((np.eye(10)[y_true] - y_pred) ** 2).mean(axis=1)
    assert np.allclose(np.asarray(model_lib.one_hot_mse(y_true, y_pred)), expected)


def test_probabilities_from_any_output_layer_sum_to_one():
    outputs = np.array([[2.0, -1.0] + [0.0] * 8, [-1.0] * 10])
    for config in (TrainConfig(output_activation="linear"),
                   TrainConfig(output_activation="linear", loss="mse")):
        probabilities = model_lib.outputs_to_probabilities(outputs, config)
        assert np.allclose(probabilities.sum(axis=1), 1.0)
        assert probabilities[0].argmax() == 0


def test_training_learns_records_batches_and_evaluates(tiny_dataset):
    progress = Progress()
    outcome = training.train(FAST, tiny_dataset, progress)
    snap = progress.snapshot()
    assert outcome.state == JobState.COMPLETED
    assert outcome.epochs_completed == 3 and len(outcome.history) == 3
    assert snap.step == 3 * 10  # 320 training images / batch 32
    assert all(isinstance(entry, EpochRecord) for entry in outcome.history)
    assert [entry.step for entry in outcome.history] == [10, 20, 30]
    assert outcome.history[0].val_loss is not None and outcome.history[0].val_accuracy is not None
    assert outcome.history[-1].loss < outcome.history[0].loss
    assert outcome.test_accuracy > 0.8
    assert outcome.test_probabilities.shape == (100, 10)
    predicted = outcome.test_probabilities.argmax(axis=1)
    assert outcome.test_accuracy == pytest.approx(np.mean(predicted == tiny_dataset.y_test))


def test_recorded_batch_loss_is_the_batch_loss_not_the_running_mean(tiny_dataset):
    """The per-batch values, averaged with batch sizes, give back the epoch's mean loss."""
    config = FAST.replace(epochs=1, validation_split=0.0)
    progress = Progress()
    outcome = training.train(config, tiny_dataset, progress)
    losses = np.array(progress.snapshot().batch_loss)
    sizes = np.array([32] * 12 + [16])  # 400 images
    assert len(losses) == 13
    assert np.average(losses, weights=sizes) == pytest.approx(outcome.history[0].loss, rel=1e-4)
    assert not np.allclose(losses[1:], np.cumsum(losses)[1:] / np.arange(2, 14))


def test_stop_mid_epoch_keeps_the_partial_model(tiny_dataset):
    progress = Progress()
    calls = {"n": 0}

    def stop_after_five():
        calls["n"] += 1
        return "Stopped on request." if calls["n"] >= 5 else None

    outcome = training.train(FAST, tiny_dataset, progress, stop_after_five)
    assert outcome.state == JobState.STOPPED and outcome.message == "Stopped on request."
    assert progress.snapshot().step == 5
    assert outcome.epochs_completed == 0 and outcome.history[0].partial is True
    assert outcome.history[0].val_loss is None  # a Stop does not wait for validation
    assert outcome.test_probabilities is not None  # the partial model is usable


def test_huge_learning_rate_diverges_with_a_plain_message(tiny_dataset):
    config = FAST.replace(optimizer="sgd", learning_rate=10.0, loss="mse",
                          output_activation="linear", hidden_units=(64, 64))
    outcome = training.train(config, tiny_dataset, Progress())
    assert outcome.state == JobState.DIVERGED
    assert "learning rate" in outcome.message and "10" in outcome.message


@pytest.mark.parametrize(
    ("second_loss", "problem"),
    [(float("nan"), "the loss became nan"), (float("inf"), "the loss became inf"),
     (80.0, "the loss exploded from 0.5 to 80"), (0.4, None)],
)
def test_a_nan_or_exploding_loss_counts_as_divergence(second_loss, problem):
    accumulator = EpochAccumulator(Progress(), should_stop=lambda: None)
    accumulator.start_epoch()
    assert accumulator.add_batch(0.5, 0.1, 32) is False
    halted = accumulator.add_batch(second_loss, 0.1, 32)
    if problem is None:
        assert accumulator.diverged is None and halted is False
    else:
        assert accumulator.diverged.startswith(problem) and halted is True


def test_the_accumulator_weights_batches_by_size_and_marks_a_stopped_epoch_partial():
    requests = iter([None, None, "Stopped on request."])
    progress = Progress()
    accumulator = EpochAccumulator(progress, should_stop=lambda: next(requests))
    accumulator.start_epoch()
    accumulator.add_batch(1.0, 0.0, 30)
    accumulator.add_batch(2.0, 1.0, 10)
    full = accumulator.end_epoch()
    assert (full.epoch, full.step, full.partial) == (1, 2, False)
    assert full.loss == pytest.approx(1.25) and full.accuracy == pytest.approx(0.25)
    accumulator.start_epoch()
    assert accumulator.add_batch(4.0, 0.5, 30) is True  # Stop is seen after this batch
    stopped = accumulator.end_epoch()
    assert (stopped.epoch, stopped.step, stopped.partial, stopped.loss) == (2, 3, True, 4.0)
    assert accumulator.stop_reason == "Stopped on request." and accumulator.diverged is None
    assert progress.snapshot().step == 3


def test_same_seed_same_history(tiny_dataset):
    first = training.train(FAST, tiny_dataset, Progress())
    second = training.train(FAST, tiny_dataset, Progress())
    assert [e.loss for e in first.history] == [e.loss for e in second.history]


def test_downsampled_series_stays_bounded_and_keeps_the_mean():
    series = DownsampledSeries(limit=50)
    for step in range(1, 10_001):
        series.append(step, float(step))
    steps, values = series.points()
    assert len(steps) < 100
    assert steps == tuple(sorted(steps))
    assert abs(np.mean(values) - 5000) < 200


@pytest.mark.slow
@pytest.mark.real_data
def test_keras_book_one_epoch_on_real_mnist_reaches_095(real_mnist):
    config = TrainConfig(epochs=1, validation_split=0.0)  # the Keras book network
    outcome = training.train(config, real_mnist, Progress())
    assert outcome.state == JobState.COMPLETED
    assert outcome.test_accuracy >= 0.95


def test_xla_is_used_where_it_pays():
    assert model_lib.use_xla(TrainConfig(epochs=1), 60_000)
    assert not model_lib.use_xla(TrainConfig(epochs=1, train_size=1000), 60_000)
    assert not model_lib.use_xla(TrainConfig(epochs=5, dropout=0.2), 60_000)


def test_xla_training_and_clean_fallback_when_xla_fails(tiny_dataset, monkeypatch):
    monkeypatch.setattr(model_lib, "use_xla", lambda config, n=0: True)
    with_xla = training.train(FAST, tiny_dataset, Progress())
    assert with_xla.xla and with_xla.test_accuracy > 0.8
    original = training.make_train_step

    def xla_breaks(model, config, images, labels, jit_compile):
        step = original(model, config, images, labels, jit_compile)
        if not jit_compile:
            return step
        return lambda indices: (_ for _ in ()).throw(RuntimeError("XLA compilation failed"))

    monkeypatch.setattr(training, "make_train_step", xla_breaks)
    fallback = training.train(FAST, tiny_dataset, Progress())
    assert not fallback.xla and fallback.state == JobState.COMPLETED and fallback.test_accuracy > 0.8


def test_pytorch_default_start_is_uniform_within_one_over_sqrt_fan_in():
    model = model_lib.build_model(TrainConfig(hidden_units=(256,), initializer="pytorch_default"))
    kernel, bias = model.get_layer("hidden_1").get_weights()
    limit = 784 ** -0.5
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.95 * limit
    assert np.abs(bias).max() <= limit and np.abs(bias).std() > 0
    out_kernel, _ = model.get_layer("output").get_weights()
    assert np.abs(out_kernel).max() <= 256 ** -0.5


@pytest.mark.parametrize(
    "changes",
    [{}, {"output_activation": "linear"}, {"loss": "mse", "output_activation": "linear"},
     {"loss": "mse"}],
)
def test_test_loss_and_accuracy_match_keras_evaluate(tiny_dataset, changes):
    config = FAST.replace(epochs=1, **changes)
    outcome = training.train(config, tiny_dataset, Progress())
    keras_loss, keras_accuracy = outcome.model.evaluate(
        tiny_dataset.x_test, tiny_dataset.y_test, verbose=0)
    assert outcome.test_loss == pytest.approx(keras_loss, rel=1e-4, abs=1e-6)
    assert outcome.test_accuracy == pytest.approx(keras_accuracy)


def reference_loss(outputs: np.ndarray, labels: np.ndarray, config: TrainConfig) -> float:
    """The loss written out in numpy, independently of Keras."""
    outputs, labels = np.asarray(outputs, dtype=np.float64), np.asarray(labels, dtype=np.int64)
    if config.loss == "mse":
        return float(np.mean((np.eye(10)[labels] - outputs) ** 2))
    if config.output_activation == "softmax":
        # Keras clips probabilities to [eps, 1 - eps] before the log.
        picked = np.clip(outputs[np.arange(len(labels)), labels], 1e-7, 1 - 1e-7)
        return float(-np.mean(np.log(picked)))
    shifted = outputs - outputs.max(axis=1, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-np.mean(log_softmax[np.arange(len(labels)), labels]))


@pytest.mark.parametrize(
    "changes",
    [{}, {"output_activation": "linear"}, {"loss": "mse", "output_activation": "linear"},
     {"loss": "mse"}],
)
def test_loss_value_is_the_loss_written_out_in_numpy(changes):
    config = TrainConfig(**changes)
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 10, size=500)
    logits = rng.normal(scale=3.0, size=(500, 10))
    if config.output_activation == "softmax":
        outputs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        outputs[0, labels[0]] = 0.0  # a certain mistake: the clipping matters
    else:
        outputs = logits
    assert model_lib.loss_value(outputs, labels, config) == pytest.approx(
        reference_loss(outputs, labels, config), rel=1e-5)


def test_per_class_accuracy_is_recorded_each_epoch(tiny_dataset):
    outcome = training.train(FAST.replace(epochs=2), tiny_dataset, Progress())
    for entry in outcome.history:
        assert len(entry.class_accuracy) == 10
        assert all(0.0 <= v <= 1.0 or np.isnan(v) for v in entry.class_accuracy)


def test_the_workshop_preset_trains_several_epochs_and_says_how_long_it_takes(tiny_dataset):
    """The recipe, shrunk to the tiny dataset (it keeps every other setting), learns over several
    epochs; its description names the time it was measured to take."""
    preset = PRESETS["workshop"]
    assert re.search(r"about \d+ s", preset.description) and re.search(r"\d+ s", preset.title)
    assert preset.config.epochs >= 5  # a curve with several points
    tiny = preset.config.replace(train_size=None, epochs=3, hidden_units=(32,))
    outcome = training.train(tiny, tiny_dataset, Progress())
    assert outcome.state == JobState.COMPLETED
    assert [record.epoch for record in outcome.history] == [1, 2, 3]
    assert outcome.history[-1].loss < outcome.history[0].loss
