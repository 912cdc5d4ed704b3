"""Load MNIST and Fashion-MNIST from .npz or IDX files, checked, without importing TensorFlow."""

import gzip
import io
import os
import threading
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np

from mnist_dash.i18n import N_, Msg, message_of

KEYS = ("x_train", "y_train", "x_test", "y_test")
IMAGE_SHAPE = (28, 28)
NUM_LABELS = 10
# Far above all of MNIST (55 MB) but stops a crafted header or a zip bomb from exhausting memory.
MAX_ARRAY_BYTES = 2**30
DEBIAN_FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
_IDX_NAMES = {"x_train": ("train-images", "idx3"), "y_train": ("train-labels", "idx1"),
              "x_test": ("t10k-images", "idx3"), "y_test": ("t10k-labels", "idx1")}
# zipfile raises NotImplementedError/RuntimeError for exotic compression or encryption.
_READ_ERRORS = (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error,
                NotImplementedError, RuntimeError)


class DataError(Exception):
    """The data is missing or broken; the message (a Msg, args[0]) says which file, what is wrong
    and what to do."""


@dataclass(frozen=True)
class DatasetSpec:
    name: str  # key used in SPECS, URLs and the cache
    title: str  # shown to people
    class_names: tuple[str, ...]  # label i is class_names[i]; drawn with _(name)
    env_var: str  # environment variable that points at a local copy


DATASET_NAMES = ("mnist", "fashion-mnist")
SPECS: dict[str, DatasetSpec] = {
    "mnist": DatasetSpec("mnist", "MNIST", tuple(str(i) for i in range(10)), "MNIST_DASH_DATA"),
    "fashion-mnist": DatasetSpec("fashion-mnist", "Fashion-MNIST", (
        N_("T-shirt/top"), N_("Trouser"), N_("Pullover"), N_("Dress"), N_("Coat"),
        N_("Sandal"), N_("Shirt"), N_("Sneaker"), N_("Bag"), N_("Ankle boot")),
        "MNIST_DASH_FASHION_DATA"),
}


@dataclass(frozen=True, eq=False)
class Dataset:
    spec: DatasetSpec
    x_train: np.ndarray = field(repr=False)  # (n, 28, 28) uint8, read-only
    y_train: np.ndarray = field(repr=False)  # (n,) uint8, read-only
    x_test: np.ndarray = field(repr=False)
    y_test: np.ndarray = field(repr=False)
    source: str  # where it was loaded from, for people

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.spec.class_names

    @property
    def num_classes(self) -> int:
        return len(self.spec.class_names)


def _check_array(key: str, array: np.ndarray, source: str) -> np.ndarray:
    is_image = key.startswith("x")
    if is_image and array.dtype != np.uint8:
        raise DataError(Msg("{source}: key '{key}' has dtype {dtype}, expected uint8",
                            source=source, key=key, dtype=str(array.dtype)))
    if not is_image and array.dtype.kind not in "iu":
        raise DataError(Msg("{source}: key '{key}' has dtype {dtype}, expected integers",
                            source=source, key=key, dtype=str(array.dtype)))
    if is_image and (array.ndim != 3 or array.shape[1:] != IMAGE_SHAPE or len(array) == 0):
        raise DataError(Msg("{source}: key '{key}' has shape {shape}, expected (n, 28, 28) with "
                            "n >= 1", source=source, key=key, shape=str(array.shape)))
    if not is_image and array.ndim != 1:
        raise DataError(Msg("{source}: key '{key}' has shape {shape}, expected (n,)",
                            source=source, key=key, shape=str(array.shape)))
    if not is_image and len(array) and (array.min() < 0 or array.max() >= NUM_LABELS):
        raise DataError(Msg("{source}: key '{key}' has labels from {low} to {high}, expected "
                            "0..{last}", source=source, key=key, low=int(array.min()),
                            high=int(array.max()), last=NUM_LABELS - 1))
    # A read-only view keeps the cached dataset safe from callers without touching their arrays.
    checked = np.ascontiguousarray(array.astype(np.uint8, copy=False)).view()
    checked.flags.writeable = False
    return checked


def _require_keys(found: dict, source: str) -> None:
    missing = [key for key in KEYS if key not in found]
    if missing:
        raise DataError(Msg("{source}: missing key(s) {missing}; found {found}, expected {keys}",
                            source=source, missing=", ".join(missing),
                            found=str(sorted(found)) if found else Msg("none"),
                            keys=", ".join(KEYS)))


def validate_arrays(arrays: dict[str, np.ndarray], source: str) -> dict[str, np.ndarray]:
    """Check the four MNIST arrays; return read-only uint8 views or raise DataError."""
    _require_keys(arrays, source)
    checked = {key: _check_array(key, np.asarray(arrays[key]), source) for key in KEYS}
    for split in ("train", "test"):
        num_images, num_labels = len(checked[f"x_{split}"]), len(checked[f"y_{split}"])
        if num_images != num_labels:
            raise DataError(Msg("{source}: x_{split} has {images} images but y_{split} has "
                                "{labels} labels; they must match", source=source, split=split,
                                images=num_images, labels=num_labels))
    return checked


_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0,
                   (2, 0): np.lib.format.read_array_header_2_0}


def _declared_bytes(archive: zipfile.ZipFile, member: str, key: str, source: str) -> int:
    with archive.open(member) as stream:
        version = np.lib.format.read_magic(stream)
        if version not in _HEADER_READERS:
            raise DataError(Msg("{source}: key '{key}' uses .npy format {version}, expected "
                                "1.0/2.0", source=source, key=key, version=str(version)))
        shape, _, dtype = _HEADER_READERS[version](stream)
    if dtype.hasobject:
        raise DataError(Msg("{source}: key '{key}' holds pickled Python objects; refusing to "
                            "load it. Save plain numeric arrays with numpy.savez",
                            source=source, key=key))
    return int(np.prod(shape, dtype=np.float64)) * dtype.itemsize


def _read_members(archive: zipfile.ZipFile, source: str) -> dict[str, np.ndarray]:
    members = {n.removesuffix(".npy"): n for n in archive.namelist() if n.endswith(".npy")}
    _require_keys(members, source)
    # Headers first, so a compressed archive cannot make us allocate gigabytes.
    total = sum(_declared_bytes(archive, members[key], key, source) for key in KEYS)
    if total > MAX_ARRAY_BYTES:
        raise DataError(Msg("{source}: its arrays declare {size} MiB, more than the {limit} MiB "
                            "limit", source=source, size=format(total / 2**20, ".0f"),
                            limit=MAX_ARRAY_BYTES >> 20))
    arrays = {}
    for key in KEYS:
        with archive.open(members[key]) as stream:
            arrays[key] = np.lib.format.read_array(stream, allow_pickle=False)
    return arrays


def _read_npz(stream: IO[bytes], source: str) -> dict[str, np.ndarray]:
    head = stream.read(2)
    stream.seek(0)
    if not head:
        raise DataError(Msg("{source}: the file is empty (0 bytes); download or copy it again",
                            source=source))
    if not head.startswith(b"PK"):
        raise DataError(Msg("{source}: is not a .npz (zip) archive; expected a file saved with "
                            "numpy.savez, or a folder of the four IDX files", source=source))
    try:
        with zipfile.ZipFile(stream) as archive:
            arrays = _read_members(archive, source)
    except _READ_ERRORS as error:
        raise DataError(Msg("{source}: the .npz archive is truncated or corrupt ({error}); "
                            "download or copy it again", source=source, error=str(error))) from error
    return validate_arrays(arrays, source)


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read a Keras-layout mnist.npz (never unpickling anything) and check it."""
    try:
        with open(path, "rb") as stream:
            return _read_npz(stream, str(path))
    except OSError as error:
        raise DataError(Msg("{path}: cannot read it ({error})", path=str(path),
                            error=str(error.strerror or error))) from error


def load_npz_bytes(data: bytes, source: str = "upload",
                   max_bytes: int = 200 * 2**20) -> dict[str, np.ndarray]:
    """Read an uploaded .npz from memory, refusing anything over max_bytes before parsing."""
    if len(data) > max_bytes:
        raise DataError(Msg("{source}: {size} bytes, more than the {limit}-byte limit; upload a "
                            "smaller file", source=source, size=format(len(data), ","),
                            limit=format(max_bytes, ",")))
    return _read_npz(io.BytesIO(data), source)


def _read_idx(stream: IO[bytes], source: str) -> np.ndarray:
    header = stream.read(4)
    if len(header) < 4 or header[:2] != b"\0\0":
        raise DataError(Msg("{source}: not an IDX file (bad magic number {magic})",
                            source=source, magic=repr(header.hex())))
    if header[2] != 0x08:
        raise DataError(Msg("{source}: IDX data type {kind}, expected 0x08 (uint8)",
                            source=source, kind=format(header[2], "#04x")))
    if not 1 <= header[3] <= 3:
        raise DataError(Msg("{source}: IDX file has {count} dimensions, expected 1 to 3",
                            source=source, count=header[3]))
    dims_bytes = stream.read(4 * header[3])
    if len(dims_bytes) < 4 * header[3]:
        raise DataError(Msg("{source}: IDX header is truncated; download the file again",
                            source=source))
    shape = tuple(int(d) for d in np.frombuffer(dims_bytes, dtype=">u4"))
    size = int(np.prod(shape, dtype=np.float64))
    if size > MAX_ARRAY_BYTES:
        raise DataError(Msg("{source}: IDX header declares shape {shape}, over the size limit",
                            source=source, shape=str(shape)))
    # Reading one byte more than declared detects trailing garbage without reading it all.
    body = stream.read(size + 1)
    if len(body) != size:
        holds = Msg("more") if len(body) > size else len(body)
        raise DataError(Msg("{source}: IDX header declares shape {shape} ({size} bytes) but the "
                            "file holds {holds} bytes; it is truncated or corrupt, download it "
                            "again", source=source, shape=str(shape), size=size, holds=holds))
    return np.frombuffer(body, dtype=np.uint8).reshape(shape)


def load_idx_file(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (raw or gzip-compressed) after checking its header and length."""
    try:
        with open(path, "rb") as raw:
            is_gzip = raw.read(2) == b"\x1f\x8b"
            raw.seek(0)
            stream = gzip.GzipFile(fileobj=raw) if is_gzip else raw
            return _read_idx(stream, str(path))
    except (OSError, EOFError, zlib.error) as error:
        raise DataError(Msg("{path}: cannot read it ({error}); download it again",
                            path=str(path), error=str(error))) from error


def _find_idx(directory: Path, key: str) -> Path:
    stem, kind = _IDX_NAMES[key]
    names = [f"{stem}{sep}{kind}-ubyte{gz}" for sep in "-." for gz in ("", ".gz")]
    for name in names:
        if (directory / name).is_file():
            return directory / name
    raise DataError(Msg("{directory}: no {stem} IDX file; looked for {names}",
                        directory=str(directory), stem=stem, names=", ".join(names)))


def load_idx_dir(directory: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read the four original IDX files (raw or .gz, either naming style) from a folder."""
    directory = Path(directory)
    arrays = {key: load_idx_file(_find_idx(directory, key)) for key in KEYS}
    return validate_arrays(arrays, str(directory))


def load_path(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read a .npz file or a folder of IDX files."""
    path = Path(path)
    if path.is_dir():
        return load_idx_dir(path)
    if not path.exists():
        raise DataError(Msg("{path}: does not exist; expected a .npz file or a folder of IDX files",
                            path=str(path)))
    return load_npz(path)


def _keras_datasets_dir() -> Path:
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras") / "datasets"


def _cache_paths(spec: DatasetSpec) -> list[Path]:
    if spec.name == "mnist":
        return [_keras_datasets_dir() / "mnist.npz"]
    return [DEBIAN_FASHION_DIR, _keras_datasets_dir() / "fashion-mnist"]


def _download(name: str) -> dict[str, np.ndarray]:
    """Let Keras download (or reuse) its copy; imported here so TensorFlow loads only if needed."""
    from keras import datasets

    module = datasets.mnist if name == "mnist" else datasets.fashion_mnist
    (x_train, y_train), (x_test, y_test) = module.load_data()
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def _spec(name: str) -> DatasetSpec:
    if name not in SPECS:
        raise DataError(Msg("unknown dataset {name}; choose one of {names}", name=repr(name),
                            names=", ".join(DATASET_NAMES)))
    return SPECS[name]


def load_dataset(name: str = "mnist", path: str | os.PathLike | None = None) -> Dataset:
    """Load a dataset: explicit path, then its env var, then local caches, then Keras download."""
    spec = _spec(name)
    if path is not None:
        return Dataset(spec, source=str(path), **load_path(path))
    env_path = os.environ.get(spec.env_var)
    if env_path:
        try:
            return Dataset(spec, source=env_path, **load_path(env_path))
        except DataError as error:
            raise DataError(Msg("{error} (from {variable}; fix or unset it)",
                                error=message_of(error), variable=spec.env_var)) from error
    tried = [f"{spec.env_var}: not set"]
    for candidate in _cache_paths(spec):
        if not candidate.exists():
            tried.append(f"{candidate}: not found")
            continue
        try:
            return Dataset(spec, source=str(candidate), **load_path(candidate))
        except DataError as error:
            tried.append(str(error))
    try:
        arrays = validate_arrays(_download(name), f"Keras download of {spec.title}")
        return Dataset(spec, source=f"Keras download into {_keras_datasets_dir()}", **arrays)
    # Keras reports network failures as a bare Exception, and may not even be installed.
    except Exception as error:
        tried.append(f"Keras download: {type(error).__name__}: {error}")
    raise DataError(_not_found_message(spec, tried))


def _not_found_message(spec: DatasetSpec, tried: list[str]) -> Msg:
    """What was tried (as the loaders said it, in English) and what to do (translated)."""
    lines = "\n".join(f"  - {attempt}" for attempt in tried)
    example = "mnist.npz" if spec.name == "mnist" else "fashion-mnist/"
    return Msg("Could not load {title}. Tried:\n{attempts}\nTo fix it, do one of: set "
               "{variable}=/path/to/{example} (a Keras-layout .npz or a folder of the four IDX "
               "files); put the data at {cache}; or connect to the internet so Keras can download "
               "it.", title=spec.title, attempts=lines, variable=spec.env_var, example=example,
               cache=str(_cache_paths(spec)[-1]))


_cache: dict[tuple[str, str | None, str | None], Dataset] = {}
_cache_lock = threading.Lock()


def get_dataset(name: str = "mnist", path: str | os.PathLike | None = None) -> Dataset:
    """Like load_dataset, but loaded once per process per (name, path); thread-safe."""
    resolved = str(Path(path).resolve()) if path is not None else None
    key = (name, resolved, os.environ.get(_spec(name).env_var))
    with _cache_lock:
        if key not in _cache:
            _cache[key] = load_dataset(name, path)
        return _cache[key]


def clear_cache() -> None:
    """Forget every loaded dataset (for tests)."""
    with _cache_lock:
        _cache.clear()
