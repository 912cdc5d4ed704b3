"""Where each dataset comes from when the default does not work: a path or an upload, validated before use.

Changing it changes everyone's training data, so it needs a permission: the instructor's
capability, or the proof that the visitor sits at the server's own machine (classroom.auth).
Learners see `describe()`: the dataset's title, size and checksum, never a server path.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mnist_dash import data
from mnist_dash.classroom.auth import DataPermission, Instructor, LocalVisitor
from mnist_dash.i18n import Msg, Refusal

MAX_UPLOAD_BYTES = 200 * 2**20  # the server's maxUploadSize in .streamlit/config.toml (tested)


class NotAllowed(Refusal):
    """A visitor without the permission tried to change the data source; `msg` says who may."""


@dataclass(frozen=True)
class DatasetFacts:
    """What anyone may know of a loaded dataset, instead of where the server keeps it."""

    name: str
    title: str
    train_images: int
    test_images: int
    checksum: str  # the first 12 hex digits of the sha256 of its four arrays


def checksum(dataset: data.Dataset) -> str:
    digest = hashlib.sha256()
    for key in data.KEYS:
        array = np.ascontiguousarray(getattr(dataset, key))
        digest.update(f"{key}{array.shape}{array.dtype}".encode())
        digest.update(memoryview(array).cast("B"))
    return digest.hexdigest()[:12]


def _require(permission: DataPermission | None) -> None:
    if not isinstance(permission, Instructor | LocalVisitor):
        raise NotAllowed(Msg("Only the instructor, or someone at the server's own computer, can "
                             "change where the data comes from. Ask your instructor."))


class DataSources:
    """Process-wide overrides of where each dataset comes from (set by a path or an upload).

    Every session shares one: a new source is validated before it is stored, so one learner's
    wrong path or broken upload never becomes the dataset everyone else loads.
    """

    def __init__(self, upload_dir: Path | None = None, max_upload_bytes: int = MAX_UPLOAD_BYTES) -> None:
        self._paths: dict[str, str] = {}
        self._facts: dict[tuple[str, str], DatasetFacts] = {}  # (name, source) -> facts
        self._lock = threading.Lock()
        self._upload_dir = upload_dir or Path(tempfile.mkdtemp(prefix="mnist-dash-uploads-"))
        self._upload_dir.mkdir(parents=True, exist_ok=True)
        self.max_upload_bytes = max_upload_bytes

    def path_for(self, name: str) -> str | None:
        """The path set for a dataset, or None while it comes from its default place."""
        with self._lock:
            return self._paths.get(name)

    def set_path(self, name: str, path: str, *, permission: DataPermission | None) -> data.Dataset:
        """Use the dataset at `path` from now on; raises DataError, changing nothing, if it is bad.

        NotAllowed unless `permission` is the instructor's or a local visitor's (auth.data_permission).
        """
        _require(permission)
        dataset = data.get_dataset(name, path)  # validates before anyone else sees it
        with self._lock:
            self._paths[name] = path
        return dataset

    def set_upload(self, name: str, content: bytes, *,
                   permission: DataPermission | None) -> data.Dataset:
        """Validate an uploaded .npz, keep its arrays in a plain .npz file, and use that from now on."""
        _require(permission)
        arrays = data.load_npz_bytes(content, Msg("the uploaded file"),
                                     max_bytes=self.max_upload_bytes)
        digest = hashlib.sha256(content).hexdigest()[:16]
        path = self._upload_dir / f"{name}-{digest}.npz"
        np.savez(path, **arrays)
        return self.set_path(name, str(path), permission=permission)

    def load(self, name: str) -> data.Dataset:
        """The dataset from its override, else from its default place (env var, cache, download)."""
        return data.get_dataset(name, self.path_for(name))

    def describe(self, name: str) -> DatasetFacts:
        """Title, size and checksum of the dataset in use (the checksum computed once per source)."""
        dataset = self.load(name)
        key = (name, dataset.source)
        with self._lock:
            facts = self._facts.get(key)
        if facts is None:
            facts = DatasetFacts(name, dataset.title, len(dataset.y_train), len(dataset.y_test),
                                 checksum(dataset))
            with self._lock:
                self._facts[key] = facts
        return facts
