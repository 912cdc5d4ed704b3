"""The lessons after the tutorials, wired into the engine: augmentation, schedules, weight decay,
early stopping, and the learning rate recorded per epoch (tiny synthetic data, few steps)."""

import numpy as np
import pytest

from mnist_dash import model as model_lib
from mnist_dash import training
from mnist_dash.progress import Progress
from mnist_dash.schedules import Schedule
from tests.test_training import FAST


def kernel_norm(outcome: training.TrainOutcome) -> float:
    return float(sum(np.sum(w ** 2) for w, v in zip(outcome.model.get_weights(), outcome.model.weights,
                                                      strict=True) if "kernel" in v.path))


@pytest.mark.parametrize("kind", ["shift", "elastic"])
def test_augmentation_same_seed_same_losses_and_it_changes_training(tiny_dataset, kind):
    config = FAST.replace(epochs=2, augment=kind)
    first = training.train(config, tiny_dataset, Progress())
    second = training.train(config, tiny_dataset, Progress())
    plain = training.train(config.replace(augment="none"), tiny_dataset, Progress())
    assert [e.loss for e in first.history] == [e.loss for e in second.history]
    assert [e.loss for e in first.history] != [e.loss for e in plain.history]


def test_augmentation_is_part_of_the_compiled_step(tiny_dataset, monkeypatch):
    """The distortion is traced into the compiled step (no Python per batch or per image)."""
    seen = []
    original = training.augment_batch

    def spy(images, kind, strength, seed):
        seen.append(seed)
        return original(images, kind, strength, seed)

    monkeypatch.setattr(training, "augment_batch", spy)
    config = FAST.replace(epochs=1, augment="shift", validation_split=0.0)
    model = model_lib.build_model(config)
    model_lib.compile_model(model, config)
    images, labels = training.training_tensors(tiny_dataset)
    step = training.make_train_step(model, config, images, labels, jit_compile=False)
    step(np.arange(32, dtype=np.int32))
    step(np.arange(32, 64, dtype=np.int32))
    assert len(seen) == 1  # traced once, then run by TensorFlow for every batch


def test_the_schedule_sets_the_optimizers_rate_as_learning_rate_at(tiny_dataset):
    config = FAST.replace(optimizer="sgd", learning_rate=0.1, epochs=4, warmup_epochs=1,
                          schedule="cosine", validation_split=0.2)
    outcome = training.train(config, tiny_dataset, Progress())
    schedule = Schedule.from_config(config, steps_per_epoch=10)  # 320 images / 32
    optimizer = outcome.model.optimizer
    assert int(optimizer.iterations) == 40
    assert float(optimizer.learning_rate) == pytest.approx(schedule.rate_at(40), rel=1e-5, abs=1e-7)
    for record in outcome.history:
        assert record.learning_rate == pytest.approx(schedule.rate_at(record.step - 1))
    assert outcome.history[0].learning_rate == pytest.approx(0.1)  # the warm-up's last update
    assert outcome.history[-1].learning_rate < 0.01


def test_a_constant_rate_is_recorded_every_epoch(tiny_dataset):
    outcome = training.train(FAST, tiny_dataset, Progress())
    assert [e.learning_rate for e in outcome.history] == [pytest.approx(FAST.learning_rate)] * 3


def test_weight_decay_shrinks_the_kernels(tiny_dataset):
    config = FAST.replace(epochs=2, optimizer="sgd", learning_rate=0.1)
    plain = training.train(config, tiny_dataset, Progress())
    decayed = training.train(config.replace(weight_decay=0.1), tiny_dataset, Progress())
    assert kernel_norm(decayed) < 0.9 * kernel_norm(plain)


def test_early_stopping_stops_and_restores_the_best_weights(tiny_dataset):
    # A high rate on a wide layer overfits 320 images fast: the validation loss soon rises.
    config = FAST.replace(epochs=12, early_stopping_patience=1, optimizer="adam", learning_rate=0.05,
                          hidden_units=(64,))
    outcome = training.train(config, tiny_dataset, Progress())
    val_losses = [e.val_loss for e in outcome.history]
    best = int(np.argmin(val_losses)) + 1
    assert outcome.best_epoch == best
    assert len(outcome.history) == best + 1 < 12  # stopped one epoch after the best
    assert outcome.state.learned and "Early stopping" in outcome.message
    data = training.RunData.split(config, tiny_dataset)
    kept_loss, _ = model_lib.measure(outcome.model, config, *data.validation)
    assert kept_loss == pytest.approx(val_losses[best - 1], rel=1e-5)
