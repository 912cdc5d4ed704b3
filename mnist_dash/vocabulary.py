"""The words every module shares: a job's state, one epoch's record, and how a history is stored.

Defined once here; no other module spells a state or a history column as a string literal.
"""

from __future__ import annotations

import enum
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any


class JobState(enum.StrEnum):
    """Where a training job is in its life; the last four are ends (a run record keeps one)."""

    QUEUED = "queued"
    RUNNING = "running"
    STOPPING = "stopping"
    COMPLETED = "completed"
    STOPPED = "stopped"
    FAILED = "failed"
    DIVERGED = "diverged"

    @property
    def active(self) -> bool:
        return self in (JobState.QUEUED, JobState.RUNNING, JobState.STOPPING)

    @property
    def learned(self) -> bool:
        """The run ended with a model worth evaluating (finished, or stopped keeping what it learned)."""
        return self in (JobState.COMPLETED, JobState.STOPPED)


@dataclass(frozen=True)
class EpochRecord:
    """What one epoch left: its mean training loss and accuracy, and the checks made after it."""

    epoch: int  # counted from 1
    step: int  # optimizer updates done in all when this epoch ended
    seconds: float  # wall time of the epoch's training (not its checks)
    loss: float  # batch losses averaged, weighted by batch size (as Keras reports)
    accuracy: float
    partial: bool = False  # Stop interrupted this epoch: loss and accuracy cover its first batches
    val_loss: float | None = None  # None when nothing is held out (or the epoch was partial)
    val_accuracy: float | None = None
    class_accuracy: tuple[float, ...] = ()  # per true class, on validation (or a training probe)
    learning_rate: float | None = None  # the rate of the epoch's last update; None in older runs

    def metric(self, name: str, validation: bool = False) -> float | None:
        """`loss` or `accuracy`, of training or of validation."""
        if name not in ("loss", "accuracy"):
            raise ValueError(f"no epoch metric called {name!r}; use 'loss' or 'accuracy'")
        return getattr(self, f"val_{name}" if validation else name)

    def to_row(self) -> dict[str, Any]:
        """A flat row (class accuracies as class_accuracy_0..9), as the history CSV holds it."""
        row = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "class_accuracy"}
        row.update({f"{CLASS_ACCURACY_PREFIX}{k}": v for k, v in enumerate(self.class_accuracy)})
        return row

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> EpochRecord:
        """The inverse of to_row; tolerates the missing or empty cells of older runs."""
        names = {f.name for f in fields(cls)}
        values = {k: _cell(v) for k, v in row.items() if k in names}
        classes = sorted((int(k[len(CLASS_ACCURACY_PREFIX):]), _cell(v)) for k, v in row.items()
                         if k.startswith(CLASS_ACCURACY_PREFIX))
        # All empty: an epoch without the checks (a partial one) in a file with other epochs' classes.
        values["class_accuracy"] = () if all(v is None for _, v in classes) else tuple(
            float("nan") if v is None else float(v) for _, v in classes)
        values["epoch"], values["step"] = int(values["epoch"]), int(values.get("step") or 0)
        values["partial"] = bool(values.get("partial") or False)
        return cls(**values)

    def with_checks(self, **checks: Any) -> EpochRecord:
        return replace(self, **checks)


CLASS_ACCURACY_PREFIX = "class_accuracy_"
HISTORY_COLUMNS = ("epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds", "step", "partial",
                   "learning_rate")


def _cell(value: Any) -> Any:
    """An empty CSV cell (NaN or None) reads back as None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def history_csv(history: Sequence[EpochRecord]) -> str:
    """The one history serializer: a row per epoch, columns in HISTORY_COLUMNS order, then classes."""
    import pandas as pd  # not at import: pages without a history need not pay for pandas

    rows = [record.to_row() for record in history]
    classes = max((len(record.class_accuracy) for record in history), default=0)
    columns = [*HISTORY_COLUMNS, *(f"{CLASS_ACCURACY_PREFIX}{k}" for k in range(classes))]
    return pd.DataFrame(rows, columns=columns).to_csv(index=False, lineterminator="\n")


def read_history_csv(text: str) -> list[EpochRecord]:
    """The inverse of history_csv, also for files written before this module existed."""
    import pandas as pd

    if not text.strip():
        return []
    frame = pd.read_csv(io.StringIO(text))
    return [EpochRecord.from_row(row) for row in frame.to_dict(orient="records")]


def lowest_validation_epoch(history: Iterable[EpochRecord]) -> int | None:
    """The first epoch with the lowest validation loss: the one early stopping keeps."""
    checked = [record for record in history if record.val_loss is not None]
    return min(checked, key=lambda record: record.val_loss).epoch if checked else None


def completed_epochs(history: Iterable[EpochRecord]) -> int:
    return sum(not record.partial for record in history)

