"""Where each dataset comes from when the default does not work: a path or an upload, validated before use."""

from __future__ import annotations

import hashlib
import tempfile
import threading
from pathlib import Path

import numpy as np

from mnist_dash import data
from mnist_dash.i18n import Msg

MAX_UPLOAD_BYTES = 200 * 2**20  # the server's maxUploadSize in .streamlit/config.toml (tested)


class DataSources:
    """Process-wide overrides of where each dataset comes from (set by a path or an upload).

    Every session shares one: a new source is validated before it is stored, so one learner's
    wrong path or broken upload never becomes the dataset everyone else loads.
    """

    def __init__(self, upload_dir: Path | None = None, max_upload_bytes: int = MAX_UPLOAD_BYTES) -> None:
        self._paths: dict[str, str] = {}
        self._lock = threading.Lock()
        self._upload_dir = upload_dir or Path(tempfile.mkdtemp(prefix="mnist-dash-uploads-"))
        self._upload_dir.mkdir(parents=True, exist_ok=True)
        self.max_upload_bytes = max_upload_bytes

    def path_for(self, name: str) -> str | None:
        """The path set for a dataset, or None while it comes from its default place."""
        with self._lock:
            return self._paths.get(name)

    def set_path(self, name: str, path: str) -> data.Dataset:
        """Use the dataset at `path` from now on; raises DataError, changing nothing, if it is bad."""
        dataset = data.get_dataset(name, path)  # validates before anyone else sees it
        with self._lock:
            self._paths[name] = path
        return dataset

    def set_upload(self, name: str, content: bytes) -> data.Dataset:
        """Validate an uploaded .npz, keep its arrays in a plain .npz file, and use that from now on."""
        arrays = data.load_npz_bytes(content, Msg("the uploaded file"),
                                     max_bytes=self.max_upload_bytes)
        digest = hashlib.sha256(content).hexdigest()[:16]
        path = self._upload_dir / f"{name}-{digest}.npz"
        np.savez(path, **arrays)
        return self.set_path(name, str(path))

    def load(self, name: str) -> data.Dataset:
        """The dataset from its override, else from its default place (env var, cache, download)."""
        return data.get_dataset(name, self.path_for(name))
