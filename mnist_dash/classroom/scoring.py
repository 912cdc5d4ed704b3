"""Challenge scores: accuracy on a public half of the test set, and on the private half kept for the end.

The split is drawn from the challenge's seed, so it is the same for every run and after a restart.
"""

from __future__ import annotations

import numpy as np


def public_mask(num_test: int, split_seed: int) -> np.ndarray:
    """True for the test images of the public half (num_test // 2 of them), from the seed alone."""
    order = np.random.default_rng(split_seed).permutation(num_test)
    mask = np.zeros(num_test, dtype=bool)
    mask[order[: num_test // 2]] = True
    return mask


def predicted_labels(outputs: np.ndarray) -> np.ndarray:
    """The class each test image is given: the largest output (probabilities or raw outputs)."""
    return np.asarray(outputs).argmax(axis=1)


def scores(predicted: np.ndarray, y_test: np.ndarray, public: np.ndarray) -> tuple[float, float]:
    """(public accuracy, private accuracy) of the predicted labels."""
    predicted, y_test = np.asarray(predicted), np.asarray(y_test)
    if predicted.shape != y_test.shape or public.shape != y_test.shape:
        raise ValueError(f"{len(predicted)} predictions and a split of {len(public)} for "
                         f"{len(y_test)} test labels: they must match")
    correct = predicted == y_test
    return float(correct[public].mean()), float(correct[~public].mean())
