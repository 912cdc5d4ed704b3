"""Take-home files: the generated training script really trains, the report is self-contained."""

import ast
import html.parser
import itertools
import re
import subprocess
import sys

import keras
import numpy as np
import pytest

from mnist_dash import export, images, metrics, training
from mnist_dash.config import TrainConfig
from mnist_dash.executors.worker import model_to_bytes
from mnist_dash.progress import Progress
from mnist_dash.runs import RunRecord
from mnist_dash.vocabulary import EpochRecord, history_csv, read_history_csv
from tests.conftest import make_arrays

PLAIN = TrainConfig(hidden_units=(32,), epochs=3, batch_size=32, validation_split=0.2,
                    optimizer="adam", learning_rate=0.01, train_size=300)
# Every other branch of the generator in one run.
EXOTIC = TrainConfig(hidden_units=(24, 16), activation="tanh", output_activation="linear", loss="mse",
                     optimizer="momentum", learning_rate=0.05, batch_size=50, epochs=2, dropout=0.2,
                     validation_split=0.0, preprocessing="standardize", initializer="truncated_normal",
                     seed=5, shuffle=False)
RESULT_LINE = re.compile(r"^test accuracy (\d\.\d{4})  test loss (\S+)$", re.MULTILINE)


def record_of(config: TrainConfig, dataset) -> RunRecord:
    outcome = training.train(config, dataset, Progress())
    return RunRecord(
        run_id="20260101-120000-abcdef", config=config, state=outcome.state, history=outcome.history,
        metrics={"test_accuracy": outcome.test_accuracy, "test_loss": outcome.test_loss,
                 "epochs_completed": outcome.epochs_completed, "train_seconds": outcome.train_seconds},
        test_outputs=outcome.test_outputs, test_probabilities=outcome.test_probabilities,
        model_bytes=model_to_bytes(outcome.model),
    )


def run_script(config: TrainConfig, tmp_path, *args: str) -> subprocess.CompletedProcess:
    script = tmp_path / "train.py"
    script.write_text(export.standalone_script(config, "20260101-120000-abcdef"))
    data_path = tmp_path / "tiny.npz"
    np.savez(data_path, **make_arrays())
    return subprocess.run([sys.executable, str(script), *args], cwd=tmp_path, capture_output=True,
                          text=True, timeout=180, env={"MNIST_DASH_DATA": str(data_path), "PATH": ""})


@pytest.mark.slow
@pytest.mark.parametrize("config", [PLAIN, EXOTIC], ids=["plain", "exotic"])
def test_script_reproduces_the_run(config, tmp_path, tiny_dataset):
    """Same data, settings and seeds: the script's test loss matches the app's engine."""
    app = record_of(config, tiny_dataset)
    done = run_script(config, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    accuracy, loss = (float(v) for v in RESULT_LINE.search(done.stdout).groups())
    assert accuracy == pytest.approx(app.test_accuracy, abs=0.011)
    assert loss == pytest.approx(app.metrics["test_loss"], rel=2e-3, abs=2e-4)
    assert (tmp_path / "mnist-mlp.keras").exists()


@pytest.mark.slow
def test_script_overrides_epochs_train_size_and_data_path(tmp_path):
    done = run_script(PLAIN, tmp_path, str(tmp_path / "tiny.npz"), "--epochs", "1", "--train-size", "120")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "training on 96 images, validating on 24, testing on 100" in done.stdout
    assert "Epoch 2" not in done.stdout
    assert RESULT_LINE.search(done.stdout)


@pytest.mark.parametrize("loss,optimizer,preprocessing,initializer,dropout,shuffle,output", list(
    itertools.product(["crossentropy", "mse"], ["sgd", "momentum", "rmsprop", "adam"],
                      ["scale", "standardize"], ["default", "truncated_normal"], [0.0, 0.3],
                      [True, False], ["softmax", "linear"]))[::7])
def test_every_variant_is_valid_python_naming_its_settings(loss, optimizer, preprocessing, initializer,
                                                           dropout, shuffle, output):
    config = TrainConfig(loss=loss, optimizer=optimizer, preprocessing=preprocessing,
                         initializer=initializer, dropout=dropout, shuffle=shuffle,
                         output_activation=output, hidden_units=(64, 32))
    text = export.standalone_script(config)
    ast.parse(text)
    assert config.summary() in text
    assert "HIDDEN_UNITS = [64, 32]" in text
    assert ("layers.Dropout" in text) == (dropout > 0)
    assert ("rng.permutation" in text) == shuffle


def test_fashion_script_loads_fashion_mnist():
    text = export.standalone_script(TrainConfig(dataset="fashion-mnist"))
    assert "keras.datasets.fashion_mnist.load_data()" in text
    assert "MNIST_DASH_FASHION_DATA" in text


class TagCounter(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.seen: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.seen.append(tag)
        if tag not in {"meta", "img", "br", "link"}:
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1:]}>"
        self.open.pop()


def test_html_report_is_self_contained_with_config_results_and_figures(tiny_dataset):
    record = record_of(PLAIN, tiny_dataset)
    record.batch_series = {"step": [1, 2, 3], "loss": [2.0, 1.5, 1.0], "accuracy": [0.2, 0.4, 0.6]}
    predicted = record.test_probabilities.argmax(axis=1)
    matrix = metrics.confusion_matrix(tiny_dataset.y_test, predicted, 10)
    record.test_probabilities[0] = np.eye(10)[(tiny_dataset.y_test[0] + 1) % 10]  # one sure mistake
    mistakes = export.mistake_images(tiny_dataset.x_test, tiny_dataset.y_test, record.test_probabilities,
                                     tiny_dataset.class_names, count=3)
    report = export.html_report(record, tiny_dataset.class_names, matrix, mistakes)
    parser = TagCounter()
    parser.feed(report)
    assert report.startswith("<!DOCTYPE html>") and parser.open == []
    assert PLAIN.summary() in report
    assert f"{record.test_accuracy:.2%}" in report
    assert report.count('class="plotly-graph-div"') == 3  # loss, accuracy, confusion matrix
    assert report.count("plotly.js v") == 1  # the library inline, once
    assert not re.search(r'<script[^>]+src=', report)  # no script fetched from the web
    assert report.count('<img alt="#') == len(mistakes) >= 1
    assert "<th>batch_size</th><td>32</td>" in report


def test_mistake_images_are_pngs_with_captions(tiny_dataset):
    probabilities = np.tile(np.eye(10)[3], (100, 1))
    shown = export.mistake_images(tiny_dataset.x_test, tiny_dataset.y_test, probabilities,
                                  tiny_dataset.class_names, count=4)
    assert len(shown) == 4
    png, caption = shown[0]
    assert png.startswith(b"\x89PNG") and "predicted 3" in caption
    assert images.to_png_bytes(np.zeros((2, 2), np.uint8)).startswith(b"\x89PNG")


def test_history_csv_orders_columns_and_keeps_every_epoch():
    history = [EpochRecord(epoch=1, step=10, seconds=1.5, loss=0.5, accuracy=0.8, val_loss=0.6,
                           val_accuracy=0.7, class_accuracy=(1.0, 0.5), learning_rate=0.01),
               EpochRecord(epoch=2, step=15, seconds=1.0, loss=0.3, accuracy=0.9, partial=True)]
    text = history_csv(history)
    lines = text.splitlines()
    assert lines[0] == ("epoch,loss,accuracy,val_loss,val_accuracy,seconds,step,partial,learning_rate,"
                        "class_accuracy_0,class_accuracy_1")
    assert lines[1] == "1,0.5,0.8,0.6,0.7,1.5,10,False,0.01,1.0,0.5"
    assert lines[2] == "2,0.3,0.9,,,1.0,15,True,,,"
    assert read_history_csv(text) == history


def test_the_script_says_which_options_of_the_run_it_leaves_out():
    lessons = TrainConfig(augment="elastic", weight_decay=1e-4, early_stopping_patience=3)
    assert "NOT INCLUDED" not in export.standalone_script(TrainConfig())
    header = export.standalone_script(lessons).split("import argparse")[0]
    assert "NOT INCLUDED" in header
    assert all(word in header for word in ("elastic augmentation", "weight decay", "early stopping"))


def test_a_history_written_before_the_learning_rate_column_still_reads():
    old = ("epoch,loss,accuracy,val_loss,val_accuracy,seconds,step,partial,class_accuracy_0\n"
           "1,0.5,0.8,0.6,0.7,1.5,10,False,1.0\n")
    assert read_history_csv(old) == [EpochRecord(epoch=1, step=10, seconds=1.5, loss=0.5, accuracy=0.8,
                                                 val_loss=0.6, val_accuracy=0.7, class_accuracy=(1.0,))]


def test_model_bytes_from_memory_and_from_the_run_file(tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    in_memory = model_to_bytes(model)
    assert export.model_bytes(in_memory) == in_memory
    path = tmp_path / "model.keras"
    path.write_bytes(in_memory)
    reloaded = keras.models.load_model(path)
    np.testing.assert_allclose(reloaded.layers[0].kernel, model.layers[0].kernel)
    assert export.model_bytes(None, path) == in_memory
    assert export.model_bytes(b"stale", path) == in_memory  # the saved file comes first
    with pytest.raises(ValueError, match="neither"):
        export.model_bytes(None, tmp_path / "missing.keras")
