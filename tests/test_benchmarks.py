"""The benchmark suite: its helpers, and a quick real run that writes results.json and RESULTS.md."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import report
from benchmarks.common import Row, interleaved, percentile, within

ROOT = Path(__file__).resolve().parent.parent


def test_interleaved_alternates_the_order_of_arms():
    calls = []
    results = interleaved(3, {"a": lambda r: calls.append(("a", r)) or r,
                              "b": lambda r: calls.append(("b", r)) or 10 * r})
    assert calls == [("a", 0), ("b", 0), ("b", 1), ("a", 1), ("a", 2), ("b", 2)]
    assert results == {"a": [0, 1, 2], "b": [0, 10, 20]}


def test_percentile_and_within():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile([], 0.5) is None
    assert within(1.6, 1.5) is True
    assert within(0.06, high=0.05) is False
    assert within(None, 1.0) is None


def _bench(metric: str, value: float) -> dict:
    return {"status": "ok", "reason": "", "rows": [Row(metric, value, "s", "< 1 s", value < 1).as_dict()],
            "data": {}, "seconds": 1.0, "mode": "quick", "repeats": 1, "date": "2026-01-01",
            "load_before": [0, 0, 0], "load_after": [0, 0, 0], "note": "under load"}


def test_results_merge_across_runs_and_render_markdown(tmp_path):
    machine = {"cpu_model": "Test CPU", "cores": 2, "python": "3.11", "versions": {"keras": "3"},
               "openblas_coretype": None, "date": "2026-01-01", "load_average": [0, 0, 0]}
    order = ["first", "second"]
    path = tmp_path / "results.json"
    report.write(path, {"machine": machine, "benchmarks": {"second": _bench("b", 2.0)}}, order)
    merged = report.write(path, {"machine": machine, "benchmarks": {"first": _bench("a", 0.5)}}, order)
    assert list(merged["benchmarks"]) == ["first", "second"]
    text = (tmp_path / "RESULTS.md").read_text()
    assert "| first | a | 0.500 s | < 1 s | met |" in text
    assert "| second | b | 2.00 s | < 1 s | NOT met |" in text
    assert "OPENBLAS_CORETYPE: not set" in text and "Test CPU, 2 cores" in text


def test_a_rewrite_keeps_the_notes_and_a_failed_benchmark_keeps_its_last_measurement(tmp_path):
    machine = {"cpu_model": "Test CPU", "cores": 2, "python": "3.11", "versions": {},
               "openblas_coretype": None, "date": "2026-01-01", "load_average": [0, 0, 0]}
    path = tmp_path / "results.json"
    report.write(path, {"machine": machine, "benchmarks": {"first": _bench("a", 0.5)}}, ["first"])
    notes = f"{report.NOTES_HEADING}\n\nMeasured by hand: 3 s.\n"
    (tmp_path / "RESULTS.md").write_text((tmp_path / "RESULTS.md").read_text() + "\n" + notes)
    failed = {**_bench("a", 9.0), "status": "error", "reason": "TimeoutError", "rows": []}
    report.write(path, {"machine": machine, "benchmarks": {"first": failed}}, ["first"])
    text = (tmp_path / "RESULTS.md").read_text()
    assert text.endswith(notes) and text.count(report.NOTES_HEADING) == 1
    assert "| first | a | 0.500 s | < 1 s | met |" in text and "TimeoutError" not in text


@pytest.mark.slow
@pytest.mark.real_data
def test_quick_run_writes_results(tmp_path, real_mnist):
    out = tmp_path / "results.json"
    env = {**os.environ, "MNIST_DASH_DATA": real_mnist.source}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--only", "engine_vs_keras", "stop_latency",
         "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads(out.read_text())
    assert {"cpu_model", "cores", "versions", "openblas_coretype", "date"} <= set(results["machine"])
    assert list(results["benchmarks"]) == ["engine_vs_keras", "stop_latency"]
    row_keys = {"metric", "value", "unit", "target", "met", "detail"}
    for bench in results["benchmarks"].values():
        assert bench["status"] == "ok" and bench["mode"] == "quick"
        assert bench["rows"] and all(row_keys <= set(row) for row in bench["rows"])
    metrics = {row["metric"]: row["value"] for row in results["benchmarks"]["engine_vs_keras"]["rows"]}
    assert metrics["784-512-10 speed-up engine/tutorial"] > 0
    stop = results["benchmarks"]["stop_latency"]["rows"][0]
    assert stop["value"] > 0 and stop["target"] == "< 1 s"
    assert "engine_vs_keras" in (tmp_path / "RESULTS.md").read_text()


@pytest.mark.slow
@pytest.mark.real_data
def test_class_throughput_arm_times_every_learner_and_counts_its_cpu(tmp_path, real_mnist, monkeypatch):
    from benchmarks import class_throughput

    monkeypatch.setattr(class_throughput, "SUBMIT_WINDOW_SECONDS", 0.5)
    result = class_throughput.run_arm("threads-default", learners=2, images=500, epochs=1,
                                      port_file=tmp_path / "port")
    assert int((tmp_path / "port").read_text()) > 0
    assert result["failed"] == 0 and len(result["first_batch_waits"]) == 2
    assert all(0 < wait < result["minutes"] * 60 for wait in result["first_batch_waits"])
    assert result["cpu_seconds_per_job"] > 0.05  # the training itself, counted from /proc
    assert result["finished_wall"] > result["submit_started_wall"]


@pytest.mark.slow
@pytest.mark.real_data
def test_job_memory_records_the_app_rss_after_every_job(real_mnist, monkeypatch):
    from benchmarks import memory_bench

    monkeypatch.setattr(memory_bench, "TRAIN_IMAGES", 500)
    result = memory_bench.run_backend("threads", jobs=2)
    assert result["failed"] == 0 and len(result["app_rss_mib"]) == 2
    assert all(100 < rss < 10_000 for rss in result["app_rss_mib"])  # TensorFlow is loaded
    assert result["worker_rss_mib"] == [] and result["worker_processes"] == 0


def test_job_memory_growth_per_job_reads_the_second_half():
    from benchmarks.memory_bench import _growth_per_job

    assert _growth_per_job([100, 500, 600, 610, 620]) == pytest.approx(10.0)
    assert _growth_per_job([300]) == 0


def test_language_cost_compares_each_language_with_english():
    from benchmarks.language import _rows

    rows = _rows("Train rerun", {"en": [0.10, 0.30, 0.20], "zh-CN": [0.21, 0.19, 0.205],
                                 "zh-TW": [0.25, 0.25, 0.10]}, "AppTest")
    assert [(row.metric, row.met) for row in rows] == [
        ("Train rerun, English", None), ("Train rerun, zh-CN / English", True),
        ("Train rerun, zh-TW / English", False)]
    assert rows[1].value == pytest.approx(0.205 / 0.20) and rows[2].value == pytest.approx(1.25)
