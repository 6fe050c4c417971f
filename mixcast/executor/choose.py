"""The executor the CLI's options name (``--executor``, ``--workers``, ``--address``)."""

from __future__ import annotations

from mixcast.errors import UserError
from mixcast.executor.base import Executor
from mixcast.executor.local import LocalExecutor
from mixcast.executor.ray_cluster import RayExecutor

EXECUTORS = ("local", "ray")


def make_executor(name: str, *, workers: int | None = None,
                  address: str | None = None) -> Executor:
    """The executor the CLI's options name: ``local`` (processes on this machine) or
    ``ray`` (the cluster at ``address``, or a local Ray instance with ``workers`` CPUs)."""
    if workers is not None and workers < 1:
        raise UserError(f"--workers must be at least 1; got {workers}.")
    if name == "local":
        if address:
            raise UserError("--address is for --executor ray; the local executor uses this "
                            "machine's cores.")
        return LocalExecutor(workers=workers)
    if name == "ray":
        return RayExecutor(address=address, workers=workers)
    raise UserError(f"--executor must be one of {', '.join(EXECUTORS)}; got {name!r}.")
