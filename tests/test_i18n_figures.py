"""Figures and the Evaluate/Try it/Inside views in Simplified Chinese, from the app's zh-CN catalog.

The catalog is installed as a temporary zh-CN catalog, so a test can also run it against a catalog
of its own making.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
from babel.messages import pofile

from mnist_dash import data, figures, i18n, inside_figures
from mnist_dash.progress import ProgressSnapshot
from mnist_dash.vocabulary import EpochRecord, JobState

ROOT = Path(__file__).resolve().parent.parent
CATALOG = i18n.catalog_dir("zh-CN") / f"{i18n.DOMAIN}.po"  # the app's zh-CN catalog
TRANSLATED_FILES = [
    "mnist_dash/figures.py", "mnist_dash/inside_figures.py", "mnist_dash/ui/evaluate_view.py",
    "mnist_dash/ui/compare_view.py", "mnist_dash/ui/try_view.py", "mnist_dash/ui/inside_view.py",
    "pages/evaluate.py", "pages/try_it.py", "pages/inside.py",
]
CJK = re.compile(r"[\u4e00-\u9fff]")
DIGITS = [str(digit) for digit in range(10)]
FASHION = data.SPECS["fashion-mnist"].class_names


def _progress() -> ProgressSnapshot:
    epochs = tuple(EpochRecord(epoch=k, step=10 * k, seconds=1.0, loss=1.0 / k, accuracy=0.5,
                               val_loss=0.9 / k, class_accuracy=(0.9,) * 10) for k in (1, 2))
    return ProgressSnapshot(epoch=2, num_epochs=2, batch=0, steps_per_epoch=10, step=20,
                            elapsed_seconds=1.0, eta_seconds=None, samples_per_second=None,
                            epochs=epochs)


def _all_figures() -> dict[str, go.Figure]:
    """One of every figure the app draws, by name."""
    matrix = np.arange(100).reshape(10, 10)
    image = np.zeros((28, 28), dtype=np.uint8)
    labels = np.arange(10)
    charts = figures.history_figures(_progress(), kept_epoch=2)
    return {
        "class balance": figures.class_balance_figure([5] * 10, [1] * 10, DIGITS),
        "confusion": figures.confusion_figure(matrix, DIGITS),
        "confusion normalized": figures.confusion_figure(matrix, DIGITS, normalized=True),
        "loss": charts["loss"], "accuracy": charts["accuracy"],
        "learning rate": figures.learning_rate_figure([1, 2], [0.1, 0.05]),
        "compare": figures.compare_history_figure([("A", [1], [0.5])], "loss", "Validation"),
        "probabilities": figures.probability_figure(np.full(10, 0.1), DIGITS, true_class=3),
        "pixels": figures.pixel_figure(image),
        "vector": figures.vector_figure(image),
        "class means": figures.class_means_figure(np.zeros((10, 28, 28)), DIGITS),
        "difference": figures.confusion_difference_figure(matrix, matrix, DIGITS),
        "weight grid": inside_figures.weight_grid_figure(np.zeros((4, 28, 28))),
        "unit weights": inside_figures.unit_weights_figure(np.ones((28, 28)), 3),
        "map": inside_figures.embedding_figure(np.zeros((10, 2)), labels, labels, labels, DIGITS,
                                               i18n._("The raw pixels")),
        "class accuracy": inside_figures.class_accuracy_figure(_progress().epochs, DIGITS),
    }


def test_confusion_matrix_speaks_chinese(zh_cn) -> None:
    fig = figures.confusion_figure(np.eye(10, dtype=int), FASHION)
    assert fig.layout.xaxis.title.text == "预测类别"
    assert fig.layout.yaxis.title.text == "真实类别"
    assert fig.layout.title.text == "混淆矩阵"
    assert fig.layout.xaxis.ticktext[0] == "T恤/上衣" and fig.layout.yaxis.ticktext[9] == "短靴"
    hover = figures.confusion_difference_figure(np.eye(10, dtype=int), np.eye(10, dtype=int),
                                                FASHION).data[0].hovertemplate
    assert CJK.search(hover) and "%{customdata:+d}" in hover  # plotly's own braces untouched


def test_every_figure_title_and_axis_is_chinese(zh_cn) -> None:
    for name, fig in _all_figures().items():
        words = [fig.layout.title.text, fig.layout.xaxis.title.text, fig.layout.yaxis.title.text]
        assert CJK.search(words[0] or ""), (name, words[0])
        for word in filter(None, words[1:]):
            assert CJK.search(word), (name, word)


def test_figure_words_in_english_by_default() -> None:
    for name, fig in _all_figures().items():
        texts = [fig.layout.title.text, *(trace.name or "" for trace in fig.data),
                 *(str(trace.hovertemplate or "") for trace in fig.data)]
        assert not any(CJK.search(text) for text in texts), name


def test_numbers_and_marks_in_figures_follow_the_language(zh_cn) -> None:
    probabilities = np.full(10, 0.02)
    probabilities[4] = 0.82
    bars = figures.probability_figure(probabilities, DIGITS, true_class=4).data[0]
    assert bars.text[4] == "82% · 预测 · 真实"
    embedding = inside_figures.embedding_figure(np.zeros((2, 2)), np.array([0, 0]), np.array([0, 1]),
                                                np.array([7, 8]), FASHION[:2], "map")
    assert embedding.data[0].name == "T恤/上衣"
    assert embedding.data[1].text[0] == "测试图片 #8<br>标签 T恤/上衣，预测 裤子 ✗"  # class 0's mistakes
    assert embedding.data[-1].name == "✗ 分错的"


def _calls(path: str) -> list[ast.Call]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_", "ngettext")]


def _msgids(call: ast.Call) -> tuple[str, ...]:
    count = 2 if call.func.id == "ngettext" else 1
    return tuple(arg.value for arg in call.args[:count]
                 if isinstance(arg, ast.Constant) and isinstance(arg.value, str))


def _catalog() -> dict[str, tuple[str, ...]]:
    """msgid -> its translations (one per plural form; the plural msgid maps to the same)."""
    with CATALOG.open("rb") as po:
        catalog = pofile.read_po(po, locale="zh_CN")
    entries = {}
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid in ids:
            entries[msgid] = strings
    return entries


def test_every_wrapped_string_is_translated_with_its_placeholders() -> None:
    entries = _catalog()
    found = 0
    for path in TRANSLATED_FILES:
        for call in _calls(path):
            for msgid in _msgids(call):
                found += 1
                assert msgid in entries, f"{path}: {msgid!r} has no zh-CN translation in the catalog"
                for text in entries[msgid]:
                    assert CJK.search(text) or msgid == text, (msgid, text)
                    assert i18n.placeholders(text) == i18n.placeholders(msgid), (msgid, text)
    assert found > 100


def test_strings_drawn_with_a_variable_are_in_the_catalog() -> None:
    entries = _catalog()
    for msgid in (*FASHION, *(str(state) for state in JobState)):
        assert CJK.search(entries[msgid][0]), msgid


def test_translated_calls_take_literals_and_plotly_templates_take_no_parameters() -> None:
    for path in TRANSLATED_FILES:
        for call in _calls(path):
            first = call.args[0]
            assert not isinstance(first, ast.JoinedStr), f"{path}:{call.lineno}: _(f'...') is never found"
            literal = _msgids(call)
            if literal and "%{" in literal[0]:
                # Python formatting would eat plotly's braces: such templates take no parameters.
                assert not call.keywords, f"{path}:{call.lineno}: {literal[0]!r}"
