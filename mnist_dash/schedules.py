"""The learning rate at every step of a run: constant, step (halving) or cosine, after a linear warm-up.

One formula, written once against an array namespace (numpy here, keras.ops in keras_schedule.py),
so the curve drawn under the loss chart is exactly the rate the optimizer used. This module imports
no TensorFlow.

With base rate r, S steps per epoch, E epochs and W warm-up epochs, update number t (from 0) uses
    r * warmup(t) * decay(t - W*S)
- warm-up: min(1, (t + 1) / (W*S)): r/(W*S) for the first update, r for the last warm-up update;
- constant: decay = 1;
- step: the rate halves every N = max(1, (E - W) // 3) epochs after the warm-up (at most about
  three halvings: 10 epochs give 1, 1/2, 1/4, 1/8 for epochs 1-3, 4-6, 7-9, 10);
- cosine: decay(u) = (1 + cos(pi * u / D)) / 2 over the D = (E - W)*S updates after the warm-up:
  the rate falls smoothly from r and reaches 0 when training ends (the last update's rate is
  r * (1 + cos(pi (D-1)/D)) / 2, nearly 0), as Keras's CosineDecay(decay_steps=D) does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from mnist_dash.config import SCHEDULES, TrainConfig


@dataclass(frozen=True)
class Schedule:
    """What the learning rate depends on: the config's schedule and the run's steps per epoch."""

    kind: str  # constant, step or cosine
    base_rate: float
    epochs: int
    warmup_epochs: int
    steps_per_epoch: int

    def __post_init__(self) -> None:
        if self.kind not in SCHEDULES:
            raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}; got {self.kind!r}")
        if self.steps_per_epoch < 1 or not 0 <= self.warmup_epochs < self.epochs:
            raise ValueError(
                f"a schedule needs at least one step per epoch and fewer warm-up epochs than "
                f"epochs; got {self.steps_per_epoch} steps, {self.warmup_epochs} of {self.epochs} epochs"
            )

    @classmethod
    def from_config(cls, config: TrainConfig, steps_per_epoch: int) -> Schedule:
        return cls(config.schedule, config.learning_rate, config.epochs, config.warmup_epochs,
                   steps_per_epoch)

    def factor(self, xp: Any, step: Any) -> Any:
        """The rate divided by the base rate at float `step`(s), with numpy or keras.ops as xp."""
        warmup_steps = self.warmup_epochs * self.steps_per_epoch
        after = xp.maximum(step - warmup_steps, 0.0)
        if self.kind == "cosine":
            decay_steps = (self.epochs - self.warmup_epochs) * self.steps_per_epoch
            decay = 0.5 * (1.0 + xp.cos(math.pi * xp.minimum(after / decay_steps, 1.0)))
        elif self.kind == "step":
            every = max(1, (self.epochs - self.warmup_epochs) // 3) * self.steps_per_epoch
            decay = xp.power(0.5, xp.floor(after / every))
        else:
            decay = xp.ones_like(after)
        if warmup_steps:
            decay = decay * xp.minimum((step + 1.0) / warmup_steps, 1.0)
        return decay

    def rates(self, steps: np.ndarray) -> np.ndarray:
        """The learning rate at each step (int array), float64: the curve under the loss chart."""
        return self.base_rate * self.factor(np, np.asarray(steps, dtype=np.float64))

    def rate_at(self, step: int) -> float:
        """The learning rate of update number `step` (from 0)."""
        return float(self.rates(np.array([step]))[0])
