"""Learners' display names: cleaned, unique within the server, and kept across restarts.

A learner's owner id (32 hex characters, in their URL) identifies them to the server; the name
is the only thing other people see.
"""

from __future__ import annotations

import itertools
import random
import re
import threading
import unicodedata
from pathlib import Path

from mnist_dash.classroom import files
from mnist_dash.i18n import Msg, Refusal

MIN_LENGTH, MAX_LENGTH = 2, 24
PUNCTUATION = "-_.' "
_TAG = re.compile(r"<[^>]*>?")  # an HTML tag, also one left unclosed at the end
_SPACES = re.compile(r"\s+")

ADJECTIVES = ("Blue", "Red", "Green", "Golden", "Silver", "Amber", "Coral", "Violet", "Swift",
              "Quiet", "Bright", "Brave", "Clever", "Gentle", "Lucky", "Misty", "Sunny", "Snowy",
              "Rapid", "Calm", "Bold", "Jolly", "Nimble", "Witty")
ANIMALS = ("Heron", "Otter", "Fox", "Lynx", "Falcon", "Badger", "Panda", "Koala", "Dolphin",
           "Owl", "Robin", "Beaver", "Bison", "Crane", "Gecko", "Ibis", "Marten", "Puffin",
           "Raven", "Seal", "Tapir", "Wombat", "Yak", "Zebra")


class NameRefused(Refusal, ValueError):
    """A display name that cannot be used; `msg` says why, for the learner."""


def _allowed(char: str) -> bool:
    """Letters of any script (with their combining marks), digits, and a little punctuation."""
    return unicodedata.category(char)[0] in "LM" or unicodedata.category(char) == "Nd" \
        or char in PUNCTUATION


def clean_name(raw: object) -> str:
    """The name to show for what a learner typed, or NameRefused saying what to change.

    Markup and control characters are removed, runs of spaces become one, and full-width or
    styled letters become plain ones (NFKC), so look-alike names compare equal.
    """
    if not isinstance(raw, str):
        raise NameRefused(Msg("Type a name."))
    text = unicodedata.normalize("NFKC", _TAG.sub(" ", raw))
    text = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in text)
    name = _SPACES.sub(" ", text).strip()
    if len(name) < MIN_LENGTH:
        raise NameRefused(Msg("A name needs at least {min} characters.", min=MIN_LENGTH))
    if len(name) > MAX_LENGTH:
        raise NameRefused(Msg("A name can have at most {max} characters; this one has {length}.",
                              max=MAX_LENGTH, length=len(name)))
    bad = sorted({c for c in name if not _allowed(c)})
    if bad:
        raise NameRefused(Msg("A name can hold letters, digits, spaces and - _ . ' only, "
                              "not {characters}.", characters=" ".join(bad)))
    if not any(unicodedata.category(c)[0] in "LN" for c in name):
        raise NameRefused(Msg("A name needs at least one letter or digit."))
    return name


def generated_name(rng: random.Random, top: int = 99) -> str:
    """A friendly name such as 'Blue Heron 7' (numbered 1 to `top`)."""
    return f"{rng.choice(ADJECTIVES)} {rng.choice(ANIMALS)} {rng.randint(1, top)}"


class NameBook:
    """Every learner's display name, in one JSON file (owner id -> name), safe across threads."""

    def __init__(self, path: Path, rng: random.Random | None = None) -> None:
        self.path = Path(path)
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._names: dict[str, str] = dict(files.read_json(self.path, {}))

    def name_of(self, owner: str) -> str:
        """The learner's name; on first use a unique generated one, saved at once."""
        with self._lock:
            if owner not in self._names:
                self._names[owner] = self._unused_generated_name()
                self._save()
            return self._names[owner]

    def rename(self, owner: str, raw: object) -> str:
        """Give the learner the name they typed (cleaned); NameRefused if it is bad or taken."""
        name = clean_name(raw)
        with self._lock:
            holder = self._holder(name)
            if holder is not None and holder != owner:
                raise NameRefused(Msg("Someone in this class is already called {name}; "
                                      "choose another name.", name=name))
            self._names[owner] = name
            self._save()
        return name

    def names(self) -> dict[str, str]:
        """A copy of every owner id -> name (for the leaderboard and the class results)."""
        with self._lock:
            return dict(self._names)

    def _holder(self, name: str) -> str | None:
        key = name.casefold()
        return next((owner for owner, taken in self._names.items() if taken.casefold() == key), None)

    def _unused_generated_name(self) -> str:
        for attempt in itertools.count():  # numbers grow should the 57,000 short names run out
            name = generated_name(self._rng, top=99 * 10 ** (attempt // 100))
            if self._holder(name) is None:
                return name

    def _save(self) -> None:
        files.write_json(self.path, self._names)
