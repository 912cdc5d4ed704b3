"""Tests for mnist_dash.ui.state: session state has one owner, and no two things share a key."""

import re
from pathlib import Path

from mnist_dash.ui import state

ROOT = Path(__file__).resolve().parent.parent
SESSION_STATE_USE = re.compile(r"session_state\s*[\[.]")


def test_only_the_state_module_touches_session_state():
    scripts = [*(ROOT / "mnist_dash" / "ui").glob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "app.py"]
    users = [path.relative_to(ROOT).as_posix() for path in scripts
             if SESSION_STATE_USE.search(path.read_text())]
    assert users == ["mnist_dash/ui/state.py"]


def test_every_key_is_distinct():
    keys = [value for name, value in vars(state).items() if name.isupper() and isinstance(value, str)]
    keys += [*state.FORM_KEYS.values(), state.form_units_key(0), state.confusion_chart_key("run")]
    assert len(keys) == len(set(keys)) > 20
