"""The run's learning-rate schedule as a Keras LearningRateSchedule for the optimizer (imports TF)."""

from __future__ import annotations

import dataclasses

import keras

from mnist_dash.schedules import Schedule


@keras.saving.register_keras_serializable(package="mnist_dash")
class ScheduledLearningRate(keras.optimizers.schedules.LearningRateSchedule):
    """Schedule.rates as the optimizer sees it: the same formula, evaluated with keras.ops."""

    def __init__(self, kind: str, base_rate: float, epochs: int, warmup_epochs: int,
                 steps_per_epoch: int) -> None:
        self.schedule = Schedule(kind, base_rate, epochs, warmup_epochs, steps_per_epoch)

    def __call__(self, step):
        step = keras.ops.cast(step, "float32")
        return self.schedule.base_rate * self.schedule.factor(keras.ops, step)

    def get_config(self) -> dict:
        return dataclasses.asdict(self.schedule)


def learning_rate(schedule: Schedule) -> float | ScheduledLearningRate:
    """What to pass as the optimizer's learning_rate: a plain float when it never changes."""
    if schedule.kind == "constant" and schedule.warmup_epochs == 0:
        return schedule.base_rate
    return ScheduledLearningRate(**dataclasses.asdict(schedule))
