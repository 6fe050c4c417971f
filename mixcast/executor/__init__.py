"""Executors for independent jobs (fits, refits): this machine's cores or a Ray cluster.

Every executor offers ``map(fn, jobs)``, yielding one :class:`JobResult` per job as jobs
finish. A job that raises is reported (its error message) and never loses the others.
:func:`make_executor` turns the CLI's ``--executor`` / ``--address`` / ``--workers`` into
one. Job functions must be importable module-level functions (they run in other
processes) and must not start JAX before the worker's limits apply (they import it inside).
"""

from __future__ import annotations

from mixcast.executor.base import Executor, Job, JobResult, ProgressFn
from mixcast.executor.choose import make_executor
from mixcast.executor.local import LocalExecutor
from mixcast.executor.ray_cluster import RayExecutor

__all__ = ["Executor", "Job", "JobResult", "LocalExecutor", "ProgressFn", "RayExecutor",
           "make_executor"]
