"""Tests for mnist_dash.data_sources: a path or an upload becomes the dataset only once it is valid."""

import io
from pathlib import Path

import numpy as np
import pytest

from mnist_dash import data
from mnist_dash.classroom import auth
from mnist_dash.data_sources import DataSources, NotAllowed, checksum
from tests.conftest import UNPICKLED, make_arrays, make_dataset, tripwire_array

LOCAL = auth.local_visitor("127.0.0.1")  # the permission a visitor at the server's machine has


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
        sources.set_path("mnist", str(broken), permission=LOCAL)
    assert sources.path_for("mnist") is None


def test_a_good_data_path_is_loaded_then_used(sources, tmp_path):
    path = tmp_path / "small.npz"
    np.savez(path, **make_arrays(num_train=30, num_test=10))
    dataset = sources.set_path("mnist", str(path), permission=LOCAL)
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
        sources.set_upload("mnist", content, permission=LOCAL)
    assert sources.path_for("mnist") is None
    assert list(tmp_path.iterdir()) == []  # nothing saved


def test_valid_upload_is_saved_as_plain_arrays_and_becomes_the_dataset(sources, tmp_path):
    arrays = make_arrays(num_train=50, num_test=20)
    dataset = sources.set_upload("mnist", npz_bytes(arrays), permission=LOCAL)
    saved = Path(sources.path_for("mnist"))
    assert saved.parent == tmp_path / "uploads"
    with np.load(saved, allow_pickle=False) as kept:  # loads without pickle
        assert all(np.array_equal(kept[key], arrays[key]) for key in data.KEYS)
    assert len(dataset.x_train) == 50 and sources.load("mnist") is dataset


def test_an_upload_of_pickled_objects_is_never_unpickled(sources):
    UNPICKLED.clear()
    with pytest.raises(data.DataError):
        sources.set_upload("mnist", npz_bytes({**make_arrays(), "x_train": tripwire_array(20)}),
                           permission=LOCAL)
    assert UNPICKLED == []
    assert sources.path_for("mnist") is None


def test_a_learner_without_permission_cannot_change_the_data_source(sources, tmp_path):
    """Changing the source changes everyone's data: a remote learner has no permission to pass."""
    path = tmp_path / "small.npz"
    np.savez(path, **make_arrays(num_train=30, num_test=10))
    remote = auth.data_permission(None, "203.0.113.5")
    assert remote is None and auth.data_permission(None, None) is None
    for permission in (remote, "instructor", object()):
        with pytest.raises(NotAllowed, match="instructor"):
            sources.set_path("mnist", str(path), permission=permission)
        with pytest.raises(NotAllowed):
            sources.set_upload("mnist", path.read_bytes(), permission=permission)
    assert sources.path_for("mnist") is None
    assert list((tmp_path / "uploads").iterdir()) == []  # refused before anything was written


def test_the_instructor_may_change_the_data_source(sources, tmp_path):
    path = tmp_path / "small.npz"
    np.savez(path, **make_arrays(num_train=30, num_test=10))
    instructor = auth.InstructorKey("s3cret-token", generated=False).unlock("s3cret-token")
    sources.set_path("mnist", str(path), permission=auth.data_permission(instructor, "203.0.113.5"))
    assert sources.path_for("mnist") == str(path)


def test_describe_gives_title_size_and_checksum_but_no_path(sources, tmp_path):
    path = tmp_path / "small.npz"
    np.savez(path, **make_arrays(num_train=30, num_test=10))
    sources.set_path("mnist", str(path), permission=LOCAL)
    facts = sources.describe("mnist")
    assert (facts.title, facts.train_images, facts.test_images) == ("MNIST", 30, 10)
    assert len(facts.checksum) == 12 and str(tmp_path) not in repr(facts)
    assert sources.describe("mnist") is facts  # computed once per source
    assert facts.checksum == checksum(sources.load("mnist"))


def test_the_checksum_changes_with_any_array():
    one, other = make_dataset(seed=0), make_dataset(seed=0)
    assert checksum(one) == checksum(other)
    changed = make_dataset(seed=0)
    labels = changed.y_test.copy()
    labels[0] = (labels[0] + 1) % 10
    object.__setattr__(changed, "y_test", labels)
    assert checksum(changed) != checksum(one)
