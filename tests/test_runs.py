"""The run store: round trip, atomic writes, damaged runs, hostile ids."""

import csv
import json
import math
import os

import numpy as np
import pytest

from mnist_dash.config import TrainConfig
from mnist_dash.executors.base import TrainResult
from mnist_dash.progress import ProgressSnapshot
from mnist_dash.runs import DamagedRun, RunRecord, RunStore, new_run_id, validate_run_id
from mnist_dash.vocabulary import EpochRecord, JobState
from tests.conftest import UNPICKLED, tripwire_array


def make_record(**changes) -> RunRecord:
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet(np.ones(10), size=50).astype(np.float32)
    fields = dict(
        run_id=new_run_id(), config=TrainConfig(hidden_units=(64,), epochs=2),
        state=JobState.COMPLETED, metrics={"test_accuracy": 0.9, "test_loss": 0.3}, history=[
            EpochRecord(epoch=1, step=4, seconds=1.0, loss=0.5, accuracy=0.8, val_loss=0.6,
                        val_accuracy=0.75, class_accuracy=(0.5, float("nan"), 1.0)),
            EpochRecord(epoch=2, step=6, seconds=1.0, loss=0.3, accuracy=0.9, partial=True),
        ],
        batch_series={"step": [1, 2], "loss": [0.7, 0.6], "accuracy": [0.5, 0.6]},
        test_outputs=probabilities, test_probabilities=probabilities,
    )
    fields.update(changes)
    return RunRecord(**fields)


def test_round_trip_in_a_new_store(tmp_path):
    record = make_record()
    RunStore(tmp_path).save(record)
    loaded = RunStore(tmp_path).load(record.run_id)
    assert loaded.config == record.config and loaded.state is JobState.COMPLETED
    assert loaded.history[1] == record.history[1]  # no class accuracy: none read back
    first, expected = loaded.history[0], record.history[0]
    assert first.with_checks(class_accuracy=()) == expected.with_checks(class_accuracy=())
    assert first.class_accuracy[::2] == (0.5, 1.0) and math.isnan(first.class_accuracy[1])
    assert loaded.batch_series == record.batch_series
    assert np.array_equal(loaded.test_probabilities, record.test_probabilities)
    assert loaded.metrics["test_accuracy"] == 0.9 and loaded.saved


def test_listing_is_newest_first_and_skips_damaged_runs(tmp_path):
    store = RunStore(tmp_path)
    old = make_record(created="2026-01-01T00:00:00+00:00")
    new = make_record(created="2026-06-01T00:00:00+00:00")
    broken = make_record()
    for record in (old, new, broken):
        store.save(record)
    (store.run_dir(broken.run_id) / "run.json").write_text("{half a file")
    records, problems = store.list_runs()
    assert [r.run_id for r in records] == [new.run_id, old.run_id]
    assert len(problems) == 1 and broken.run_id in problems[0]
    with pytest.raises(DamagedRun):
        store.load(broken.run_id)


def test_edited_config_counts_as_damaged(tmp_path):
    store = RunStore(tmp_path)
    record = make_record()
    store.save(record)
    path = store.run_dir(record.run_id) / "run.json"
    content = json.loads(path.read_text())
    content["config"]["epochs"] = 10_000
    path.write_text(json.dumps(content))
    records, problems = store.list_runs()
    assert records == [] and "epochs" in problems[0]
    with pytest.raises(DamagedRun, match="epochs"):
        store.load(record.run_id)


def test_a_failed_write_leaves_no_run_behind(tmp_path, monkeypatch):
    store = RunStore(tmp_path)
    record = make_record()

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez_compressed", full_disk)
    with pytest.raises(OSError, match="No space"):
        store.save(record)
    assert list(tmp_path.iterdir()) == []
    assert store.list_runs() == ([], [])


def test_a_run_being_written_is_invisible_to_readers(tmp_path, monkeypatch):
    """Another session listing runs mid-save sees neither the run nor a damaged one."""
    store, reader = RunStore(tmp_path), RunStore(tmp_path)
    seen_mid_save = []
    savez_compressed = np.savez_compressed

    def save_while_someone_lists(*args, **kwargs):
        seen_mid_save.append(reader.list_runs())
        savez_compressed(*args, **kwargs)

    monkeypatch.setattr(np, "savez_compressed", save_while_someone_lists)
    record = make_record()
    store.save(record)
    assert seen_mid_save == [([], [])]
    assert [r.run_id for r in RunStore(tmp_path).list_runs()[0]] == [record.run_id]


def test_half_written_temp_directories_are_ignored_and_cleaned(tmp_path):
    store = RunStore(tmp_path)
    stale = tmp_path / ".tmp-20260101-000000-abcdefxyz"
    stale.mkdir()
    (stale / "history.csv").write_text("epoch\n1\n")
    os.utime(stale, (0, 0))
    assert store.list_runs() == ([], [])
    assert store.remove_stale_temp() == 1 and not stale.exists()


@pytest.mark.parametrize(
    "hostile",
    ["../etc", "..", "/etc/passwd", "20260101-000000-abcdef/../../x", "", None, 5,
     "20260101-000000-ABCDEF", "20260101-000000-abcdef\n", "a" * 500],
)
def test_hostile_run_ids_are_rejected(tmp_path, hostile):
    with pytest.raises(ValueError, match="run id"):
        validate_run_id(hostile)
    with pytest.raises((ValueError, DamagedRun)):
        RunStore(tmp_path).load(hostile)


def test_model_round_trip(tmp_path):
    from mnist_dash.executors.worker import model_to_bytes
    from mnist_dash.model import build_model
    from mnist_dash.runs import model_from_bytes

    config = TrainConfig(hidden_units=(16,), loss="mse", output_activation="linear")
    model = build_model(config)
    record = make_record(config=config, model_bytes=model_to_bytes(model))
    store = RunStore(tmp_path)
    store.save(record)
    assert store.model_path(record.run_id).read_bytes() == record.model_bytes
    image = np.zeros((1, 28, 28), dtype=np.uint8)
    expected = model.predict(image, verbose=0)
    for loaded in (store.load_model(record.run_id), model_from_bytes(record.model_bytes)):
        assert np.allclose(loaded.predict(image, verbose=0), expected)


OLD_COLUMNS = ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds", "step", "partial",
               *(f"class_accuracy_{k}" for k in range(10))]


def test_a_run_saved_by_an_older_version_still_loads(tmp_path):
    """history.csv as csv.DictWriter wrote it: bools as True/False, class accuracy in 10 columns."""
    store = RunStore(tmp_path)
    record = make_record(history=[])
    store.save(record)
    rows = [
        {"epoch": 1, "loss": 0.5, "accuracy": 0.8, "val_loss": 0.45, "val_accuracy": 0.85,
         "seconds": 1.5, "step": 469, "partial": False,
         **{f"class_accuracy_{k}": k / 10 for k in range(10)}, "class_accuracy_3": float("nan")},
        {"epoch": 2, "loss": 0.4, "accuracy": 0.9, "seconds": 0.5, "step": 500, "partial": True},
    ]
    with (store.run_dir(record.run_id) / "history.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=OLD_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    first, second = RunStore(tmp_path).load(record.run_id).history
    assert (first.epoch, first.step, first.partial, first.loss) == (1, 469, False, 0.5)
    assert (first.val_loss, first.val_accuracy, first.seconds) == (0.45, 0.85, 1.5)
    assert len(first.class_accuracy) == 10 and first.class_accuracy[7] == 0.7
    assert math.isnan(first.class_accuracy[3])
    assert (second.epoch, second.step, second.partial) == (2, 500, True)
    assert second.val_loss is None and second.val_accuracy is None
    assert second.class_accuracy == ()


def test_a_record_from_a_result_keeps_its_curves_and_model_bytes():
    history = [EpochRecord(epoch=1, step=3, seconds=0.1, loss=0.9, accuracy=0.6)]
    progress = ProgressSnapshot(epoch=1, num_epochs=2, batch=0, steps_per_epoch=3, step=3,
                                elapsed_seconds=0.3, eta_seconds=None, samples_per_second=100.0,
                                batch_steps=(1, 2, 3), batch_loss=(1.0, 0.9, 0.8),
                                batch_accuracy=(0.5, 0.6, 0.7), epochs=tuple(history))
    result = TrainResult(JobState.STOPPED, "Stopped on request.", [], progress,
                         {"test_accuracy": 0.7}, model_bytes=b"keras", node="local (here)")
    record = RunRecord.from_result("20260101-120000-abcdef", TrainConfig(), result)
    assert (record.state, record.message, record.node) == (JobState.STOPPED, "Stopped on request.",
                                                           "local (here)")
    assert record.history == history  # from the last progress, when the result has none
    assert record.batch_series["loss"] == [1.0, 0.9, 0.8] and record.model_bytes == b"keras"
    assert record.progress().batch_loss == progress.batch_loss and not record.saved


def test_pickled_predictions_are_refused_unrun(tmp_path):
    store = RunStore(tmp_path)
    record = make_record()
    store.save(record)
    UNPICKLED.clear()
    np.savez(store.run_dir(record.run_id) / "predictions.npz",
             outputs=tripwire_array(50), probabilities=tripwire_array(50))
    with pytest.raises(DamagedRun):
        store.load(record.run_id)
    assert UNPICKLED == []


def test_a_model_with_python_code_is_refused(tmp_path):
    """A Lambda layer's Python function would run on load: only safe_mode refuses it."""
    import keras

    store = RunStore(tmp_path)
    record = make_record()
    store.save(record)
    inputs = keras.Input(shape=(28, 28))
    keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs)).save(
        store.model_path(record.run_id))
    with pytest.raises(ValueError, match="safe_mode"):
        store.load_model(record.run_id)


def test_listing_is_reread_only_when_a_run_is_added(tmp_path, monkeypatch):
    store = RunStore(tmp_path)
    store.save(make_record())
    assert len(store.list_runs()[0]) == 1
    reads = []
    original = RunStore._read_listing
    monkeypatch.setattr(RunStore, "_read_listing", lambda self: reads.append(1) or original(self))
    assert len(store.list_runs()[0]) == 1 and reads == []  # nothing changed: no file read
    store.save(make_record())
    assert len(store.list_runs()[0]) == 2 and reads == [1]


def test_listing_sees_a_run_another_process_saved_within_one_clock_tick(tmp_path):
    store = RunStore(tmp_path)
    store.save(make_record())
    assert len(store.list_runs()[0]) == 1
    before = tmp_path.stat()
    RunStore(tmp_path).save(make_record())  # e.g. the CLI, writing into the same directory
    os.utime(tmp_path, ns=(before.st_atime_ns, before.st_mtime_ns))  # a coarse clock's view
    assert len(store.list_runs()[0]) == 2


def test_tensorboard_files_are_written_flat_in_the_run_and_odd_names_refused(tmp_path):
    store = RunStore(tmp_path)
    name = "events.out.tfevents.1.host.ab"
    record = make_record(tensorboard_files={name: b"events"})
    assert (store.save(record) / "tensorboard" / name).read_bytes() == b"events"
    for bad in ("../events.out.tfevents.1", "events.out.tfevents.1/../../x", "run.json"):
        refused = make_record(tensorboard_files={bad: b"x"})
        with pytest.raises(ValueError, match="TensorBoard"):
            store.save(refused)
        assert not store.run_dir(refused.run_id).exists()
    assert sorted(os.listdir(tmp_path)) == [record.run_id]  # no temporary folder left behind
