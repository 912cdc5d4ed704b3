"""Scores computed from a model's predictions: accuracy, confusion matrix, per-class metrics, mistakes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from mnist_dash.i18n import N_, _

if TYPE_CHECKING:
    import pandas as pd


def _labels(values: np.ndarray, name: str, num_classes: int) -> np.ndarray:
    labels = np.asarray(values).astype(np.int64, copy=False).ravel()
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"{name} must hold class indices in 0..{num_classes - 1}; "
            f"got values from {labels.min()} to {labels.max()}"
        )
    return labels


def _check_same_length(first: np.ndarray, second: np.ndarray, names: str) -> None:
    if len(first) != len(second):
        raise ValueError(f"{names} must have the same length; got {len(first)} and {len(second)}")


def confusion_matrix(
    y_true: np.ndarray, y_pred: np.ndarray, num_classes: int = 10
) -> np.ndarray:
    """Count images per (true class, predicted class): rows are true, columns predicted."""
    true = _labels(y_true, "y_true", num_classes)
    pred = _labels(y_pred, "y_pred", num_classes)
    _check_same_length(true, pred, "y_true and y_pred")
    counts = np.bincount(true * num_classes + pred, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes).astype(np.int64)


def normalize_rows(matrix: np.ndarray) -> np.ndarray:
    """Divide each row by its sum so it reads as fractions of that true class; empty rows stay 0."""
    matrix = np.asarray(matrix, dtype=np.float64)
    totals = matrix.sum(axis=1, keepdims=True)
    return np.divide(matrix, totals, out=np.zeros_like(matrix), where=totals != 0)


def _safe_ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    return np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator != 0)


def per_class_metrics(matrix: np.ndarray, class_names: list[str]) -> pd.DataFrame:
    """Support, precision, recall and F1 per class; an undefined ratio (0/0) is reported as 0."""
    matrix = np.asarray(matrix)
    if matrix.shape != (len(class_names), len(class_names)):
        raise ValueError(
            f"matrix shape {matrix.shape} does not match {len(class_names)} class names"
        )
    true_positives = np.diag(matrix)
    support = matrix.sum(axis=1)
    precision = _safe_ratio(true_positives, matrix.sum(axis=0))
    recall = _safe_ratio(true_positives, support)
    f1 = _safe_ratio(2 * precision * recall, precision + recall)
    import pandas as pd  # here, not at the top: Explore's first paint need not wait for it

    return pd.DataFrame(
        {
            "class": list(class_names),
            "support": support.astype(np.int64),
            "precision": precision,
            "recall": recall,
            "f1": f1,
        }
    )


# The per-class table's column headers for people; the data keeps the English column names.
_COLUMN_TITLES = {"class": N_("class"), "support": N_("support"), "precision": N_("precision"),
                  "recall": N_("recall"), "f1": N_("F1")}


def display_columns(columns: Sequence[str] | None = None) -> dict[str, str]:
    """Data column name -> its header in the current language, for the per-class table shown:
    `table.rename(columns=metrics.display_columns())`."""
    names = _COLUMN_TITLES if columns is None else columns
    return {name: _(_COLUMN_TITLES.get(name, name)) for name in names}


def predictions_from_probabilities(probabilities: np.ndarray) -> np.ndarray:
    """The most probable class per row (the first one on a tie)."""
    probabilities = np.asarray(probabilities)
    if probabilities.ndim != 2:
        raise ValueError(f"probabilities must be 2-D (images, classes); got {probabilities.shape}")
    return probabilities.argmax(axis=1).astype(np.int64)


def _order(indices: np.ndarray, keys: np.ndarray, descending: bool) -> np.ndarray:
    """Sort indices by keys (ties by index), so the order never depends on the sort algorithm."""
    primary = -keys if descending else keys
    return indices[np.lexsort((indices, primary))]


def cell_indices(
    y_true: np.ndarray, probabilities: np.ndarray, true_class: int, predicted_class: int
) -> np.ndarray:
    """Test images in one confusion-matrix cell, the most instructive first.

    Off the diagonal: the most confident mistakes first. On the diagonal: the least
    confident correct answers first (the near misses worth looking at).
    """
    probabilities = np.asarray(probabilities)
    true = _labels(y_true, "y_true", probabilities.shape[1])
    _check_same_length(true, probabilities, "y_true and probabilities")
    predicted = predictions_from_probabilities(probabilities)
    indices = np.flatnonzero((true == true_class) & (predicted == predicted_class))
    confidence = probabilities[indices, predicted_class]
    return _order(indices, confidence, descending=true_class != predicted_class)


def most_confident_mistakes(
    y_true: np.ndarray, probabilities: np.ndarray, limit: int = 20
) -> np.ndarray:
    """Indices of wrong predictions, the most confident wrong answer first, at most `limit`."""
    probabilities = np.asarray(probabilities)
    true = _labels(y_true, "y_true", probabilities.shape[1])
    _check_same_length(true, probabilities, "y_true and probabilities")
    predicted = predictions_from_probabilities(probabilities)
    indices = np.flatnonzero(predicted != true)
    confidence = probabilities[indices, predicted[indices]]
    return _order(indices, confidence, descending=True)[: max(limit, 0)]


def compare_predictions(
    y_true: np.ndarray, pred_a: np.ndarray, pred_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Indices that model B fixed (wrong in A, right in B) and broke (right in A, wrong in B)."""
    true, a, b = (np.asarray(values).ravel() for values in (y_true, pred_a, pred_b))
    _check_same_length(true, a, "y_true and pred_a")
    _check_same_length(true, b, "y_true and pred_b")
    right_a, right_b = a == true, b == true
    return np.flatnonzero(~right_a & right_b), np.flatnonzero(right_a & ~right_b)


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Fraction of predictions equal to the label (0.0 for no images)."""
    true, pred = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    _check_same_length(true, pred, "y_true and y_pred")
    return float(np.mean(true == pred)) if true.size else 0.0


def class_accuracy(outputs: np.ndarray, labels: np.ndarray, num_classes: int = 10) -> tuple[float, ...]:
    """Fraction right per true class, from a network's outputs (NaN for a class with no images)."""
    labels = _labels(labels, "labels", num_classes)
    right = predictions_from_probabilities(outputs) == labels
    totals = np.bincount(labels, minlength=num_classes)
    hits = np.bincount(labels[right], minlength=num_classes)
    return tuple(float(h / t) if t else float("nan") for h, t in zip(hits, totals, strict=True))
