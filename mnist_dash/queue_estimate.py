"""How long a queued learner will wait: the running jobs' measured speed, played forward."""

from __future__ import annotations

import heapq
import statistics
from collections.abc import Sequence

from mnist_dash.config import TrainConfig
from mnist_dash.progress import ProgressSnapshot

FULL_TRAINING_SET = 60_000
START_SECONDS = 2.0  # loading and compiling before a job's first batch (measured 1.4-3.3 s)


def images_to_train(config: TrainConfig) -> int:
    """Images times epochs the job will see (the dataset's size is not known here: MNIST's)."""
    images = min(config.train_size or FULL_TRAINING_SET, FULL_TRAINING_SET)
    return round(images * (1 - config.validation_split)) * config.epochs


def measured_speed(running: Sequence[ProgressSnapshot]) -> float | None:
    """The median images per second of the jobs running now (None before any is measured)."""
    speeds = [p.samples_per_second for p in running if p.samples_per_second]
    return statistics.median(speeds) if speeds else None


def wait_seconds(running: Sequence[ProgressSnapshot], ahead: Sequence[TrainConfig],
                 slots: int) -> float | None:
    """Seconds until the next queued job after `ahead` starts, with `slots` jobs at a time.

    Each slot frees when its running job's ETA runs out; each job ahead then takes the
    earliest free slot for as long as its images take at the measured speed. None while no
    running job has a measured speed yet."""
    speed = measured_speed(running)
    if speed is None or slots < 1:
        return None
    free_at = [p.eta_seconds or 0.0 for p in running][:slots]
    free_at += [0.0] * (slots - len(free_at))
    heapq.heapify(free_at)
    for config in ahead:
        start = heapq.heappop(free_at)
        heapq.heappush(free_at, start + START_SECONDS + images_to_train(config) / speed)
    return free_at[0]
