"""Resident memory while the chains run: segmented calls against one call for the whole fit.

Usage::

    python bench/bench_sampler_memory.py [--shape 40x104x8] [--warmup 20000] [--chains 2]

XLA's CPU runtime, running several devices at once, holds a few KB per leapfrog step
until the compiled call returns. The sampler therefore calls its compiled chains in
segments of ``mixcast.inference.sampler.SEGMENT`` iterations. Each case below runs in its
own subprocess: the default, and ``--segment`` as long as the whole fit (one call, as the
sampler did before). Resident memory is read every 2 s from /proc; the figure is its
growth per 1,000 iterations of every chain while the chains sample (after compilation),
where progress reports give a window to read it in, and the process's peak.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).parent


def resident_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run_one(args) -> dict:
    sys.path.insert(0, str(HERE))
    from mixcast.runtime import configure

    configure()
    import numpy as np

    import mixcast
    from mixcast.inference import sampler as sampler_module
    from mixcast.spec import ModelSpec, SamplerConfig
    from bench_scale import parse_shape, simulated

    if args.segment:
        sampler_module.SEGMENT = args.segment
    sim = simulated(*parse_shape(args.shape))
    readings, ticks = [], []
    started = time.perf_counter()

    def watch():
        while True:
            readings.append((time.perf_counter() - started, resident_mb()))
            time.sleep(2)

    threading.Thread(target=watch, daemon=True).start()
    sampler = SamplerConfig(chains=args.chains, warmup=args.warmup, draws=args.draws, seed=0,
                            retry_divergent=False, continue_unconverged=False)
    mixcast.fit(sim.data, ModelSpec(), sampler=sampler,
                progress=lambda done, total: ticks.append((time.perf_counter() - started, done)))
    # Growth while sampling: from the first progress report (compiled, running) to the
    # last report before the draws are summarised.
    t0, t1 = ticks[0][0], ticks[-1][0]
    during = [(t, mb) for t, mb in readings if t0 <= t <= t1]
    iterations = (ticks[-1][1] - ticks[0][1]) / args.chains
    growth = (during[-1][1] - during[0][1]) if len(during) > 1 else float("nan")
    return {"segment": sampler_module.SEGMENT, "shape": args.shape, "chains": args.chains,
            "iterations_measured": iterations, "sampling_s": t1 - t0,
            "rss_start_mb": during[0][1] if during else float("nan"),
            "rss_end_mb": during[-1][1] if during else float("nan"),
            "growth_mb_per_1000_iterations": 1000 * growth / max(iterations, 1),
            "peak_mb": float(np.max([mb for _, mb in readings]))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", default="40x104x8")
    parser.add_argument("--warmup", type=int, default=20_000)
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--segment", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args)))
        return
    rows = []
    for segment in (0, args.warmup + args.draws):
        cmd = [sys.executable, str(Path(__file__).resolve()), "--one", "--shape", args.shape,
               "--warmup", str(args.warmup), "--draws", str(args.draws),
               "--chains", str(args.chains), "--segment", str(segment)]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stderr[-3000:], file=sys.stderr)
            raise SystemExit(1)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"{args.shape}, {args.chains} chains, warm-up {args.warmup} + {args.draws} draws")
    print("| iterations per call | sampling (s) | resident at start (MB) | at end (MB) "
          "| growth per 1,000 iterations (MB) | peak (MB) |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        # One call for the whole warm-up reports progress only after it: no window to
        # read the growth in, the peak says it.
        growth = r["growth_mb_per_1000_iterations"]
        cells = [f"{r[k]:.0f}" if r[k] == r[k] else "-"
                 for k in ("sampling_s", "rss_start_mb", "rss_end_mb")]
        print(f"| {r['segment']} | {' | '.join(cells)} "
              f"| {f'{growth:.1f}' if growth == growth else '-'} | {r['peak_mb']:.0f} |")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
