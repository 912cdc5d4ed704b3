"""Distort training images on the fly: shifts, affine maps and Simard's elastic fields, as TensorFlow ops.

Every kind works the same way on a whole batch: it computes, for each output pixel, the point of
the input image to read (a random affine map per image, or a random smooth displacement field),
and one bilinear sampler reads there, with black (0) outside the image. Everything is tensor ops
on the batch (no per-image Python), works inside tf.function and compiles with XLA. TensorFlow's
ImageProjectiveTransformV3 would do the affine kinds, but has no XLA kernel on CPU, so it could
not run inside the app's XLA-compiled train step.

The same images, kind, strength and seed give the same batch, with XLA or without (up to float
rounding, a grey level here and there): the random numbers are a hash of the seed and of each
number's position (see _uniform). Pass a different seed
per batch, e.g. tf.stack([run_seed, step]).
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from mnist_dash.config import (
    AUGMENTATIONS,
    ELASTIC_ALPHA,
    ELASTIC_SIGMA,
    MAX_ROTATION_DEGREES,
    MAX_SCALE_CHANGE,
    MAX_SHEAR,
    MAX_SHIFT_PIXELS,
)

SIZE = 28
CENTRE = (SIZE - 1) / 2  # pixel centres are at integer coordinates 0..27


def augment_batch(images: tf.Tensor, kind: str, strength: float, seed: tf.Tensor) -> tf.Tensor:
    """A distorted copy of a [b, 28, 28] uint8 batch, still uint8 (rounded), so the model's
    input contract stays the same. Strength 0 returns the images unchanged."""
    if kind not in AUGMENTATIONS:
        raise ValueError(f"augmentation must be one of {', '.join(AUGMENTATIONS)}; got {kind!r}")
    if kind == "none":
        return images
    if kind == "elastic":
        rows, cols = _elastic_coordinates(tf.shape(images)[0], strength, seed)
    else:
        rows, cols = _affine_coordinates(_random_matrices(tf.shape(images)[0], kind, strength, seed))
    distorted = _sample_bilinear(tf.cast(images, tf.float32), rows, cols)
    return tf.cast(tf.round(tf.clip_by_value(distorted, 0.0, 255.0)), tf.uint8)


def preview(image: np.ndarray, kind: str, strength: float, count: int = 8, seed: int = 0) -> np.ndarray:
    """`count` random draws of one [28, 28] uint8 image under an augmentation, as [count, 28, 28]."""
    batch = tf.constant(np.repeat(np.asarray(image, dtype=np.uint8)[None], count, axis=0))
    return augment_batch(batch, kind, strength, tf.constant([seed, 0])).numpy()


def _uniform(shape: list, seed: tf.Tensor) -> tf.Tensor:
    """Numbers uniform in [-1, 1): Wellons' lowbias32 hash of each one's index, keyed by the seed.

    Not tf.random.stateless_uniform: under XLA it draws other numbers from a seed than without
    (so a run that falls back from XLA would see other distortions), and its Philox took ~1.7 ms
    per batch for the elastic fields under XLA on CPU, the hash ~0.4 ms."""
    seed = tf.cast(seed, tf.uint32)
    key = _mix(tf.bitwise.bitwise_xor(_mix(seed[1]), seed[0]))
    index = tf.cast(tf.range(tf.reduce_prod(tf.stack(shape))), tf.uint32)
    bits = _mix(index * tf.constant(0x9E3779B9, tf.uint32) + key)  # golden-ratio spaced counters
    top_bits = tf.bitwise.right_shift(bits, tf.constant(8, tf.uint32))  # 24 bits: exact in float32
    return tf.reshape(tf.cast(top_bits, tf.float32) * 2.0**-23 - 1.0, shape)


def _mix(x: tf.Tensor) -> tf.Tensor:
    """lowbias32 (C. Wellons): a fast 32-bit integer hash, a bijection with good avalanche."""
    for shift, multiplier in ((16, 0x7FEB352D), (15, 0x846CA68B)):
        x = tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, tf.constant(shift, tf.uint32)))
        x = x * tf.constant(multiplier, tf.uint32)
    return tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, tf.constant(16, tf.uint32)))


def _random_matrices(batch: tf.Tensor, kind: str, strength: float, seed: tf.Tensor) -> tf.Tensor:
    """[b, 2, 3] maps from an output pixel's (x, y) offset from the centre to the input point."""
    draws = _uniform([batch, 6], seed) * strength
    shift = draws[:, :2] * MAX_SHIFT_PIXELS
    if kind == "shift":
        linear = tf.eye(2, batch_shape=[batch])
    else:
        angle = draws[:, 2] * math.radians(MAX_ROTATION_DEGREES)
        scale_x, scale_y = 1 + draws[:, 3] * MAX_SCALE_CHANGE, 1 + draws[:, 4] * MAX_SCALE_CHANGE
        shear = draws[:, 5] * MAX_SHEAR
        cos, sin, zero = tf.cos(angle), tf.sin(angle), tf.zeros_like(angle)
        rotation = tf.reshape(tf.stack([cos, -sin, sin, cos], axis=1), [-1, 2, 2])
        shearing = tf.reshape(tf.stack([tf.ones_like(shear), shear, zero, tf.ones_like(shear)], axis=1),
                              [-1, 2, 2])
        scaling = tf.linalg.diag(tf.stack([scale_x, scale_y], axis=1))
        linear = rotation @ shearing @ scaling
    return tf.concat([linear, shift[:, :, None]], axis=2)


def _pixel_grid() -> tuple[tf.Tensor, tf.Tensor]:
    """Row and column index of every output pixel, [28, 28] each."""
    indices = tf.range(SIZE, dtype=tf.float32)
    rows, cols = tf.meshgrid(indices, indices, indexing="ij")
    return rows, cols


def _affine_coordinates(matrices: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Where each output pixel reads the input: centre + linear @ (pixel - centre) + shift.

    Written out per entry: a batched [2, 2] @ [2, 784] matmul was ~3x slower under XLA on CPU."""
    rows, cols = _pixel_grid()
    x, y = tf.reshape(cols, [1, -1]) - CENTRE, tf.reshape(rows, [1, -1]) - CENTRE
    entry = [[matrices[:, i, j, None] for j in range(3)] for i in range(2)]
    read_x = entry[0][0] * x + entry[0][1] * y + entry[0][2] + CENTRE
    read_y = entry[1][0] * x + entry[1][1] * y + entry[1][2] + CENTRE
    shape = [-1, SIZE, SIZE]
    return tf.reshape(read_y, shape), tf.reshape(read_x, shape)


def _gaussian_matrix(sigma: float) -> np.ndarray:
    """[28, 28] G: G @ f blurs f down its columns with a Gaussian (zeros beyond the edge)."""
    radius = math.ceil(3 * sigma)
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    offsets = np.subtract.outer(np.arange(SIZE), np.arange(SIZE))
    matrix = np.where(np.abs(offsets) <= radius, taps[np.clip(offsets + radius, 0, 2 * radius)], 0.0)
    return (matrix / taps.sum()).astype(np.float32)


def _elastic_coordinates(batch: tf.Tensor, strength: float, seed: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Pixel positions moved by alpha times a uniform random field smoothed by a Gaussian."""
    fields = _uniform([batch, 2, SIZE, SIZE], seed)
    # The separable blur as G @ f @ G^T: a depthwise convolution did the same ~45x slower (XLA, CPU).
    blur = tf.constant(_gaussian_matrix(ELASTIC_SIGMA))
    displacement = blur @ fields @ tf.transpose(blur) * (ELASTIC_ALPHA * strength)
    rows, cols = _pixel_grid()
    return rows + displacement[:, 0], cols + displacement[:, 1]


def _sample_bilinear(images: tf.Tensor, rows: tf.Tensor, cols: tf.Tensor) -> tf.Tensor:
    """images[b, rows, cols] for fractional coordinates [b, 28, 28]; 0 outside the image."""
    width = SIZE + 2
    # A one-pixel black border: every point outside the image reads from it (clipped onto it).
    flat = tf.reshape(tf.pad(images, [[0, 0], [1, 1], [1, 1]]), [-1])
    rows = tf.clip_by_value(rows + 1.0, 0.0, width - 1.0)
    cols = tf.clip_by_value(cols + 1.0, 0.0, width - 1.0)
    top, left = tf.floor(rows), tf.floor(cols)
    below, beside = rows - top, cols - left  # the weights of the next row and column
    top, left = tf.cast(top, tf.int32), tf.cast(left, tf.int32)
    bottom, right = tf.minimum(top + 1, width - 1), tf.minimum(left + 1, width - 1)
    # Indices into the whole flattened batch (a plain gather was ~20% faster than batch_dims=1).
    start = tf.reshape(tf.range(tf.shape(images)[0]) * width * width, [-1, 1, 1])

    def read(row: tf.Tensor, col: tf.Tensor) -> tf.Tensor:
        return tf.gather(flat, start + row * width + col)

    upper = read(top, left) * (1 - beside) + read(top, right) * beside
    lower = read(bottom, left) * (1 - beside) + read(bottom, right) * beside
    return upper * (1 - below) + lower * below
