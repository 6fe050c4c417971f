"""Fit the benchmark datasets with known truth and print speed and accuracy figures.

Usage: python bench/bench_fit.py [--datasets national_5ch_156w national_10ch_156w]
                                 [--chains 4 --warmup 1000 --draws 1000] [--peers]

Prints, per dataset: wall time, min bulk ESS, ESS/s, max R-hat, divergences, ROI MAPE and
90% interval coverage against the truth JSON beside the data. With ``--peers`` it also
runs PyMC-Marketing and Meridian where they are importable (bench/peers.py), in the same
run, and prints the ratios. Data: bench/data/ (copied from shared/datasets/bench, see
SOURCE.md there).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from mixcast.analysis.summary import summarize

HERE = Path(__file__).parent
DATA = HERE / "data"


def truth_of(name: str) -> dict:
    return json.loads((DATA / f"{name}.truth.json").read_text())


def score(roi: dict[str, dict], truth: dict) -> dict:
    """ROI MAPE and 90% coverage against the truth's per-channel ROI."""
    errors, covered = [], 0
    for channel, entry in truth["channels"].items():
        true = entry["roi"]
        est = roi[channel]
        errors.append(abs(est["mean"] - true) / abs(true))
        covered += est["lo90"] <= true <= est["hi90"]
    return {"roi_mape": float(np.mean(errors)), "coverage": covered,
            "n_channels": len(truth["channels"])}


def run_mixcast(name: str, chains: int, warmup: int, draws: int, seed: int) -> dict:
    import mixcast
    from mixcast.spec import SamplerConfig

    project = mixcast.load(DATA / f"{name}.yaml")
    sampler = SamplerConfig(chains=chains, warmup=warmup, draws=draws, seed=seed)
    started = time.perf_counter()
    fitted = mixcast.fit(project.data, project.spec, sampler=sampler)
    wall = time.perf_counter() - started
    summary = summarize(fitted)
    diag = summary["diagnostics"]
    roi = {c: e["roi"] for c, e in summary["channels"].items()}
    return {"tool": "mixcast", "dataset": name, "wall_s": wall,
            "ess_bulk_min": diag["ess_bulk_min"], "ess_per_s": diag["ess_bulk_min"] / wall,
            "rhat_max": diag["rhat_max"], "divergences": diag["divergences"],
            "roi": roi, **score(roi, truth_of(name))}


def print_row(result: dict) -> None:
    print(f"{result['tool']:<16} {result['dataset']:<22} wall {result['wall_s']:7.1f}s  "
          f"ESS {result['ess_bulk_min']:7.0f}  ESS/s {result['ess_per_s']:7.2f}  "
          f"R-hat {result['rhat_max']:.3f}  div {result['divergences']:4d}  "
          f"ROI MAPE {100 * result['roi_mape']:5.1f}%  "
          f"cover {result['coverage']}/{result['n_channels']}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+",
                        default=["national_5ch_156w", "national_10ch_156w"])
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--peers", action="store_true", help="also run installed peers")
    parser.add_argument("--json", type=Path, help="write all results to this file")
    args = parser.parse_args(argv)
    results = []
    for name in args.datasets:
        ours = run_mixcast(name, args.chains, args.warmup, args.draws, args.seed)
        print_row(ours)
        results.append(ours)
        if args.peers:
            from peers import run_peers  # bench/peers.py

            for peer in run_peers(name, args.chains, args.warmup, args.draws, args.seed):
                peer.update(score(peer["roi"], truth_of(name)))
                print_row(peer)
                print(f"{'':16} ratio mixcast/{peer['tool']}: ESS/s "
                      f"{ours['ess_per_s'] / max(peer['ess_per_s'], 1e-9):.1f}x, wall "
                      f"{peer['wall_s'] / ours['wall_s']:.1f}x faster")
                results.append(peer)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.exit(main())
