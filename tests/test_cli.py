"""The command line, run as a real subprocess like a user would."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import make_arrays

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mnist_dash", *args], cwd=ROOT, capture_output=True, text=True,
        timeout=180, env={**os.environ, **(env or {})},
    )


@pytest.fixture
def tiny_npz(tmp_path) -> Path:
    path = tmp_path / "tiny.npz"
    np.savez(path, **make_arrays(num_train=300, num_test=50))
    return path


@pytest.mark.slow
def test_train_prints_epochs_and_ends_with_json(tiny_npz, tmp_path):
    result = run_cli("train", "--preset", "keras-book", "--epochs", "2", "--hidden", "32",
                     "--data", str(tiny_npz), "--runs-dir", str(tmp_path / "runs"), "--json")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("epoch 1/2") and lines[1].startswith("epoch 2/2")
    summary = json.loads(lines[-1])
    for key in ("test_accuracy", "test_loss", "epochs_completed", "train_seconds",
                "samples_per_second", "parameters", "run_dir", "config"):
        assert key in summary
    assert summary["epochs_completed"] == 2
    assert summary["backend"] == "threads" and summary["node"] == f"local ({socket.gethostname()})"
    assert summary["config"]["hidden_units"] == [32]
    assert summary["parameters"] == 784 * 32 + 32 + 330
    assert Path(summary["run_dir"], "model.keras").exists()
    listing = run_cli("runs", "--runs-dir", str(tmp_path / "runs"))
    assert Path(summary["run_dir"]).name in listing.stdout


@pytest.mark.parametrize(
    ("args", "option"),
    [(["--epochs", "0"], "--epochs"), (["--learning-rate", "-1"], "--learning-rate"),
     (["--hidden", "10,x"], "--hidden"), (["--optimizer", "lbfgs"], "--optimizer"),
     (["--hidden", "4096"], "--hidden")],
)
def test_bad_arguments_exit_2_naming_the_option(args, option):
    result = run_cli("train", *args)
    assert result.returncode == 2
    assert option in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_or_broken_data_exits_1_with_a_clear_message(tmp_path):
    missing = run_cli("train", "--data", str(tmp_path / "nope.npz"))
    assert missing.returncode == 1 and "nope.npz" in missing.stderr
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"this is not a zip file")
    result = run_cli("train", "--data", str(broken))
    assert result.returncode == 1 and "broken.npz" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "option"),
    [(["--augment-strength", "5"], "--augment-strength"), (["--augment", "blur"], "--augment"),
     (["--weight-decay", "-0.1"], "--weight-decay"), (["--schedule", "linear"], "--schedule"),
     (["--warmup-epochs", "3", "--epochs", "3"], "--warmup-epochs"),
     (["--early-stopping", "0"], "--early-stopping"),
     (["--early-stopping", "2", "--validation-split", "0"], "--early-stopping"),
     (["--initializer", "zeros"], "--initializer")],
)
def test_bad_lesson_options_exit_2_naming_the_option(args, option, capsys):
    from mnist_dash.cli import main

    try:
        status = main(["train", *args])
    except SystemExit as exit_:  # argparse refuses a choice itself
        status = exit_.code
    assert status == 2
    assert option in capsys.readouterr().err


def test_lesson_options_reach_the_config():
    from mnist_dash.cli import build_parser, config_from_args

    args = build_parser().parse_args([
        "train", "--augment", "affine", "--augment-strength", "0.5", "--weight-decay", "0.001",
        "--schedule", "cosine", "--warmup-epochs", "1", "--early-stopping", "3",
        "--initializer", "pytorch_default", "--epochs", "4", "--validation-split", "0.1"])
    config = config_from_args(args)
    assert (config.augment, config.augment_strength, config.weight_decay, config.schedule,
            config.warmup_epochs, config.early_stopping_patience, config.initializer) == (
        "affine", 0.5, 0.001, "cosine", 1, 3, "pytorch_default")
