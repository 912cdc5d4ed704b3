"""Turn a drawing into an MNIST-style 28x28 digit, the way MNIST itself was made (numpy and PIL only).

LeCun et al. size-normalized each digit to fit a 20x20 box, keeping its aspect ratio, then
placed it in a 28x28 image so that its centre of mass sits at the centre. A network trained
on those images expects the same from anything we show it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

IMAGE_SIZE = 28  # MNIST images are 28x28
BOX_SIZE = 20  # the digit's longer side after size normalization
# Where MNIST's centres of mass lie (measured on the test set: mean row 13.99, column 14.01).
CENTRE = (14.0, 14.0)
INK_LEVEL = 8  # grey levels at or below this count as paper (faint edges of anti-aliasing)


@dataclass(frozen=True)
class Preprocessed:
    """Every step from canvas to network input; the steps after `grey` are None for a blank canvas."""

    grey: np.ndarray  # (h, w) uint8: the canvas as one grey channel, white ink on black
    squeezed: np.ndarray  # 28x28 uint8: the whole canvas shrunk, without cropping or centring
    box: tuple[int, int, int, int] | None = None  # the ink's bounding box: top, left, bottom, right
    cropped: np.ndarray | None = None  # the canvas cut to that box
    scaled: np.ndarray | None = None  # resized so the longer side is BOX_SIZE, aspect kept
    centred: np.ndarray | None = None  # 28x28 uint8: what the network receives
    centre_of_mass: tuple[float, float] | None = None  # (row, column) of `centred`

    @property
    def is_blank(self) -> bool:
        return self.centred is None


def to_grey(image: np.ndarray) -> np.ndarray:
    """(h, w), (h, w, 3) or (h, w, 4) -> (h, w) uint8; transparent pixels count as black paper."""
    image = np.asarray(image)
    if image.ndim == 2:
        return _to_uint8(image)
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ValueError(f"expected a greyscale (h, w) or RGB(A) (h, w, 3|4) image; got shape {image.shape}")
    rgb = image[..., :3].astype(np.float64)
    grey = rgb @ np.array([0.299, 0.587, 0.114])
    if image.shape[2] == 4:
        grey *= image[..., 3] / 255.0
    return _to_uint8(grey)


def _to_uint8(values: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def ink_box(grey: np.ndarray, level: int = INK_LEVEL) -> tuple[int, int, int, int] | None:
    """Bounding box (top, left, bottom, right; bottom/right exclusive) of pixels above `level`."""
    ink = grey > level
    if not ink.any():
        return None
    rows, columns = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    return int(rows[0]), int(columns[0]), int(rows[-1]) + 1, int(columns[-1]) + 1


def resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Shrink by averaging the pixels each new pixel covers (anti-aliasing without the ringing
    of sharper filters); grow by bilinear interpolation."""
    picture = Image.fromarray(np.asarray(image, dtype=np.float32))
    shrinking = height <= picture.height and width <= picture.width
    method = Image.Resampling.BOX if shrinking else Image.Resampling.BILINEAR
    resized = picture.resize((width, height), method)
    return np.clip(np.asarray(resized), 0, 255)


def fit_in_box(cropped: np.ndarray, box_size: int = BOX_SIZE) -> np.ndarray:
    """Scale so the longer side is `box_size`, keeping the aspect ratio; the core ink is 255."""
    height, width = cropped.shape
    factor = box_size / max(height, width)
    scaled = resize(cropped, max(1, round(height * factor)), max(1, round(width * factor)))
    peak = scaled.max()
    return _to_uint8(scaled * (255.0 / peak)) if peak > 0 else scaled.astype(np.uint8)


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """Intensity-weighted mean (row, column); raises for an all-black image."""
    image = np.asarray(image, dtype=np.float64)
    total = image.sum()
    if total <= 0:
        raise ValueError("an all-black image has no centre of mass")
    rows, columns = np.indices(image.shape)
    return float((rows * image).sum() / total), float((columns * image).sum() / total)


def place_by_centre_of_mass(digit: np.ndarray, size: int = IMAGE_SIZE,
                            centre: tuple[float, float] = CENTRE) -> np.ndarray:
    """Put `digit` in a size x size black image, shifted whole pixels so its centre of mass
    lands on `centre`; ink pushed past an edge is cut off."""
    row, column = centre_of_mass(digit)
    top, left = round(centre[0] - row), round(centre[1] - column)
    height, width = digit.shape
    # Paste into a canvas with a margin wide enough for any shift, then cut out the middle.
    margin = max(height, width)
    padded = np.zeros((size + 2 * margin, size + 2 * margin), dtype=np.uint8)
    padded[margin + top:margin + top + height, margin + left:margin + left + width] = digit
    return padded[margin:margin + size, margin:margin + size]


def preprocess_drawing(image: np.ndarray) -> Preprocessed:
    """Canvas image (RGBA, RGB or grey; any size) -> every step to an MNIST-style 28x28 digit."""
    grey = to_grey(image)
    squeezed = _to_uint8(resize(grey, IMAGE_SIZE, IMAGE_SIZE))
    box = ink_box(grey)
    if box is None:
        return Preprocessed(grey=grey, squeezed=squeezed)
    top, left, bottom, right = box
    cropped = grey[top:bottom, left:right]
    scaled = fit_in_box(cropped)
    centred = place_by_centre_of_mass(scaled)
    return Preprocessed(grey=grey, squeezed=squeezed, box=box, cropped=cropped, scaled=scaled,
                        centred=centred, centre_of_mass=centre_of_mass(centred))


def shift_to_corner(image: np.ndarray) -> np.ndarray:
    """The digit moved, whole, as far down and right as it goes: its ink touches that corner.

    Every ink pixel lands on another input of the network, which is how a dense network that
    learned centred digits gets fooled; nothing is cut off. A blank image comes back unchanged.
    """
    box = ink_box(image)
    if box is None:
        return np.array(image, copy=True)
    top, left, bottom, right = box
    size = image.shape[0]
    return place_by_centre_of_mass(image[top:bottom, left:right], size,
                                   centre=_centre_at_corner(image[top:bottom, left:right], size))


def _centre_at_corner(digit: np.ndarray, size: int) -> tuple[float, float]:
    """Where the digit's centre of mass must go for its box to touch the bottom-right corner."""
    row, column = centre_of_mass(digit)
    height, width = digit.shape
    return size - height + row, size - width + column


MARK_RGB = (230, 159, 0)  # Okabe-Ito orange: visible on black paper and on white ink
FRAME_RGB = (74, 80, 96)  # slate: white ink and black paper both stand out on it, and on the page


def annotate(image: np.ndarray, size: int, box: tuple[int, int, int, int] | None = None,
             point: tuple[float, float] | None = None) -> np.ndarray:
    """Enlarge a grey image to about `size` pixels (sharp pixels when growing) as RGB, with an
    optional box (top, left, bottom, right) and a cross at `point` (row, column) drawn in orange."""
    from PIL import ImageDraw

    height, width = image.shape
    factor = size / max(height, width)
    if factor >= 2:  # a small image: show its pixels as sharp squares
        factor = int(factor)
        picture = Image.fromarray(np.kron(image, np.ones((factor, factor), dtype=np.uint8)))
    else:
        picture = Image.fromarray(image).resize((round(width * factor), round(height * factor)),
                                                Image.Resampling.LANCZOS)
    picture = picture.convert("RGB")
    draw = ImageDraw.Draw(picture)
    if box is not None:
        top, left, bottom, right = (round(value * factor) for value in box)
        draw.rectangle([left, top, right - 1, bottom - 1], outline=MARK_RGB, width=3)
    if point is not None:
        # Pixel (row, column) covers [column, column + 1); its centre is at + 0.5.
        y, x = ((value + 0.5) * factor for value in point)
        draw.line([x - 8, y, x + 8, y], fill=MARK_RGB, width=3)
        draw.line([x, y - 8, x, y + 8], fill=MARK_RGB, width=3)
    return np.asarray(picture)


def framed(picture: np.ndarray, size: int, border: int = 4) -> np.ndarray:
    """An RGB picture centred on a slate square of `size` + 2 * `border` pixels.

    A crop of a thin "1" is almost all white ink: on a white page it has no visible edge.
    """
    height, width = picture.shape[:2]
    side = max(size, height, width) + 2 * border
    square = np.empty((side, side, 3), dtype=np.uint8)
    square[:] = FRAME_RGB
    top, left = (side - height) // 2, (side - width) // 2
    square[top:top + height, left:left + width] = picture
    return square
