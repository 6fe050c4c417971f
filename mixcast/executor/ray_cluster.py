"""Independent jobs as Ray tasks: on an existing cluster (``address``), or on a Ray
instance started here for the duration of one ``map`` (``workers`` CPUs).

Each task asks for ``cpus_per_job`` CPUs (default 1) and runs with XLA sized to them. A
task that raises, or whose worker dies, is reported as that job's failure; the others go
on. Job functions and their arguments travel by pickle, so the cluster's nodes need
mixcast installed but no shared file system for what the arguments carry.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator

from mixcast.errors import UserError
from mixcast.executor.base import (Job, JobResult, ProgressFn, available_cores, error_line,
                                   run_job)
from mixcast.executor.local import limited_xla_flags


class RayExecutor:
    """Jobs as Ray tasks. ``address``: ``auto`` (a cluster started on this machine with
    ``ray start --head``), ``ray://host:10001`` (Ray client) or ``host:6379``; None starts
    a local instance with ``workers`` CPUs (default: this machine's cores) unless Ray is
    already initialised in this process (then that instance is used and left running)."""

    name = "ray"

    def __init__(self, address: str | None = None, workers: int | None = None,
                 cpus_per_job: int = 1) -> None:
        self.address = address or None
        self.workers = int(workers or available_cores())
        self.cpus_per_job = int(cpus_per_job)

    def describe(self, n_jobs: int) -> str:
        if self.address:
            return f"the Ray cluster at {self.address}"
        ray = _import_ray()
        if ray.is_initialized():
            return "the Ray instance already running in this process"
        return f"a local Ray instance with {self.workers} CPUs"

    def map(self, fn: Callable, jobs: Iterable[Job], *,
            progress: ProgressFn | None = None) -> Iterator[JobResult]:
        ray = _import_ray()
        jobs = list(jobs)
        started_here = self._connect(ray)
        try:
            task = ray.remote(num_cpus=self.cpus_per_job, max_retries=1,
                              runtime_env={"env_vars": worker_env(self.cpus_per_job)})(run_job)
            pending = {task.options(name=job.name).remote(fn, job): job for job in jobs}
            done = 0
            while pending:
                finished, _ = ray.wait(list(pending), num_returns=1)
                for ref in finished:
                    job = pending.pop(ref)
                    try:
                        result = ray.get(ref)
                    except Exception as error:  # noqa: BLE001 - worker died, lost object
                        result = JobResult(job.name, False, error=error_line(error))
                    done += 1
                    if progress is not None:
                        progress(result, done, len(jobs))
                    yield result
        finally:
            if started_here:
                ray.shutdown()

    def _connect(self, ray) -> bool:
        """Connect (or start); True when this call started the instance it will stop."""
        if ray.is_initialized():
            return False
        quiet = dict(include_dashboard=False, log_to_driver=False, logging_level="warning",
                     configure_logging=True)
        if self.address is None:
            ray.init(num_cpus=self.workers, runtime_env=_local_runtime_env(), **quiet)
            return True
        try:
            ray.init(address=self.address, log_to_driver=False, logging_level="warning")
        except Exception as error:  # noqa: BLE001 - ConnectionError and Ray's own types
            raise UserError(
                f"--address {self.address}: could not connect to a Ray cluster ({error}). "
                "Start one with `ray start --head` (then use --address auto, or "
                "ray://HEAD:10001 from another machine), or leave out --address to start a "
                "local Ray instance.") from None
        self.workers = int(ray.cluster_resources().get("CPU", self.workers))
        return True


def worker_env(cpus: int) -> dict[str, str]:
    """Environment for a task's worker: XLA host devices and BLAS threads = its CPUs."""
    return {"XLA_FLAGS": limited_xla_flags(os.environ.get("XLA_FLAGS", ""), cpus),
            "OMP_NUM_THREADS": str(cpus), "OPENBLAS_NUM_THREADS": str(cpus),
            "MKL_NUM_THREADS": str(cpus)}


def _local_runtime_env() -> dict:
    """A local instance's workers import mixcast from where this process does."""
    paths = [p for p in sys.path if p]
    return {"env_vars": {"PYTHONPATH": os.pathsep.join(paths)}}


def _import_ray():
    # Ray's native failure handler, once installed in this process, spins instead of
    # exiting when XLA aborts here: the fit would hang rather than fail. Read at import.
    os.environ.setdefault("RAY_DISABLE_FAILURE_SIGNAL_HANDLER", "1")
    try:
        import ray
    except ImportError:
        raise UserError("--executor ray needs Ray: pip install 'mixcast[ray]' (or "
                        "pip install 'ray>=2.9').") from None
    return ray
