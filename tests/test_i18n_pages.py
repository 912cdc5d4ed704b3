"""Every page in every language through AppTest: no exception, no English catalog text left in Chinese,
?lang= honoured and kept, and a language switch that leaves a running job alone."""

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages import pofile
from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest
from test_pages import fresh_app, small_job, wait_for  # noqa: F401  (fresh_app: an autouse fixture)

from mnist_dash import i18n, ui
from mnist_dash.i18n import _
from mnist_dash.ui import app as ui_app
from mnist_dash.ui import state
from mnist_dash.vocabulary import JobState

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGES = list(ui_app.PAGES.values())
ZH_CN_CATALOG = ROOT / "mnist_dash" / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"
# What a translation may keep as it is: code names, proper names and units (GLOSSARY-zh.md).
SAME_IN_CHINESE = {"MNIST", "Fashion-MNIST", "Keras", "SGD", "Adam", "RMSprop", "MSE", "F1", "relu",
                   "tanh", "sigmoid", "softmax", "linear", "argmax", "Dropout", "{seconds} s",
                   "{megabytes} MB"}
NOT_CHINESE = r"[^\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]+?"  # a placeholder's value in English text
pytestmark = pytest.mark.real_data


def run(at: AppTest, lang: str, page: str | None = None) -> AppTest:
    """Run (on `page`), with the test's own thread speaking `lang` too: AppTest calls the widgets'
    format_func in this thread to find their values among the options drawn in the session's language."""
    with i18n.language(lang):
        if page:
            at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def switch_language(at: AppTest, drawn_in: str, new: str) -> AppTest:
    """Choose `new` in the sidebar of a page drawn in `drawn_in`."""
    at.selectbox(key=state.LANGUAGE).set_value(new)
    return run(at, drawn_in)


def open_app(lang: str | None = None) -> AppTest:
    """The app's first page, opened as /?lang=<lang> (without it: in English, the default)."""
    at = AppTest.from_file(APP, default_timeout=60)
    if lang:
        at.query_params["lang"] = lang
    return run(at, i18n.normalize(lang) or i18n.ENGLISH)


def english_matcher(catalog_path: Path = ZH_CN_CATALOG) -> re.Pattern:
    """One pattern matching any English catalog message whose translation differs. A placeholder
    matches any text, except in a message of one English word ("{n} epochs"), where it matches no
    Chinese: the word alone may end a Chinese sentence that names it."""
    with catalog_path.open("rb") as po:
        catalog = pofile.read_po(po)
    patterns = []
    for message in catalog:
        translation = message.string if isinstance(message.string, str) else message.string[0]
        for english in message.id if isinstance(message.id, tuple) else [message.id]:
            if re.search(r"[A-Za-z]", re.sub(r"{\w*}", "", english)) and translation != english:
                literal = re.split(r"{\w*}", english)
                value = ".+?" if len(re.findall(r"[A-Za-z]+", "".join(literal))) > 1 else NOT_CHINESE
                patterns.append(value.join(re.escape(piece) for piece in literal))
    assert patterns, f"{catalog_path} has no messages"
    return re.compile("|".join(f"(?:{p})" for p in sorted(patterns, key=len, reverse=True)))


def proto_texts(proto: Message) -> Iterator[str]:
    """Every string in an element's message (label, help, options, body, captions, ...)."""
    for field, value in proto.ListFields():
        single = isinstance(value, (Message, str, bytes, int, float))
        for item in [value] if single else value:
            if isinstance(item, Message):
                yield from proto_texts(item)
            elif isinstance(item, str):
                yield from json_texts(json.loads(item)) if field.name == "spec" else [item]


PLOTLY_FLAGS = {"hoverinfo"}  # settings whose values are plotly's words ("none"), never shown


def json_texts(value: object) -> Iterator[str]:
    """The strings of a plotly figure: titles, axis titles, legend names, hover templates."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in PLOTLY_FLAGS:
                yield from json_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_texts(item)


def drawn_texts(at: AppTest) -> list[str]:
    """What a learner can read: every element's strings, tables' headers and the navigation."""
    texts = [info["page_name"] for info in at._registered_pages.values()]  # the navigation's titles

    def walk(node) -> Iterator:
        yield node
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    for node in walk(at._tree):
        if isinstance(getattr(node, "proto", None), Message):
            texts += proto_texts(node.proto)
        if node.type in ("dataframe", "table"):
            texts += [str(column) for column in node.value.columns]
    return texts


def english_left(at: AppTest, matcher: re.Pattern) -> list[str]:
    return sorted({text for text in drawn_texts(at) if matcher.fullmatch(text.strip())})


def test_the_english_check_catches_an_untranslated_text():
    matcher = english_matcher()
    with i18n.language("zh-CN"):
        translated = _("Test accuracy {accuracy}", accuracy="97.85%")
    assert matcher.fullmatch("Test accuracy 97.85%")  # as drawn by a forgotten _()
    assert not matcher.fullmatch(translated)
    with i18n.language("zh-CN"):
        count = i18n.ngettext("{n} epoch", "{n} epochs", 3)
    assert matcher.fullmatch("3 epochs") and not matcher.fullmatch(count)
    assert not matcher.fullmatch("相对预设改动了：hidden_units, epochs")  # ends in a field's name


def test_a_translation_equal_to_the_english_is_a_name():
    with ZH_CN_CATALOG.open("rb") as po:
        same = {m.id for m in pofile.read_po(po) if m.id and m.string == m.id
                and re.search(r"[A-Za-z]", re.sub(r"{\w*}", "", m.id))}
    assert same <= SAME_IN_CHINESE


@pytest.mark.parametrize("lang", list(i18n.LANGUAGES))
def test_every_page_renders_in_every_language(lang):
    at = open_app(lang)
    matcher = english_matcher() if lang == "zh-CN" else None
    for page in PAGES:
        run(at, lang, page)
        assert at.selectbox(key=state.LANGUAGE).value == lang
        assert at.query_params["lang"] == lang
        if matcher:
            assert english_left(at, matcher) == [], page
    with i18n.language(lang):
        assert run(at, lang, ui_app.PAGES["train"]).title[0].value == _("Train a network live")


def test_lang_in_the_url_is_honoured_kept_and_written_by_the_switch():
    at = open_app("zh_tw")
    assert at.query_params["lang"] == "zh-TW"  # normalized in the URL
    run(at, "zh-TW", ui_app.PAGES["train"])
    assert at.query_params["lang"] == "zh-TW" and at.selectbox(key=state.LANGUAGE).value == "zh-TW"
    with i18n.language("zh-TW"):
        assert at.title[0].value == _("Train a network live") != "Train a network live"
    switch_language(at, "zh-TW", "zh-CN")
    assert at.query_params["lang"] == "zh-CN"
    run(at, "zh-CN", ui_app.PAGES["explore"])
    assert at.query_params["lang"] == "zh-CN" and at.selectbox(key=state.LANGUAGE).value == "zh-CN"


@pytest.mark.parametrize(("locale", "query", "expected"), [
    ("zh-HK", {}, "zh-TW"), ("zh-CN", {}, "zh-CN"), ("de-DE", {}, "en"),
    ("zh-CN", {"lang": "en"}, "en"), ("zh-TW", {"lang": "fr"}, "zh-TW"),
])
def test_without_a_valid_lang_the_browser_language_decides(locale, query, expected):
    at = AppTest.from_file(APP, default_timeout=60)
    at.context = {"locale": locale}
    at.query_params.update(query)
    run(at, expected)
    assert at.selectbox(key=state.LANGUAGE).value == expected == at.query_params["lang"]


def test_switching_language_mid_training_keeps_the_job_running():
    at = run(open_app(), "en", ui_app.PAGES["train"])
    small_job(at, epochs=30, images=60_000)
    wait_for(at, "**Training**")
    manager = ui.job_manager()
    job = manager.jobs_of(at.query_params[state.LEARNER_PARAM])[0]
    step = manager.snapshot(job.job_id).progress.step
    switch_language(at, "en", "zh-CN")
    deadline = time.monotonic() + 30
    while manager.snapshot(job.job_id).progress.step == step:
        assert time.monotonic() < deadline, "the job stopped advancing after the switch"
        time.sleep(0.3)
        run(at, "zh-CN")
    assert manager.snapshot(job.job_id).state == JobState.RUNNING
    with i18n.language("zh-CN"):
        stop = next(b for b in at.button if b.label == _("Stop"))
        assert next(b for b in at.button if b.label == _("Train")).disabled
    stop.click()
    run(at, "zh-CN")
    deadline = time.monotonic() + 60
    while manager.snapshot(job.job_id).active:
        assert time.monotonic() < deadline, "Stop did not end the job"
        time.sleep(0.5)
    matcher = english_matcher()
    for page in PAGES:  # with a run to show: Evaluate, Try it and Inside draw it
        run(at, "zh-CN", page)
        assert english_left(at, matcher) == [], page
    switch_language(at, "zh-CN", "zh-TW")
    for page in PAGES:
        run(at, "zh-TW", page)
