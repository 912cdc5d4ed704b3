"""Translations: the language a page is drawn in, and the gettext catalogs that speak it.

English is the source language: every string a person reads is written in English in the code,
wrapped in `_()` (or `ngettext()` when it counts something), and looked up in a gettext catalog
(`mnist_dash/locale/<lang>/LC_MESSAGES/messages.po`, managed with Babel; docs/TRANSLATING.md).
Catalogs are compiled in memory the first time a language is used, so there is no build step.

Placeholders are named and Python-formatted: `_("Epoch {epoch} of {epochs}", epoch=3, epochs=5)`,
so a translation may put them in any order. `N_()` only marks a constant for extraction; translate
it with `_()` where it is drawn. `Msg` carries a sentence from where it was made (a worker thread,
the job manager) to where it is drawn, and is translated there; `_(message_of(error))` draws an
exception whose message is one; `PluralMsg` is the Msg that counts (ngettext's).

Which language: `language("zh-CN")` sets it for a block of code (tests, the HTML report); the UI
registers a lookup (`set_language_lookup`) that reads the browser session's choice. Everything else
(the CLI, workers, saved files) speaks English.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gettext
import io
import string
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from babel import Locale, numbers
from babel.messages import mofile, pofile

ENGLISH = "en"
LANGUAGES = {"en": "English", "zh-CN": "简体中文", "zh-TW": "繁體中文"}  # code -> its own name
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"

_chosen: contextvars.ContextVar[str | None] = contextvars.ContextVar("mnist_dash_language",
                                                                    default=None)
_lookup: Callable[[], str | None] = lambda: None  # noqa: E731  (replaced by the UI)


def catalog_dir(lang: str) -> Path:
    """Where a language's catalog lives: zh-CN -> locale/zh_CN/LC_MESSAGES."""
    return LOCALE_DIR / lang.replace("-", "_") / "LC_MESSAGES"


def normalize(tag: str | None) -> str | None:
    """One of LANGUAGES for a browser or URL language tag (zh, zh-Hans-CN, zh_TW, zh-HK, en-GB), or None."""
    if not tag:
        return None
    parts = tag.replace("_", "-").lower().split("-")
    if parts[0] == "en":
        return ENGLISH
    if parts[0] != "zh":
        return None
    traditional = {"hant", "tw", "hk", "mo"}
    return "zh-TW" if traditional & set(parts[1:]) else "zh-CN"


def set_language_lookup(lookup: Callable[[], str | None]) -> None:
    """Tell translation where the current session's language is (the UI calls this once)."""
    global _lookup
    _lookup = lookup


def current() -> str:
    """The language to speak now: a `language()` block, else the session's choice, else English."""
    lang = _chosen.get() or _lookup() or ENGLISH
    return lang if lang in LANGUAGES else ENGLISH


@contextlib.contextmanager
def language(lang: str) -> Iterator[None]:
    """Speak `lang` inside the block (in this thread or task only)."""
    token = _chosen.set(lang)
    try:
        yield
    finally:
        _chosen.reset(token)


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of a language (English, or a language without a catalog: the source)."""
    path = catalog_dir(lang) / f"{DOMAIN}.po"
    if lang == ENGLISH or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = pofile.read_po(po, locale=lang.replace("-", "_"))
    compiled = io.BytesIO()
    mofile.write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


class Msg(str):
    """A sentence made far from where it is drawn: reads as English, and `_()` translates it.

    It stays a plain string to code that stores or logs it (run.json keeps the English).
    """

    msgid: str
    params: dict[str, object]

    def __new__(cls, msgid: str, /, **params: object) -> Msg:
        text = super().__new__(cls, msgid.format(**params) if params else msgid)
        text.msgid, text.params = msgid, params
        return text

    def __reduce__(self) -> tuple:
        return _make_msg, (self.msgid, self.params)


def _make_msg(msgid: str, params: dict[str, object]) -> Msg:
    return Msg(msgid, **params)


class PluralMsg(Msg):
    """A Msg that counts something, like ngettext: `_()` draws the form for `n` ({n}, as a number)."""

    plural: str
    n: int

    def __new__(cls, singular: str, plural: str, n: int, /, **params: object) -> PluralMsg:
        text = str.__new__(cls, (singular if n == 1 else plural).format(n=f"{n:,}", **params))
        text.msgid, text.plural, text.n, text.params = singular, plural, n, params
        return text

    def __reduce__(self) -> tuple:
        return _make_plural_msg, (self.msgid, self.plural, self.n, self.params)


def _make_plural_msg(singular: str, plural: str, n: int, params: dict[str, object]) -> PluralMsg:
    return PluralMsg(singular, plural, n, **params)


def _(message: str, /, **params: object) -> str:  # "/": a placeholder may be called {message}
    """`message` in the current language, with its named placeholders filled in.

    A placeholder's value that is itself a Msg (an error's message inside a job's) is translated too.
    """
    if isinstance(message, PluralMsg):
        return ngettext(message.msgid, message.plural, message.n,
                        **_translated({**message.params, **params}))
    if isinstance(message, Msg):
        message, params = message.msgid, {**message.params, **params}
    text = translations(current()).gettext(message) if message else message
    if not params:
        return text
    return text.format(**_translated(params))


def _translated(params: dict[str, object]) -> dict[str, object]:
    return {name: _(value) if isinstance(value, Msg) else value for name, value in params.items()}


class Refusal(Exception):
    """An error made for a person: its message, args[0], is a Msg that a page draws translated."""

    @property
    def msg(self) -> Msg:
        return self.args[0]


def message_of(error: BaseException) -> str:
    """An exception's message as it was made: its Msg (args[0]) to translate with `_()`, else its text."""
    first = error.args[0] if error.args else None
    return first if isinstance(first, Msg) else str(error)


def ngettext(singular: str, plural: str, n: int, /, **params: object) -> str:
    """The form for `n` in the current language ({n} is filled in, with Babel's number format)."""
    text = translations(current()).ngettext(singular, plural, n)
    return text.format(n=number(n), **params)


def join_sentences(sentences: Iterable[str]) -> str:
    """Whole sentences, already translated, as one paragraph in the current language: a space
    between them in English, none in Chinese (its full stop 。 already ends each one)."""
    return ("" if current().startswith("zh") else " ").join(sentences)


def N_(message: str) -> str:  # the gettext convention
    """Mark a constant for extraction; it is translated where it is drawn, with `_()`."""
    return message


def number(value: float, digits: int | None = None) -> str:
    """A number in the current language's format (grouping, decimal sign)."""
    pattern = None if digits is None else f"#,##0.{'0' * digits}" if digits else "#,##0"
    return numbers.format_decimal(value, format=pattern, locale=_babel_locale(current()))


def percent(fraction: float, digits: int = 1) -> str:
    """0.9786 -> "97.9%" in the current language's format (Babel rounds half to even: 0.9785 -> "97.8%")."""
    pattern = f"#,##0.{'0' * digits}%" if digits else "#,##0%"
    return numbers.format_percent(fraction, format=pattern, locale=_babel_locale(current()))


@functools.cache
def _babel_locale(lang: str) -> Locale:
    return Locale.parse(lang.replace("-", "_"))


def placeholders(text: str) -> set[str]:
    """The named placeholders of a message ({epoch}, {n}), to check a translation keeps them."""
    return {name for _text, name, _spec, _conversion in string.Formatter().parse(text) if name}
