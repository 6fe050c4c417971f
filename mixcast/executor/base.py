"""What every executor offers: jobs in, one result per job out, progress as they finish."""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from mixcast.errors import UserError

@dataclass(frozen=True, slots=True)
class Job:
    """One independent call ``fn(*args, **kwargs)``, named for progress and reports."""

    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class JobResult:
    """How one job ended: its value, or the error that stopped it (one line) and the
    traceback for the curious. ``seconds`` is the job's own wall time in its worker."""

    name: str
    ok: bool
    value: Any = None
    error: str | None = None
    seconds: float = 0.0
    detail: str | None = None


# progress(result, done, total): called in the caller's process as each job finishes.
ProgressFn = Callable[[JobResult, int, int], None]


class Executor(Protocol):
    """Runs independent jobs and yields their results in the order they finish."""

    name: str
    workers: int

    def map(self, fn: Callable, jobs: Iterable[Job], *,
            progress: ProgressFn | None = None) -> Iterator[JobResult]: ...

    def describe(self, n_jobs: int) -> str:
        """Where ``n_jobs`` jobs would run, in words (for the CLI's first line)."""


def run_job(fn: Callable, job: Job) -> JobResult:
    """Call one job, catching its error: runs inside the worker, so that an exception
    which cannot be pickled back still arrives as a message."""
    started = time.perf_counter()
    try:
        value = fn(*job.args, **job.kwargs)
    except Exception as error:  # noqa: BLE001 - a job's failure is data, not a crash
        return JobResult(job.name, False, error=error_line(error),
                         seconds=time.perf_counter() - started,
                         detail=traceback.format_exc())
    return JobResult(job.name, True, value=value, seconds=time.perf_counter() - started)


def error_line(error: BaseException) -> str:
    """User errors speak for themselves; anything else is named by its type."""
    if isinstance(error, UserError):
        return str(error)
    return f"{type(error).__name__}: {error}"


def available_cores() -> int:
    """Cores this process may use (its CPU affinity, else the machine's count)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
