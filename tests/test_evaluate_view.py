"""Evaluate's gallery captions: each fits under its tile, in every language and in presenter mode."""

import re

import numpy as np
import pytest

from mnist_dash import i18n, images, look
from mnist_dash.ui import evaluate_view

WIDE = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]")  # CJK and full-width punctuation
LATIN_EM = 0.45  # Source Sans, measured in Chromium: "#9009: true 7, ..." averaged 0.42 em a character
CAPTION_EM = 0.875  # Streamlit's caption type, in rem of the page's font


def caption_pixels(text: str, page_font_px: int) -> float:
    """About how wide `text` is drawn as an st.image caption: a full em per CJK character."""
    ems = sum(1.0 if WIDE.match(character) else LATIN_EM for character in text)
    return ems * CAPTION_EM * page_font_px


def tile_pixels() -> int:
    tile = images.probability_tile(np.zeros((28, 28), np.uint8), np.full(10, 0.1), 0,
                                   scale=evaluate_view.TILE_SCALE, bar_width=evaluate_view.TILE_BAR_PIXELS)
    return tile.shape[1]


@pytest.mark.parametrize("lang", ["en", "zh-CN", "zh-TW"])
def test_the_widest_caption_fits_under_its_tile_with_room_to_spare(lang):
    room = tile_pixels() - images.MARGIN_PIXELS  # the tile's white margin is the gap to the next
    with i18n.language(lang):
        for right in (True, False):
            caption = evaluate_view.tile_caption(9999, "9", "8", 1.0, right)
            assert "9999" in caption and "100%" in caption
            width = caption_pixels(caption, look.PRESENTING.page_font_px)
            assert width <= room, f"{caption!r} is about {width:.0f} px under a {room} px tile"


def test_two_tiles_fit_beside_the_matrix_at_1280x720():
    # The column beside the matrix measured 394 px (presenter mode: 370 px) in Chromium.
    assert 2 * tile_pixels() <= 370
