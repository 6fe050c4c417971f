"""Process-level JAX set-up, done once before JAX starts its backend.

Nothing here runs at import: :func:`configure` is called by the CLI's entry point and by
the sampler before its first computation, so ``import mixcast`` changes no global state.

MCMC chains run in parallel only over separate XLA devices, and on a CPU there is one
device unless asked for more; we ask for one per core. Has no effect if the caller has
already started JAX or set the flag themselves.
"""

from __future__ import annotations

import os
import sys

_configured = False
_MIN_COMPILE_SECONDS = 0.2


def configure() -> None:
    """One device per core and the on-disk compilation cache; idempotent."""
    global _configured
    if _configured:
        return
    _configured = True
    configure_host_devices()
    configure_compilation_cache()


def configure_host_devices() -> None:
    flags = os.environ.get("XLA_FLAGS", "")
    if "xla_force_host_platform_device_count" in flags:
        return
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    count = max(1, min(int(cores or 1), 16))
    os.environ["XLA_FLAGS"] = f"{flags} --xla_force_host_platform_device_count={count}".strip()


def configure_compilation_cache() -> None:
    """Keep compiled XLA programs on disk, so the next process that fits data of the same
    shape (a refresh, a validate after a fit, a test run) skips most of the compilation.

    The folder is ``$MIXCAST_CACHE_DIR``, else ``$XDG_CACHE_HOME/mixcast/xla`` (default
    ``~/.cache/mixcast/xla``); ``MIXCAST_CACHE_DIR=""`` turns the cache off. Results do not
    depend on it: a cached program is the same program.
    """
    folder = os.environ.get("MIXCAST_CACHE_DIR")
    if folder is None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        folder = os.path.join(base, "mixcast", "xla")
    if not folder:
        return
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return  # unwritable home: run uncached rather than fail
    # Programs that take 0.2 s or more to compile: besides the sampler's, the
    # constraining and summary programs (0.3-0.9 s each); a warm national fit then
    # compiles 2.7 s instead of 3.3 s (bench/RESULTS.md, stop 34).
    if "jax" not in sys.modules:
        # JAX reads its options from the environment when first imported: the command
        # line sets them without importing JAX (~1 s), which `--help` or `check` never need.
        os.environ["JAX_COMPILATION_CACHE_DIR"] = folder
        os.environ["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = str(_MIN_COMPILE_SECONDS)
        return
    import jax

    jax.config.update("jax_compilation_cache_dir", folder)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", _MIN_COMPILE_SECONDS)


def memory_map_use() -> float | None:
    """The share of the kernel's limit on memory mappings (``vm.max_map_count``) this
    process holds, or None where it cannot be read (not Linux).

    XLA's CPU runtime maps each compiled kernel into pages of its own: a process that
    compiles for many data shapes (a scheduler, a worker running many configs' fits)
    reaches the limit and then fails to allocate, far from any memory limit.
    """
    try:
        with open("/proc/sys/vm/max_map_count") as limit_file:
            limit = int(limit_file.read())
        with open("/proc/self/maps", "rb") as maps:
            held = sum(1 for _ in maps)
    except (OSError, ValueError):
        return None
    return held / limit if limit > 0 else None
