"""Which executor to use, from environment variables: shared by the app and the CLI.

MNIST_DASH_RAY_ADDRESS unset: jobs run in this process's threads (MNIST_DASH_MAX_JOBS at once).
Set to `local`: a private Ray on this machine; `auto` or `host:port`: the Ray cluster there.
MNIST_DASH_CPUS_PER_JOB (default 2) and MNIST_DASH_GPUS_PER_JOB (default 0) size a Ray job.
"""

from __future__ import annotations

from collections.abc import Mapping

from mnist_dash.executors.background import BackgroundExecutor
from mnist_dash.executors.base import Executor
from mnist_dash.executors.threads import ThreadExecutor, default_concurrency
from mnist_dash.i18n import Msg

RAY_ADDRESS = "MNIST_DASH_RAY_ADDRESS"
WARM_SECONDS = 120  # at most this long for fresh workers to import TensorFlow (7 s when idle)


def executor_from_env(env: Mapping[str, str], background: bool = False) -> Executor:
    """The executor the variables in `env` ask for. With `background`, a Ray executor is made in a
    background thread (see BackgroundExecutor) and is ready once its workers are warm; without,
    this waits until Ray has started, and a first job may wait for a cold worker."""
    address = env.get(RAY_ADDRESS, "").strip()
    if not address:
        return ThreadExecutor(_whole(env, "MNIST_DASH_MAX_JOBS", default_concurrency(), minimum=1))
    cpus_per_job = _whole(env, "MNIST_DASH_CPUS_PER_JOB", 2, minimum=1)
    gpus_per_job = _whole(env, "MNIST_DASH_GPUS_PER_JOB", 0, minimum=0)

    def build() -> Executor:
        try:
            from mnist_dash.executors.ray_cluster import RayExecutor
        except ImportError as error:
            raise RuntimeError(Msg("{variable} is set, but Ray cannot be imported here ({error}). "
                                   "Install it with `pip install -r requirements.txt`, or unset "
                                   "{variable} to train in this process.",
                                   variable=RAY_ADDRESS, error=str(error))) from error
        executor = RayExecutor(address, cpus_per_job=cpus_per_job, gpus_per_job=gpus_per_job)
        if background:  # ready once the workers have loaded TensorFlow: a first batch within 3 s
            executor.wait_warm(WARM_SECONDS)
        return executor

    return BackgroundExecutor(build, cluster_name(address)) if background else build()


def cluster_name(address: str) -> str:
    """The cluster an address means, for people."""
    if address == "local":
        return Msg("a private Ray cluster on this machine")
    if address == "auto":
        return Msg("the Ray cluster started on this machine (address auto)")
    return Msg("the Ray cluster at {address}", address=address)


def _whole(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < minimum:
        raise ValueError(f"{name} must be a whole number of at least {minimum}; got {text!r}")
    return int(text)
