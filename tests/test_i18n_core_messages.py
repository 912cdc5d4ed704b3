"""The computing modules' messages: each is in the zh-CN catalog with its placeholders, and
reaches a person translated (job refusals, config errors, progress, the HTML report)."""

import pickle
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po

from mnist_dash import data, diagnose, explain, export, i18n
from mnist_dash.config import TrainConfig
from mnist_dash.i18n import Msg, _
from mnist_dash.jobs import JobManager, JobRefused
from mnist_dash.progress import STATE_WORDS, ProgressSnapshot, progress_text, queue_text
from mnist_dash.runs import RunRecord, RunStore
from mnist_dash.vocabulary import EpochRecord, JobState

ROOT = Path(__file__).resolve().parent.parent
CATALOG = i18n.catalog_dir("zh-CN") / f"{i18n.DOMAIN}.po"  # the app's zh-CN catalog
CORE_FILES = [
    "explain.py", "diagnose.py", "presets.py", "progress.py", "metrics.py", "jobs.py", "training.py",
    "accumulator.py", "runs.py", "data.py", "data_sources.py", "config.py", "export.py",
    "executors/background.py", "executors/configure.py", "executors/ray_cluster.py",
    "executors/worker.py",
]
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "Msg": None}


def extracted() -> dict[str | tuple[str, str], str]:
    """Every msgid the core files mark, as pybabel extract finds it (Msg is a keyword), -> where."""
    found = {}
    for name in CORE_FILES:
        path = ROOT / "mnist_dash" / name
        for lineno, message, _comments, _context in extract_from_file("python", path, keywords=KEYWORDS):
            found[message if isinstance(message, str) else tuple(message)] = f"{name}:{lineno}"
    return found


def catalog() -> dict[str | tuple[str, str], str | tuple[str, ...]]:
    with CATALOG.open("rb") as po:
        catalog = read_po(po, locale="zh_CN")
    return {m.id if isinstance(m.id, str) else tuple(m.id): m.string for m in catalog if m.id}


def test_every_core_message_has_a_chinese_translation_with_the_same_placeholders():
    translations = catalog()
    messages = extracted()
    assert len(messages) > 150  # the extraction really read the files
    for msgid, where in messages.items():
        assert msgid in translations, f"{where}: {msgid!r} is not in {CATALOG.name}"
        chinese = translations[msgid] if isinstance(msgid, str) else translations[msgid][0]
        assert chinese.strip(), f"{where}: {msgid!r} has an empty translation"
        if isinstance(msgid, str):
            assert i18n.placeholders(chinese) == i18n.placeholders(msgid), f"{where}: {msgid!r}"
        else:  # Chinese has one form for every count: the plural's, which may name the count
            singular, plural = msgid
            assert i18n.placeholders(chinese) == i18n.placeholders(plural), f"{where}: {plural!r}"
            assert i18n.placeholders(singular) <= i18n.placeholders(chinese), f"{where}: {singular!r}"


def test_no_core_message_is_built_from_an_f_string_inside_a_marker():
    """pybabel skips f-strings: a message written as one would silently stay English."""
    import ast

    for name in CORE_FILES:
        tree = ast.parse((ROOT / "mnist_dash" / name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in KEYWORDS:
                assert not any(isinstance(arg, ast.JoinedStr) for arg in node.args[:2]), (
                    f"{name}:{node.lineno}: an f-string as a message")


def test_a_refusal_from_the_job_manager_is_drawn_in_chinese(zh_cn, tmp_path):
    manager = JobManager(RunStore(tmp_path / "runs"), max_queue=0)
    try:
        with pytest.raises(JobRefused) as refused:
            manager.submit(TrainConfig(epochs=1))
    finally:
        manager.shutdown()
    message = i18n.message_of(refused.value)
    assert message.startswith("The server is busy: 0 jobs")  # the English travels in the object
    assert _(message).startswith("服务器正忙：已经有 0 个任务在排队")


def test_a_config_error_is_drawn_in_chinese_and_stays_english_as_text(zh_cn):
    with pytest.raises(ValueError) as error:
        TrainConfig(epochs=0)
    assert str(error.value) == "epochs must be from 1 to 100; got 0"
    assert _(i18n.message_of(error.value)) == "epochs 必须在 1 到 100 之间；得到的是 0"


def test_a_message_inside_a_message_is_translated_too_and_survives_pickling(zh_cn):
    inner = Msg("{path}: does not exist; expected a .npz file or a folder of IDX files", path="/x.npz")
    outer = pickle.loads(pickle.dumps(Msg("No data on {node}: {error}", node="n1", error=inner)))
    assert outer == "No data on n1: /x.npz: does not exist; expected a .npz file or a folder of IDX files"
    assert _(outer) == "n1 上没有数据：/x.npz：不存在；应为 .npz 文件或包含 IDX 文件的文件夹"
    with pytest.raises(data.DataError) as error:
        data.load_path("/no/such/mnist.npz")
    assert _(i18n.message_of(error.value)).endswith("不存在；应为 .npz 文件或包含 IDX 文件的文件夹")


def test_progress_queue_and_state_words_in_chinese(zh_cn):
    snapshot = ProgressSnapshot(epoch=1, num_epochs=5, batch=17, steps_per_epoch=79, step=96,
                                elapsed_seconds=3.14, eta_seconds=75.0, samples_per_second=20_000.4)
    assert progress_text(snapshot) == (
        "轮次 (epoch) 2/5 · 批量 17/79 · 已用 3.1 s · 预计剩余 1:15 · 20,000 张图片/s")
    assert queue_text(3, 14.6) == "前面还有 2 个任务，大约要等 15 s"
    assert _(STATE_WORDS[JobState.COMPLETED]) == "已完成"


def test_explanations_and_findings_are_made_in_chinese(zh_cn):
    items = explain.for_training(TrainConfig(early_stopping_patience=3), 60000)
    assert items[0].title == "前向传播：这个网络每一层的形状"
    assert r"\text{停止}" in items[-1].formulas[0] and "**3**" in items[-1].text
    history = [EpochRecord(epoch=1, step=79, seconds=1.3, loss=0.62, accuracy=0.82)]
    losses = [2.3 - 0.02 * i for i in range(79)]
    found = diagnose.diagnose(TrainConfig(epochs=1, train_size=10_000, validation_split=0.0),
                              history, losses)
    assert found[0].title == "训练太少"
    assert "79 次更新（1 个轮次，每轮 79 个批量）" in found[0].explanation


def report_record() -> RunRecord:
    config = TrainConfig(hidden_units=(16,), epochs=2, validation_split=0.0)
    history = [EpochRecord(epoch=e, step=10 * e, seconds=1.0, loss=1.0 / e, accuracy=0.5 + 0.1 * e)
               for e in (1, 2)]
    return RunRecord(run_id="20260101-120000-abcdef", config=config, state=JobState.COMPLETED,
                     history=history, metrics={"test_accuracy": 0.9, "test_loss": 0.3,
                                               "epochs_completed": 2, "train_seconds": 2.5})


def test_the_html_report_in_chinese_declares_its_language_and_a_cjk_font_stack(zh_cn):
    report = export.html_report(report_record(), data.SPECS["mnist"].class_names, lang="zh-CN")
    assert '<html lang="zh-CN">' in report
    assert ('"Noto Sans CJK SC", "Noto Sans CJK TC", "PingFang SC", "Microsoft YaHei", '
            '"WenQuanYi Micro Hei", sans-serif') in report
    assert "<h2>设置</h2>" in report and "测试准确率 <b>90.00%</b>" in report
    assert "状态：已完成" in report


def test_the_html_report_stays_english_by_default():
    report = export.html_report(report_record(), data.SPECS["mnist"].class_names)
    assert '<html lang="en">' in report and "<h2>Settings</h2>" in report
    assert "test accuracy <b>90.00%</b>" in report
