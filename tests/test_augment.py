"""Augmentations: shapes, identity at strength 0, seeded randomness, bounded shifts, inside tf.function."""

import numpy as np
import pytest
import tensorflow as tf

from mnist_dash import augment
from mnist_dash.config import AUGMENTATIONS

DISTORTIONS = [kind for kind in AUGMENTATIONS if kind != "none"]


@pytest.fixture(scope="module")
def digits() -> np.ndarray:
    """Eight blobs of ink well inside the frame, each a different shape and place."""
    rng = np.random.default_rng(0)
    images = np.zeros((8, 28, 28), np.uint8)
    for index in range(8):
        top, left = rng.integers(8, 13, size=2)
        images[index, top:top + 8, left:left + 5] = rng.integers(120, 256, size=(8, 5))
        images[index, top + index % 4: top + 3 + index % 4, left - 2:left + 7] = 255
    return images


def run(images: np.ndarray, kind: str, strength: float = 1.0, seed=(1, 2)) -> np.ndarray:
    return augment.augment_batch(tf.constant(images), kind, strength, tf.constant(seed)).numpy()


def centre_of_mass(image: np.ndarray) -> np.ndarray:
    rows, cols = np.indices(image.shape)
    ink = image.astype(np.float64)
    return np.array([(rows * ink).sum(), (cols * ink).sum()]) / ink.sum()


@pytest.mark.parametrize("kind", AUGMENTATIONS)
def test_shape_and_dtype_are_kept_and_strength_zero_is_the_identity(digits, kind):
    out = run(digits, kind, strength=0.0)
    assert out.shape == digits.shape and out.dtype == np.uint8
    np.testing.assert_array_equal(out, digits)


def test_none_returns_the_images_unchanged(digits):
    np.testing.assert_array_equal(run(digits, "none", strength=1.0), digits)


@pytest.mark.parametrize("kind", DISTORTIONS)
def test_same_seed_same_batch_other_seed_other_batch(digits, kind):
    first = run(digits, kind, seed=(3, 7))
    assert out_differs(first, digits)
    np.testing.assert_array_equal(first, run(digits, kind, seed=(3, 7)))
    assert out_differs(first, run(digits, kind, seed=(3, 8)))


def out_differs(a: np.ndarray, b: np.ndarray) -> bool:
    """Every image of the batch changed (not just one)."""
    return bool(np.all(np.any(a != b, axis=(1, 2))))


@pytest.mark.parametrize("strength", [0.5, 1.0, 2.0])
def test_shift_moves_the_centre_of_mass_at_most_two_pixels_times_strength(digits, strength):
    moved = run(digits, "shift", strength, seed=(5, 0))
    shifts = np.array([centre_of_mass(b) - centre_of_mass(a) for a, b in zip(digits, moved, strict=True)])
    assert np.abs(shifts).max() <= augment.MAX_SHIFT_PIXELS * strength + 0.05
    assert np.abs(shifts).max() > 0.25 * strength  # it does move them


def test_affine_keeps_the_ink_roughly(digits):
    out = run(digits, "affine")
    ratios = out.reshape(8, -1).sum(axis=1) / digits.reshape(8, -1).sum(axis=1)
    # Scaling by up to 15% per axis changes the area by at most ~32%; the ink stays in the frame.
    assert np.all((ratios > 0.65) & (ratios < 1.4)), ratios


def test_elastic_displacement_is_smooth_and_about_simards_size():
    rows, cols = augment._elastic_coordinates(tf.constant(64), 1.0, tf.constant([4, 2], tf.int64))
    grid_rows, grid_cols = np.indices((28, 28))
    for moved in (rows.numpy() - grid_rows, cols.numpy() - grid_cols):
        assert 0.5 < moved.std() < 3.0  # pixels: visible but not scrambling
        # Smooth: neighbouring pixels move nearly alike (unsmoothed noise would not).
        assert np.abs(np.diff(moved, axis=2)).mean() < 0.25 * np.abs(moved).mean()


def test_elastic_blur_is_a_gaussian_convolution_with_zeros_beyond_the_edge():
    blur = augment._gaussian_matrix(4.0)
    column = np.random.default_rng(1).uniform(-1, 1, 28)
    taps = np.exp(-0.5 * (np.arange(-12, 13) / 4.0) ** 2)
    np.testing.assert_allclose(blur @ column, np.convolve(column, taps / taps.sum(), mode="same"), rtol=1e-5)


def test_bilinear_sampling_reads_between_pixels_and_black_outside():
    image = np.zeros((1, 28, 28), np.float32)
    image[0, 10, 10], image[0, 10, 11] = 100.0, 200.0
    rows = np.full((1, 28, 28), 10.0, np.float32)
    cols = np.full((1, 28, 28), 10.25, np.float32)
    cols[0, 0, :] = -3.0  # far outside: black
    out = augment._sample_bilinear(tf.constant(image), tf.constant(rows), tf.constant(cols)).numpy()
    assert out[0, 5, 5] == pytest.approx(125.0)
    assert np.all(out[0, 0] == 0)


@pytest.mark.parametrize("kind", DISTORTIONS)
def test_works_inside_a_compiled_tf_function(digits, kind):
    @tf.function(jit_compile=True)
    def step(images, seed):
        return augment.augment_batch(images, kind, 1.0, seed)

    out = step(tf.constant(digits), tf.constant([1, 2])).numpy()
    assert out.shape == digits.shape and out.dtype == np.uint8 and out_differs(out, digits)
    # The same distortions as without XLA (up to float rounding: a grey level here and there), so
    # a run that falls back from XLA sees the same batches.
    difference = np.abs(out.astype(int) - run(digits, kind, seed=(1, 2)))
    assert difference.max() <= 1 and np.mean(difference > 0) < 0.01


def test_random_numbers_are_uniform_and_independent_of_neighbouring_seeds():
    draws = [augment._uniform([200_000], tf.constant(seed)).numpy() for seed in ([0, 0], [0, 1], [1, 0])]
    for values in draws:
        assert values.min() >= -1 and values.max() < 1
        assert abs(values.mean()) < 0.01 and abs(values.std() - 1 / np.sqrt(3)) < 0.01
        assert np.histogram(values, bins=10, range=(-1, 1))[0].min() > 19_000
    assert abs(np.corrcoef(draws[0], draws[1])[0, 1]) < 0.01
    assert abs(np.corrcoef(draws[0], draws[2])[0, 1]) < 0.01
    assert abs(np.corrcoef(draws[0][:-1], draws[0][1:])[0, 1]) < 0.01


def test_affine_agrees_with_tensorflows_own_projective_transform(digits):
    """An independent oracle: TensorFlow's ImageProjectiveTransformV3 with the same matrices."""
    seed = tf.constant([6, 1])
    matrices = augment._random_matrices(8, "affine", 1.0, seed).numpy()
    linear, shift = matrices[:, :, :2], matrices[:, :, 2]
    offset = shift + augment.CENTRE - linear.sum(axis=2) * augment.CENTRE
    transforms = np.concatenate([linear[:, 0], offset[:, :1], linear[:, 1], offset[:, 1:],
                                 np.zeros((8, 2))], axis=1).astype(np.float32)
    oracle = tf.raw_ops.ImageProjectiveTransformV3(
        images=tf.constant(digits[..., None], tf.float32), transforms=transforms, output_shape=[28, 28],
        fill_value=0.0, interpolation="BILINEAR", fill_mode="CONSTANT")[..., 0].numpy()
    mine = run(digits, "affine", seed=(6, 1)).astype(np.float64)
    assert np.abs(mine - np.clip(np.round(oracle), 0, 255)).max() <= 1


def test_preview_draws_count_versions_of_one_image(digits):
    draws = augment.preview(digits[0], "affine", 1.0, count=8, seed=3)
    assert draws.shape == (8, 28, 28) and draws.dtype == np.uint8
    assert len({d.tobytes() for d in draws}) == 8
    np.testing.assert_array_equal(draws, augment.preview(digits[0], "affine", 1.0, count=8, seed=3))


def test_unknown_kind_is_refused_with_the_choices(digits):
    with pytest.raises(ValueError, match="shift, affine, elastic"):
        run(digits, "rotate")
