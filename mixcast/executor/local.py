"""Independent jobs over this machine's cores, one process per worker.

Processes are started with 'spawn' (JAX is not fork-safe) and each is sized to its share
of the cores before it starts JAX: as many XLA host devices (so a fit's chains run side by
side within the share) and BLAS threads as cores. Workers are not pinned to cores: on a
machine shared with other work, pinned workers measured 2-6x slower (bench/bench_many.py).
A worker that dies (out of memory, a crash in native code) fails the jobs it was
running; the remaining jobs continue in a fresh pool.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from mixcast.executor.base import Job, JobResult, ProgressFn, available_cores, run_job
from mixcast.formatting import counted

_DIED = ("its worker process died while it ran (out of memory, or a crash in native "
         "code; another job in flight at the time may have been the cause). Re-run to "
         "retry it, with fewer --workers if memory is short.")


class LocalExecutor:
    """Processes over this machine's cores: ``workers`` at a time (default: one per core),
    each limited to ``cores // workers`` cores."""

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.cores = available_cores()
        self.workers = int(workers or self.cores)

    def describe(self, n_jobs: int) -> str:
        workers = max(1, min(self.workers, n_jobs))
        share = share_of_cores(self.cores, workers)
        return (f"{counted(workers, 'local worker process', 'local worker processes')} "
                f"with {counted(share, 'core')} each")

    def map(self, fn: Callable, jobs: Iterable[Job], *,
            progress: ProgressFn | None = None) -> Iterator[JobResult]:
        pending = deque(jobs)
        total, done = len(pending), 0
        while pending:
            workers = min(self.workers, len(pending))
            pool = _pool(workers, share_of_cores(self.cores, workers))
            in_flight: dict[Future, Job] = {}
            broken = False
            try:
                while in_flight or (pending and not broken):
                    while pending and not broken and len(in_flight) < workers:
                        job = pending.popleft()
                        in_flight[pool.submit(run_job, fn, job)] = job
                    finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                    for future in finished:
                        result, died = _outcome(future, in_flight.pop(future))
                        broken |= died
                        done += 1
                        if progress is not None:
                            progress(result, done, total)
                        yield result
            finally:
                pool.shutdown(wait=not broken, cancel_futures=True)


def share_of_cores(cores: int, workers: int) -> int:
    """Cores per worker: an equal share, at least one."""
    return max(1, cores // max(workers, 1))


def limited_xla_flags(flags: str, devices: int) -> str:
    """``XLA_FLAGS`` with the host device count set to ``devices`` (replacing any)."""
    flags = re.sub(r"--xla_force_host_platform_device_count=\S+", "", flags)
    return f"{flags} --xla_force_host_platform_device_count={devices}".strip()


def limit_worker(share: int) -> None:
    """Worker initializer: size XLA and BLAS to the worker's share, before JAX starts."""
    os.environ["XLA_FLAGS"] = limited_xla_flags(os.environ.get("XLA_FLAGS", ""), share)
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = str(share)


def _pool(workers: int, share: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(
        "spawn"), initializer=limit_worker, initargs=(share,))


def _outcome(future: Future, job: Job) -> tuple[JobResult, bool]:
    """The job's result, and whether its pool broke (a worker died)."""
    try:
        return future.result(), False
    except BrokenProcessPool:
        return JobResult(job.name, False, error=_DIED), True
    except Exception as error:  # noqa: BLE001 - e.g. arguments that cannot be pickled
        return JobResult(job.name, False, error=f"{type(error).__name__}: {error}"), False

