"""Explore's augmentation preview: one image next to 8 random draws of the chosen distortion.

The distortions are TensorFlow ops (augment.py, the same ones training uses), so TensorFlow is
imported only when a learner asks for the preview: Explore itself stays free of it.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from mnist_dash import config as config_lib
from mnist_dash.i18n import _
from mnist_dash.ui import state, train_form

DRAWS = 8
KINDS = tuple(kind for kind in config_lib.AUGMENTATIONS if kind != "none")


@st.cache_data(max_entries=64, show_spinner=False)
def _draws(image: np.ndarray, kind: str, strength: float, seed: int) -> np.ndarray:
    from mnist_dash import augment  # TensorFlow: only now

    return augment.preview(image, kind, strength, count=DRAWS, seed=seed)


def augmentation_preview(image: np.ndarray, caption: str) -> None:
    """The expander: kind, strength and a button for new draws; the image and its 8 draws."""
    with st.expander(_("Data augmentation: what the network sees instead of this image")):
        st.caption(_("Augmentation distorts every training image a little, differently each epoch, "
                     "so the network learns the digit and not the exact pixels. These are the "
                     "distortions training uses (set them on Train)."))
        kind_column, strength_column, button_column = st.columns([2, 2, 1],
                                                                 vertical_alignment="bottom")
        kind = kind_column.selectbox(_("Augmentation"), KINDS, key="explore_augment",
                                     format_func=lambda kind: _(train_form.LABELS[kind]))
        strength = strength_column.slider(
            _("Strength"), config_lib.MIN_AUGMENT_STRENGTH, config_lib.MAX_AUGMENT_STRENGTH, 1.0,
            step=0.1, key="explore_augment_strength",
            help=_("1 = shifts up to 2 px, Simard's elastic fields."))
        shown = button_column.button(_("Show 8 draws"), key="explore_augment_show",
                                     icon=":material/shuffle:")
        if shown:
            state.next_augment_draw()
        seed = state.augment_draw()
        if seed is None:
            return
        with st.spinner(_("Loading TensorFlow for the distortions…"), show_time=True):
            draws = _draws(image, kind, strength, seed)
        st.image([image, *draws], width=64,
                 caption=[caption] + [_("draw {n}", n=n + 1) for n in range(DRAWS)])
