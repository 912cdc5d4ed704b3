"""Mutation check: every reliability or security protection has a test that fails without it.

Each entry of MUTATIONS switches one protection off by replacing an exact snippet of source
(or of .streamlit/config.toml), runs the few tests that should notice, and puts the file back.
A protection whose tests still pass is MISSED: a test is missing. Before any mutation, the
same tests run once on the unchanged code, so a test that fails anyway cannot pass for "caught".

The mutations are made in a scratch copy of the working tree (the files git tracks or would
add), never in the tree itself: a crash, Ctrl-C or a colleague editing the same files cannot
leave mutated code behind. Within the copy, each file is put back after its tests, in a
`finally`, so every mutation starts from the unchanged code.

Run it from anywhere, with the project's virtual environment (about five minutes on 2 cores):

    MNIST_DASH_DATA=/path/to/mnist.npz .venv/bin/python scripts/check_protections.py
    .venv/bin/python scripts/check_protections.py --list
    MNIST_DASH_DATA=/path/to/mnist.npz .venv/bin/python scripts/check_protections.py \
        --only run-id-regex atomic-save

The page tests need the real MNIST file (MNIST_DASH_DATA); without it they fail on the unchanged
code, and the check stops there. The exit status is 1 when a protection is missed, a snippet is
not found exactly once, or the tests fail on the unchanged code.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Mutation:
    name: str  # short id, for --only
    protection: str  # what the code protects, for people
    path: str  # the file to mutate, relative to the repository root
    old: str  # exact text that must occur once in the file
    new: str  # the same place with the protection switched off
    tests: tuple[str, ...]  # pytest node ids that must fail on the mutated file


DATA, RUNS, CONFIG = "mnist_dash/data.py", "mnist_dash/runs.py", "mnist_dash/config.py"
JOBS, TRAINING, MODEL = "mnist_dash/jobs.py", "mnist_dash/training.py", "mnist_dash/model.py"
SOURCES, STATE = "mnist_dash/data_sources.py", "mnist_dash/ui/state.py"
ACCUMULATOR, PATCHES = "mnist_dash/accumulator.py", "mnist_dash/patches.py"
WORKER, THREADS = "mnist_dash/executors/worker.py", "mnist_dash/executors/threads.py"
STREAMLIT_CONFIG = ".streamlit/config.toml"
BROKEN_NPZ = "tests/test_data.py::test_broken_npz_file_names_file_and_problem"
BROKEN_IDX = "tests/test_data.py::test_broken_idx_file_names_file_and_problem"
BAD_UPLOADS = "tests/test_data_sources.py::test_bad_uploads_are_refused_with_a_message_and_change_nothing"
CONFIG_RANGES = "tests/test_config.py::test_out_of_range_values_name_the_field"
SECURITY_CONFIG = "tests/test_security_config.py::test_streamlit_server_settings_are_the_safe_ones"
TF_GLOBALS = "tests/test_memory.py::test_a_finished_model_leaves_nothing_behind_in_tensorflow"

MUTATIONS = [
    # Data loading: nothing unpickled, nothing huge allocated, nothing malformed accepted.
    Mutation("npz-object-header", "npz arrays of Python objects refused from the header",
             DATA, "if dtype.hasobject:", "if False:",
             (f"{BROKEN_NPZ}[pickled]", BAD_UPLOADS)),
    Mutation("npz-allow-pickle", "npz arrays read with allow_pickle=False",
             DATA, "read_array(stream, allow_pickle=False)", "read_array(stream, allow_pickle=True)",
             ("tests/test_data.py::test_pickles_are_never_run_even_past_the_header_check",)),
    Mutation("npz-size-cap", "npz arrays over the size cap refused from their headers",
             DATA, "if total > MAX_ARRAY_BYTES:", "if False:",
             ("tests/test_data.py::test_npz_over_size_budget",)),
    Mutation("idx-size-cap", "IDX files declaring too much data refused before reading",
             DATA, "if size > MAX_ARRAY_BYTES:", "if False:", (f"{BROKEN_IDX}[huge]",)),
    Mutation("idx-length", "IDX files shorter or longer than their header refused",
             DATA, "if len(body) != size:", "if False:",
             (f"{BROKEN_IDX}[truncated]", f"{BROKEN_IDX}[too long]")),
    Mutation("image-dtype", "images must be uint8",
             DATA, "if is_image and array.dtype != np.uint8:", "if False:",
             (f"{BROKEN_NPZ}[wrong dtype]",)),
    Mutation("label-dtype", "labels must be integers",
             DATA, 'if not is_image and array.dtype.kind not in "iu":', "if False:",
             (f"{BROKEN_NPZ}[float labels]",)),
    Mutation("image-shape", "images must be (n, 28, 28) with n >= 1",
             DATA, "if is_image and (array.ndim != 3 or array.shape[1:] != IMAGE_SHAPE "
                   "or len(array) == 0):", "if False:",
             (f"{BROKEN_NPZ}[wrong shape]", f"{BROKEN_NPZ}[flat images]",
              f"{BROKEN_NPZ}[no images]")),
    Mutation("label-shape", "labels must be one-dimensional",
             DATA, "if not is_image and array.ndim != 1:", "if False:",
             (f"{BROKEN_NPZ}[2-D labels]",)),
    Mutation("label-range", "labels must lie in 0..9",
             DATA, "if not is_image and len(array) and (array.min() < 0 or "
                   "array.max() >= NUM_LABELS):", "if False:",
             (f"{BROKEN_NPZ}[label 10]", f"{BROKEN_NPZ}[label -1]")),
    Mutation("label-count", "as many labels as images",
             DATA, "if num_images != num_labels:", "if False:",
             (f"{BROKEN_NPZ}[mismatched]",
              "tests/test_data.py::test_idx_dir_with_wrong_label_count")),
    Mutation("upload-byte-limit", "uploads over max_bytes refused before parsing",
             DATA, "if len(data) > max_bytes:", "if False:",
             ("tests/test_data.py::test_upload_size_checked_first",)),
    Mutation("upload-limit-passed", "the app passes its upload limit to the loader",
             SOURCES, ", max_bytes=self.max_upload_bytes)", ")", (BAD_UPLOADS,)),
    Mutation("data-path-checked-first", "a bad data path never becomes the server's dataset",
             SOURCES, "        dataset = data.get_dataset(name, path)  # validates before anyone "
                      "else sees it\n        with self._lock:\n            self._paths[name] = path\n"
                      "        return dataset",
             "        with self._lock:\n            self._paths[name] = path\n"
             "        return data.get_dataset(name, path)",
             ("tests/test_data_sources.py::test_a_bad_data_path_is_refused_and_changes_nothing",)),
    Mutation("learner-id-pattern", "a learner id from the URL is used only if well-formed",
             STATE, "from_url if _OWNER_PATTERN.fullmatch(from_url) else", "from_url or",
             ("tests/test_faults.py::test_a_malformed_learner_id_in_the_url_gets_a_fresh_one",)),
    # The run store: ids cannot name paths, writes are atomic, damage is contained.
    Mutation("run-id-regex", "run ids must match the generated pattern (no path traversal)",
             RUNS, "if not isinstance(run_id, str) or not RUN_ID_PATTERN.fullmatch(run_id):",
             "if not isinstance(run_id, str):",
             ("tests/test_runs.py::test_hostile_run_ids_are_rejected",)),
    Mutation("atomic-save", "a run is written to a temporary folder, then renamed into place",
             RUNS, "temp = Path(tempfile.mkdtemp(prefix=_TEMP_PREFIX + record.run_id, "
                   "dir=self.root))",
             "temp = target\n        temp.mkdir()",
             ("tests/test_runs.py::test_a_run_being_written_is_invisible_to_readers",)),
    Mutation("damaged-runs-skipped", "a damaged run is skipped in the listing, with a note",
             RUNS, "                records.append(self.load(path.name, with_predictions=False))\n"
                   "            except DamagedRun as error:",
             "                records.append(self.load(path.name, with_predictions=False))\n"
             "            except ArithmeticError as error:",
             ("tests/test_runs.py::test_listing_is_newest_first_and_skips_damaged_runs",)),
    Mutation("damaged-run-errors", "unreadable or invalid run files count as damaged",
             RUNS, "except (OSError, ValueError, KeyError, TypeError) as error:",
             "except OSError as error:",
             ("tests/test_runs.py::test_listing_is_newest_first_and_skips_damaged_runs",
              "tests/test_runs.py::test_edited_config_counts_as_damaged")),
    Mutation("temp-dirs-not-listed", "half-written temporary folders are not listed as runs",
             RUNS, "            if not RUN_ID_PATTERN.fullmatch(path.name):\n                continue",
             "            if False:\n                continue",
             ("tests/test_runs.py::test_half_written_temp_directories_are_ignored_and_cleaned",)),
    Mutation("stale-temp-cleanup", "temporary folders of a killed process are deleted",
             RUNS, "if time.time() - path.stat().st_mtime > older_than_seconds:", "if False:",
             ("tests/test_runs.py::test_half_written_temp_directories_are_ignored_and_cleaned",)),
    Mutation("predictions-no-pickle", "saved predictions read with allow_pickle=False",
             RUNS, "np.load(directory / PREDICTIONS_FILE, allow_pickle=False)",
             "np.load(directory / PREDICTIONS_FILE, allow_pickle=True)",
             ("tests/test_runs.py::test_pickled_predictions_are_refused_unrun",)),
    Mutation("model-safe-mode", "saved models loaded with safe_mode=True (no Python lambdas)",
             RUNS, "safe_mode=True", "safe_mode=False",
             ("tests/test_runs.py::test_a_model_with_python_code_is_refused",)),
    # The training configuration.
    Mutation("config-ranges", "numbers must lie in their field's range",
             CONFIG, "if not (math.isfinite(value) and low <= value <= high):",
             "if not math.isfinite(value):", (CONFIG_RANGES,)),
    Mutation("config-types", "numbers must be numbers (no strings, no booleans)",
             CONFIG, "if isinstance(value, bool) or not ok_type:", "if False:", (CONFIG_RANGES,)),
    Mutation("config-choices", "names must be one of the known choices",
             CONFIG, "if value not in choices:", "if False:", (CONFIG_RANGES,)),
    Mutation("config-layer-count", "1 to MAX_HIDDEN_LAYERS hidden layers",
             CONFIG, "if not 1 <= len(layers) <= MAX_HIDDEN_LAYERS:", "if False:",
             (CONFIG_RANGES,)),
    Mutation("config-parameter-cap", "networks over MAX_PARAMETERS refused",
             CONFIG, "if config.parameter_count > MAX_PARAMETERS:", "if False:",
             ("tests/test_config.py::test_too_large_model_is_refused_with_the_limit",)),
    Mutation("config-unknown-fields", "unknown fields in a stored config refused",
             CONFIG, "if unknown:", "if False:",
             ("tests/test_config.py::test_dict_round_trip_and_unknown_fields",)),
    # Training.
    Mutation("divergence-nan", "a NaN or infinite loss ends training as diverged",
             ACCUMULATOR, "if not math.isfinite(loss):", "if False:",
             ("tests/test_training.py::test_a_nan_or_exploding_loss_counts_as_divergence",)),
    Mutation("divergence-explode", "a loss 100x its first value ends training as diverged",
             ACCUMULATOR, "elif loss > max(10.0, EXPLODE_FACTOR * self.first_loss):", "elif False:",
             ("tests/test_training.py::test_a_nan_or_exploding_loss_counts_as_divergence",)),
    Mutation("xla-budget", "XLA used only while the per-process budget lasts",
             TRAINING, " and model_lib.XLA_BUDGET.claim()", "",
             ("tests/test_memory.py::test_runs_past_the_xla_budget_train_without_xla",)),
    Mutation("optimizer-built-eagerly", "optimizer slots built outside the traced step",
             MODEL, "model.optimizer.build(model.trainable_variables)", "pass",
             (TF_GLOBALS, "tests/test_memory.py::"
              "test_eagerly_built_slots_leave_nothing_even_with_keras_gradient_sum")),
    Mutation("no-cross-replica-gradient", "no custom cross-replica gradient registered per model",
             PATCHES, "optimizer._all_reduce_sum_gradients = list", "pass", (TF_GLOBALS,)),
    Mutation("patch-guard", "a patched library name that is gone fails loudly at import",
             PATCHES, "if not hasattr(owner, name):", "if False:",
             ("tests/test_patches.py::test_a_missing_name_fails_at_import_naming_the_keras_version",)),
    # Running jobs.
    Mutation("failure-isolation", "a failing job is reported as failed, never raised",
             WORKER, "except Exception as error:  # any job's failure is reported, never raised "
                     "into the executor",
             "except ArithmeticError as error:",
             ("tests/test_jobs.py::test_exception_marks_failed_and_manager_keeps_working",)),
    Mutation("worker-capacity", "the thread executor never runs more jobs than its workers",
             THREADS, "if self._busy >= self.max_workers:", "if False:",
             ("tests/test_executors.py::test_capacity_bounds_the_jobs_running_at_once",)),
    Mutation("worker-outlives-callback", "a worker thread survives a failing on_end",
             THREADS, "except Exception:  # the worker must outlive a broken callback",
             "except ArithmeticError:",
             ("tests/test_executors.py::test_a_failing_job_and_a_broken_callback_leave_the_worker_alive",)),
    # The job manager.
    Mutation("job-time-limit", "a job stops at the wall-time limit",
             JOBS, "job.started + self.max_seconds", "job.started + 10**9",
             ("tests/test_jobs.py::test_time_limit_and_unwatched_job_stop_themselves",)),
    Mutation("unwatched-job-stop", "a job nobody looks at stops",
             JOBS, "if self.unwatched_seconds:", "if False:",
             ("tests/test_jobs.py::test_time_limit_and_unwatched_job_stop_themselves",)),
    Mutation("one-job-per-owner", "one active job per learner",
             JOBS, "if owner is not None and self._has_active_job(owner):", "if False:",
             ("tests/test_jobs.py::test_one_active_job_per_owner_and_full_queue",)),
    Mutation("active-job-owner", "another learner's job does not count as yours",
             JOBS, "job.owner == owner and job.state.active", "job.state.active",
             ("tests/test_jobs.py::test_one_active_job_per_owner_and_full_queue",)),
    Mutation("queue-bound", "a full queue refuses new jobs (server busy)",
             JOBS, "if len(self._queue) >= self.max_queue:", "if False:",
             ("tests/test_jobs.py::test_one_active_job_per_owner_and_full_queue",)),
    Mutation("concurrency-bound", "jobs start only while the executor has capacity",
             JOBS, "self.executor.capacity() > 0", "self.executor.capacity() > -1",
             ("tests/test_jobs.py::test_queue_positions_and_concurrency_bound",)),
    Mutation("start-failure-isolation", "a job its executor cannot start fails alone",
             JOBS, "except Exception as error:  # e.g. a cluster gone: this job fails, the manager goes on",
             "except ArithmeticError as error:",
             ("tests/test_jobs.py::test_an_executor_that_cannot_start_a_job_fails_only_that_job",)),
    Mutation("save-failure-in-memory", "a run that cannot be saved stays in memory",
             JOBS, "except Exception as error:  # full disk, no permission: keep it in memory",
             "except ArithmeticError as error:",
             ("tests/test_jobs.py::test_save_failure_keeps_the_run_in_memory",)),
    Mutation("ended-jobs-evicted", "ended jobs are forgotten after keep_seconds",
             JOBS, "if job.ended is not None and now - job.ended > self.keep_seconds:", "if False:",
             ("tests/test_jobs.py::test_ended_jobs_are_forgotten_but_their_runs_stay",)),
    Mutation("owner-isolation", "a learner sees only their own jobs",
             JOBS, "(j for j in self._jobs.values() if j.owner == owner)",
             "(j for j in self._jobs.values())",
             ("tests/test_jobs.py::test_jobs_of_hands_out_snapshots_of_the_owners_jobs_only",
              "tests/test_faults.py::test_learners_see_only_their_own_job_and_shared_runs_are_labelled")),
    Mutation("owner-checks", "a learner cannot stop or keep alive another learner's job",
             JOBS, "if job is not None and job.owner != owner:", "if False:",
             ("tests/test_jobs.py::test_a_learner_cannot_stop_or_watch_another_learners_job",)),
    # Pages.
    Mutation("prefill-validated", "tampered suggested settings are ignored with a message",
             "mnist_dash/ui/teach.py", "except (TypeError, ValueError) as error:",
             "except ArithmeticError as error:",
             ("tests/test_faults.py::test_tampered_prefill_is_ignored_with_a_message",)),
    Mutation("our-class-limit", "the class's drawings are capped per learner",
             "mnist_dash/classroom/drawings.py",
             "if sum(d.owner == owner for d in self._drawings) >= self.max_per_learner:", "if False:",
             ("tests/test_try_inside_pages.py::test_our_class_keeps_at_most_its_limit",
              "tests/test_classroom_drawings.py::test_the_set_is_capped_per_learner_and_in_total")),
    Mutation("own-drawings-only", "a learner removes only their own drawings",
             "mnist_dash/classroom/drawings.py", "if drawing.owner != owner:", "if False:",
             ("tests/test_classroom_drawings.py::test_a_learner_removes_only_their_own_drawings",)),
    # The Streamlit server's settings.
    Mutation("xsrf-protection", "enableXsrfProtection = true",
             STREAMLIT_CONFIG, "enableXsrfProtection = true", "enableXsrfProtection = false",
             (SECURITY_CONFIG,)),
    Mutation("cors", "enableCORS = true",
             STREAMLIT_CONFIG, "enableCORS = true", "enableCORS = false", (SECURITY_CONFIG,)),
    Mutation("upload-size-setting", "maxUploadSize = 200 (MB)",
             STREAMLIT_CONFIG, "maxUploadSize = 200", "maxUploadSize = 2000", (SECURITY_CONFIG,)),
    Mutation("error-details", 'showErrorDetails = "type" (no tracebacks for learners)',
             STREAMLIT_CONFIG, 'showErrorDetails = "type"', 'showErrorDetails = "full"',
             (SECURITY_CONFIG,)),
    Mutation("usage-stats", "gatherUsageStats = false",
             STREAMLIT_CONFIG, "gatherUsageStats = false", "gatherUsageStats = true",
             (SECURITY_CONFIG,)),
    # Classroom: the server enforces rules and roles, whatever a page sends.
    Mutation("challenge-admission", "JobManager.submit asks the classroom before queueing a job",
             "mnist_dash/jobs.py", "self.admission(config, owner)  # raises", "None  # raises",
             ("tests/test_classroom_room.py::"
              "test_the_server_refuses_a_forbidden_config_submitted_directly",)),
    Mutation("instructor-stop-any", "only the instructor stops any learner's job",
             "mnist_dash/jobs.py", "require_instructor(instructor)\n        with self._lock:\n"
             "            job = self._jobs.get(job_id)",
             "with self._lock:\n            job = self._jobs.get(job_id)",
             ("tests/test_jobs.py::test_only_the_instructor_lists_every_job_and_stops_any",)),
    Mutation("data-source-permission", "only the instructor or a local visitor changes the data",
             "mnist_dash/data_sources.py", "    _require(permission)\n        dataset",
             "    dataset",
             ("tests/test_data_sources.py::"
              "test_a_learner_without_permission_cannot_change_the_data_source",)),
    Mutation("challenge-end-instructor", "only the instructor ends a challenge",
             "mnist_dash/classroom/challenges.py",
             "require_instructor(instructor)\n        with self._lock:\n            challenge = self._get(",
             "with self._lock:\n            challenge = self._get(",
             ("tests/test_classroom_challenges.py::"
              "test_only_the_instructor_creates_edits_or_ends_a_challenge",)),
]


@dataclass
class Result:
    mutation: Mutation
    outcome: str  # caught, MISSED, or "error: ..."
    seconds: float


def copy_working_tree(destination: Path) -> None:
    """Copy the files git tracks or would add (not .venv, caches or runs) as they are now."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the tree is listed too
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)


def run_tests(tests: list[str], cwd: Path) -> tuple[int, str]:
    """Run pytest on the node ids in a fresh process; return its exit code and output."""
    # No bytecode cache: a mutated module and its restored original can share a size and a
    # modification second, and Python would then trust the stale cache.
    # CI=true: a test that needs the real MNIST fails without it instead of skipping, so a
    # missing file shows up as an error on the unchanged code, not as a missed protection.
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "CI": "true"}
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    return done.returncode, done.stdout + done.stderr


class Tree:
    """A directory whose files are mutated one at a time, each original kept to put back."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._originals: dict[Path, bytes] = {}

    def mutate(self, mutation: Mutation) -> None:
        path = self.root / mutation.path
        original = path.read_bytes()
        text = original.decode("utf-8")
        count = text.count(mutation.old)
        if count != 1:
            raise LookupError(f"snippet not found exactly once ({count} matches)")
        mutated = text.replace(mutation.old, mutation.new)
        if path.suffix == ".py":
            compile(mutated, str(path), "exec")  # a SyntaxError must not pass for "caught"
        self._originals.setdefault(path, original)
        path.write_bytes(mutated.encode("utf-8"))

    def restore(self) -> None:
        for path, original in self._originals.items():
            path.write_bytes(original)
        self._originals.clear()


def check(mutation: Mutation, tree: Tree) -> Result:
    started = time.monotonic()
    try:
        tree.mutate(mutation)
        code, _ = run_tests(list(mutation.tests), tree.root)
    except (LookupError, SyntaxError) as error:
        return Result(mutation, f"error: {error}", time.monotonic() - started)
    finally:
        tree.restore()
    return Result(mutation, _outcome(code), time.monotonic() - started)


def _outcome(code: int) -> str:
    if code == 1:
        return "caught"  # a test failed
    if code in (0, 5):
        return "MISSED"  # all passed, or none was collected
    # 2: interrupted, e.g. the mutated module does not import; 3, 4: pytest's own errors.
    return f"error: pytest exit code {code}"


def baseline(mutations: list[Mutation], cwd: Path) -> bool:
    """The selected tests must pass on the unchanged code, or 'caught' would mean nothing."""
    tests = list(dict.fromkeys(test for m in mutations for test in m.tests))
    print(f"Baseline: {len(tests)} test selections on the unchanged code...", flush=True)
    code, output = run_tests(tests, cwd)
    if code != 0:
        print(output[-4000:])
        print(f"pytest exit code {code} on the unchanged code: fix the tests first.")
    return code == 0


def table(results: list[Result]) -> str:
    lines = ["| protection | file | tests | result | seconds |", "|---|---|---|---|---|"]
    for result in results:
        m = result.mutation
        tests = "<br>".join(test.removeprefix("tests/") for test in m.tests)
        lines.append(f"| `{m.name}`: {m.protection} | {m.path} | {tests} | {result.outcome} "
                     f"| {result.seconds:.1f} |")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="check only these mutations")
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    return parser.parse_args(argv)


def select(names: list[str] | None) -> list[Mutation]:
    if not names:
        return MUTATIONS
    unknown = sorted(set(names) - {m.name for m in MUTATIONS})
    if unknown:
        raise SystemExit(f"unknown mutation(s): {', '.join(unknown)}; see --list")
    return [m for m in MUTATIONS if m.name in names]


def _stop_on_sigterm(signum, frame) -> None:
    raise KeyboardInterrupt  # unwinds through the finally blocks that restore and clean up


def check_all(mutations: list[Mutation], tree: Tree) -> list[Result]:
    results = []
    try:
        for index, mutation in enumerate(mutations, 1):
            result = check(mutation, tree)
            print(f"[{index}/{len(mutations)}] {mutation.name}: {result.outcome} "
                  f"({result.seconds:.1f} s)", flush=True)
            results.append(result)
    finally:
        tree.restore()
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        for m in MUTATIONS:
            print(f"{m.name:28} {m.path:28} {m.protection}")
        return 0
    mutations = select(args.only)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="check-protections-") as scratch:
        copy = Path(scratch)
        copy_working_tree(copy)
        if not baseline(mutations, copy):
            return 1
        results = check_all(mutations, Tree(copy))
    print()
    print(table(results))
    failed = [r for r in results if r.outcome != "caught"]
    print(f"\n{len(results) - len(failed)}/{len(results)} protections caught by a test, "
          f"in {time.monotonic() - started:.0f} s.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
