"""TensorBoard events read back by TensorBoard's own reader equal what was written, also from 2 threads."""

import threading

import numpy as np
import pytest
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.plugins.hparams import metadata as hparams_metadata
from tensorboard.util import tensor_util

from mnist_dash.config import TrainConfig
from mnist_dash.tensorboard_log import TensorBoardLog, config_hparams, histogram_summary, step_interval
from mnist_dash.vocabulary import EpochRecord

CONFIG = TrainConfig(hidden_units=(64, 32), epochs=2, augment="shift", early_stopping_patience=None)
HISTORY = [EpochRecord(epoch=1, step=4, seconds=1.0, loss=0.9, accuracy=0.7, val_loss=0.8, val_accuracy=0.75),
           EpochRecord(epoch=2, step=8, seconds=1.0, loss=0.5, accuracy=0.85, val_loss=0.6, val_accuracy=0.8)]
BATCHES = [(step, 2.0 / step, 0.1 * step, 0.001 * step) for step in range(1, 9)]  # step, loss, acc, rate
WEIGHTS = {"hidden_1/kernel": np.random.default_rng(0).normal(size=(10, 10)).astype(np.float32)}


def write_run(log_dir, run_id: str = "run-a", every: int = 1, offset: float = 0.0) -> None:
    log = TensorBoardLog(log_dir, CONFIG, run_id, every=every)
    for step, loss, accuracy, rate in BATCHES:
        log.batch_end(step, loss + offset, accuracy, rate)
        if step % 4 == 0:
            log.epoch_end(HISTORY[step // 4 - 1], WEIGHTS)
    log.run_end({"test_loss": 0.55, "test_accuracy": 0.83 + offset}, epoch=2)


def read(log_dir) -> event_accumulator.EventAccumulator:
    reader = event_accumulator.EventAccumulator(str(log_dir), size_guidance={event_accumulator.TENSORS: 0})
    reader.Reload()
    return reader


def curve(reader, tag: str) -> dict[int, float]:
    return {event.step: float(tensor_util.make_ndarray(event.tensor_proto)) for event in reader.Tensors(tag)}


def test_scalars_read_back_equal_the_history(tmp_path):
    write_run(tmp_path)
    reader = read(tmp_path)
    assert curve(reader, "batch/loss") == pytest.approx({s: loss for s, loss, _, _ in BATCHES})
    assert curve(reader, "batch/learning_rate") == pytest.approx({s: r for s, _, _, r in BATCHES})
    for tag, name in (("epoch/loss", "loss"), ("epoch/val_accuracy", "val_accuracy")):
        assert curve(reader, tag) == pytest.approx({r.epoch: getattr(r, name) for r in HISTORY})
    assert curve(reader, "test/accuracy") == pytest.approx({2: 0.83})


def test_weight_histograms_cover_the_weights(tmp_path):
    write_run(tmp_path)
    events = read(tmp_path).Tensors("weights/hidden_1/kernel")
    assert [event.step for event in events] == [1, 2]
    buckets = tensor_util.make_ndarray(events[0].tensor_proto)  # rows of (left, right, count)
    assert buckets[:, 2].sum() == 100
    kernel = WEIGHTS["hidden_1/kernel"]
    assert buckets[0, 0] == pytest.approx(kernel.min()) and buckets[-1, 1] == pytest.approx(kernel.max())
    counts, _ = np.histogram(kernel, bins=len(buckets))
    np.testing.assert_array_equal(buckets[:, 2], counts)


def test_a_histogram_of_equal_values_is_one_bucket_around_them():
    buckets = tensor_util.make_ndarray(histogram_summary("bias", np.zeros(8)).value[0].tensor)
    assert buckets[:, 2].sum() == 8 and buckets[0, 0] == -0.5 and buckets[-1, 1] == 0.5


def test_hparams_summary_holds_the_config(tmp_path):
    write_run(tmp_path, run_id="20260101-120000-abcdef")
    content = read(tmp_path).PluginTagToContent(hparams_metadata.PLUGIN_NAME)
    info = hparams_metadata.parse_session_start_info_plugin_data(
        content[hparams_metadata.SESSION_START_INFO_TAG])
    assert info.group_name == "20260101-120000-abcdef"
    assert info.hparams["hidden_units"].string_value == "64-32"
    assert info.hparams["augment"].string_value == "shift"
    assert info.hparams["learning_rate"].number_value == pytest.approx(CONFIG.learning_rate)
    assert info.hparams["shuffle"].bool_value is True
    assert "early_stopping_patience" not in info.hparams  # unset options are left out


def test_every_k_steps_and_the_interval_for_a_run():
    assert step_interval(900) == 1 and step_interval(2345) == 3 and step_interval(4690) == 5
    assert config_hparams(TrainConfig())["hidden_units"] == "512"


def test_downsampled_steps(tmp_path):
    write_run(tmp_path, every=3)
    assert sorted(curve(read(tmp_path), "batch/loss")) == [3, 6]


def test_two_runs_written_from_two_threads_keep_their_own_values(tmp_path):
    threads = [threading.Thread(target=write_run, args=(tmp_path / name, name, 1, offset))
               for name, offset in (("a", 0.0), ("b", 10.0))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name, offset in (("a", 0.0), ("b", 10.0)):
        reader = read(tmp_path / name)
        assert curve(reader, "batch/loss") == pytest.approx({s: loss + offset for s, loss, _, _ in BATCHES})
        assert curve(reader, "test/accuracy") == pytest.approx({2: 0.83 + offset})


def test_a_real_job_saves_events_equal_to_its_history(tmp_path, tiny_dataset):
    """Trained by a worker, carried home as bytes, written by the run store: TensorBoard reads
    back the run's epochs, every step's loss and the learning rate."""
    from mnist_dash.executors.threads import ThreadExecutor
    from mnist_dash.jobs import JobManager
    from mnist_dash.runs import TENSORBOARD_DIR, RunStore

    config = TrainConfig(hidden_units=(16,), epochs=2, batch_size=32, validation_split=0.2,
                         optimizer="sgd", learning_rate=0.05, schedule="step")
    store = RunStore(tmp_path / "runs")
    manager = JobManager(store, ThreadExecutor(1, lambda name, path: tiny_dataset))
    try:
        run_id = manager.wait(manager.submit(config, owner="a").job_id, 120).run_id
    finally:
        manager.shutdown()
    record = store.load(run_id)
    reader = read(store.run_dir(run_id) / TENSORBOARD_DIR)
    for name in ("loss", "accuracy", "val_loss", "learning_rate"):
        expected = {epoch.epoch: getattr(epoch, name) for epoch in record.history}
        assert curve(reader, f"epoch/{name}") == pytest.approx(expected)
    series = record.batch_series
    expected = dict(zip(series["step"], series["loss"], strict=True))
    assert curve(reader, "batch/loss") == pytest.approx(expected)
    assert curve(reader, "test/accuracy") == pytest.approx({2: record.test_accuracy})
    assert [event.step for event in reader.Tensors("weights/hidden_1/kernel")] == [1, 2]
