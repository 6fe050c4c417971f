"""Fits per hour on N cores: many independent configs through `fit-many`'s executors.

Usage: python bench/bench_many.py [--size tiny|medium] [--configs 4] [--cores 2]
                                  [--executors serial local ray] [--warm]

Writes ``--configs`` simulated brands (same shape, different data) to a temporary folder,
then fits them all with each executor on ``--cores`` cores and prints wall time, fits per
hour and the speed-up over one fit at a time ("serial": the local executor with one
worker on all cores). The XLA compilation cache starts empty for every executor (a cold
start, what a fresh cluster sees) unless ``--warm``. Sizes: tiny = 52 weeks x 3 channels,
2 chains x 200 + 200; medium = 104 weeks x 6 channels, 2 chains x 500 + 500.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

SIZES = {"tiny": dict(weeks=52, channels=3, warmup=200, draws=200),
         "medium": dict(weeks=104, channels=6, warmup=500, draws=500)}


def write_brands(root: Path, count: int, weeks: int, channels: int, warmup: int,
                 draws: int) -> str:
    """``count`` configs with simulated data of one shape; returns their glob."""
    import pandas as pd
    import yaml

    from mixcast.analysis.simulate import ChannelTruth, SimulationSpec, simulate

    patterns = ("flighting", "always_on", "bursty")
    for b in range(count):
        truths = {f"ch{c}_spend": ChannelTruth(roi=0.5 + 0.4 * c, decay=0.3, half_saturation=1.0,
                                               slope=1.2, pattern=patterns[c % 3],
                                               weekly_spend=10_000.0 * (1 + c))
                  for c in range(channels)}
        data = simulate(SimulationSpec(channels=truths, n_weeks=weeks, seed=100 + b)).data
        frame = pd.DataFrame({"date": pd.to_datetime(data.dates).strftime("%Y-%m-%d"),
                              "revenue": data.y[0]})
        for c, name in enumerate(data.channels):
            frame[name] = data.spend[0, :, c]
        folder = root / f"brand{b:02d}"
        folder.mkdir(parents=True)
        frame.to_csv(folder / "data.csv", index=False)
        config = {"data": "data.csv", "date": "date", "target": "revenue",
                  "channels": list(data.channels),
                  "sampler": {"chains": 2, "warmup": warmup, "draws": draws, "seed": 1}}
        (folder / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return str(root / "*" / "config.yaml")


def run(executor_name: str, pattern: str, out: Path, cores: int, warm: bool) -> dict:
    from mixcast.executor import LocalExecutor, RayExecutor
    from mixcast.runs.many import fit_many, plan_fits

    if not warm:   # workers inherit it: each executor compiles from scratch
        os.environ["MIXCAST_CACHE_DIR"] = tempfile.mkdtemp(prefix="bench-xla-")
    executor = {"serial": lambda: LocalExecutor(workers=1),
                "local": lambda: LocalExecutor(workers=cores),
                "ray": lambda: RayExecutor(workers=cores)}[executor_name]()
    planned = plan_fits(pattern, out)
    started = time.perf_counter()
    outcomes = list(fit_many(planned, executor))
    wall = time.perf_counter() - started
    ok = [o for o in outcomes if o.status == "ok"]
    failed = [o for o in outcomes if o.status == "failed"]
    for o in failed:
        print(f"  {executor_name}: {o.name} failed: {o.error}", file=sys.stderr)
    return {"executor": executor_name, "fits": len(ok), "failed": len(failed),
            "wall_s": wall, "fits_per_hour": 3600 * len(ok) / wall,
            "mean_fit_s": sum(o.seconds for o in ok) / max(len(ok), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="tiny")
    parser.add_argument("--configs", type=int, default=4)
    parser.add_argument("--cores", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--executors", nargs="+", default=["serial", "local", "ray"],
                        choices=["serial", "local", "ray"])
    parser.add_argument("--warm", action="store_true", help="Keep the compilation cache.")
    args = parser.parse_args()
    size = SIZES[args.size]
    root = Path(tempfile.mkdtemp(prefix="bench-many-"))
    pattern = write_brands(root / "brands", args.configs, **size)
    print(f"{args.configs} configs ({args.size}: {size['weeks']} weeks x {size['channels']} "
          f"channels, 2 chains x {size['warmup']} + {size['draws']}) on {args.cores} cores"
          f"{'' if args.warm else ', cold compilation cache per executor'}")
    print(f"{'executor':<9} {'fits':>4} {'failed':>6} {'wall s':>8} {'fits/hour':>10} "
          f"{'mean fit s':>10} {'speed-up':>8}")
    base = None
    for name in args.executors:
        row = run(name, pattern, root / f"runs-{name}", args.cores, args.warm)
        base = base or row["wall_s"]
        print(f"{name:<9} {row['fits']:>4} {row['failed']:>6} {row['wall_s']:>8.1f} "
              f"{row['fits_per_hour']:>10.0f} {row['mean_fit_s']:>10.1f} "
              f"{base / row['wall_s']:>7.2f}x", flush=True)


if __name__ == "__main__":
    main()
