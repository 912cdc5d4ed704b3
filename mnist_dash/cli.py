"""Command line: `python -m mnist_dash train|runs` with the same engine and run store as the app."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from collections.abc import Sequence
from typing import TextIO

from mnist_dash import config as config_lib
from mnist_dash import data
from mnist_dash.executors.base import Executor
from mnist_dash.executors.configure import RAY_ADDRESS, executor_from_env
from mnist_dash.executors.threads import ThreadExecutor
from mnist_dash.jobs import JobManager, JobSnapshot
from mnist_dash.presets import DEFAULT_PRESET, PRESETS, get_preset
from mnist_dash.runs import RunStore
from mnist_dash.vocabulary import EpochRecord, JobState

# option -> TrainConfig field, for options that map one to one
_FIELD_OPTIONS = {
    "activation": "activation", "output_activation": "output_activation", "loss": "loss",
    "optimizer": "optimizer", "learning_rate": "learning_rate", "momentum": "momentum",
    "epochs": "epochs", "batch_size": "batch_size", "dropout": "dropout",
    "validation_split": "validation_split", "preprocessing": "preprocessing", "seed": "seed",
    "train_size": "train_size", "dataset": "dataset", "initializer": "initializer",
    "augment": "augment", "augment_strength": "augment_strength", "weight_decay": "weight_decay",
    "schedule": "schedule", "warmup_epochs": "warmup_epochs", "early_stopping": "early_stopping_patience",
}


class UsageError(Exception):
    """Bad arguments: exit status 2."""


def _hidden(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 256,128; got {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m mnist_dash", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train an MLP and save the run")
    train.add_argument("--preset", choices=sorted(PRESETS), default=None,
                       help=f"start from a tutorial's configuration (default {DEFAULT_PRESET})")
    train.add_argument("--hidden", type=_hidden, help="hidden layer sizes, e.g. 256,128")
    train.add_argument("--activation", choices=config_lib.ACTIVATIONS)
    train.add_argument("--output-activation", choices=config_lib.OUTPUT_ACTIVATIONS)
    train.add_argument("--loss", choices=config_lib.LOSSES)
    train.add_argument("--optimizer", choices=config_lib.OPTIMIZERS)
    train.add_argument("--learning-rate", type=float)
    train.add_argument("--momentum", type=float)
    train.add_argument("--epochs", type=int)
    train.add_argument("--batch-size", type=int)
    train.add_argument("--dropout", type=float)
    train.add_argument("--validation-split", type=float)
    train.add_argument("--preprocessing", choices=config_lib.PREPROCESSING)
    train.add_argument("--seed", type=int)
    train.add_argument("--train-size", type=int, help="use only the first N training images")
    train.add_argument("--no-shuffle", action="store_true", help="keep the data in fixed order")
    train.add_argument("--dataset", choices=config_lib.DATASETS)
    train.add_argument("--initializer", choices=config_lib.INITIALIZERS, help="starting weights")
    train.add_argument("--augment", choices=config_lib.AUGMENTATIONS,
                       help="distort each training batch (default none)")
    train.add_argument("--augment-strength", type=float, help="scale of the distortions (1 = the usual)")
    train.add_argument("--weight-decay", type=float, help="decoupled weight decay of the kernels (0 = none)")
    train.add_argument("--schedule", choices=config_lib.SCHEDULES, help="learning rate over the run")
    train.add_argument("--warmup-epochs", type=int, help="epochs of linear warm-up before the schedule")
    train.add_argument("--early-stopping", type=int, metavar="PATIENCE",
                       help="stop after PATIENCE epochs without a lower validation loss, keep the best")
    train.add_argument("--data", help="a Keras-layout .npz or a folder of IDX files")
    train.add_argument("--runs-dir", help="where runs are saved (default runs/ or $MNIST_DASH_RUNS)")
    train.add_argument("--backend", choices=("threads", "ray"),
                       help="where to train: in this process (default) or on Ray")
    train.add_argument("--ray-address", help="a Ray cluster's host:port or auto (implies --backend "
                       "ray; without it, ray starts a private local Ray)")
    train.add_argument("--json", action="store_true", help="end with one JSON line of results")
    train.add_argument("--debug", action="store_true", help="show tracebacks")
    runs = commands.add_parser("runs", help="list saved runs, newest first")
    runs.add_argument("--runs-dir")
    return parser


def config_from_args(args: argparse.Namespace) -> config_lib.TrainConfig:
    base = get_preset(args.preset or DEFAULT_PRESET).config
    changes = {
        field: getattr(args, option)
        for option, field in _FIELD_OPTIONS.items()
        if getattr(args, option) is not None
    }
    if args.hidden is not None:
        changes["hidden_units"] = args.hidden
    if args.no_shuffle:
        changes["shuffle"] = False
    try:
        return dataclasses.replace(base, **changes)
    except ValueError as error:
        raise UsageError(f"{_option_name(str(error).split()[0])}: {error}") from None


def _option_name(field: str) -> str:
    options = {value: key for key, value in _FIELD_OPTIONS.items()} | {"hidden_units": "hidden"}
    return "--" + options.get(field, field).replace("_", "-")


def _epoch_line(record: EpochRecord, num_epochs: int) -> str:
    parts = [f"epoch {record.epoch}/{num_epochs}"]
    for validation, prefix in ((False, ""), (True, "val_")):
        for name in ("loss", "accuracy"):
            value = record.metric(name, validation)
            if value is not None:
                parts.append(f"{prefix}{name} {value:.4f}")
    parts.append(f"{record.seconds:.1f} s" + (" (stopped mid-epoch)" if record.partial else ""))
    return "  ".join(parts)


def _watch(manager: JobManager, job_id: str, out: TextIO) -> JobSnapshot:
    """Print each finished epoch (and a live bar on a terminal) until the job ends."""
    printed = 0
    interactive = out.isatty()
    while True:
        snap = manager.snapshot(job_id)
        for entry in snap.progress.epochs[printed:]:
            print(("\r" if interactive else "") + _epoch_line(entry, snap.config.epochs), file=out)
        printed = len(snap.progress.epochs)
        if not snap.active:
            return snap
        if interactive and snap.progress.steps_per_epoch:
            done = snap.progress.batch / snap.progress.steps_per_epoch
            bar = "#" * int(30 * done)
            print(f"\repoch {snap.progress.epoch + 1} [{bar:<30}] {snap.progress.batch}/"
                  f"{snap.progress.steps_per_epoch}", end="", file=out, flush=True)
        time.sleep(0.2)


def run_train(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    dataset = data.load_dataset(config.dataset, args.data)
    store = RunStore(args.runs_dir)
    manager = JobManager(store, _executor(args, dataset), data_path_for=lambda name: args.data)
    print(f"{dataset.title} from {dataset.source}\n{config.summary()}", file=sys.stderr)
    job = manager.submit(config)
    try:
        snap = _watch(manager, job.job_id, sys.stdout)
    except KeyboardInterrupt:
        manager.stop(job.job_id, owner=None)
        snap = manager.wait(job.job_id)
    return _report(snap, store, args.json, manager.describe()["backend"])


def _executor(args: argparse.Namespace, dataset: data.Dataset) -> Executor:
    """Threads in this process, or Ray (MNIST_DASH_CPUS_PER_JOB etc. apply, as in the app)."""
    if (args.backend or ("ray" if args.ray_address else "threads")) == "threads":
        if args.ray_address:
            raise UsageError("--ray-address needs --backend ray")
        return ThreadExecutor(1, load_dataset=lambda name, path: dataset)
    return executor_from_env({**os.environ, RAY_ADDRESS: args.ray_address or "local"})


def _report(snap: JobSnapshot, store: RunStore, as_json: bool, backend: str) -> int:
    if snap.state in (JobState.FAILED, JobState.DIVERGED):
        print(f"{snap.state}: {snap.message}", file=sys.stderr)
    elif snap.message:
        print(snap.message, file=sys.stderr)
    if snap.test_accuracy is not None:
        print(f"test accuracy {snap.test_accuracy:.4f}  test loss {snap.test_loss:.4f}")
    if snap.save_error:
        print(snap.save_error, file=sys.stderr)
    if as_json:
        loaded = store.load(snap.run_id, with_predictions=False) if snap.saved else None
        metrics = loaded.metrics if loaded else {}
        print(json.dumps({
            "state": snap.state, "run_id": snap.run_id,
            "run_dir": str(store.run_dir(snap.run_id)) if snap.saved else None,
            "config": snap.config.to_dict(), "backend": backend, "node": snap.node, **metrics,
        }))
    return 0 if snap.state.learned else 1


def run_list(args: argparse.Namespace) -> int:
    records, problems = RunStore(args.runs_dir).list_runs()
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    if not records:
        print("no saved runs")
    for record in records:
        accuracy = record.test_accuracy
        shown = f"{accuracy:.4f}" if accuracy is not None else "-"
        print(f"{record.run_id}  {record.created[:19]}  {record.state:<9}  {shown}  "
              f"{record.config.summary()}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run_train(args) if args.command == "train" else run_list(args)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except data.DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except Exception as error:
        if getattr(args, "debug", False):
            raise
        print(f"error: {type(error).__name__}: {error} (run with --debug for details)",
              file=sys.stderr)
        return 1
