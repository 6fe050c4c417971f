"""The memory this process may still use, and sizes written and read the way people do.

Pure standard library (no JAX): the cost estimate (:mod:`mixcast.inference.cost`) checks a
fit against it before sampling, and :func:`mixcast.inference.fit.fit` before continuing
chains.
"""

from __future__ import annotations

import os
import re

from mixcast.errors import UserError

MEMORY_LIMIT_ENV = "MIXCAST_MEMORY_LIMIT"

_UNITS = {"": 1, "B": 1, "K": 2 ** 10, "KB": 2 ** 10, "KIB": 2 ** 10, "M": 2 ** 20,
          "MB": 2 ** 20, "MIB": 2 ** 20, "G": 2 ** 30, "GB": 2 ** 30, "GIB": 2 ** 30,
          "T": 2 ** 40, "TB": 2 ** 40, "TIB": 2 ** 40}


def parse_bytes(text: str | int) -> int:
    """``"8G"``, ``"512M"``, ``"1.5GB"``, ``"2000000"`` -> bytes (binary units)."""
    if isinstance(text, int):
        return text
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([A-Za-z]*)\s*", str(text))
    unit = match.group(2).upper() if match else None
    if match is None or unit not in _UNITS:
        raise UserError(f"{MEMORY_LIMIT_ENV}: cannot read {text!r} as a size. Write a number "
                        "with an optional unit, e.g. 8G, 512M or 16000000000.")
    return int(float(match.group(1)) * _UNITS[unit])


def available_memory() -> int | None:
    """Bytes this process may still use: ``MIXCAST_MEMORY_LIMIT`` if set, else the
    smaller of the system's available memory and the cgroup's remaining limit; None
    when neither can be read."""
    override = os.environ.get(MEMORY_LIMIT_ENV)
    if override:
        return parse_bytes(override)
    found = [v for v in (_meminfo_available(), _cgroup_remaining()) if v is not None]
    return min(found) if found else None


def _meminfo_available() -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _cgroup_remaining() -> int | None:
    """cgroup v2 ``memory.max - memory.current`` (or v1's limit minus usage)."""
    for limit_file, usage_file in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                                   ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                                    "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            limit = open(limit_file).read().strip()
            usage = int(open(usage_file).read().strip())
        except (OSError, ValueError):
            continue
        if limit == "max" or int(limit) >= 2 ** 60:
            return None
        return max(int(limit) - usage, 0)
    return None


def memory_source() -> str:
    """Where :func:`available_memory`'s figure comes from, for messages."""
    if os.environ.get(MEMORY_LIMIT_ENV):
        return f"{MEMORY_LIMIT_ENV}={os.environ[MEMORY_LIMIT_ENV]}"
    return "free memory of this machine or container"


def format_bytes(n: float) -> str:
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} B"
