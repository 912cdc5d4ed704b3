"""Tests for mnist_dash.ui.patches: each Streamlit internal it relies on is checked at import."""

import importlib

import pytest
import streamlit
from streamlit.runtime import context as streamlit_context
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import script_runner

from mnist_dash.ui import patches

INTERNALS = [(script_runner, "_clean_problem_modules"), (PagesManager, "uses_pages_directory"),
             (streamlit_context, "_get_client_context")]


def test_streamlit_cleanup_is_replaced():
    assert script_runner._clean_problem_modules is patches._keep_keras_state


@pytest.mark.parametrize("legacy_mode", [True, False, None])
def test_runs_without_router_reads_streamlit_legacy_pages_mode(monkeypatch, legacy_mode):
    monkeypatch.setattr(PagesManager, "uses_pages_directory", legacy_mode)
    assert patches.runs_without_router() is bool(legacy_mode)


@pytest.mark.parametrize(("owner", "name"), INTERNALS)
def test_import_fails_naming_the_streamlit_version_when_an_internal_is_gone(monkeypatch, owner, name):
    try:
        with monkeypatch.context() as patched:
            patched.delattr(owner, name)
            with pytest.raises(RuntimeError, match=rf"Streamlit {streamlit.__version__} has no .*\.{name}"):
                importlib.reload(patches)
    finally:
        importlib.reload(patches)  # the real internals are back: patch them again
    assert script_runner._clean_problem_modules is patches._keep_keras_state


@pytest.mark.parametrize("remote_ip", ["127.0.0.1", "::1", "203.0.113.5"])
def test_client_ip_is_the_raw_peer_address_loopback_included(monkeypatch, remote_ip):
    """st.context.ip_address would say None for loopback; the data-source rule needs the address."""
    client = type("Client", (), {"remote_ip": remote_ip})()
    monkeypatch.setattr(streamlit_context, "_get_client_context", lambda: client)
    assert patches.client_ip() == remote_ip
    monkeypatch.setattr(streamlit_context, "_get_client_context", lambda: None)
    assert patches.client_ip() is None
