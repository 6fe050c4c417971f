"""Time a full (or quick) validation run on a benchmark dataset with known truth.

Usage: python bench/bench_validate.py [--dataset national_5ch_156w] [--quick]
                                      [--chains 4 --warmup 1000 --draws 1000]

Fits the dataset, then runs every validation check (mixcast.validation.validate) and
prints the wall time of each stage, the number of refits, the verdicts, and how the
verdicts line up with the truth (is each channel's true ROI inside its 90% interval?).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
DATA = HERE / "data"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="national_5ch_156w")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--json", type=Path, help="write the validation document here")
    args = parser.parse_args(argv)

    import mixcast
    from mixcast.spec import SamplerConfig
    from mixcast.validation import validate

    project = mixcast.load(DATA / f"{args.dataset}.yaml")
    sampler = SamplerConfig(chains=args.chains, warmup=args.warmup, draws=args.draws,
                            seed=0, progress=False)
    started, cpu0 = time.perf_counter(), _cpu_seconds()
    fitted = mixcast.fit(project.data, project.spec, sampler=sampler)
    fit_s, fit_cpu = time.perf_counter() - started, _cpu_seconds() - cpu0
    stages: list[tuple[str, float]] = []
    last = [time.perf_counter(), ""]

    def progress(label: str, done: float, total: int) -> None:
        if label != last[1]:
            now = time.perf_counter()
            if last[1]:
                stages.append((last[1], now - last[0]))
            last[:] = [now, label]

    started, cpu0 = time.perf_counter(), _cpu_seconds()
    document = validate(fitted, quick=args.quick, progress=progress)
    validate_s, validate_cpu = time.perf_counter() - started, _cpu_seconds() - cpu0
    truth = json.loads((DATA / f"{args.dataset}.truth.json").read_text())["channels"]
    print(f"dataset {args.dataset}: fit {fit_s:.1f}s ({args.chains}x{args.warmup}+"
          f"{args.draws}); validate ({document['mode']}) {validate_s:.1f}s, "
          f"{document['refits']} refits")
    print(f"  CPU seconds: fit {fit_cpu:.0f}, validate {validate_cpu:.0f} on "
          f"{os.cpu_count()} cores (load average now {os.getloadavg()[0]:.1f}: wall times "
          "on a shared machine stretch by about load / cores)", flush=True)
    for label, seconds in stages:
        print(f"  {label:<40} {seconds:6.1f}s")
    for name, entry in document["checks"].items():
        print(f"  [{entry['status']:>7}] {name:<12} {entry['summary']}")
    print(f"overall: {document['overall']['verdict']}: {'; '.join(document['overall']['reasons'])}")
    for channel, entry in document["channels"].items():
        roi = document["roi"][channel]
        true = truth[channel]["roi"]
        inside = roi["lo90"] <= true <= roi["hi90"]
        print(f"  {channel:<14} {entry['verdict']:<11} ROI {roi['mean']:.2f} "
              f"({roi['lo90']:.2f}-{roi['hi90']:.2f}) true {true:.2f} "
              f"{'covered' if inside else 'MISSED'} | {'; '.join(entry['reasons'])}")
    if args.json:
        args.json.write_text(json.dumps(document, indent=2, default=str))
    return 0


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    sys.exit(main())
