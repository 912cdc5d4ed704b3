"""The dataset a page needs, or, when it cannot be loaded, a form to fix that: a path or an upload."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from mnist_dash import data, i18n
from mnist_dash.data_sources import MAX_UPLOAD_BYTES
from mnist_dash.i18n import _
from mnist_dash.ui import resources


def dataset_or_fixes(name: str) -> data.Dataset | None:
    """The dataset, or None after drawing on the page why it failed and how to fix it."""
    try:
        return resources.data_sources().load(name)
    except data.DataError as error:
        _draw_data_fixes(name, error)
        return None


def _draw_data_fixes(name: str, error: data.DataError) -> None:
    spec = data.SPECS[name]
    st.error(_("**{dataset} could not be loaded.**\n\n{error}", dataset=_(spec.title),
               error=i18n.error_text(error)))
    st.markdown(_(
        "Fix it in one of these ways:\n"
        "1. **Online:** restart the app with internet access; Keras downloads the data once.\n"
        "2. **A file on this computer:** set `{variable}=/path/to/file` before "
        "`streamlit run app.py`, or enter the path below.\n"
        "3. **Upload** a Keras-layout `.npz` (keys x_train, y_train, x_test, y_test).",
        variable=spec.env_var))
    path = st.text_input(_("Path to a .npz file or a folder of IDX files"),
                         key=f"data_path_{name}")
    if path and st.button(_("Load from this path"), key=f"data_path_go_{name}"):
        _try_fix(lambda: resources.data_sources().set_path(name, path.strip()))
    upload = st.file_uploader(_("Or upload a .npz"), type=["npz"], key=f"data_upload_{name}",
                              max_upload_size=MAX_UPLOAD_BYTES // 2**20)
    if upload is not None and st.button(_("Use the uploaded file"), key=f"data_upload_go_{name}"):
        _try_fix(lambda: resources.data_sources().set_upload(name, upload.getvalue()))


def _try_fix(action: Callable[[], data.Dataset]) -> None:
    try:
        action()
    except data.DataError as error:
        st.error(i18n.error_text(error))
        return
    st.rerun()
