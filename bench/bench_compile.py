"""Compile time of a fit, measured apart from sampling, with a cold compilation cache.

Usage::

    python bench/bench_compile.py [--dataset national_10ch_156w] [--chains 4
                                   --warmup 1000 --draws 1000] [--cores 1] [--warm]

Runs the fit in a fresh subprocess pinned to ``--cores`` cores (one XLA device per core),
with an empty compilation cache (``--warm``: the cache left by the previous run), and
sums JAX's own compile-duration events: tracing, lowering to XLA and XLA's backend
compilation, and how many programs were compiled. Prints the fit's wall time, the part
of it spent compiling, and ESS/s with and without the compilation.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).parent
BENCH_CACHE = Path(tempfile.gettempdir()) / "mixcast-bench-xla"
EVENTS = {"/jax/core/compile/tracing_duration": "trace",
          "/jax/core/compile/jaxpr_trace_duration": "trace",
          "/jax/core/compile/jaxpr_to_mlir_module_duration": "lower",
          "/jax/core/compile/backend_compile_duration": "compile"}


def compile_listener() -> tuple[dict[str, float], list[float]]:
    """(seconds by stage: trace, lower, compile; each program's XLA compile seconds),
    filled from now on by JAX's compile-duration events."""
    import jax

    seconds: dict[str, float] = defaultdict(float)
    programs: list[float] = []

    def listen(event: str, duration: float, **_) -> None:
        if event in EVENTS:
            seconds[EVENTS[event]] += duration
        if event == "/jax/core/compile/backend_compile_duration":
            programs.append(duration)

    jax.monitoring.register_event_duration_secs_listener(listen)
    return seconds, programs


def _log_compiled_names() -> list[str]:
    """Names and seconds of the programs XLA compiles, from JAX's compile log."""
    import logging

    import jax

    names: list[str] = []

    class Catch(logging.Handler):
        def emit(self, record):
            text = record.getMessage()
            if text.startswith("Finished XLA compilation of"):
                names.append(text.replace("Finished XLA compilation of ", ""))

    jax.config.update("jax_log_compiles", True)
    for name in ("jax._src.dispatch", "jax._src.interpreters.pxla", "jax._src.compiler"):
        logger = logging.getLogger(name)
        logger.addHandler(Catch())
        logger.propagate = False
    return names


def run_one(args) -> dict:
    import jax

    import mixcast
    from mixcast.analysis.summary import summarize
    from mixcast.spec import SamplerConfig

    seconds, programs = compile_listener()
    names = _log_compiled_names()
    project = mixcast.load(HERE / "data" / f"{args.dataset}.yaml")
    sampler = SamplerConfig(chains=args.chains, warmup=args.warmup, draws=args.draws,
                            seed=args.seed, progress=False)
    started, cpu = time.perf_counter(), time.process_time()
    fitted = mixcast.fit(project.data, project.spec, sampler=sampler)
    fit_wall = time.perf_counter() - started
    in_fit = dict(seconds)
    summary = summarize(fitted)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    diag = summary["diagnostics"]
    compile_s = in_fit.get("trace", 0) + in_fit.get("lower", 0) + in_fit.get("compile", 0)
    return {"dataset": args.dataset, "devices": jax.local_device_count(),
            "fit_s": fit_wall, "fit_and_summary_s": wall, "cpu_s": cpu,
            "compile_in_fit_s": compile_s, "trace_s": in_fit.get("trace", 0),
            "lower_s": in_fit.get("lower", 0), "backend_compile_s": in_fit.get("compile", 0),
            "programs": len(programs), "names": names, "slowest_programs_s": sorted(programs)[-3:],
            "ess_bulk_min": diag["ess_bulk_min"], "ess_per_s": diag["ess_bulk_min"] / fit_wall,
            "ess_per_s_without_compile": diag["ess_bulk_min"] / max(fit_wall - compile_s, 1e-9),
            "rhat_max": diag["rhat_max"], "divergences": diag["divergences"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="national_10ch_156w")
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cores", type=int, default=1)
    parser.add_argument("--warm", action="store_true", help="keep the compilation cache")
    parser.add_argument("--cache-dir", type=Path, default=BENCH_CACHE,
                        help=f"compilation cache folder to use (default {BENCH_CACHE}; "
                             "emptied first unless --warm)")
    parser.add_argument("--xla-flags", default="", help="extra XLA_FLAGS to try")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args)), flush=True)
        return 0
    # One folder that outlives the run, so that --warm reads what the cold run left
    # (a fresh temporary folder per run made every --warm run cold).
    cache = args.cache_dir
    cache.mkdir(parents=True, exist_ok=True)
    if not args.warm:
        for f in cache.glob("*"):
            f.unlink()
    env = dict(os.environ, MIXCAST_CACHE_DIR=str(cache),
               XLA_FLAGS=f"--xla_force_host_platform_device_count={args.cores} {args.xla_flags}")
    cmd = [sys.executable, __file__, "--one", "--dataset", args.dataset,
           "--chains", str(args.chains), "--warmup", str(args.warmup),
           "--draws", str(args.draws), "--seed", str(args.seed)]
    if hasattr(os, "sched_setaffinity"):
        cmd = ["taskset", "-c", ",".join(str(c) for c in range(args.cores)), *cmd]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
        return 1
    r = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"{r['dataset']} on {r['devices']} device(s), "
          f"{'warm' if args.warm else 'cold'} cache: fit {r['fit_s']:.1f}s of which "
          f"compiling {r['compile_in_fit_s']:.1f}s (trace {r['trace_s']:.1f}, lower "
          f"{r['lower_s']:.1f}, XLA {r['backend_compile_s']:.1f}; {r['programs']} programs, "
          f"slowest {', '.join(f'{s:.1f}' for s in r['slowest_programs_s'])}s); "
          f"ESS {r['ess_bulk_min']:.0f}, ESS/s {r['ess_per_s']:.1f} "
          f"({r['ess_per_s_without_compile']:.1f} without compiling), R-hat "
          f"{r['rhat_max']:.3f}, div {r['divergences']}; cpu {r['cpu_s']:.0f}s")
    print(json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
