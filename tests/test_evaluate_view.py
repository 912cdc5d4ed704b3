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


def saved_run(run_id: str, y_test: np.ndarray, wrong: np.ndarray, learning_rate: float) -> str:
    """A completed run that predicts every test image right except `wrong` (each one class off)."""
    from mnist_dash.config import TrainConfig
    from mnist_dash.runs import RunRecord
    from mnist_dash.ui import resources
    from mnist_dash.vocabulary import EpochRecord, JobState

    labels = y_test.copy()
    labels[wrong] = (labels[wrong] + 1) % 10
    outputs = np.eye(10, dtype=np.float32)[labels]
    history = [EpochRecord(epoch=e, step=8 * e, seconds=1.0, loss=0.5 / e, accuracy=0.9) for e in (1, 2)]
    config = TrainConfig(hidden_units=(32,), epochs=2, learning_rate=learning_rate)
    resources.run_store().save(RunRecord(
        run_id=run_id, config=config, state=JobState.COMPLETED, history=history,
        metrics={"test_accuracy": float(np.mean(labels == y_test)), "test_loss": 0.3, "train_seconds": 2.0,
                 "epochs_completed": 2}, test_outputs=outputs, test_probabilities=outputs))
    return run_id


@pytest.mark.real_data
def test_compare_shows_what_differs_the_change_and_what_b_fixed_and_broke(tmp_path, monkeypatch, real_mnist):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import app_resources
    from tests.test_pages import APP, markdown_text

    with app_resources(monkeypatch, tmp_path / "runs"):
        older = saved_run("20260301-090000-aaaaaa", real_mnist.y_test, np.arange(0, 300), 0.001)
        saved_run("20260301-090100-bbbbbb", real_mnist.y_test, np.arange(200, 450), 0.003)
        at = AppTest.from_file(APP, default_timeout=60).run()
        at.switch_page("pages/evaluate.py").run()  # opens on the newest run: A
        at.button_group(key="evaluate_section").set_value("compare").run()
        at.selectbox(key="compare_run").set_value(older).run()
        assert not at.exception, [e.value for e in at.exception]
        assert "**A** is this run, **B** the other: lr 0.003 vs 0.001." in markdown_text(at)
        assert len(at.get("plotly_chart")) == 2  # the curves and the change in the matrix
        # A got 200..449 wrong, B 0..299: B fixed 300..449 and broke 0..199.
        fixed_broken = next(m for m in at.metric if m.label == "Fixed / broken by B")
        assert fixed_broken.value == "150 / 200"
        assert "**B fixed 150** (A wrong, B right); B's view:" in markdown_text(at)
