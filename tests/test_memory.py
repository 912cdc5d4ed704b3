"""Memory of a long-lived server: many sequential jobs must not grow it without bound."""

from pathlib import Path

import pytest

from mnist_dash.config import TrainConfig
from mnist_dash.jobs import JobManager
from mnist_dash.runs import RunStore


def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    pytest.skip("no /proc/self/status on this system")


@pytest.mark.slow
def test_thirty_sequential_jobs_do_not_grow_memory_without_bound(tmp_path, tiny_dataset):
    manager = JobManager(RunStore(tmp_path), lambda name: tiny_dataset, max_concurrent=1,
                         keep_seconds=0)
    config = TrainConfig(hidden_units=(32,), epochs=1, batch_size=64, validation_split=0.0)
    sizes = []
    try:
        for index in range(30):
            job = manager.submit(config.replace(seed=index), owner="learner")
            assert manager.wait(job.job_id, 60).state == "completed"
            if index in (4, 29):
                sizes.append(resident_mb())
    finally:
        manager.shutdown()
    assert len(manager.jobs_of("learner")) <= 1  # ended jobs were evicted from memory
    assert len(RunStore(tmp_path).list_runs()[0]) == 30  # ...their runs stayed on disk
    growth = sizes[1] - sizes[0]
    print(f"resident memory after 5 jobs {sizes[0]:.0f} MB, after 30 {sizes[1]:.0f} MB")
    assert growth < 150, f"memory grew {growth:.0f} MB over 25 jobs"
