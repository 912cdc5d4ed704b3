"""Tests for mnist_dash.images: PNG round trip, class means, sampling."""

import io

import numpy as np
from PIL import Image

from mnist_dash import data, images


def _digits(count: int) -> np.ndarray:
    rng = np.random.default_rng(1)
    return rng.integers(0, 256, size=(count, 28, 28), dtype=np.uint8)


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
    side, row = 84, images.ROW_PIXELS
    bars = side + 4 + images.LABEL_PIXELS
    assert tile.shape == (10 * row, bars + 90 + images.MARGIN_PIXELS, 3) and tile.dtype == np.uint8
    assert (tile[(10 * row - side) // 2 + 40, 40] == 255).all()  # the digit's ink, left, centred
    wrong_bar = tile[7 * row + 5, bars + 5]
    assert tuple(wrong_bar) == (213, 94, 0)
    true_bar = tile[1 * row + 5, bars]
    assert tuple(true_bar) == (0, 114, 178)
    long_end = bars + int(0.82 * 90) - 1
    assert tuple(tile[7 * row + 5, long_end]) == (213, 94, 0)
    assert tuple(tile[7 * row + 5, long_end + 3]) == (255, 255, 255)


def test_probability_tile_labels_are_readable_and_a_full_bar_stops_short_of_the_edge() -> None:
    certain = np.zeros(10)
    certain[3] = 1.0
    tile = images.probability_tile(np.zeros((28, 28), np.uint8), certain, true_class=3, scale=4)
    label_column = tile[:, 112 + 4: 112 + 4 + images.LABEL_PIXELS]
    inked_rows = np.flatnonzero((label_column < 200).any(axis=(1, 2)))
    first_label = inked_rows[inked_rows < images.ROW_PIXELS]
    assert first_label.max() - first_label.min() + 1 >= 8  # the "0" is 8+ px tall (12 px type)
    right_edge = tile[:, -images.MARGIN_PIXELS:]
    assert (right_edge == 255).all()  # the full bar ends before the tile's white margin


def test_tiles_captioned_with_words_are_wider_than_digit_tiles():
    assert images.tile_width(data.SPECS["mnist"].class_names, 64) == 64
    assert images.tile_width(data.SPECS["fashion-mnist"].class_names, 64) == images.WORD_TILE
    assert images.tile_width(data.SPECS["fashion-mnist"].class_names, 200) == 200
