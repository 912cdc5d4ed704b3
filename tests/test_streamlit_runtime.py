"""Streamlit's own housekeeping must not reset Keras or stall the server after every run."""

import tomllib
from pathlib import Path

import keras
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def test_no_script_or_page_run_resets_keras(monkeypatch):
    # Streamlit 1.67 calls keras.backend.clear_session() after every run once Keras is loaded:
    # it would reset Keras's state under a job building its model, once a second per live page.
    calls = []
    monkeypatch.setattr(keras.backend, "clear_session", lambda *a, **k: calls.append(1))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("pages/train.py").run()
    at.run()
    assert not at.exception
    assert calls == []


def test_no_full_garbage_collection_after_each_run():
    # With TensorFlow loaded a full collection holds the GIL ~100 ms (measured), stalling
    # training and every other session.
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False
