"""Translations: the core (mnist_dash.i18n) on a tiny catalog of its own, then the app's real catalogs."""

import importlib.util
import pickle
import threading
from pathlib import Path

import pytest
from babel.messages import pofile
from babel.messages.catalog import Catalog

from mnist_dash import i18n
from mnist_dash.i18n import Msg, _, ngettext

ROOT = Path(__file__).resolve().parent.parent


def load_tool():
    """tools/translations.py, which is a script, not a package module."""
    spec = importlib.util.spec_from_file_location("translations_tool", ROOT / "tools" / "translations.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


tool = load_tool()


@pytest.fixture
def tiny_catalog(tmp_path, monkeypatch):
    """A zh-CN catalog with three messages, in place of the app's own."""
    catalog = Catalog(locale="zh_CN")
    catalog.add("Epoch {epoch} of {epochs}", "第 {epoch} 轮，共 {epochs} 轮")
    catalog.add(("{n} image", "{n} images"), ("{n} 张图片",))
    catalog.add("Stopped after {minutes} minutes.", "{minutes} 分钟后停止。")
    path = tmp_path / "zh_CN" / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True)
    with path.open("wb") as po:
        pofile.write_po(po, catalog)
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.translations.cache_clear()
    yield
    i18n.translations.cache_clear()


@pytest.mark.parametrize(("tag", "expected"), [
    ("zh-CN", "zh-CN"), ("zh_CN", "zh-CN"), ("zh", "zh-CN"), ("zh-Hans-CN", "zh-CN"), ("zh-SG", "zh-CN"),
    ("zh-TW", "zh-TW"), ("zh_tw", "zh-TW"), ("zh-Hant", "zh-TW"), ("zh-HK", "zh-TW"),
    ("en", "en"), ("en-GB", "en"), ("fr-FR", None), ("", None), (None, None),
])
def test_normalize_maps_browser_and_url_tags(tag, expected):
    assert i18n.normalize(tag) == expected


def test_language_blocks_nest_and_stay_in_their_thread(tiny_catalog):
    seen = []
    assert i18n.current() == "en"
    with i18n.language("zh-CN"):
        with i18n.language("zh-TW"):
            assert i18n.current() == "zh-TW"
        assert _("Epoch {epoch} of {epochs}", epoch=2, epochs=5) == "第 2 轮，共 5 轮"
        worker = threading.Thread(target=lambda: seen.append(i18n.current()))
        worker.start()
        worker.join()
    assert seen == ["en"]  # a worker thread speaks English
    assert _("Epoch {epoch} of {epochs}", epoch=2, epochs=5) == "Epoch 2 of 5"


def test_the_session_lookup_decides_outside_a_block_and_bad_codes_fall_back(monkeypatch):
    monkeypatch.setattr(i18n, "_lookup", lambda: "zh-TW")
    assert i18n.current() == "zh-TW"
    with i18n.language("en"):
        assert i18n.current() == "en"
    monkeypatch.setattr(i18n, "_lookup", lambda: "klingon")
    assert i18n.current() == "en"


def test_the_ui_lookup_is_english_outside_a_script_run():
    from mnist_dash.ui import state

    assert state._session_language() is None
    assert i18n._lookup is state._session_language


def test_msg_reads_as_english_pickles_and_translates_where_drawn(tiny_catalog):
    message = Msg("Stopped after {minutes} minutes.", minutes=3)
    assert message == "Stopped after 3 minutes." and isinstance(message, str)
    copy = pickle.loads(pickle.dumps(message))
    assert (copy.msgid, copy.params) == (message.msgid, message.params)
    with i18n.language("zh-CN"):
        assert _(copy) == "3 分钟后停止。"
        assert _("A sentence no catalog knows") == "A sentence no catalog knows"


def test_a_placeholder_may_share_a_parameter_name():
    assert _("{message} and {msgid}", message="a", msgid="b") == "a and b"
    assert Msg("{msgid}!", msgid="c") == "c!"
    assert ngettext("{singular} {n}", "{plural} {n}", 2, singular="x", plural="y") == "y 2"


def test_ngettext_picks_the_form_and_formats_the_count(tiny_catalog):
    assert ngettext("{n} image", "{n} images", 1) == "1 image"
    assert ngettext("{n} image", "{n} images", 60000) == "60,000 images"
    with i18n.language("zh-CN"):
        assert ngettext("{n} image", "{n} images", 1) == "1 张图片"
        assert ngettext("{n} image", "{n} images", 2) == "2 张图片"


def test_numbers_and_percents_follow_the_language():
    assert i18n.number(1234567) == "1,234,567"
    assert i18n.number(0.12346, 4) == "0.1235"
    assert i18n.percent(0.9786, 1) == "97.9%"
    assert i18n.percent(0.9785, 2) == "97.85%"
    with i18n.language("zh-CN"):
        assert i18n.percent(0.5, 0) == "50%"
        assert i18n.number(60000) == "60,000"


def test_sentences_join_with_a_space_in_english_and_without_one_in_chinese():
    english, chinese = ["At most 3 epochs.", "Dataset: MNIST."], ["最多 3 个轮次。", "数据集：MNIST。"]
    assert i18n.join_sentences(english) == "At most 3 epochs. Dataset: MNIST."
    for lang in ("zh-CN", "zh-TW"):
        with i18n.language(lang):
            assert i18n.join_sentences(chinese) == "最多 3 个轮次。数据集：MNIST。"
    assert i18n.join_sentences([]) == ""


def test_a_catalog_is_compiled_once_per_language():
    assert i18n.translations("zh-CN") is i18n.translations("zh-CN")
    assert i18n.translations("zh-CN") is not i18n.translations("en")


# The check behind `tools/translations.py check`, tried on catalogs made to be wrong.

def test_placeholder_check_finds_a_lost_placeholder_and_an_untranslated_message():
    catalog = Catalog(locale="zh_CN")
    catalog.add("Epoch {epoch} of {epochs}", "第 {epoch} 轮")
    catalog.add(("{n} image", "{n} images"), ("{n} 张图片",))
    catalog.add("Stop", "")
    problems = tool.placeholder_problems(catalog, "zh_CN")
    assert len(problems) == 2
    assert "epochs" in problems[0] and "untranslated: 'Stop'" in problems[1]


@pytest.mark.parametrize(("simplified", "traditional"), [
    ("激活函数", "激活函數"),  # s2twp alone: 啟用函式
    ("损失函数", "損失函數"),
    ("数据增强", "資料增強"),  # OpenCC's 資料 is right here
    ("像素", "像素"), ("参数", "參數"), ("优化器", "優化器"), ("批量大小", "批量大小"),
    ("小批量", "小批量"), ("概率", "機率"), ("准确率", "準確率"), ("训练集", "訓練集"),
    ("第 r 行第 c 列", "第 r 列第 c 行"),  # rows and columns swap names in Taiwan
])
def test_zh_tw_follows_the_glossary(simplified, traditional):
    assert tool.to_traditional(simplified, tool.read_overrides()) == traditional


# The app's catalogs (the lead builds them from every fragment: docs/TRANSLATING.md).

def test_every_message_has_zh_cn_and_zh_tw_with_the_same_placeholders():
    for locale in ("zh_CN", "zh_TW"):
        assert tool.po_path(locale).exists(), f"no {locale} catalog: see docs/TRANSLATING.md"
        assert tool.placeholder_problems(tool.read_po(tool.po_path(locale)), locale) == []


def test_catalogs_are_up_to_date_with_the_sources():
    template = tool.read_po(tool.TEMPLATE)
    assert tool.ids(tool.extract_template()) == tool.ids(template), "run tools/translations.py extract"
    assert tool.ids(tool.read_po(tool.po_path("zh_CN"))) == tool.ids(template)


def test_zh_tw_is_zh_cn_converted_with_the_overrides():
    simplified = tool.read_po(tool.po_path("zh_CN"))
    derived = tool.derive_zh_tw(simplified, tool.read_overrides())
    written = tool.read_po(tool.po_path("zh_TW"))
    assert {m.id: m.string for m in written if m.id} == {m.id: m.string for m in derived if m.id}
    assert tool.check() == []
