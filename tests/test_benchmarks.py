"""The benchmark suite: its helpers, and a quick real run that writes results.json and RESULTS.md."""

import json
import os
import subprocess
import sys
import time
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


def test_browsing_learner_clicks_the_most_confused_cell_not_shown():
    from benchmarks.browse_bench import next_cell

    cells = {(0, 0): 90, (0, 1): 7, (1, 0): 3, (1, 1): 80, (2, 1): 7}
    assert next_cell(cells, shown=(0, 0)) == (2, 1)  # ties go to the later cell
    assert next_cell(cells, shown=(2, 1)) == (0, 1)
    with pytest.raises(RuntimeError, match="no mistakes"):
        next_cell({(0, 0): 5, (1, 1): 5, (0, 1): 0}, shown=(0, 0))


def _browsed(alone: list[float], browsed: list[float]) -> dict:
    clicks = [("confusion cell", 0.4), ("section", 0.6), ("confusion cell", 0.6)]
    return {"ready_seconds": 12.0, "idle_clicks": [("confusion cell", 0.3)], "where": "somewhere",
            "nobody browsing": [{"images_per_second": rate, "clicks": []} for rate in alone],
            "browsing Evaluate": [{"images_per_second": rate, "clicks": clicks} for rate in browsed]}


def test_browse_rows_judge_the_slowdown_on_ray_local_with_the_job_apart_only():
    from benchmarks.browse_bench import backend_rows

    threads = backend_rows("threads", _browsed([20_000, 18_000], [5_000, 9_000]), "split")
    ray_rows = backend_rows("ray-local", _browsed([10_000, 10_000], [9_500, 9_700]), "split")
    shared = backend_rows("ray-local", _browsed([10_000, 10_000], [9_500, 9_700]), "shared")
    assert threads[2].value == pytest.approx(100 * (0.75 + 0.5) / 2) and threads[2].met is None
    assert shared[2].met is None and shared[2].metric == "ray-local: slowdown while browsed"
    assert ray_rows[2].metric == "ray-local, split: slowdown while browsed"
    assert ray_rows[2].value == pytest.approx(4.0) and ray_rows[2].met is True
    assert ray_rows[0].value == 10_000 and ray_rows[1].value == 9_600
    assert ray_rows[3].value == pytest.approx(0.5) and "0.30 s with no job training" in ray_rows[3].detail


def test_ray_start_rows_judge_first_batch_and_stop():
    from benchmarks.ray_start import COLD_STEPS, result_rows

    result = {"init": 4.0, "warm": 7.5, "trainers": 1, "cold": dict.fromkeys(COLD_STEPS, 1.5),
              "jobs": [{"first_batch": 0.4, "stop": 0.8, "halt": 0.2, "state": "stopped"},
                       {"first_batch": 3.5, "stop": 1.2, "halt": 0.5, "state": "stopped"},
                       {"first_batch": 0.6, "stop": 0.7, "halt": 0.3, "state": "stopped"}]}
    rows = {row.metric: row for row in result_rows(result)}
    first, stop = rows["submit -> first batch, idle warm cluster"], rows["Stop -> 'stopped' on Ray"]
    assert (first.value, first.met) == (0.6, True) and (stop.value, stop.met) == (0.8, True)
    assert "halted after 0.30 s" in stop.detail
    assert "11.5 s from ray.init" in rows["then the app's background start until it accepts a job"].detail
    assert rows["a cold worker's first batch (no warm-up)"].value == pytest.approx(7.5)
    result["jobs"][0]["state"] = "completed"  # the job ended before Stop reached it
    assert {row.metric: row for row in result_rows(result)}["Stop -> 'stopped' on Ray"].met is False


@pytest.mark.slow
@pytest.mark.ray
@pytest.mark.real_data
def test_ray_start_times_the_start_a_first_batch_a_stop_and_a_cold_worker(tmp_path, real_mnist):
    out = tmp_path / "ray_start.json"
    env = {**os.environ, "MNIST_DASH_DATA": real_mnist.source, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
    done = subprocess.run([sys.executable, "-m", "benchmarks.ray_start", str(out), "--repeats", "1",
                           "--quick"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["init"] > 0 and result["warm"] > 0 and result["trainers"] >= 1
    (job,) = result["jobs"]
    assert job["state"] == "stopped" and job["first_batch"] > 0 and 0 < job["stop"] < 60
    assert 0 <= job["halt"] <= job["stop"]
    assert list(result["cold"]) == ["worker", "tensorflow", "keras", "data", "first_batch"]
    assert all(seconds >= 0 for seconds in result["cold"].values())
    assert result["cold"]["tensorflow"] > 0.5  # a fresh process really imported it


@pytest.mark.slow
@pytest.mark.e2e
@pytest.mark.real_data
def test_browse_while_training_measures_a_backend_in_a_real_browser(tmp_path, real_mnist):
    """The threads backend only: the Ray one is the same code on another server (its rows are
    judged above; Ray's own start, first batch and Stop by the ray_start run), and its cluster's
    start costs CI a minute."""
    pytest.importorskip("playwright.sync_api")
    from benchmarks.browse_bench import backend_rows

    out = tmp_path / "threads.json"
    env = {**os.environ, "MNIST_DASH_DATA": real_mnist.source}
    done = subprocess.run([sys.executable, "-m", "benchmarks.browse_bench", "threads", str(out), "--quick"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(out.read_text())
    rows = {row.metric: row for row in backend_rows("threads", result)}
    assert rows["threads: job alone"].value > 0
    assert rows["threads: job while another learner browses Evaluate"].value > 0
    assert 0 < rows["threads: confusion cell click -> drawn, while a job trains"].value < 60


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="a split placement needs 2 cores")
def test_split_placement_gives_the_chosen_server_processes_a_core_alone_and_then_frees_them():
    from benchmarks import cores

    every = os.sched_getaffinity(0)
    # A "server" with a child of its own (as Ray's workers are), and a "browser" started by us
    server = subprocess.Popen([sys.executable, "-c",
                               "import subprocess, time; subprocess.Popen(['sleep', '30']); time.sleep(30)"])
    browser = subprocess.Popen(["sleep", "30"])
    try:
        deadline = time.monotonic() + 10
        while not cores.descendants(server.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        (worker,) = cores.descendants(server.pid)
        first, rest = {min(every)}, every - {min(every)}
        with cores.split(server.pid) as placement:  # the whole server tree alone
            assert os.sched_getaffinity(server.pid) == first and os.sched_getaffinity(worker) == first
            assert os.sched_getaffinity(browser.pid) == rest and os.sched_getaffinity(0) == rest
            assert placement["alone"] == f"2 process(es) on core {min(every)}"
        assert os.sched_getaffinity(server.pid) == every
        with cores.split(server.pid, alone=lambda pid: pid == worker):  # only its worker (Ray's)
            assert os.sched_getaffinity(worker) == first
            assert os.sched_getaffinity(server.pid) == rest and os.sched_getaffinity(browser.pid) == rest
        assert os.sched_getaffinity(0) == every and os.sched_getaffinity(browser.pid) == every
    finally:
        for process in (server, browser):
            process.kill()
            process.wait()


def test_parallel_opens_are_judged_only_with_the_browsers_apart():
    from benchmarks.instructor_bench import _opens_row

    result = {"pages": 20, "p99_ms": 300.0, "quiet_p99_ms": 4.0, "max_ms": 900.0, "failures": 0,
              "all_loaded_seconds": 80.0}
    shared = _opens_row("shared", result, jobs=8, finished=0)
    apart = _opens_row("split", {**result, "p99_ms": 140.0,
                                 "placement": {"alone": "9 process(es) on core 0",
                                               "shared": "the rest on core(s) 1"}}, jobs=8, finished=0)
    assert shared.met is None and shared.target == "" and "not judged" in shared.detail
    assert apart.met is True and apart.target == "< 250 ms" and "core 0" in apart.detail


def test_class_throughput_rows_judge_the_median_and_the_worst_health():
    from benchmarks.class_throughput import _arm_rows

    def run(minutes: float, p99_ms: float) -> dict:
        return {"minutes": minutes, "first_batch_waits": [1.0, 2.0, 30.0], "cpu_seconds_per_job": minutes,
                "failed": 0, "health_ms": [5.0] * 98 + [p99_ms] * 2, "health_failures": 0}

    ray_rows = _arm_rows("ray-local", [run(2.0, 90), run(1.2, 300), run(1.4, 100)], 30, baseline=1.5)
    assert ray_rows[0].value == 1.4 and ray_rows[0].met is True
    assert "median of 3: 2.00, 1.20, 1.40" in ray_rows[0].detail
    assert "1.4 CPU-s per job" in ray_rows[0].detail  # from the run whose time is the median
    assert ray_rows[1].value == 300 and ray_rows[1].met is False
    assert _arm_rows("ray-local", [run(1.6, 90)], 30, baseline=1.5)[0].met is False
    assert _arm_rows("ray-2-nodes", [run(1.0, 90)], 30, baseline=1.5)[0].met is None
