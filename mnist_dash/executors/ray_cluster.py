"""Run training jobs on a Ray cluster: each job on a warm Trainer actor (a worker process) on some node.

`RayExecutor("local")` starts a private Ray on this machine; `"auto"` or `"host:port"` joins a
cluster that `ray start --head` made on this machine, which other machines joined. One Trainer per
job slot lives across jobs (TensorFlow imported, data loaded) and is replaced after a number of
jobs or past a memory size, off the learners' clock. A thread per job follows it: it keeps the
latest progress and hands the `TrainResult` (model as .keras bytes) to `on_end`, so the app writes
its own run store and nodes need no shared disk. Token
authentication is Ray's: set RAY_AUTH_TOKEN (or RAY_AUTH_TOKEN_PATH) to the cluster's token.
"""

from __future__ import annotations

import ctypes
import logging
import math
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from mnist_dash.executors import ray_tasks
from mnist_dash.executors.base import JobSpec, TrainResult
from mnist_dash.i18n import Msg, message_of
from mnist_dash.progress import Progress, ProgressSnapshot
from mnist_dash.vocabulary import JobState

log = logging.getLogger(__name__)

LOST_MESSAGE = "The machine running this job was lost"  # how the message of a lost job starts
# A started job sends progress every 0.25 s; this long without a word, its node counts as lost
# (Ray itself reports a killed worker within a second, a vanished node only after ~15 s).
SILENCE_SECONDS = 8.0  # progress comes every 0.25 s; a loaded 2-core node fell silent for over 6 s
CONNECT_SECONDS = 3.0
HEALTH_SECONDS = 2.0  # how often the app checks that the cluster still answers
# capacity() is asked on every queued job's snapshot (its wait estimate): 30 learners in line,
# each page polling, asked the cluster hundreds of times a second (a TCP connect and a GCS call
# each, under the job manager's lock). Ray is asked at most this often; what is busy is always fresh.
CAPACITY_FRESH_SECONDS = 0.5
# A worker process is replaced after this many jobs, or once its memory passed WORKER_RSS_MB
# (benchmarks/RESULTS.md, ray_memory: it grows ~MB per job and levels off).
JOBS_PER_WORKER = 100
WORKER_RSS_MB = 2048
# glibc's mallopt: blocks above this size get their own mapping, returned to the system when freed.
M_MMAP_THRESHOLD, LARGE_BLOCK_BYTES = -3, 128 * 1024


class ClusterUnavailable(RuntimeError):
    """The Ray cluster cannot be reached; the message names the address and what was tried."""


def connect(address: str) -> None:
    """Initialise Ray once per process: "local" starts a private Ray, anything else joins one."""
    if ray.is_initialized():
        _check_same_cluster(address)
        return
    if address not in ("local", "auto"):
        _probe(address)
    # Ray ends a driver process whose cluster head has been gone for 60 s: that would take the
    # page server down with it. Keep serving instead, and let the pages say the cluster is lost.
    os.environ.setdefault("RAY_gcs_rpc_server_reconnect_timeout_s", str(10 * 365 * 24 * 3600))
    try:
        if address == "local":
            ray.init(address="local", log_to_driver=False, include_dashboard=False)
        else:
            ray.init(address=address, log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError, ray.exceptions.RayError) as error:
        raise ClusterUnavailable(_unreachable(
            address, Msg("ray.init failed: {error}", error=str(error)))) from error


def _check_same_cluster(address: str) -> None:
    connected = ray.get_runtime_context().gcs_address
    if address not in ("local", "auto") and address != connected:
        raise ClusterUnavailable(Msg(
            "This process is already connected to the Ray cluster at {connected}; it cannot also "
            "use {address}. Restart the app to change MNIST_DASH_RAY_ADDRESS.",
            connected=connected, address=address))


def _probe(address: str) -> None:
    """Fail in seconds, not after Ray's minute of retries, when nothing listens at host:port."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ClusterUnavailable(Msg(
            "Ray address {address} is not host:port, 'auto' or 'local' (e.g. 10.0.0.5:6379).",
            address=repr(address)))
    try:
        socket.create_connection((host, int(port)), timeout=CONNECT_SECONDS).close()
    except OSError as error:
        raise ClusterUnavailable(_unreachable(
            address, Msg("a TCP connection for {seconds} s failed: {error}",
                         seconds=format(CONNECT_SECONDS, "g"), error=str(error)))) from error


def _unreachable(address: str, tried: Msg) -> Msg:
    return Msg("Cannot use the Ray cluster at {address}: {tried}. Start it on that machine with "
               "`ray start --head --port=6379`, check the address and the firewall, and give this "
               "app the cluster's token in RAY_AUTH_TOKEN.", address=address, tried=tried)


def give_large_blocks_back() -> None:
    """Let the app process return each job's result to the system once it is saved.

    A result (the model as .keras bytes, 2-20 MB) arrives in the job's own thread. After the first
    such block is freed, glibc raises its mmap threshold above that size and keeps later ones in
    per-thread heaps, so the app process grew by about one model per job (4.6 MiB a job for the
    Keras book's, benchmarks: job_memory). A fixed threshold keeps large blocks in their own
    mappings. Only the app side: training in this process (the threads backend) allocates large
    tensors every batch and is left as it is. Where libc is not glibc, nothing changes.
    """
    try:
        ctypes.CDLL("libc.so.6").mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK_BYTES)
    except (OSError, AttributeError):
        log.debug("no glibc mallopt here: large blocks are left to the C library")


@dataclass(frozen=True)
class _Slot:
    """A warm `Trainer` actor and the worker process it lives in."""

    actor: Any
    worker: ray_tasks.WorkerInfo


class RayJobHandle:
    """A job on a Trainer actor: its latest progress, and its Stop request."""

    def __init__(self, spec: JobSpec) -> None:
        self.spec = spec
        self.job_id = spec.job_id
        self.worker: ray_tasks.WorkerInfo | None = None  # known once the job has started
        self.lost = False  # its worker process or node is gone
        self.rss_bytes = 0  # its worker process's memory after the job
        self._latest = Progress().snapshot()
        self._actor: Any = None
        self._stop_reason: str | None = None
        self._lock = threading.Lock()

    def progress(self) -> ProgressSnapshot:
        return self._latest

    def stop(self, reason: str) -> None:
        with self._lock:
            self._stop_reason = reason
            if self._actor is not None:
                self._actor.stop.remote(self.job_id, reason)

    def follow(self, actor) -> TrainResult:
        """Run the job on `actor` and read its messages until its result; a lost worker or node
        becomes FAILED."""
        generator = actor.train.remote(self.spec)
        with self._lock:
            self._actor = actor
            if self._stop_reason is not None:  # asked while it waited for a warm worker
                actor.stop.remote(self.job_id, self._stop_reason)
        try:
            while True:
                if not ray.wait([generator], timeout=SILENCE_SECONDS)[0]:  # the executor kills it
                    return self._lost(Msg("no word from it for {seconds} s",
                                          seconds=format(SILENCE_SECONDS, "g")))
                kind, payload = ray.get(next(generator))
                if kind == "started":
                    self.worker = payload
                elif kind == "progress":
                    self._latest = payload
                else:
                    self._latest = payload.result.progress or self._latest
                    self.rss_bytes = payload.rss_bytes
                    return payload.result
        except ray.exceptions.RayTaskError as error:  # a bug in the job, not a lost machine
            where = self.worker.node if self.worker else Msg("the cluster")
            return TrainResult(JobState.FAILED, Msg("The job failed on {where}: {error}", where=where,
                                                    error=_first_line(error.cause)),
                               progress=self._latest, node=str(where))
        except (ray.exceptions.RayError, StopIteration) as error:
            return self._lost(_first_line(error))

    def _lost(self, detail: str) -> TrainResult:
        self.lost = True
        where = (Msg("worker {pid} on {node}", pid=self.worker.pid, node=self.worker.node)
                 if self.worker else Msg("before it started"))
        return TrainResult(JobState.FAILED,
                           Msg("The machine running this job was lost ({where}; {detail})",
                               where=where, detail=detail),
                           progress=self._latest, node=self.worker.node if self.worker else "")


class RayExecutor:
    """Jobs on long-lived Trainer actors, one per slot: as many at once as the cluster has CPUs
    (and GPUs) for. A Trainer keeps TensorFlow, the data and Keras's functions warm across jobs."""

    def __init__(self, address: str = "local", cpus_per_job: int = 2, gpus_per_job: int = 0,
                 jobs_per_worker: int = JOBS_PER_WORKER, worker_rss_mb: int = WORKER_RSS_MB) -> None:
        """A worker process trains at most `jobs_per_worker` jobs, and none after its memory
        passed `worker_rss_mb`; then a fresh one replaces it, warmed before it takes a job."""
        _check_positive("cpus_per_job", cpus_per_job, minimum=1)
        _check_positive("gpus_per_job", gpus_per_job, minimum=0)
        _check_positive("jobs_per_worker", jobs_per_worker, minimum=1)
        _check_positive("worker_rss_mb", worker_rss_mb, minimum=1)
        self.address, self.cpus_per_job, self.gpus_per_job = address, cpus_per_job, gpus_per_job
        self.jobs_per_worker, self.worker_rss_mb = jobs_per_worker, worker_rss_mb
        give_large_blocks_back()
        connect(address)
        self._gcs_address = ray.get_runtime_context().gcs_address
        self._unreachable: str | None = None  # why the cluster stopped answering, for people
        self._capacity_lock = threading.Lock()
        self._slot_count, self._slots_at = 0, -math.inf  # job slots, and when Ray was last asked
        self._closed = threading.Event()
        threading.Thread(target=self._watch_cluster, name="ray-cluster-health", daemon=True).start()
        # TensorFlow sizes its thread pools from these when a worker process first uses it.
        threads = str(cpus_per_job)
        self._trainer = ray.remote(ray_tasks.Trainer)
        self._trainer_options = {
            "num_cpus": cpus_per_job, "num_gpus": gpus_per_job, "max_concurrency": 2,
            "max_restarts": 0, "runtime_env": {"env_vars": {"TF_NUM_INTRAOP_THREADS": threads,
                                                            "TF_NUM_INTEROP_THREADS": threads}}}
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._running: dict[str, RayJobHandle] = {}
        self._idle: list[_Slot] = []  # warm trainers without a job
        self._warming = 0  # trainers still importing TensorFlow
        self._actors: set[Any] = set()
        for _ in range(self._slots()):
            self._add_trainer("SPREAD")

    def _slots(self) -> int:
        resources = ray.cluster_resources()
        slots = int(resources.get("CPU", 0) // self.cpus_per_job)
        if self.gpus_per_job:
            slots = min(slots, int(resources.get("GPU", 0) // self.gpus_per_job))
        return slots

    def _add_trainer(self, strategy: Any) -> None:
        """Start a Trainer and warm it in the background; it joins the idle ones once warm."""
        actor = self._trainer.options(**self._trainer_options, scheduling_strategy=strategy).remote()
        with self._lock:
            self._warming += 1
            self._actors.add(actor)
        threading.Thread(target=self._warm, args=(actor,), name="ray-warm", daemon=True).start()

    def _warm(self, actor) -> None:
        try:
            worker = ray.get(actor.warm.remote(None))
        except ray.exceptions.RayError:  # its node is gone, or the executor shut down
            log.warning("a Ray worker could not be warmed", exc_info=True)
            worker = None
        with self._lock:
            self._warming -= 1
            if worker is None:
                self._actors.discard(actor)
            else:
                self._idle.append(_Slot(actor, worker))
            self._changed.notify_all()

    @property
    def busy(self) -> int:
        with self._lock:
            return len(self._running)

    def capacity(self) -> int:
        with self._capacity_lock:
            if time.monotonic() - self._slots_at > CAPACITY_FRESH_SECONDS:
                self._check_cluster()
                # and ask Ray nothing while the cluster is gone: its calls hang
                self._slot_count = 0 if self._unreachable else self._slots()
                self._slots_at = time.monotonic()
            slots = self._slot_count
        return max(0, slots - self.busy)

    def unavailable(self) -> str | None:
        return self._unreachable

    def _watch_cluster(self) -> None:
        """Check every HEALTH_SECONDS that the cluster's head still accepts connections."""
        while not self._closed.wait(HEALTH_SECONDS):
            self._check_cluster()

    def _check_cluster(self) -> None:
        try:
            _probe(self._gcs_address)
            self._unreachable = None
        except ClusterUnavailable as error:
            self._unreachable = Msg("Lost contact with the Ray cluster. {error}",
                                    error=message_of(error))

    def wait_warm(self, timeout: float | None = None) -> bool:
        """Wait until every Trainer started so far has imported TensorFlow and warmed up."""
        with self._lock:
            return self._changed.wait_for(lambda: self._warming == 0, timeout)

    def start(self, spec: JobSpec, on_end: Callable[[str, TrainResult], None]) -> RayJobHandle:
        handle = RayJobHandle(spec)
        with self._lock:
            self._running[spec.job_id] = handle
        threading.Thread(target=self._follow, args=(handle, on_end),
                         name=f"ray-job-{spec.job_id}", daemon=True).start()
        return handle

    def _follow(self, handle: RayJobHandle, on_end) -> None:
        with self._lock:  # a slot is free (capacity said so); its Trainer may still be warming
            self._changed.wait_for(lambda: self._idle or self._closed.is_set())
            slot = self._idle.pop(0) if self._idle else None
        result = (handle.follow(slot.actor) if slot else
                  TrainResult(JobState.STOPPED, Msg("The server is shutting down")))
        if slot:
            self._retire_or_keep(slot, handle)
        with self._lock:
            del self._running[handle.job_id]
            self._changed.notify_all()
        on_end(handle.job_id, result)

    def _retire_or_keep(self, slot: _Slot, handle: RayJobHandle) -> None:
        """Back to the idle Trainers, or replaced by a fresh one that warms before a learner
        needs it (a cold one takes about 7 s to its first batch)."""
        worn = (handle.worker is None or handle.worker.jobs_run >= self.jobs_per_worker
                or handle.rss_bytes > self.worker_rss_mb * 2**20)
        if not (handle.lost or worn):
            with self._lock:
                self._idle.append(slot)
            return
        with self._lock:
            self._actors.discard(slot.actor)
        ray.kill(slot.actor)
        if not self._closed.is_set():
            self._add_trainer(NodeAffinitySchedulingStrategy(slot.worker.node_id, soft=True))

    def describe(self) -> dict[str, Any]:
        if self._unreachable:  # Ray's own calls would hang
            return {"backend": "ray", "address": self.address, "unavailable": self._unreachable,
                    "busy": self.busy}
        nodes = [{"id": node["NodeID"][:8], "address": node["NodeManagerAddress"],
                  "cpus": node["Resources"].get("CPU", 0), "gpus": node["Resources"].get("GPU", 0),
                  "alive": node["Alive"]} for node in ray.nodes()]
        return {"backend": "ray", "address": self.address, "nodes": nodes,
                "cpus": ray.cluster_resources().get("CPU", 0), "cpus_per_job": self.cpus_per_job,
                "gpus_per_job": self.gpus_per_job, "busy": self.busy}

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop every job (each ends STOPPED through on_end), then end the Trainers."""
        self._closed.set()
        with self._lock:
            handles = list(self._running.values())
            self._changed.notify_all()
        for handle in handles:
            handle.stop(Msg("The server is shutting down"))
        with self._lock:
            self._changed.wait_for(lambda: not self._running, timeout)
            actors = list(self._actors)
        for actor in actors:
            ray.kill(actor)


def _first_line(error: BaseException | None) -> str:
    """An error in one line for people (Ray's run to many, with advice on its own logs)."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"


def _check_positive(name: str, value: int, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be a whole number of at least {minimum}; got {value!r}")
