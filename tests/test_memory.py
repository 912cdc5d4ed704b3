"""Memory of a long-lived server: many sequential jobs must not grow it without bound."""

import gc
import statistics
from pathlib import Path

import pytest
from tensorflow.python.eager import context
from tensorflow.python.framework import ops

from mnist_dash import model as model_lib
from mnist_dash import training
from mnist_dash.config import TrainConfig
from mnist_dash.executors.threads import ThreadExecutor
from mnist_dash.jobs import JobManager
from mnist_dash.progress import Progress
from mnist_dash.runs import RunStore
from mnist_dash.vocabulary import JobState

SMALL = TrainConfig(hidden_units=(32,), epochs=1, batch_size=64, validation_split=0.0)


def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    pytest.skip("no /proc/self/status on this system")


def tensorflow_globals() -> tuple[int, int]:
    """Functions in TensorFlow's process-wide library, and custom gradients registered."""
    functions = len(context.context().list_function_names())
    # Private, but it is where a leaked traced graph stays reachable from.
    gradients = sum(name.startswith("CustomGradient") for name in ops._gradient_registry.list())
    return functions, gradients


@pytest.mark.parametrize("optimizer", ["adam", "momentum"])
def test_a_finished_model_leaves_nothing_behind_in_tensorflow(tiny_dataset, optimizer):
    # Optimizer slots created inside the first traced step left tf.cond functions in the
    # library; Keras's cross-replica gradient sum registered a gradient holding the graph.
    config = SMALL.replace(optimizer=optimizer, learning_rate=0.01)
    counts = []
    for seed in range(3):
        outcome = training.train(config.replace(seed=seed), tiny_dataset, Progress())
        assert outcome.state == JobState.COMPLETED
        del outcome
        gc.collect()  # a Keras model is a cycle of references: the collector frees it
        counts.append(tensorflow_globals())
    assert counts[1] == counts[2], f"TensorFlow kept something of each model: {counts}"


def test_eagerly_built_slots_leave_nothing_even_with_keras_gradient_sum(tiny_dataset, monkeypatch):
    """Each fix on its own: with Keras's cross-replica sum back (its gradient holds the traced
    step), optimizer slots built lazily inside that step would keep its functions alive."""
    make_optimizer = model_lib.make_optimizer

    def with_keras_gradient_sum(config, steps_per_epoch=1):
        optimizer = make_optimizer(config, steps_per_epoch)
        vars(optimizer).pop("_all_reduce_sum_gradients", None)  # Keras's own method again
        return optimizer

    monkeypatch.setattr(model_lib, "make_optimizer", with_keras_gradient_sum)
    config = SMALL.replace(optimizer="momentum", learning_rate=0.01)
    functions = []
    for seed in range(3):
        outcome = training.train(config.replace(seed=seed), tiny_dataset, Progress())
        del outcome
        gc.collect()
        functions.append(tensorflow_globals()[0])
    assert functions[1] == functions[2], f"TensorFlow kept functions of each model: {functions}"


@pytest.mark.slow
def test_fifty_sequential_jobs_do_not_grow_memory_without_bound(tmp_path, tiny_dataset):
    manager = JobManager(RunStore(tmp_path), ThreadExecutor(1, lambda name, path: tiny_dataset),
                         keep_seconds=0)
    early, late = [], []
    try:
        for index in range(50):
            job = manager.submit(SMALL.replace(seed=index), owner="learner")
            assert manager.wait(job.job_id, 60).state == JobState.COMPLETED
            # Jobs 10-14 against 45-49 (the first jobs warm caches and thread arenas up); a
            # median of five, since the allocator's arenas make single readings jump +-15 MB.
            if 10 <= index < 15 or index >= 45:
                gc.collect()  # what is left is held, not merely waiting for the collector
                (early if index < 15 else late).append(resident_mb())
    finally:
        manager.shutdown()
    assert len(manager.jobs_of("learner")) <= 1  # ended jobs were evicted from memory
    assert len(RunStore(tmp_path).list_runs()[0]) == 50  # ...their runs stayed on disk
    growth = statistics.median(late) - statistics.median(early)
    print(f"resident memory around job 12: {statistics.median(early):.0f} MB, "
          f"around job 47: {statistics.median(late):.0f} MB")
    # Measured 0.3 MB per job in a plain process, ~1 MB inside a long pytest session (native
    # memory, not Python objects); before the two fixes above it was ~3.8 MB (130 MB here).
    assert growth < 70, f"memory grew {growth:.0f} MB over 35 jobs"


def test_xla_budget_claims_up_to_its_limit():
    budget = model_lib.XlaBudget(2)
    assert [budget.claim() for _ in range(4)] == [True, True, False, False]


@pytest.mark.slow
def test_runs_past_the_xla_budget_train_without_xla(tiny_dataset, monkeypatch):
    monkeypatch.setattr(model_lib, "use_xla", lambda config, n=0: True)
    monkeypatch.setattr(model_lib, "XLA_BUDGET", model_lib.XlaBudget(1))
    used = [training.train(SMALL.replace(seed=seed), tiny_dataset, Progress()).xla
            for seed in range(2)]
    assert used == [True, False]


@pytest.mark.slow
def test_xla_models_past_the_budget_train_without_xla_and_memory_stays_bounded(
        tiny_dataset, monkeypatch):
    # TensorFlow never frees an XLA-compiled program (6-8 MB per model, measured).
    monkeypatch.setattr(model_lib, "use_xla", lambda config, n=0: True)
    monkeypatch.setattr(model_lib, "XLA_BUDGET", model_lib.XlaBudget(3))
    used, sizes = [], []
    for seed in range(14):
        outcome = training.train(SMALL.replace(seed=seed), tiny_dataset, Progress())
        used.append(outcome.xla)
        del outcome
        if seed in (3, 13):
            sizes.append(resident_mb())
    assert used == [True] * 3 + [False] * 11
    growth = sizes[1] - sizes[0]
    print(f"resident memory after 4 jobs {sizes[0]:.0f} MB, after 14 {sizes[1]:.0f} MB")
    assert growth < 30, f"memory grew {growth:.0f} MB over 10 jobs"
