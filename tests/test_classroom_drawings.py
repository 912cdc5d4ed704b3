"""Our class's drawings: shared by the class, capped, removable by their author or the instructor,
kept across a restart."""

import contextlib
import json
import threading

import numpy as np
import pytest

from mnist_dash import i18n
from mnist_dash.classroom.auth import InstructorKey, NotInstructor
from mnist_dash.classroom.drawings import DrawingBook, DrawingRefused

OWNER_A, OWNER_B = "a" * 32, "b" * 32
INSTRUCTOR = InstructorKey("t0ken-t0ken", generated=False).unlock("t0ken-t0ken")


def digit(value: int = 255) -> np.ndarray:
    pixels = np.zeros((28, 28), dtype=np.uint8)
    pixels[4:24, 12:16] = value
    return pixels


def test_every_learner_sees_the_class_drawings_of_the_dataset_with_counts(tmp_path):
    book = DrawingBook(tmp_path / "drawings.json")
    book.add(OWNER_A, "mnist", digit(), 1)
    book.add(OWNER_B, "mnist", digit(200), 1)
    book.add(OWNER_B, "mnist", digit(), 7)
    book.add(OWNER_B, "fashion-mnist", digit(), 3)
    shown = book.drawings("mnist")
    assert [(d.owner, d.label) for d in shown] == [(OWNER_A, 1), (OWNER_B, 1), (OWNER_B, 7)]
    assert shown[1].pixels.max() == 200
    assert book.counts("mnist", 10).tolist() == [0, 2, 0, 0, 0, 0, 0, 1, 0, 0]
    assert book.counts("fashion-mnist", 10).tolist() == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]


def test_the_set_is_capped_per_learner_and_in_total(tmp_path):
    book = DrawingBook(tmp_path / "drawings.json", max_per_learner=2, max_total=3)
    book.add(OWNER_A, "mnist", digit(), 1)
    book.add(OWNER_A, "mnist", digit(), 2)
    with pytest.raises(DrawingRefused, match="added 2 drawings") as refused:
        book.add(OWNER_A, "mnist", digit(), 3)
    assert isinstance(refused.value.msg, i18n.Msg)
    book.add(OWNER_B, "mnist", digit(), 4)
    with pytest.raises(DrawingRefused, match=r"full \(3 drawings\)"):
        book.add("c" * 32, "mnist", digit(), 5)
    assert len(book.drawings("mnist")) == 3


def test_a_drawing_of_the_wrong_shape_is_refused(tmp_path):
    with pytest.raises(DrawingRefused, match="28×28 pixels, not 280×280"):
        DrawingBook(tmp_path / "drawings.json").add(OWNER_A, "mnist", np.zeros((280, 280)), 1)


def test_a_learner_removes_only_their_own_drawings(tmp_path):
    book = DrawingBook(tmp_path / "drawings.json")
    mine = book.add(OWNER_A, "mnist", digit(), 1)
    theirs = book.add(OWNER_B, "mnist", digit(), 2)
    with pytest.raises(DrawingRefused, match="someone else's"):
        book.remove(theirs.id, OWNER_A)
    book.remove(mine.id, OWNER_A)
    assert [d.id for d in book.drawings("mnist")] == [theirs.id]
    with pytest.raises(DrawingRefused, match="gone"):
        book.remove(mine.id, OWNER_A)


def test_only_the_instructor_removes_any_drawing_or_clears_them_all(tmp_path):
    book = DrawingBook(tmp_path / "drawings.json")
    first = book.add(OWNER_A, "mnist", digit(), 1)
    book.add(OWNER_B, "mnist", digit(), 2)
    for action in (lambda: book.remove_any(first.id, None), lambda: book.clear(None)):
        with pytest.raises(NotInstructor):
            action()
    assert len(book.drawings("mnist")) == 2
    book.remove_any(first.id, INSTRUCTOR)
    assert [d.owner for d in book.drawings("mnist")] == [OWNER_B]
    assert book.clear(INSTRUCTOR) == 1
    assert book.drawings("mnist") == []


def test_drawings_survive_a_restart_and_are_written_atomically(tmp_path):
    path = tmp_path / "classroom" / "drawings.json"
    book = DrawingBook(path)
    kept = book.add(OWNER_A, "mnist", digit(123), 4)
    removed = book.add(OWNER_B, "mnist", digit(), 5)
    book.remove(removed.id, OWNER_B)
    again = DrawingBook(path).drawings("mnist")
    assert [(d.id, d.owner, d.label) for d in again] == [(kept.id, OWNER_A, 4)]
    np.testing.assert_array_equal(again[0].pixels, digit(123))
    assert len(json.loads(path.read_text())) == 1
    assert [p.name for p in path.parent.iterdir()] == ["drawings.json"]  # no temporary file left


def test_a_damaged_file_is_set_aside_and_the_class_starts_afresh(tmp_path):
    path = tmp_path / "drawings.json"
    path.write_text("[{not json")
    assert DrawingBook(path).drawings("mnist") == []
    assert any(p.name.startswith("drawings.json.damaged-") for p in tmp_path.iterdir())


def test_a_row_that_cannot_be_read_is_left_out(tmp_path):
    path = tmp_path / "drawings.json"
    DrawingBook(path).add(OWNER_A, "mnist", digit(), 1)
    rows = json.loads(path.read_text())
    path.write_text(json.dumps([*rows, {"id": "x", "owner": OWNER_B}, {**rows[0], "pixels": "AAAA"}]))
    assert [d.owner for d in DrawingBook(path).drawings("mnist")] == [OWNER_A]


def test_learners_adding_at_once_never_pass_the_cap(tmp_path):
    book = DrawingBook(tmp_path / "drawings.json", max_per_learner=100, max_total=20)
    owners = [f"{i:032x}" for i in range(8)]

    def add_many(owner: str) -> None:
        for _ in range(5):
            with contextlib.suppress(DrawingRefused):
                book.add(owner, "mnist", digit(), 0)

    threads = [threading.Thread(target=add_many, args=(owner,)) for owner in owners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(book.drawings("mnist")) == 20
    assert len(DrawingBook(tmp_path / "drawings.json").drawings("mnist")) == 20
