"""Distort training images on the fly: shifts, affine maps and Simard's elastic fields, as TensorFlow ops.

Every kind works the same way on a whole batch: it computes, for each output pixel, the point of
the input image to read (a random affine map per image, or a random smooth displacement field),
and one bilinear sampler reads there, with black (0) outside the image. Everything is tensor ops
on the batch (no per-image Python), works inside tf.function and compiles with XLA. TensorFlow's
ImageProjectiveTransformV3 would do the affine kinds, but has no XLA kernel on CPU, so it could
not run inside the app's XLA-compiled train step.

The same images, kind, strength and seed give the same batch: randomness is stateless (seeded).
Pass a different seed per batch, e.g. tf.stack([run_seed, step]). TensorFlow's XLA kernels draw
other numbers from a seed than its plain kernels (even with alg="philox"), so a run compiled with
XLA and the same run without it see different distortions.
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
    seed = tf.cast(seed, tf.int64)
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


def _random_matrices(batch: tf.Tensor, kind: str, strength: float, seed: tf.Tensor) -> tf.Tensor:
    """[b, 2, 3] maps from an output pixel's (x, y) offset from the centre to the input point."""
    draws = tf.random.stateless_uniform([batch, 6], seed, -1.0, 1.0) * strength
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
    """Where each output pixel reads the input: centre + linear @ (pixel - centre) + shift."""
    rows, cols = _pixel_grid()
    offsets = tf.stack([tf.reshape(cols, [-1]) - CENTRE, tf.reshape(rows, [-1]) - CENTRE])  # (x, y)
    points = matrices[:, :, :2] @ offsets + matrices[:, :, 2:] + CENTRE  # [b, 2, 784]
    shape = [-1, SIZE, SIZE]
    return tf.reshape(points[:, 1], shape), tf.reshape(points[:, 0], shape)


def _gaussian_kernel(sigma: float) -> np.ndarray:
    radius = math.ceil(3 * sigma)
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    return (taps / taps.sum()).astype(np.float32)


def _elastic_coordinates(batch: tf.Tensor, strength: float, seed: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Pixel positions moved by alpha times a uniform random field smoothed by a Gaussian."""
    fields = tf.random.stateless_uniform([batch, SIZE, SIZE, 2], seed, -1.0, 1.0)
    taps = _gaussian_kernel(ELASTIC_SIGMA)
    # Separable smoothing: the 1-D Gaussian down the columns, then along the rows, per field.
    down = tf.constant(np.tile(taps[:, None, None, None], (1, 1, 2, 1)))
    along = tf.constant(np.tile(taps[None, :, None, None], (1, 1, 2, 1)))
    smooth = tf.nn.depthwise_conv2d(fields, down, strides=[1, 1, 1, 1], padding="SAME")
    smooth = tf.nn.depthwise_conv2d(smooth, along, strides=[1, 1, 1, 1], padding="SAME")
    displacement = smooth * (ELASTIC_ALPHA * strength)
    rows, cols = _pixel_grid()
    return rows + displacement[..., 0], cols + displacement[..., 1]


def _sample_bilinear(images: tf.Tensor, rows: tf.Tensor, cols: tf.Tensor) -> tf.Tensor:
    """images[b, rows, cols] for fractional coordinates [b, 28, 28]; 0 outside the image."""
    batch = tf.shape(images)[0]
    # A one-pixel black border: every point outside the image reads from it (clipped onto it).
    flat = tf.reshape(tf.pad(images, [[0, 0], [1, 1], [1, 1]]), [batch, -1])
    edge = SIZE + 1.0
    rows, cols = tf.clip_by_value(rows + 1.0, 0.0, edge), tf.clip_by_value(cols + 1.0, 0.0, edge)
    top, left = tf.floor(rows), tf.floor(cols)
    below, beside = rows - top, cols - left  # the weights of the next row and column
    top, left = tf.cast(top, tf.int32), tf.cast(left, tf.int32)
    bottom, right = tf.minimum(top + 1, SIZE + 1), tf.minimum(left + 1, SIZE + 1)

    def read(row: tf.Tensor, col: tf.Tensor) -> tf.Tensor:
        index = tf.reshape(row * (SIZE + 2) + col, [batch, -1])
        return tf.reshape(tf.gather(flat, index, batch_dims=1), [batch, SIZE, SIZE])

    upper = read(top, left) * (1 - beside) + read(top, right) * beside
    lower = read(bottom, left) * (1 - beside) + read(bottom, right) * beside
    return upper * (1 - below) + lower * below
