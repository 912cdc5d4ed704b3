"""Look inside a trained MLP: first-layer weights as images, hidden activations, a 2-D PCA map.

Works on any Keras model this app builds (Rescaling, Flatten, Dense [, Dropout] ..., Dense) and
never imports TensorFlow itself: the model brings it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from mnist_dash import images
from mnist_dash.i18n import N_

IMAGE_SHAPE = (28, 28)
BATCH_SIZE = 2000


def dense_layers(model: Any) -> list[Any]:
    """The model's layers that hold a 2-D weight matrix (its Dense layers), input side first."""
    found = [layer for layer in model.layers if len(getattr(layer, "kernel", np.empty(0)).shape) == 2]
    if len(found) < 2:
        raise ValueError(f"expected an MLP with at least one hidden Dense layer; model "
                         f"{model.name!r} has {len(found)} Dense layer(s)")
    return found


def first_layer_weights(model: Any) -> np.ndarray:
    """(units, 28, 28): unit j's 784 incoming weights (kernel column j) laid out as the image."""
    kernel = np.asarray(dense_layers(model)[0].kernel)
    if kernel.shape[0] != IMAGE_SHAPE[0] * IMAGE_SHAPE[1]:
        raise ValueError(f"the first Dense layer takes {kernel.shape[0]} inputs; expected 784 pixels")
    return kernel.T.reshape(-1, *IMAGE_SHAPE)


def _activations(model: Any, x: np.ndarray, stop: Any) -> np.ndarray:
    """Run the layers in order up to and including `stop`, in batches, in inference mode."""
    chain = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    chain = chain[: chain.index(stop) + 1]
    batches = []
    for start in range(0, len(x), BATCH_SIZE):
        values = x[start:start + BATCH_SIZE]
        for layer in chain:
            values = layer(values, training=False)
        batches.append(np.asarray(values, dtype=np.float32))
    return np.concatenate(batches) if batches else np.empty((0, stop.units), dtype=np.float32)


def first_hidden_activations(model: Any, x: np.ndarray) -> np.ndarray:
    """(n, units) outputs of the first hidden layer (after its activation function)."""
    return _activations(model, x, dense_layers(model)[0])


def hidden_activations(model: Any, x: np.ndarray) -> np.ndarray:
    """(n, units) outputs of the last hidden layer: what the output layer reads."""
    return _activations(model, x, dense_layers(model)[-2])


def predict_probabilities(model: Any, config: Any, x: np.ndarray) -> np.ndarray:
    """(n, classes) probabilities for uint8 images (n, 28, 28), whatever the output layer."""
    from mnist_dash.model import outputs_to_probabilities

    outputs = np.asarray(model(np.asarray(x, dtype=np.uint8), training=False))
    return outputs_to_probabilities(outputs, config)


def top_activating(activations_of_unit: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest activations, largest first; ties keep the lower index first."""
    if k < 0:
        raise ValueError(f"k must be >= 0; got {k}")
    values = np.asarray(activations_of_unit).ravel()
    candidates = np.arange(len(values))
    if 0 < k < len(values):
        # Only values as large as the k-th largest can be in the answer: a partition finds it in
        # O(n), so a 512-unit layer is not 512 full sorts of the test set.
        kth_largest = np.partition(values, len(values) - k)[len(values) - k]
        candidates = np.flatnonzero(values >= kth_largest)
    return candidates[np.argsort(-values[candidates], kind="stable")][:k]


def top_activating_all(activations: np.ndarray, k: int) -> np.ndarray:
    """(units, k) indices: top_activating for every column of an (n, units) matrix."""
    return np.stack([top_activating(column, k) for column in np.asarray(activations).T])


def pca_2d(x: np.ndarray, seed: int = 0, power_iterations: int = 7) -> np.ndarray:
    """(n, 2): the rows of x projected on their first two principal components.

    A randomized SVD (Halko, Martinsson and Tropp 2011) seeded by `seed`: the same input and
    seed always give the same map. On 2000 MNIST images it takes ~0.05 s where a full SVD takes
    ~1 s, and agrees with the full SVD to about 1e-5 of the map's extent. Each axis's sign is
    fixed so that its largest loading is positive, so seeds differ only in those last digits.
    """
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    if len(x) < 2:
        raise ValueError(f"PCA needs at least 2 rows; got {len(x)}")
    # One BLAS thread: these products are small, and OpenBLAS's threads spin-wait for a core
    # the training threads hold (2 cores under load: 7 s instead of 0.4 s, see RESULTS.md).
    with threadpool_limits(limits=1, user_api="blas"):
        centred = x - x.mean(axis=0)
        rank = min(2 + 20, *centred.shape)  # 20 extra directions make the top 2 accurate
        basis = centred @ np.random.default_rng(seed).standard_normal((centred.shape[1], rank))
        for _ in range(power_iterations):
            basis, _ = np.linalg.qr(basis)
            basis, _ = np.linalg.qr(centred.T @ basis)
            basis = centred @ basis
        basis, _ = np.linalg.qr(basis)
        _, _, components = np.linalg.svd(basis.T @ centred, full_matrices=False)
        components = components[:2]
        signs = np.sign(components[np.arange(len(components)), np.abs(components).argmax(axis=1)])
        points = centred @ (components * signs[:, None]).T
    return np.pad(points, ((0, 0), (0, 2 - points.shape[1])))


@dataclass(frozen=True)
class PixelMap:
    """The test images the maps draw and their raw pixels' 2-D PCA: the same for every run of a
    dataset, so computed once per dataset."""

    sample: np.ndarray  # (n,): test-image indices drawn on the maps
    points: np.ndarray  # (n, 2): PCA of those images' raw pixels
    seconds: dict[str, float]  # how long the PCA took


def map_pixels(x_test: np.ndarray, y_test: np.ndarray, sample_size: int = 2000,
               seed: int = 0) -> PixelMap:
    """A seeded sample of the test set and the 2-D PCA of its pixels."""
    sample = images.sample_indices(y_test, None, sample_size, seed)
    started = time.perf_counter()
    points = pca_2d(x_test[sample], seed)
    return PixelMap(sample=sample, points=points,
                    seconds={N_("PCA of the pixels"): time.perf_counter() - started})


@dataclass(frozen=True)
class RunInsides:
    """What the Inside page shows about one run, computed once (about a second) and then reused."""

    weights: np.ndarray  # (units, 28, 28) float32: the first hidden layer's incoming weights
    top_indices: np.ndarray  # (units, k): test images that excite each first-layer unit most
    top_values: np.ndarray  # (units, k): those activations
    sample: np.ndarray  # (n,): test-image indices drawn on the maps
    hidden_map: np.ndarray  # (n, 2): PCA of the last hidden layer's activations on the sample
    pixel_map: np.ndarray  # (n, 2): PCA of the same images' raw pixels
    seconds: dict[str, float]  # how long each step took (the pixels' PCA: once for the dataset)


def summarize_run(model: Any, x_test: np.ndarray, pixels: PixelMap, top_k: int = 12,
                  seed: int = 0) -> RunInsides:
    """Weights, most exciting test images per unit and the hidden layer's 2-D map for one trained
    model, beside the dataset's pixel map."""
    clock = time.perf_counter
    seconds, started = {}, clock()
    first = first_hidden_activations(model, x_test)
    top_indices = top_activating_all(first, top_k)
    top_values = np.take_along_axis(first.T, top_indices, axis=1)
    seconds[N_("first layer on the test set")] = clock() - started
    started = clock()
    hidden = hidden_activations(model, x_test[pixels.sample])
    seconds[N_("last hidden layer on the sample")] = clock() - started
    started = clock()
    hidden_map = pca_2d(hidden, seed)
    seconds[N_("PCA of the hidden layer")] = clock() - started
    return RunInsides(weights=first_layer_weights(model).astype(np.float32), top_indices=top_indices,
                      top_values=top_values, sample=pixels.sample, hidden_map=hidden_map,
                      pixel_map=pixels.points, seconds={**seconds, **pixels.seconds})
