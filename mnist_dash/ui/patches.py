"""Every override or read of Streamlit's internals, each checked at import against the installed Streamlit.

Both names are private to Streamlit and may change in any release (requirements.txt pins the
minor version). Importing this module fails loudly, naming the Streamlit version, if one is gone:
a silently missing patch would bring back the bug it prevents.
"""

from __future__ import annotations

import streamlit
from streamlit.runtime import context as streamlit_context
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import script_runner


def _require_internal(owner: object, name: str, why: str) -> None:
    """Raise, naming the Streamlit version, unless `owner.name` exists."""
    if not hasattr(owner, name):
        where = getattr(owner, "__name__", type(owner).__name__)
        raise RuntimeError(
            f"Streamlit {streamlit.__version__} has no {where}.{name}, which mnist-dash {why}. "
            "Install the Streamlit version requirements.txt names, or adapt mnist_dash/ui/patches.py "
            "to this one."
        )


_require_internal(script_runner, "_clean_problem_modules",
                  "replaces so that no script run resets Keras")
_require_internal(PagesManager, "uses_pages_directory",
                  "reads to notice a page run without the router")
_require_internal(streamlit_context, "_get_client_context",
                  "reads for the visitor's own address (st.context.ip_address hides loopback)")


def _keep_keras_state() -> None:
    """Streamlit's cleanup after every script and fragment run, minus its Keras reset.

    Streamlit 1.67 calls `keras.backend.clear_session()` after each run once Keras is imported:
    that resets Keras's global state for every thread (a job building its model races with it),
    clears TensorFlow's kernel caches under the training thread, and collects garbage with the
    GIL held (~100 ms, measured), once a second per page watching a job. The app keeps no
    state for it to clear: models live in jobs and caches. Matplotlib is not used.
    """


script_runner._clean_problem_modules = _keep_keras_state


def runs_without_router() -> bool:
    """True while Streamlit runs page files alone, in its legacy pages/ mode.

    That happens when a fresh server's first request is a deep link (/train): the page runs
    without app.py, until st.navigation switches the mode off.
    """
    return bool(PagesManager.uses_pages_directory)


def client_ip() -> str | None:
    """The TCP peer address of this session's browser, or None when unknown.

    `st.context.ip_address` reports a loopback visitor as None, the same as an unknown one; the
    data-source rule must tell them apart (only a visitor on the server's machine may change it).
    """
    client = streamlit_context._get_client_context()
    return getattr(client, "remote_ip", None) if client is not None else None
