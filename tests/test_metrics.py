"""Tests for mnist_dash.metrics against explicit loops and hand-computed values."""

import numpy as np
import pytest

from mnist_dash import metrics


@pytest.fixture
def random_predictions() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    y_true = rng.integers(0, 4, size=300)
    # Probabilities rounded to 1 decimal so ties in confidence really happen.
    probabilities = np.round(rng.dirichlet(np.ones(4), size=300), 1)
    return y_true, probabilities


def test_confusion_matrix_matches_loop() -> None:
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 10, 500), rng.integers(0, 10, 500)
    expected = np.zeros((10, 10), dtype=np.int64)
    for true, pred in zip(y_true, y_pred, strict=True):
        expected[true, pred] += 1
    matrix = metrics.confusion_matrix(y_true, y_pred)
    assert matrix.dtype == np.int64
    np.testing.assert_array_equal(matrix, expected)
    np.testing.assert_array_equal(matrix.sum(axis=1), np.bincount(y_true, minlength=10))


def test_confusion_matrix_rows_are_true_columns_predicted() -> None:
    matrix = metrics.confusion_matrix([0, 0, 2], [1, 1, 2], num_classes=3)
    assert matrix[0, 1] == 2 and matrix[1, 0] == 0 and matrix[2, 2] == 1


def test_confusion_matrix_rejects_out_of_range_labels() -> None:
    with pytest.raises(ValueError, match=r"0\.\.2"):
        metrics.confusion_matrix([0, 3], [0, 1], num_classes=3)


def test_normalize_rows_keeps_empty_rows_zero() -> None:
    normalized = metrics.normalize_rows(np.array([[1, 3], [0, 0]]))
    np.testing.assert_allclose(normalized, [[0.25, 0.75], [0.0, 0.0]])


def test_per_class_metrics_hand_computed() -> None:
    # rows true, columns predicted; class 2 is never predicted and never present.
    matrix = np.array([[3, 1, 0], [2, 4, 0], [0, 0, 0]])
    table = metrics.per_class_metrics(matrix, ["a", "b", "c"])
    assert list(table.columns) == ["class", "support", "precision", "recall", "f1"]
    assert list(table["class"]) == ["a", "b", "c"]
    assert list(table["support"]) == [4, 6, 0]
    np.testing.assert_allclose(table["precision"], [3 / 5, 4 / 5, 0.0])
    np.testing.assert_allclose(table["recall"], [3 / 4, 4 / 6, 0.0])
    f1_a = 2 * (3 / 5) * (3 / 4) / (3 / 5 + 3 / 4)
    f1_b = 2 * (4 / 5) * (4 / 6) / (4 / 5 + 4 / 6)
    np.testing.assert_allclose(table["f1"], [f1_a, f1_b, 0.0])


def test_predictions_from_probabilities() -> None:
    predictions = metrics.predictions_from_probabilities(np.array([[0.1, 0.9], [0.7, 0.3]]))
    assert predictions.dtype == np.int64
    np.testing.assert_array_equal(predictions, [1, 0])


def _oracle_cell(y_true, probabilities, true_class, predicted_class) -> list[int]:
    predicted = probabilities.argmax(axis=1)
    members = np.flatnonzero((y_true == true_class) & (predicted == predicted_class))
    confidence = {int(i): float(probabilities[i, predicted_class]) for i in members}
    sign = -1 if true_class != predicted_class else 1
    return sorted(confidence, key=lambda i: (sign * confidence[i], i))


@pytest.mark.parametrize(("true_class", "predicted_class"), [(0, 0), (1, 3), (2, 1), (3, 3)])
def test_cell_indices_matches_mask_and_order(
    random_predictions, true_class: int, predicted_class: int
) -> None:
    y_true, probabilities = random_predictions
    indices = metrics.cell_indices(y_true, probabilities, true_class, predicted_class)
    expected = _oracle_cell(y_true, probabilities, true_class, predicted_class)
    assert len(expected) > 1
    assert indices.tolist() == expected


def test_cell_indices_diagonal_least_confident_first() -> None:
    probabilities = np.array([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8], [0.6, 0.4]])
    indices = metrics.cell_indices(np.array([0, 0, 0, 0]), probabilities, 0, 0)
    assert indices.tolist() == [1, 3, 0]
    mistakes = metrics.cell_indices(np.array([1, 1, 1, 1]), probabilities, 1, 0)
    assert mistakes.tolist() == [0, 1, 3]


def test_most_confident_mistakes(random_predictions) -> None:
    y_true, probabilities = random_predictions
    predicted = probabilities.argmax(axis=1)
    wrong = [int(i) for i in np.flatnonzero(predicted != y_true)]
    expected = sorted(wrong, key=lambda i: (-probabilities[i, predicted[i]], i))
    top = metrics.most_confident_mistakes(y_true, probabilities, limit=15)
    assert top.tolist() == expected[:15]
    assert len(metrics.most_confident_mistakes(y_true, probabilities, limit=10_000)) == len(wrong)


def test_compare_predictions() -> None:
    y_true = np.array([0, 1, 2, 3, 4])
    pred_a = np.array([0, 0, 2, 0, 4])
    pred_b = np.array([1, 1, 2, 3, 0])
    fixed, broken = metrics.compare_predictions(y_true, pred_a, pred_b)
    assert fixed.tolist() == [1, 3]
    assert broken.tolist() == [0, 4]


def test_accuracy() -> None:
    assert metrics.accuracy([1, 2, 3, 4], [1, 2, 0, 0]) == pytest.approx(0.5)
    assert metrics.accuracy([], []) == 0.0


def test_class_accuracy_per_true_class_nan_without_images() -> None:
    outputs = np.eye(10)[[0, 1, 1, 2]]  # predicted 0, 1, 1, 2
    accuracy = metrics.class_accuracy(outputs, np.array([0, 1, 2, 2]))
    assert accuracy[:3] == (1.0, 1.0, 0.5)
    assert len(accuracy) == 10 and np.isnan(accuracy[5])


def test_metrics_and_the_job_manager_import_no_tensorflow() -> None:
    """Explore and Evaluate import these; TensorFlow comes only with a job that really trains."""
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys, mnist_dash.metrics, mnist_dash.jobs, mnist_dash.figures\n"
            "print(sorted({'tensorflow', 'keras'} & set(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.stdout.strip() == "[]"
