"""Train every tutorial preset on the real MNIST and print what it reaches beside what the tutorial reports.

Usage: MNIST_DASH_DATA=/path/to/mnist.npz python scripts/reproduce_presets.py [--out docs/PRESETS.md]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mnist_dash import data, training
from mnist_dash.presets import PRESETS
from mnist_dash.progress import Progress

# The steps at which the TF2 course prints its loss: the first, step 100, the ends of epochs 0 and 9.
RAW_LOOP_STEPS = {"step 1": 1, "step 100": 100, "end of epoch 0": 469, "end of epoch 9": 4690}


def run_preset(name: str, dataset: data.Dataset) -> dict:
    preset = PRESETS[name]
    progress = Progress(series_limit=10**6)  # keep every step, to read the loss at exact steps
    outcome = training.train(preset.config, dataset, progress)
    snap = progress.snapshot()
    losses = dict(zip(snap.batch_steps, snap.batch_loss, strict=True))
    row = {
        "preset": name, "state": outcome.state, "test_accuracy": outcome.test_accuracy,
        "train_accuracy": outcome.history[-1].accuracy if outcome.history else None,
        "seconds": outcome.train_seconds, "reported": preset.reported,
    }
    if name == "tf2-raw-loop":
        row["losses"] = {label: losses.get(step) for label, step in RAW_LOOP_STEPS.items()}
    return row


def table(rows: list[dict]) -> str:
    lines = ["| preset | test accuracy | last-epoch train accuracy | train seconds | the tutorial reports |",
             "|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| `{row['preset']}` | {row['test_accuracy']:.4f} | {row['train_accuracy']:.4f} | "
                     f"{row['seconds']:.0f} | {row['reported']} |")
    for row in rows:
        if "losses" in row:
            measured = ", ".join(f"{k}: {v:.3f}" for k, v in row["losses"].items() if v is not None)
            lines.append(f"\n`tf2-raw-loop` per-batch MSE loss: {measured}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", help="also write the table to this markdown file")
    parser.add_argument("presets", nargs="*", default=list(PRESETS))
    args = parser.parse_args()
    dataset = data.get_dataset("mnist")
    rows = []
    for name in args.presets:
        rows.append(run_preset(name, dataset))
        print(rows[-1], flush=True)
    text = table(rows)
    print(text)
    if args.out:
        Path(args.out).write_text(f"# Tutorial presets on the real MNIST\n\n{text}\n")


if __name__ == "__main__":
    main()
