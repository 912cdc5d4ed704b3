"""Image helpers: PNG encoding, class means, samples, the width of captioned tiles."""

import functools
import io
from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image


def _check_stack(images: np.ndarray, name: str) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"{name} must be a stack of 2-D images (n, height, width); "
                         f"got shape {images.shape}")
    return images


def to_png_bytes(image: np.ndarray) -> bytes:
    """Encode a uint8 greyscale (h, w) or colour (h, w, 3|4) image as PNG."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f"image must be uint8 (0..255); got dtype {image.dtype}")
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def class_means(x: np.ndarray, y: np.ndarray, num_classes: int = 10) -> np.ndarray:
    """The average image of each class (float32, 0..255); a class with no images is all 0."""
    x = _check_stack(x, "x")
    y = np.asarray(y).ravel()
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length; got {len(x)} and {len(y)}")
    means = np.zeros((num_classes, *x.shape[1:]), dtype=np.float32)
    for label in range(num_classes):
        members = x[y == label]
        if len(members):
            means[label] = members.mean(axis=0, dtype=np.float64)
    return means


def sample_indices(y: np.ndarray, classes: list[int] | None, count: int, seed: int) -> np.ndarray:
    """Up to `count` random indices whose label is in `classes` (None: any), sorted by label.

    Sampling is without replacement and the same seed gives the same sample.
    """
    if count < 0:
        raise ValueError(f"count must be >= 0; got {count}")
    y = np.asarray(y).ravel()
    mask = np.ones(len(y), dtype=bool) if classes is None else np.isin(y, classes)
    candidates = np.flatnonzero(mask)
    rng = np.random.default_rng(seed)
    chosen = rng.choice(candidates, size=min(count, len(candidates)), replace=False)
    return chosen[np.lexsort((chosen, y[chosen]))].astype(np.int64)


# Okabe-Ito colours (as in figures.py): blue = the true class, vermillion = a wrong answer,
# bluish green = a right answer; each bar is also labelled, so colour is never the only cue.
_TRUE_RGB, _WRONG_RGB, _RIGHT_RGB, _OTHER_RGB = (0, 114, 178), (213, 94, 0), (0, 158, 115), (160, 160, 160)


LABEL_FONT_PIXELS = 12  # class numbers beside the bars: readable on a projector
ROW_PIXELS = 15  # one bar's row: the label's height and a gap
LABEL_PIXELS = 14  # the column of class numbers between the digit and the bars
MARGIN_PIXELS = 12  # white after the longest bar, so it never touches the next tile


def probability_tile(image: np.ndarray, probabilities: np.ndarray, true_class: int,
                     scale: int = 3, bar_width: int = 90) -> np.ndarray:
    """A digit beside ten small bars of the model's probabilities: one RGB picture per image.

    The predicted class's bar is green when right and vermillion when wrong; the true class's
    bar is blue when the model missed it. Rows are classes 0..9, top to bottom, each labelled
    in 12 px type; a white margin on the right keeps a full bar off the next picture.
    """
    from PIL import ImageDraw

    probabilities = np.asarray(probabilities, dtype=np.float64).ravel()
    predicted = int(probabilities.argmax())
    digit = np.repeat(np.repeat(np.asarray(image, dtype=np.uint8), scale, 0), scale, 1)
    side = digit.shape[0]
    height = max(side, ROW_PIXELS * len(probabilities))
    bars_left = side + 4 + LABEL_PIXELS
    tile = Image.new("RGB", (bars_left + bar_width + MARGIN_PIXELS, height), (255, 255, 255))
    tile.paste(Image.fromarray(digit).convert("RGB"), (0, (height - side) // 2))
    draw = ImageDraw.Draw(tile)
    font = _label_font()
    for index, probability in enumerate(probabilities):
        top = index * ROW_PIXELS
        draw.text((side + 4, top + ROW_PIXELS // 2), str(index % 10), fill=(60, 60, 60), font=font,
                  anchor="lm")
        length = max(1, int(probability * bar_width))
        draw.rectangle([bars_left, top + 3, bars_left + length - 1, top + ROW_PIXELS - 3],
                       fill=_bar_color(index, predicted, true_class))
    return np.asarray(tile)


WORD_TILE = 112  # px: a tile captioned with a class word ("T-shirt/top · #12345") in two lines


def tile_width(class_names: Sequence[str], digit_width: int) -> int:
    """The width (px) of an image tile whose caption names its class: `digit_width` for digits,
    wide enough for words (Fashion-MNIST's "Ankle boot") to take at most two lines."""
    return digit_width if all(len(str(name)) <= 2 for name in class_names) else max(digit_width, WORD_TILE)


def _bar_color(index: int, predicted: int, true_class: int) -> tuple[int, int, int]:
    if index == predicted:
        return _RIGHT_RGB if predicted == true_class else _WRONG_RGB
    return _TRUE_RGB if index == true_class else _OTHER_RGB


@functools.cache
def _label_font() -> Any:
    from PIL import ImageFont

    return ImageFont.load_default(size=LABEL_FONT_PIXELS)
