"""Our class's handwriting: the digits learners drew and labelled, shared by the class, kept on disk.

Each drawing knows its author (an owner id, which the pages never show to others). A learner may
remove their own drawings; the instructor may remove any, or clear them all. The set is capped per
learner and in total, so one busy learner cannot fill the server's disk or crowd out the others.
"""

from __future__ import annotations

import base64
import logging
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mnist_dash.classroom import files
from mnist_dash.classroom.auth import Instructor, require_instructor
from mnist_dash.i18n import Msg, Refusal

log = logging.getLogger(__name__)

SIDE = 28  # every drawing is stored as the 28x28 image the network reads
MAX_PER_LEARNER = 50
MAX_TOTAL = 1000  # 1,000 x 784 bytes, about 1 MB of JSON: rewritten whole on each change


class DrawingRefused(Refusal, ValueError):
    """A drawing that cannot be added or removed; `msg` says why, for the learner."""


@dataclass(frozen=True)
class Drawing:
    """One labelled drawing: `pixels` is 28x28 uint8, `label` a class of `dataset`."""

    id: str
    owner: str
    dataset: str
    label: int
    pixels: np.ndarray

    def to_json(self) -> dict:
        return {"id": self.id, "owner": self.owner, "dataset": self.dataset, "label": self.label,
                "pixels": base64.b64encode(self.pixels.tobytes()).decode("ascii")}

    @classmethod
    def from_json(cls, row: dict) -> Drawing:
        pixels = np.frombuffer(base64.b64decode(row["pixels"]), dtype=np.uint8).reshape(SIDE, SIDE)
        return cls(id=str(row["id"]), owner=str(row["owner"]), dataset=str(row["dataset"]),
                   label=int(row["label"]), pixels=pixels)


class DrawingBook:
    """Every drawing of the class, oldest first, in one JSON file; safe across threads."""

    def __init__(self, path: Path, max_per_learner: int = MAX_PER_LEARNER,
                 max_total: int = MAX_TOTAL) -> None:
        self.path = Path(path)
        self.max_per_learner, self.max_total = max_per_learner, max_total
        self._lock = threading.Lock()
        self._drawings = _read(self.path)

    def add(self, owner: str, dataset: str, pixels: np.ndarray, label: int) -> Drawing:
        """Keep a labelled drawing; DrawingRefused when the learner's or the class's set is full."""
        if np.shape(pixels) != (SIDE, SIDE):
            raise DrawingRefused(Msg("A drawing must be {side}×{side} pixels, not {shape}.",
                                     side=SIDE, shape="×".join(map(str, np.shape(pixels)))))
        drawing = Drawing(uuid.uuid4().hex, owner, dataset, int(label),
                          np.asarray(pixels, dtype=np.uint8).copy())
        with self._lock:
            if sum(d.owner == owner for d in self._drawings) >= self.max_per_learner:
                raise DrawingRefused(Msg("You have added {max} drawings, the most one learner may: "
                                         "remove one of yours to add another.",
                                         max=self.max_per_learner))
            if len(self._drawings) >= self.max_total:
                raise DrawingRefused(Msg("Our class's set is full ({max} drawings): ask the "
                                         "instructor to make room.", max=self.max_total))
            self._drawings.append(drawing)
            self._save()
        return drawing

    def drawings(self, dataset: str) -> list[Drawing]:
        """The class's drawings of a dataset's classes, oldest first."""
        with self._lock:
            return [d for d in self._drawings if d.dataset == dataset]

    def counts(self, dataset: str, num_classes: int) -> np.ndarray:
        """How many drawings the class has of each class."""
        labels = [d.label for d in self.drawings(dataset)]
        return np.bincount(np.array(labels, dtype=int), minlength=num_classes)

    def remove(self, drawing_id: str, owner: str) -> None:
        """Remove one of the learner's own drawings; DrawingRefused for anyone else's."""
        with self._lock:
            drawing = self._find(drawing_id)
            if drawing.owner != owner:
                raise DrawingRefused(Msg("That drawing is someone else's: you can only remove "
                                         "your own."))
            self._drop({drawing_id})

    def remove_any(self, drawing_id: str, instructor: Instructor) -> None:
        """The instructor removes any drawing."""
        require_instructor(instructor)
        with self._lock:
            self._drop({self._find(drawing_id).id})

    def clear(self, instructor: Instructor) -> int:
        """The instructor removes every drawing; returns how many there were."""
        require_instructor(instructor)
        with self._lock:
            removed = len(self._drawings)
            self._drop({d.id for d in self._drawings})
        return removed

    def _find(self, drawing_id: str) -> Drawing:
        found = next((d for d in self._drawings if d.id == drawing_id), None)
        if found is None:
            raise DrawingRefused(Msg("That drawing is gone: someone removed it already."))
        return found

    def _drop(self, ids: set[str]) -> None:
        self._drawings = [d for d in self._drawings if d.id not in ids]
        self._save()

    def _save(self) -> None:
        files.write_json(self.path, [d.to_json() for d in self._drawings])


def _read(path: Path) -> list[Drawing]:
    """The saved drawings; a row that cannot be read is logged and left out, never the whole class."""
    drawings = []
    for row in files.read_json(path, []):
        try:
            drawings.append(Drawing.from_json(row))
        except (KeyError, TypeError, ValueError) as error:
            log.warning("%s: skipped a drawing that cannot be read (%r)", path, error)
    return drawings
