"""The dataset a page needs, or, when it cannot be loaded, a form to fix that: a path or an upload."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from mnist_dash import data, i18n
from mnist_dash.classroom import auth
from mnist_dash.data_sources import MAX_UPLOAD_BYTES, NotAllowed
from mnist_dash.i18n import _
from mnist_dash.ui import patches, resources


def dataset_or_fixes(name: str) -> data.Dataset | None:
    """The dataset, or None after drawing on the page why it failed and how to fix it."""
    try:
        return resources.data_sources().load(name)
    except data.DataError as error:
        draw_fixes(name, error)
        return None


def draw_fixes(name: str, error: data.DataError, instructor: auth.Instructor | None = None) -> None:
    """Why the dataset failed and how to fix it; the form only for the instructor or a local visitor."""
    spec = data.SPECS[name]
    permission = auth.data_permission(instructor, patches.client_ip())
    if permission is None:  # the error names server paths: only for those who may fix it
        st.error(_("**{title} could not be loaded.** Only the instructor, or someone at the server's "
                   "own computer, can change where the data comes from. Ask your instructor.",
                   title=_(spec.title)))
        return
    st.error(_("**{dataset} could not be loaded.**\n\n{error}", dataset=_(spec.title),
               error=_(i18n.message_of(error))))
    st.markdown(_(
        "Fix it in one of these ways:\n"
        "1. **Online:** restart the app with internet access; Keras downloads the data once.\n"
        "2. **A file on this computer:** set `{variable}=/path/to/file` before "
        "`streamlit run app.py`, or enter the path below.\n"
        "3. **Upload** a Keras-layout `.npz` (keys x_train, y_train, x_test, y_test).",
        variable=spec.env_var))
    source_form(name, permission)


def source_form(name: str, permission: auth.DataPermission) -> None:
    """A path input and an upload that change where the dataset `name` comes from, for everyone.

    `permission` is what data_sources requires: the instructor's capability, or a local visitor's.
    """
    sources = resources.data_sources()
    path = st.text_input(_("Path to a .npz file or a folder of IDX files"),
                         key=f"data_path_{name}")
    if path and st.button(_("Load from this path"), key=f"data_path_go_{name}"):
        _try_fix(lambda: sources.set_path(name, path.strip(), permission=permission))
    upload = st.file_uploader(_("Or upload a .npz"), type=["npz"], key=f"data_upload_{name}",
                              max_upload_size=MAX_UPLOAD_BYTES // 2**20)
    if upload is not None and st.button(_("Use the uploaded file"), key=f"data_upload_go_{name}"):
        _try_fix(lambda: sources.set_upload(name, upload.getvalue(), permission=permission))


def _try_fix(action: Callable[[], data.Dataset]) -> None:
    try:
        action()
    except (data.DataError, NotAllowed) as error:
        st.error(_(i18n.message_of(error)))
        return
    st.rerun()
