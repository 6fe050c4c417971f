"""Process-level JAX set-up, done once before JAX starts its backend.

MCMC chains run in parallel only over separate XLA devices, and on a CPU there is one
device unless asked for more; we ask for one per core. Has no effect if the caller has
already started JAX or set the flag themselves.
"""

from __future__ import annotations

import os


def configure_host_devices() -> None:
    flags = os.environ.get("XLA_FLAGS", "")
    if "xla_force_host_platform_device_count" in flags:
        return
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    count = max(1, min(int(cores or 1), 16))
    os.environ["XLA_FLAGS"] = f"{flags} --xla_force_host_platform_device_count={count}".strip()
