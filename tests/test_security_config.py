"""The Streamlit server's safety settings in .streamlit/config.toml, and the app's upload limit."""

import tomllib
from pathlib import Path

import pytest

from mnist_dash.data_sources import MAX_UPLOAD_BYTES

CONFIG = tomllib.loads((Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml")
                       .read_text())


@pytest.mark.parametrize(
    ("section", "option", "safe"),
    [
        ("server", "enableXsrfProtection", True),  # other sites cannot post to the websocket
        ("server", "enableCORS", True),
        ("server", "maxUploadSize", 200),  # MB: a dataset-sized file, no more
        ("client", "showErrorDetails", "type"),  # no tracebacks or server paths for learners
        ("browser", "gatherUsageStats", False),  # the server sends nothing to third parties
    ],
)
def test_streamlit_server_settings_are_the_safe_ones(section, option, safe):
    assert CONFIG[section][option] == safe


def test_the_app_checks_uploads_against_the_server_limit():
    assert CONFIG["server"]["maxUploadSize"] * 2**20 == MAX_UPLOAD_BYTES
