"""What runs where a job runs: load the data, train, and pack the result as plain data.

Both executors call `run_job`: the thread executor in this process, a cluster executor in a worker
process on another machine. It never raises: a failure comes back as a FAILED result whose message
says what went wrong and where.
"""

from __future__ import annotations

import logging
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from mnist_dash import data
from mnist_dash.executors.base import JobSpec, TrainResult
from mnist_dash.i18n import Msg, message_of
from mnist_dash.progress import Progress
from mnist_dash.vocabulary import JobState

if TYPE_CHECKING:
    import keras

    from mnist_dash.training import TrainOutcome

log = logging.getLogger(__name__)

DatasetLoader = Callable[[str, str | None], data.Dataset]  # (dataset name, path override)
TrainFunction = Callable[..., "TrainOutcome"]  # training.train's signature


def model_to_bytes(model: keras.Model) -> bytes:
    """The model as the bytes of a .keras file (Keras saves only to a path)."""
    with tempfile.TemporaryDirectory(prefix="mnist-dash-model-") as directory:
        path = Path(directory) / "model.keras"
        model.save(path)
        return path.read_bytes()


def run_job(spec: JobSpec, progress: Progress, should_stop: Callable[[], str | None],
            load_dataset: DatasetLoader = data.get_dataset, train_fn: TrainFunction | None = None,
            node: str = "local") -> TrainResult:
    """Train `spec.config` on its dataset; progress goes to `progress`, Stop is `should_stop()`."""
    if node == "local":
        node = f"local ({socket.gethostname()})"
    try:
        dataset = load_dataset(spec.config.dataset, spec.data_path)
    except data.DataError as error:
        return TrainResult(JobState.FAILED, Msg("No data on {node}: {error}", node=node,
                                                error=message_of(error)), node=node)
    try:
        if train_fn is None:
            from mnist_dash import training  # imports TensorFlow: only where a job really runs

            train_fn = training.train
        outcome = train_fn(spec.config, dataset, progress, should_stop)
        return _result(spec, outcome, progress, node)
    except Exception as error:  # any job's failure is reported, never raised into the executor
        log.exception("job %s failed", spec.job_id)
        return TrainResult(JobState.FAILED, f"{type(error).__name__}: {error}",
                           progress=progress.snapshot(), node=node)


def _result(spec: JobSpec, outcome: TrainOutcome, progress: Progress, node: str) -> TrainResult:
    return TrainResult(
        state=outcome.state, message=outcome.message, history=list(outcome.history),
        progress=progress.snapshot(),
        metrics={
            "test_accuracy": outcome.test_accuracy, "test_loss": outcome.test_loss,
            "epochs_completed": outcome.epochs_completed, "train_seconds": outcome.train_seconds,
            "samples_per_second": outcome.samples_per_second, "xla": outcome.xla,
            "parameters": spec.config.parameter_count,
            **({"best_epoch": outcome.best_epoch} if outcome.best_epoch is not None else {}),
        },
        test_outputs=outcome.test_outputs, test_probabilities=outcome.test_probabilities,
        model_bytes=model_to_bytes(outcome.model) if outcome.model is not None else None,
        node=node, tensorboard_files=outcome.tensorboard_files,
    )
