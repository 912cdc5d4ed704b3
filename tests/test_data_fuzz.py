"""Property tests: whatever bytes arrive, the loaders return valid arrays or raise DataError."""

import gzip
import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mnist_dash import data

FUZZ = settings(max_examples=80, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def assert_valid(arrays: dict[str, np.ndarray]) -> None:
    assert set(arrays) == set(data.KEYS)
    for split in ("train", "test"):
        images, labels = arrays[f"x_{split}"], arrays[f"y_{split}"]
        assert images.dtype == labels.dtype == np.uint8
        assert images.shape[1:] == (28, 28) and len(images) == len(labels) >= 1
        assert labels.ndim == 1 and (labels < 10).all()
        assert not images.flags.writeable and not labels.flags.writeable


def load_or_data_error(load, *args) -> None:
    try:
        arrays = load(*args)
    except data.DataError as error:
        assert str(error)
    else:
        assert_valid(arrays)


def npz_bytes(arrays: dict[str, np.ndarray], compressed: bool = False) -> bytes:
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **arrays)
    return buffer.getvalue()


def tiny_arrays(num_train: int = 3, num_test: int = 2) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "x_train": rng.integers(0, 256, (num_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, num_train, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (num_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, num_test, dtype=np.uint8),
    }


VALID_NPZ = [npz_bytes(tiny_arrays()), npz_bytes(tiny_arrays(), compressed=True)]


@FUZZ
@given(st.one_of(st.binary(max_size=2000),
                 st.binary(max_size=2000).map(lambda tail: b"PK\x03\x04" + tail),
                 st.binary(max_size=2000).map(lambda tail: b"\x93NUMPY" + tail)))
def test_arbitrary_bytes_as_npz(content):
    load_or_data_error(data.load_npz_bytes, content)


@FUZZ
@given(st.sampled_from(VALID_NPZ), st.data())
def test_mutated_valid_npz(original, draw):
    content = bytearray(original)
    for _ in range(draw.draw(st.integers(1, 8))):
        position = draw.draw(st.integers(0, len(content) - 1))
        content[position] = draw.draw(st.integers(0, 255))
    cut = draw.draw(st.integers(0, len(content)))
    load_or_data_error(data.load_npz_bytes, bytes(content[:cut] if draw.draw(st.booleans())
                                                  else content))


DTYPES = st.sampled_from(["u1", "i1", ">i2", "<u4", "i8", "f4", "f8", "?", "c8", "U2", "V3",
                          "M8[s]", "O"])
SHAPES = st.one_of(
    st.integers(0, 4).map(lambda n: (n, 28, 28)),
    st.integers(0, 4).map(lambda n: (n,)),
    hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6),
)


@st.composite
def random_arrays(draw) -> dict[str, np.ndarray]:
    keys = draw(st.sets(st.sampled_from([*data.KEYS, "images", "x_train.npy", ""]), max_size=6))
    arrays = {}
    for key in keys:
        dtype, shape = np.dtype(draw(DTYPES)), draw(SHAPES)
        # Hypothesis cannot draw void or object elements; their contents do not matter here.
        if dtype.kind in "OV":
            arrays[key] = np.zeros(shape, dtype=dtype)
        else:
            arrays[key] = draw(hnp.arrays(dtype, shape))
    return arrays


@FUZZ
@given(random_arrays())
def test_random_keys_dtypes_shapes(arrays):
    load_or_data_error(data.validate_arrays, arrays, "memory")
    try:
        content = npz_bytes(arrays)
    except ValueError:  # numpy itself refuses some names (e.g. '' collides with nothing valid)
        return
    load_or_data_error(data.load_npz_bytes, content)


@st.composite
def idx_content(draw) -> bytes:
    magic = draw(st.sampled_from([b"\0\0", b"\0\x01", b"\x1f\x8b"]))
    code = draw(st.sampled_from([0x08, 0x08, 0x09, 0x0D]))
    dims = draw(st.lists(st.one_of(st.integers(0, 30), st.integers(0, 2**32 - 1)), max_size=4))
    ndim = draw(st.one_of(st.just(len(dims)), st.integers(0, 255)))
    header = magic + bytes([code, ndim]) + np.array(dims, dtype=">u4").tobytes()
    size = int(np.prod(dims)) if dims and max(dims) <= 30 else 0
    body_length = draw(st.one_of(st.just(size), st.integers(0, 3000)))
    body = draw(st.binary(min_size=min(body_length, 3000), max_size=min(body_length, 3000)))
    content = header + body
    return gzip.compress(content) if draw(st.booleans()) else content


@FUZZ
@given(idx_content(), st.data())
def test_random_idx_files(tmp_path, content, draw):
    if draw.draw(st.booleans()):
        content = content[: draw.draw(st.integers(0, len(content)))]
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(content)
    try:
        array = data.load_idx_file(path)
    except data.DataError as error:
        assert str(path) in str(error)
    else:
        assert array.dtype == np.uint8 and 1 <= array.ndim <= 3


@FUZZ
@given(idx_content())
def test_random_idx_dir(tmp_path, content):
    for stem, kind in data._IDX_NAMES.values():
        (tmp_path / f"{stem}.{kind}-ubyte").write_bytes(content)
    load_or_data_error(data.load_idx_dir, tmp_path)


@pytest.mark.parametrize("content", VALID_NPZ)
def test_valid_npz_still_loads(content, tmp_path):
    path = Path(tmp_path / "ok.npz")
    path.write_bytes(content)
    assert_valid(data.load_npz(path))
