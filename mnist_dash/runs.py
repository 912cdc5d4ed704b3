"""The run store: every ended run saved atomically on disk, listed and loaded back by id."""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from mnist_dash.config import TrainConfig
from mnist_dash.executors.base import TrainResult
from mnist_dash.i18n import Msg, message_of
from mnist_dash.progress import ProgressSnapshot
from mnist_dash.vocabulary import EpochRecord, JobState, history_csv, read_history_csv

log = logging.getLogger(__name__)

RUN_ID_PATTERN = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")
DEFAULT_RUNS_DIR = Path(__file__).resolve().parent.parent / "runs"
RUN_FILE, HISTORY_FILE, MODEL_FILE, PREDICTIONS_FILE = (
    "run.json", "history.csv", "model.keras", "predictions.npz",
)
TENSORBOARD_DIR = "tensorboard"  # the event files of the run, for `tensorboard --logdir runs/`
_TEMP_PREFIX = ".tmp-"


def new_run_id() -> str:
    return f"{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def validate_run_id(run_id: object) -> str:
    """Only ids we generate are accepted, so no id can name a path outside the store."""
    if not isinstance(run_id, str) or not RUN_ID_PATTERN.fullmatch(run_id):
        raise ValueError(f"not a valid run id: {run_id!r}")
    return run_id


def library_versions() -> dict[str, str]:
    versions = {}
    for package in ("tensorflow-cpu", "tensorflow", "keras", "numpy", "streamlit"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return versions


@dataclass
class RunRecord:
    """One run: what was asked, what happened, and what it learned."""

    run_id: str
    config: TrainConfig
    state: JobState  # COMPLETED, STOPPED, DIVERGED or FAILED
    message: str = ""  # a Msg in memory (draw it with _()); run.json keeps the English
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    metrics: dict[str, Any] = field(default_factory=dict)
    history: list[EpochRecord] = field(default_factory=list)
    batch_series: dict[str, Any] = field(default_factory=dict)  # step, loss, accuracy lists
    versions: dict[str, str] = field(default_factory=library_versions)
    test_outputs: np.ndarray | None = None
    test_probabilities: np.ndarray | None = None
    model_bytes: bytes | None = None  # the trained model as a .keras file, until it is saved
    node: str = ""  # where it trained
    tensorboard_files: dict[str, bytes] = field(default_factory=dict)  # event files, until saved
    saved: bool = False
    save_error: str | None = None

    @classmethod
    def from_result(cls, run_id: str, config: TrainConfig, result: TrainResult) -> RunRecord:
        """The run a job's result describes (not yet saved)."""
        progress = result.progress
        return cls(
            run_id=run_id, config=config, state=result.state, message=result.message,
            metrics=dict(result.metrics),
            history=list(result.history or (progress.epochs if progress else ())),
            batch_series=_batch_series(progress) if progress else {},
            test_outputs=result.test_outputs, test_probabilities=result.test_probabilities,
            model_bytes=result.model_bytes, node=result.node,
            tensorboard_files=dict(result.tensorboard_files),
        )

    @property
    def test_accuracy(self) -> float | None:
        return self.metrics.get("test_accuracy")

    @property
    def has_predictions(self) -> bool:
        return self.test_probabilities is not None

    def progress(self) -> ProgressSnapshot:
        """The recorded curves in the same shape the live view draws."""
        series = self.batch_series
        steps = series.get("step", [])
        return ProgressSnapshot(
            epoch=len(self.history), num_epochs=series.get("num_epochs", self.config.epochs),
            batch=0, steps_per_epoch=series.get("steps_per_epoch", 0),
            step=steps[-1] if steps else 0,
            elapsed_seconds=self.metrics.get("train_seconds") or 0.0, eta_seconds=None,
            samples_per_second=self.metrics.get("samples_per_second"),
            batch_steps=tuple(steps), batch_loss=tuple(series.get("loss", [])),
            batch_accuracy=tuple(series.get("accuracy", [])), epochs=tuple(self.history),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id, "config": self.config.to_dict(), "state": self.state,
            "message": self.message, "created": self.created, "metrics": self.metrics,
            "batch_series": self.batch_series, "versions": self.versions, "node": self.node,
        }


def _batch_series(progress: ProgressSnapshot) -> dict[str, Any]:
    return {
        "step": list(progress.batch_steps), "loss": list(progress.batch_loss),
        "accuracy": list(progress.batch_accuracy),
        "steps_per_epoch": progress.steps_per_epoch, "num_epochs": progress.num_epochs,
    }


class DamagedRun(Exception):
    """A run directory that cannot be read back (the message is a Msg, args[0])."""


def _read_history(path: Path) -> list[EpochRecord]:
    return read_history_csv(path.read_text()) if path.exists() else []


def _write_tensorboard_files(directory: Path, files: dict[str, bytes]) -> None:
    """The run's TensorBoard event files, flat in `directory` (names come from a worker: checked)."""
    for name, content in files.items():
        if not name.startswith("events.out.tfevents.") or Path(name).name != name:
            raise ValueError(f"not a TensorBoard event file name: {name!r}")
        directory.mkdir(exist_ok=True)
        (directory / name).write_bytes(content)


class RunStore:
    """A directory of runs, one sub-directory per run id, each written in one rename."""

    def __init__(self, root: str | os.PathLike | None = None) -> None:
        root = root or os.environ.get("MNIST_DASH_RUNS") or DEFAULT_RUNS_DIR
        self.root = Path(root).expanduser().resolve()
        self._listing: tuple[tuple, list[RunRecord], list[str]] | None = None

    def run_dir(self, run_id: str) -> Path:
        return self.root / validate_run_id(run_id)

    def save(self, record: RunRecord) -> Path:
        """Write the run to a temporary directory, then rename it into place (atomic)."""
        target = self.run_dir(record.run_id)
        self.root.mkdir(parents=True, exist_ok=True)
        temp = Path(tempfile.mkdtemp(prefix=_TEMP_PREFIX + record.run_id, dir=self.root))
        try:
            self._write_files(temp, record)
            os.replace(temp, target)
        except BaseException:
            shutil.rmtree(temp, ignore_errors=True)
            raise
        self._listing = None
        record.saved, record.save_error = True, None
        return target

    def _write_files(self, directory: Path, record: RunRecord) -> None:
        (directory / HISTORY_FILE).write_text(history_csv(record.history))
        if record.test_probabilities is not None:
            np.savez_compressed(
                directory / PREDICTIONS_FILE,
                outputs=record.test_outputs, probabilities=record.test_probabilities,
            )
        if record.model_bytes is not None:
            (directory / MODEL_FILE).write_bytes(record.model_bytes)
        _write_tensorboard_files(directory / TENSORBOARD_DIR, record.tensorboard_files)
        # run.json last: its presence marks the run complete even without the rename.
        (directory / RUN_FILE).write_text(json.dumps(record.to_json(), indent=2))

    def load(self, run_id: str, with_predictions: bool = True) -> RunRecord:
        directory = self.run_dir(run_id)
        try:
            data = json.loads((directory / RUN_FILE).read_text())
            record = RunRecord(
                run_id=run_id, config=TrainConfig.from_dict(data["config"]),
                state=JobState(data["state"]), message=data.get("message", ""),
                created=data["created"], metrics=data.get("metrics", {}),
                batch_series=data.get("batch_series", {}), versions=data.get("versions", {}),
                history=_read_history(directory / HISTORY_FILE), node=data.get("node", ""),
                saved=True,
            )
            if with_predictions and (directory / PREDICTIONS_FILE).exists():
                with np.load(directory / PREDICTIONS_FILE, allow_pickle=False) as arrays:
                    record.test_outputs = arrays["outputs"]
                    record.test_probabilities = arrays["probabilities"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise DamagedRun(Msg("run {run_id} is damaged: {error}", run_id=run_id,
                                 error=str(error))) from error
        return record

    def list_runs(self) -> tuple[list[RunRecord], list[str]]:
        """Saved runs newest first (without predictions), and a line for each damaged one.

        Pages list runs on every rerun: the listing is read again only when a run has been
        added or removed. The directory's names are part of the key, not only its modification
        time, which a coarse clock can leave unchanged across a quick save."""
        if not self.root.is_dir():
            return [], []
        stamp = (self.root.stat().st_mtime_ns, tuple(sorted(os.listdir(self.root))))
        if self._listing is None or self._listing[0] != stamp:
            self._listing = (stamp, *self._read_listing())
        return list(self._listing[1]), list(self._listing[2])

    def _read_listing(self) -> tuple[list[RunRecord], list[str]]:
        records, problems = [], []
        for path in self.root.iterdir():
            if not RUN_ID_PATTERN.fullmatch(path.name):
                continue
            try:
                records.append(self.load(path.name, with_predictions=False))
            except DamagedRun as error:
                log.warning("%s", error)
                problems.append(message_of(error))
        records.sort(key=lambda r: (r.created, r.run_id), reverse=True)
        return records, problems

    def model_path(self, run_id: str) -> Path:
        return self.run_dir(run_id) / MODEL_FILE

    def load_model(self, run_id: str) -> Any:
        """A model this app saved itself (never a user upload)."""
        path = self.model_path(run_id)
        if not path.exists():
            raise DamagedRun(Msg("run {run_id} has no saved model", run_id=run_id))
        return _load_keras(path)

    def remove_stale_temp(self, older_than_seconds: float = 3600) -> int:
        """Delete half-written runs left by a killed process."""
        if not self.root.is_dir():
            return 0
        removed = 0
        for path in self.root.glob(_TEMP_PREFIX + "*"):
            if time.time() - path.stat().st_mtime > older_than_seconds:
                shutil.rmtree(path, ignore_errors=True)
                removed += 1
        return removed


def model_from_bytes(content: bytes) -> Any:
    """A model this app trained, from the bytes of its .keras file (never a user upload)."""
    with tempfile.TemporaryDirectory(prefix="mnist-dash-model-") as directory:
        path = Path(directory) / MODEL_FILE
        path.write_bytes(content)
        return _load_keras(path)


def _load_keras(path: Path) -> Any:
    """Compiled state not needed; safe_mode refuses Python code hidden in the file."""
    import keras

    from mnist_dash import model as _registers_custom_loss  # noqa: F401

    return keras.models.load_model(path, compile=False, safe_mode=True)
