"""Tests for mnist_dash.data_sources: a path or an upload becomes the dataset only once it is valid."""

import io
from pathlib import Path

import numpy as np
import pytest

from mnist_dash import data
from mnist_dash.data_sources import DataSources
from tests.conftest import UNPICKLED, make_arrays, tripwire_array


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


@pytest.fixture
def sources(tmp_path: Path) -> DataSources:
    return DataSources(upload_dir=tmp_path / "uploads")


def test_a_bad_data_path_is_refused_and_changes_nothing(sources, tmp_path):
    """The data source is the server's: one learner's wrong path must not break it for all."""
    broken = tmp_path / "mnist.npz"
    broken.write_bytes(b"not an archive")
    with pytest.raises(data.DataError, match=r"not a \.npz"):
        sources.set_path("mnist", str(broken))
    assert sources.path_for("mnist") is None


def test_a_good_data_path_is_loaded_then_used(sources, tmp_path):
    path = tmp_path / "small.npz"
    np.savez(path, **make_arrays(num_train=30, num_test=10))
    dataset = sources.set_path("mnist", str(path))
    assert len(dataset.x_train) == 30
    assert sources.path_for("mnist") == str(path)
    assert sources.load("mnist") is dataset
    assert sources.path_for("fashion-mnist") is None  # each dataset has its own source


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "empty"),
        (b"PK\x03\x04 not really a zip", "zip"),
        (npz_bytes({**make_arrays(), "x_train": np.array([{"evil": 1}], dtype=object)}), "pickled"),
        (b"x" * 2048, "limit"),
    ],
)
def test_bad_uploads_are_refused_with_a_message_and_change_nothing(tmp_path, content, problem):
    limit = {"max_upload_bytes": 1024} if problem == "limit" else {}
    sources = DataSources(upload_dir=tmp_path, **limit)
    with pytest.raises(data.DataError, match=problem):
        sources.set_upload("mnist", content)
    assert sources.path_for("mnist") is None
    assert list(tmp_path.iterdir()) == []  # nothing saved


def test_valid_upload_is_saved_as_plain_arrays_and_becomes_the_dataset(sources, tmp_path):
    arrays = make_arrays(num_train=50, num_test=20)
    dataset = sources.set_upload("mnist", npz_bytes(arrays))
    saved = Path(sources.path_for("mnist"))
    assert saved.parent == tmp_path / "uploads"
    with np.load(saved, allow_pickle=False) as kept:  # loads without pickle
        assert all(np.array_equal(kept[key], arrays[key]) for key in data.KEYS)
    assert len(dataset.x_train) == 50 and sources.load("mnist") is dataset


def test_an_upload_of_pickled_objects_is_never_unpickled(sources):
    UNPICKLED.clear()
    with pytest.raises(data.DataError):
        sources.set_upload("mnist", npz_bytes({**make_arrays(), "x_train": tripwire_array(20)}))
    assert UNPICKLED == []
    assert sources.path_for("mnist") is None
