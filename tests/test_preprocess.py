"""Preprocessing of drawings against hand-made images with known boxes and centres of mass."""

import numpy as np
import pytest

from mnist_dash import preprocess


def rgba_canvas(size: int = 280) -> np.ndarray:
    canvas = np.zeros((size, size, 4), dtype=np.uint8)
    canvas[..., 3] = 255  # opaque black paper, as the page's canvas sends it
    return canvas


def test_off_centre_rectangle_is_boxed_scaled_and_centred():
    canvas = rgba_canvas()
    canvas[30:130, 150:190, :3] = 255  # 100 tall, 40 wide, top right
    result = preprocess.preprocess_drawing(canvas)
    assert result.box == (30, 150, 130, 190)
    assert result.cropped.shape == (100, 40)
    assert result.scaled.shape == (20, 8)  # longer side 20, aspect 100:40 kept
    assert result.centred.shape == (28, 28) and result.centred.dtype == np.uint8
    top, left, bottom, right = preprocess.ink_box(result.centred)
    assert max(bottom - top, right - left) == 20
    row, column = preprocess.centre_of_mass(result.centred)
    assert abs(row - 14) <= 0.5 and abs(column - 14) <= 0.5
    assert result.centre_of_mass == (row, column)
    assert result.centred.max() == 255


def test_wide_shape_keeps_its_aspect_ratio():
    canvas = rgba_canvas()
    canvas[200:230, 10:250, :3] = 255  # 30 tall, 240 wide
    result = preprocess.preprocess_drawing(canvas)
    assert result.scaled.shape == (round(30 * 20 / 240), 20)


def test_centre_of_mass_not_box_centre_decides_the_placement():
    # An L: heavy vertical bar plus a thin foot; its centre of mass is left of its box centre.
    grey = np.zeros((200, 200), dtype=np.uint8)
    grey[20:180, 20:60] = 255
    grey[150:180, 60:180] = 255
    result = preprocess.preprocess_drawing(grey)
    row, column = preprocess.centre_of_mass(result.centred)
    assert abs(row - 14) <= 0.5 and abs(column - 14) <= 0.5
    _, left, _, right = preprocess.ink_box(result.centred)
    assert (left + right) / 2 > 14.5  # the box sits right of centre so the mass is centred


def test_centre_of_mass_matches_an_independent_formula():
    image = np.zeros((5, 4))
    image[1, 2], image[3, 0] = 3.0, 1.0
    assert preprocess.centre_of_mass(image) == pytest.approx(((3 * 1 + 3) / 4, (3 * 2 + 0) / 4))


def test_blank_canvas_gives_a_blank_result_not_an_error():
    result = preprocess.preprocess_drawing(rgba_canvas())
    assert result.is_blank
    assert result.box is None and result.centred is None
    assert result.squeezed.shape == (28, 28)


def test_transparent_background_counts_as_black_paper():
    canvas = np.zeros((100, 100, 4), dtype=np.uint8)  # all transparent
    canvas[40:60, 40:60] = 255  # opaque white ink
    grey = preprocess.to_grey(canvas)
    assert grey[0, 0] == 0 and grey[50, 50] == 255
    assert preprocess.preprocess_drawing(canvas).box == (40, 40, 60, 60)


def test_faint_noise_is_not_ink():
    grey = np.full((50, 50), preprocess.INK_LEVEL, dtype=np.uint8)
    assert preprocess.preprocess_drawing(grey).is_blank


def test_real_mnist_digits_pass_through_almost_unchanged(real_mnist):
    """A digit that is already MNIST-style keeps its size and centre."""
    for index in range(20):
        digit = real_mnist.x_test[index]
        result = preprocess.preprocess_drawing(digit)
        box = preprocess.ink_box(result.centred)
        assert max(box[2] - box[0], box[3] - box[1]) in (19, 20, 21)
        row, column = preprocess.centre_of_mass(result.centred)
        assert abs(row - 14) <= 0.5 and abs(column - 14) <= 0.5


def test_bad_shape_is_explained():
    with pytest.raises(ValueError, match="shape"):
        preprocess.to_grey(np.zeros((4, 4, 2)))


def test_annotate_enlarges_and_marks():
    picture = preprocess.annotate(np.zeros((28, 28), dtype=np.uint8), 140, point=(14.0, 14.0))
    assert picture.shape == (140, 140, 3)
    assert tuple(picture[72, 72]) == preprocess.MARK_RGB


def test_a_thin_crop_is_framed_on_a_square_that_stands_out_from_white_ink_and_the_page():
    thin_one = np.full((20, 3), 255, dtype=np.uint8)  # a cropped "1": all ink
    picture = preprocess.annotate(thin_one, 150)
    shown = preprocess.framed(picture, 150)
    assert shown.shape == (158, 158, 3)
    assert tuple(shown[0, 0]) == tuple(shown[-1, -1]) == preprocess.FRAME_RGB  # not white
    assert tuple(shown[79, 79]) == (255, 255, 255)  # the ink, centred
    assert (shown == 255).all(axis=2).sum() == picture.shape[0] * picture.shape[1]
