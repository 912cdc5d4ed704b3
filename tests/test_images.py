"""Tests for mnist_dash.images: grid arithmetic, PNG round trip, class means, sampling."""

import io

import numpy as np
import pytest
from PIL import Image

from mnist_dash import images


def _digits(count: int) -> np.ndarray:
    rng = np.random.default_rng(1)
    return rng.integers(0, 256, size=(count, 28, 28), dtype=np.uint8)


def test_compose_grid_shape() -> None:
    grid = images.compose_grid(_digits(7), num_columns=3, scale=2, padding=2)
    # 3 rows x 3 columns of 56-pixel tiles, with 2 pixels before each tile and after the last.
    assert grid.shape == (2 + 3 * (56 + 2), 2 + 3 * (56 + 2))
    assert grid.dtype == np.uint8


def test_compose_grid_places_tiles_unchanged() -> None:
    digits = _digits(5)
    grid = images.compose_grid(digits, num_columns=2, scale=3, padding=4, background=200)
    tile = 28 * 3
    top, left = 4 + 2 * (tile + 4), 4  # image 4 sits in row 2, column 0
    placed = grid[top : top + tile, left : left + tile]
    np.testing.assert_array_equal(placed[::3, ::3], digits[4])
    np.testing.assert_array_equal(placed, np.kron(digits[4], np.ones((3, 3), dtype=np.uint8)))
    # The missing 6th tile (row 2, column 1) and the padding are background.
    assert (grid[top : top + tile, left + tile + 4 :] == 200).all()
    assert (grid[:4] == 200).all()


def test_compose_grid_narrows_for_few_images_and_handles_empty() -> None:
    assert images.compose_grid(_digits(2), num_columns=10, scale=1, padding=0).shape == (28, 56)
    blank = images.compose_grid(np.zeros((0, 28, 28), dtype=np.uint8), num_columns=10)
    assert blank.shape == (60, 60) and (blank == 255).all()


def test_compose_grid_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="num_columns"):
        images.compose_grid(_digits(2), num_columns=0)
    with pytest.raises(ValueError, match="shape"):
        images.compose_grid(np.zeros((28, 28), dtype=np.uint8), num_columns=2)


def test_to_png_bytes_round_trip() -> None:
    image = _digits(1)[0]
    data = images.to_png_bytes(image)
    assert data.startswith(b"\x89PNG")
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(data))), image)


def test_class_means_match_loop() -> None:
    x = _digits(40)
    y = np.random.default_rng(2).integers(0, 3, size=40)
    sums, counts = np.zeros((4, 28, 28)), np.zeros(4)
    for image, label in zip(x, y, strict=True):
        sums[label] += image
        counts[label] += 1
    means = images.class_means(x, y, num_classes=4)
    assert means.dtype == np.float32 and means.shape == (4, 28, 28)
    np.testing.assert_allclose(means[:3], sums[:3] / counts[:3, None, None], rtol=1e-6)
    assert (means[3] == 0).all()  # class 3 has no images


def test_sample_indices_filters_sorts_and_is_deterministic() -> None:
    y = np.random.default_rng(3).integers(0, 10, size=500)
    first = images.sample_indices(y, [2, 7], count=20, seed=5)
    assert len(first) == 20 and len(set(first.tolist())) == 20
    assert set(y[first].tolist()) <= {2, 7}
    assert sorted(first.tolist(), key=lambda i: (y[i], i)) == first.tolist()
    np.testing.assert_array_equal(first, images.sample_indices(y, [2, 7], count=20, seed=5))
    assert not np.array_equal(first, images.sample_indices(y, [2, 7], count=20, seed=6))


def test_sample_indices_returns_all_available() -> None:
    y = np.array([0, 1, 1, 2, 1])
    np.testing.assert_array_equal(images.sample_indices(y, [1], count=50, seed=0), [1, 2, 4])
    assert len(images.sample_indices(y, None, count=3, seed=0)) == 3
    assert len(images.sample_indices(y, [9], count=3, seed=0)) == 0


def test_probability_tile_marks_the_predicted_and_true_bars() -> None:
    image = np.zeros((28, 28), dtype=np.uint8)
    image[10:20, 10:20] = 255
    probabilities = np.full(10, 0.02)
    probabilities[7] = 0.82  # predicted 7, truly a 1
    tile = images.probability_tile(image, probabilities, true_class=1)
    assert tile.shape == (84, 84 + 14 + 90, 3) and tile.dtype == np.uint8
    assert (tile[40, 40] == 255).all()  # the digit's ink, left
    row = 84 / 10
    wrong_bar = tile[int(7 * row) + 3, 84 + 14 + 5]
    assert tuple(wrong_bar) == (213, 94, 0)
    true_bar = tile[int(1 * row) + 3, 84 + 14 + 1]
    assert tuple(true_bar) == (0, 114, 178)
    long_end = 84 + 14 + int(0.82 * 90) - 1
    assert tuple(tile[int(7 * row) + 3, long_end]) == (213, 94, 0)
    assert tuple(tile[int(7 * row) + 3, long_end + 3]) == (255, 255, 255)
