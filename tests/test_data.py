"""Tests for mnist_dash.data: loading, resolution order, and a clear DataError for broken files."""

import gzip
import hashlib
import io
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from mnist_dash import data
from tests.conftest import UNPICKLED, find_real_mnist, tripwire_array

REAL_FASHION_DIR = data.DEBIAN_FASHION_DIR
Y_TEST_SHA256 = "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5"


def make_arrays(num_train: int = 20, num_test: int = 10, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, (num_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, num_train, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (num_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, num_test, dtype=np.uint8),
    }


def write_npz(path: Path, **arrays: np.ndarray) -> Path:
    np.savez(path, **arrays)
    return path


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    return header + array.astype(np.uint8).tobytes()


def write_idx_dir(directory: Path, arrays: dict[str, np.ndarray], gz: bool = False,
                  sep: str = "-") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for key, (stem, kind) in data._IDX_NAMES.items():
        raw = idx_bytes(arrays[key])
        name = f"{stem}{sep}{kind}-ubyte" + (".gz" if gz else "")
        (directory / name).write_bytes(gzip.compress(raw) if gz else raw)
    return directory


def assert_same(loaded: dict[str, np.ndarray] | data.Dataset, expected: dict) -> None:
    for key in data.KEYS:
        array = loaded[key] if isinstance(loaded, dict) else getattr(loaded, key)
        assert array.dtype == np.uint8
        np.testing.assert_array_equal(array, expected[key])


def offline(name):
    raise Exception("URL fetch failure: no internet in tests")


@pytest.fixture(autouse=True)
def isolated(request, monkeypatch, tmp_path):
    """Keep tests away from real env vars, caches and network, unless they read real data."""
    data.clear_cache()
    if not request.node.get_closest_marker("real_data"):
        monkeypatch.delenv("MNIST_DASH_DATA", raising=False)
        monkeypatch.delenv("MNIST_DASH_FASHION_DATA", raising=False)
        monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
        monkeypatch.setattr(data, "DEBIAN_FASHION_DIR", tmp_path / "no-debian")
        monkeypatch.setattr(data, "_download", offline)
    yield
    data.clear_cache()


@pytest.fixture
def arrays():
    return make_arrays()


def test_npz_round_trip(tmp_path, arrays):
    assert_same(data.load_npz(write_npz(tmp_path / "m.npz", **arrays)), arrays)


def test_compressed_npz_and_wider_label_dtype(tmp_path, arrays):
    np.savez_compressed(tmp_path / "m.npz", **{**arrays, "y_test": arrays["y_test"].astype(">i8")})
    assert_same(data.load_npz(tmp_path / "m.npz"), arrays)


def test_extra_keys_are_ignored(tmp_path, arrays):
    loaded = data.load_npz(write_npz(tmp_path / "m.npz", notes=np.arange(3), **arrays))
    assert set(loaded) == set(data.KEYS)


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("sep", ["-", "."])
def test_idx_dir_both_naming_styles_raw_and_gz(tmp_path, arrays, gz, sep):
    assert_same(data.load_idx_dir(write_idx_dir(tmp_path / "idx", arrays, gz, sep)), arrays)


@pytest.mark.parametrize("gz", [False, True])
def test_load_idx_file(tmp_path, arrays, gz):
    raw = idx_bytes(arrays["x_test"])
    path = tmp_path / "images"
    path.write_bytes(gzip.compress(raw) if gz else raw)
    np.testing.assert_array_equal(data.load_idx_file(path), arrays["x_test"])


def test_load_path_dispatches_on_file_or_folder(tmp_path, arrays):
    assert_same(data.load_path(write_npz(tmp_path / "m.npz", **arrays)), arrays)
    assert_same(data.load_path(write_idx_dir(tmp_path / "idx", arrays)), arrays)


@pytest.mark.parametrize("layout", ["npz", "idx"])
def test_env_var(tmp_path, monkeypatch, arrays, layout):
    target = (write_npz(tmp_path / "m.npz", **arrays) if layout == "npz"
              else write_idx_dir(tmp_path / "idx", arrays, gz=True))
    monkeypatch.setenv("MNIST_DASH_DATA", str(target))
    dataset = data.load_dataset()
    assert_same(dataset, arrays)
    assert dataset.source == str(target)


def test_explicit_path_beats_env(tmp_path, monkeypatch, arrays):
    other = make_arrays(seed=1)
    monkeypatch.setenv("MNIST_DASH_DATA", str(write_npz(tmp_path / "env.npz", **other)))
    assert_same(data.load_dataset(path=write_npz(tmp_path / "arg.npz", **arrays)), arrays)


def test_broken_explicit_path_raises_at_once(tmp_path, monkeypatch, arrays):
    monkeypatch.setattr(data, "_download", lambda name: arrays)
    (tmp_path / "bad.npz").write_bytes(b"junk")
    with pytest.raises(data.DataError, match=r"bad\.npz"):
        data.load_dataset(path=tmp_path / "bad.npz")


def test_broken_env_var_names_the_variable(tmp_path, monkeypatch, arrays):
    monkeypatch.setattr(data, "_download", lambda name: arrays)
    monkeypatch.setenv("MNIST_DASH_DATA", str(tmp_path / "missing.npz"))
    with pytest.raises(data.DataError, match=r"missing.npz: does not exist.*MNIST_DASH_DATA"):
        data.load_dataset()


def test_keras_cache(tmp_path, arrays):
    cache = tmp_path / "keras" / "datasets"
    cache.mkdir(parents=True)
    write_npz(cache / "mnist.npz", **arrays)
    assert data.load_dataset().source == str(cache / "mnist.npz")
    assert find_real_mnist() == cache / "mnist.npz"


def test_fashion_from_debian_dir_then_keras_cache(tmp_path, monkeypatch, arrays):
    keras_dir = write_idx_dir(tmp_path / "keras" / "datasets" / "fashion-mnist", arrays, gz=True)
    assert data.load_dataset("fashion-mnist").source == str(keras_dir)
    debian = write_idx_dir(tmp_path / "debian", make_arrays(seed=2), gz=True)
    monkeypatch.setattr(data, "DEBIAN_FASHION_DIR", debian)
    assert data.load_dataset("fashion-mnist").source == str(debian)


def test_download_fallback(monkeypatch, arrays):
    calls = []
    monkeypatch.setattr(data, "_download", lambda name: calls.append(name) or arrays)
    dataset = data.load_dataset("fashion-mnist")
    assert calls == ["fashion-mnist"]
    assert_same(dataset, arrays)
    assert "Keras download" in dataset.source


def test_broken_cache_falls_through_to_download(tmp_path, monkeypatch, arrays):
    (tmp_path / "keras" / "datasets").mkdir(parents=True)
    (tmp_path / "keras" / "datasets" / "mnist.npz").write_bytes(b"PK broken")
    monkeypatch.setattr(data, "_download", lambda name: arrays)
    assert_same(data.load_dataset(), arrays)


def test_one_error_lists_everything_tried(tmp_path):
    (tmp_path / "keras" / "datasets").mkdir(parents=True)
    (tmp_path / "keras" / "datasets" / "mnist.npz").write_bytes(b"")
    with pytest.raises(data.DataError) as caught:
        data.load_dataset()
    message = str(caught.value)
    assert "MNIST_DASH_DATA: not set" in message
    assert f"{tmp_path}/keras/datasets/mnist.npz: the file is empty" in message
    assert "Keras download: Exception: URL fetch failure" in message
    assert "set MNIST_DASH_DATA=" in message and "internet" in message


def test_fashion_error_lists_its_own_places(tmp_path):
    with pytest.raises(data.DataError) as caught:
        data.load_dataset("fashion-mnist")
    message = str(caught.value)
    assert f"{tmp_path / 'no-debian'}: not found" in message
    assert "MNIST_DASH_FASHION_DATA" in message


def test_unknown_dataset_name():
    with pytest.raises(data.DataError, match=r"unknown dataset 'emnist'.*fashion-mnist"):
        data.load_dataset("emnist")


def savez_bytes(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def with_changes(**changes) -> bytes:
    return savez_bytes(**{**make_arrays(), **changes})


def object_array() -> np.ndarray:
    return np.array([{"a": 1}] * 20, dtype=object)


VALID = savez_bytes(**make_arrays())
BROKEN_NPZ = {
    "truncated": (VALID[: len(VALID) // 2], "truncated or corrupt"),
    "zero-byte": (b"", "empty"),
    "not a zip": (b"x_train,y_train\n1,2\n", "not a .npz"),
    "single npy": (VALID[VALID.index(b"\x93NUMPY"):], "not a .npz"),
    "wrong keys": (savez_bytes(images=make_arrays()["x_train"]), "missing key.*x_train"),
    "wrong dtype": (with_changes(x_train=np.zeros((20, 28, 28))),
                    "key 'x_train' has dtype float64, expected uint8"),
    "float labels": (with_changes(y_test=np.zeros(10)), "'y_test' has dtype float64"),
    "wrong shape": (with_changes(x_test=np.zeros((10, 28, 27), np.uint8)),
                    r"'x_test' has shape \(10, 28, 27\)"),
    "flat images": (with_changes(x_test=np.zeros((10, 784), np.uint8)), "'x_test' has shape"),
    "no images": (with_changes(x_test=np.zeros((0, 28, 28), np.uint8),
                               y_test=np.zeros(0, np.uint8)), "n >= 1"),
    "2-D labels": (with_changes(y_train=np.zeros((20, 1), np.uint8)),
                   r"'y_train' has shape \(20, 1\), expected \(n,\)"),
    "label 10": (with_changes(y_train=np.full(20, 10, np.uint8)), "labels from 10 to 10"),
    "label -1": (with_changes(y_train=np.full(20, -1, np.int8)), "labels from -1"),
    "mismatched": (with_changes(y_train=np.zeros(19, np.uint8)), "20 images but y_train has 19"),
    "pickled": (with_changes(x_train=object_array()), "pickled Python objects; refusing"),
}


@pytest.mark.parametrize("case", BROKEN_NPZ)
def test_broken_npz_file_names_file_and_problem(tmp_path, case):
    content, problem = BROKEN_NPZ[case]
    path = tmp_path / "mnist.npz"
    path.write_bytes(content)
    with pytest.raises(data.DataError, match=problem) as caught:
        data.load_npz(path)
    assert str(path) in str(caught.value)
    with pytest.raises(data.DataError, match=problem):
        data.load_npz_bytes(content, source="upload.npz")


def test_pickles_are_never_run_even_past_the_header_check(monkeypatch):
    """Two locks: with the header check bypassed, reading the array still refuses pickle."""
    UNPICKLED.clear()
    monkeypatch.setattr(data, "_declared_bytes", lambda *args: 0)
    with pytest.raises(data.DataError):
        data.load_npz_bytes(with_changes(x_train=tripwire_array(20)))
    assert UNPICKLED == []


def test_npz_over_size_budget(monkeypatch):
    monkeypatch.setattr(data, "MAX_ARRAY_BYTES", 1000)
    with pytest.raises(data.DataError, match="MiB limit"):
        data.load_npz_bytes(VALID)


def test_upload_size_checked_first():
    with pytest.raises(data.DataError, match=r"upload: 100 bytes, more than the 10-byte limit"):
        data.load_npz_bytes(b"x" * 100, max_bytes=10)
    assert_same(data.load_npz_bytes(VALID), make_arrays())


def test_missing_path():
    with pytest.raises(data.DataError, match=r"nowhere\.npz: does not exist"):
        data.load_path("/nowhere.npz")


IMAGES = idx_bytes(np.zeros((3, 28, 28), np.uint8))
BROKEN_IDX = {
    "truncated": (IMAGES[:-5], "truncated"),
    "too long": (IMAGES + b"\0", "holds more bytes"),
    "bad magic": (b"\x08\x03" + IMAGES[2:], "bad magic"),
    "float data": (IMAGES[:2] + b"\x0d" + IMAGES[3:], "data type 0x0d"),
    "no dims": (IMAGES[:3] + b"\0", "0 dimensions"),
    "short header": (IMAGES[:9], "header is truncated"),
    "huge": (bytes([0, 0, 8, 3]) + np.array([2**31, 28, 28], ">u4").tobytes(), "size limit"),
    "truncated gz": (gzip.compress(IMAGES)[:-30], "cannot read it"),
    "empty": (b"", "bad magic"),
}


@pytest.mark.parametrize("case", BROKEN_IDX)
def test_broken_idx_file_names_file_and_problem(tmp_path, case):
    content, problem = BROKEN_IDX[case]
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(content)
    with pytest.raises(data.DataError, match=problem) as caught:
        data.load_idx_file(path)
    assert str(path) in str(caught.value)


def test_idx_dir_missing_file_says_which(tmp_path, arrays):
    directory = write_idx_dir(tmp_path / "idx", arrays)
    (directory / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(data.DataError, match="no t10k-labels IDX file; looked for"):
        data.load_idx_dir(directory)


def test_idx_dir_with_wrong_label_count(tmp_path, arrays):
    directory = write_idx_dir(tmp_path / "idx", {**arrays, "y_test": arrays["y_test"][:5]})
    with pytest.raises(data.DataError, match="x_test has 10 images but y_test has 5"):
        data.load_idx_dir(directory)


def test_arrays_are_read_only(tmp_path, arrays):
    dataset = data.load_dataset(path=write_npz(tmp_path / "m.npz", **arrays))
    for key in data.KEYS:
        with pytest.raises(ValueError, match="read-only"):
            getattr(dataset, key)[0] = 1


def test_validate_leaves_callers_arrays_writable(arrays):
    checked = data.validate_arrays(arrays, "memory")
    assert not checked["x_train"].flags.writeable
    assert arrays["x_train"].flags.writeable


def test_get_dataset_loads_once(tmp_path, monkeypatch, arrays):
    path = write_npz(tmp_path / "m.npz", **arrays)
    first = data.get_dataset(path=path)
    assert data.get_dataset(path=str(path)) is first
    data.clear_cache()
    assert data.get_dataset(path=path) is not first


def test_get_dataset_is_thread_safe(monkeypatch, arrays):
    calls = []
    monkeypatch.setattr(data, "_download", lambda name: calls.append(name) or arrays)
    results = []
    threads = [threading.Thread(target=lambda: results.append(data.get_dataset()))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and all(result is results[0] for result in results)


def test_dataset_properties_and_specs(tmp_path, arrays):
    dataset = data.load_dataset("fashion-mnist", write_npz(tmp_path / "f.npz", **arrays))
    assert (dataset.name, dataset.title, dataset.num_classes) == ("fashion-mnist",
                                                                  "Fashion-MNIST", 10)
    assert dataset.class_names[0] == "T-shirt/top" and dataset.class_names[9] == "Ankle boot"
    assert data.SPECS["mnist"].class_names == tuple("0123456789")
    assert tuple(data.SPECS) == data.DATASET_NAMES
    assert "x_train" not in repr(dataset)


def test_import_does_not_load_tensorflow():
    code = "import sys, mnist_dash.data; print(sorted({'tensorflow', 'keras'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).parent.parent)
    assert result.stdout.strip() == "[]"


@pytest.mark.real_data
def test_real_mnist():
    path = find_real_mnist()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("real MNIST not found in CI: set MNIST_DASH_DATA=../shared/data/mnist.npz")
        pytest.skip("real MNIST not found: set MNIST_DASH_DATA=/path/to/mnist.npz")
    dataset = data.load_dataset(path=path)
    assert dataset.x_train.shape == (60000, 28, 28)
    assert dataset.x_test.shape == (10000, 28, 28)
    assert hashlib.sha256(dataset.y_test.tobytes()).hexdigest() == Y_TEST_SHA256


def test_debian_fashion_mnist(monkeypatch):
    if not REAL_FASHION_DIR.is_dir():
        pytest.skip(f"{REAL_FASHION_DIR} not found: apt-get install dataset-fashion-mnist")
    monkeypatch.setattr(data, "DEBIAN_FASHION_DIR", REAL_FASHION_DIR)
    dataset = data.load_dataset("fashion-mnist")
    assert dataset.x_train.shape == (60000, 28, 28)
    assert np.array_equal(np.unique(dataset.y_train), np.arange(10))
