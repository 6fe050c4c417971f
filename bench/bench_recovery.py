"""Recovery of known ROI on hard simulated cases (bench/cases.py), mixcast and peers.

Usage: python bench/bench_recovery.py [--cases collinear delayed ...] [--chains 4
       --warmup 1000 --draws 1000] [--peers] [--json out.json]

Per case and tool: wall time, max R-hat, divergences, ROI MAPE over channels with an
effect, mean absolute ROI error over all channels (zero-effect channels included), 90%
interval coverage of the true ROI, and mROI MAPE. Peers (``--peers``, see bench/peers.py)
run on the national cases without lift tests, which their default set-up cannot read.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

import cases as case_lib  # noqa: E402
from mixcast.analysis.summary import summarize


def score(roi: dict, mroi: dict | None, truth: dict) -> dict:
    names = list(truth["roi"])
    true = np.array([truth["roi"][n] for n in names])
    mean = np.array([roi[n]["mean"] for n in names])
    lo = np.array([roi[n]["lo90"] for n in names])
    hi = np.array([roi[n]["hi90"] for n in names])
    effect = true > 0
    out = {"roi_mape": float(np.mean(np.abs(mean - true)[effect] / true[effect])),
           "roi_mae": float(np.mean(np.abs(mean - true))),
           "coverage": int(((lo <= true) & (true <= hi)).sum()), "n_channels": len(names),
           "zero_hi90": [float(h) for h in hi[~effect]]}
    if mroi:
        tm = np.array([truth["mroi"][n] for n in names])
        em = np.array([mroi[n]["mean"] for n in names])
        out["mroi_mape"] = float(np.mean(np.abs(em - tm)[effect] / tm[effect]))
    return out


def run_mixcast(config: Path, chains: int, warmup: int, draws: int, seed: int) -> dict:
    import mixcast
    from mixcast.spec import SamplerConfig

    project = mixcast.load(config)
    sampler = SamplerConfig(chains=chains, warmup=warmup, draws=draws, seed=seed,
                            progress=False)
    started = time.perf_counter()
    fitted = mixcast.fit(project.data, project.spec, sampler=sampler)
    wall = time.perf_counter() - started
    summary = summarize(fitted)
    return {"tool": "mixcast", "wall_s": wall, **summary["diagnostics"],
            "roi": {c: e["roi"] for c, e in summary["channels"].items()},
            "mroi": {c: e["mroi"] for c, e in summary["channels"].items()}}


def print_row(case: str, result: dict) -> None:
    extra = f"  mROI MAPE {100 * result['mroi_mape']:5.1f}%" if "mroi_mape" in result else ""
    zero = (f"  zero-effect hi90 {', '.join(f'{h:.2f}' for h in result['zero_hi90'])}"
            if result["zero_hi90"] else "")
    print(f"{case:<17} {result['tool']:<15} wall {result['wall_s']:6.1f}s  "
          f"R-hat {result['rhat_max']:.3f}  div {result['divergences']:4d}  "
          f"ROI MAPE {100 * result['roi_mape']:5.1f}%  MAE {result['roi_mae']:.2f}  "
          f"cover {result['coverage']}/{result['n_channels']}{extra}{zero}", flush=True)


def main(argv: list[str] | None = None) -> int:
    all_cases = {c.name: c for c in case_lib.cases()}
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=list(all_cases), choices=list(all_cases))
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--peers", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--verbose", action="store_true", help="per-channel estimates")
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.cases:
            case = all_cases[name]
            config, truth = case_lib.write(case, Path(tmp) / name)
            ours = run_mixcast(config, args.chains, args.warmup, args.draws, args.seed)
            ours.update(score(ours["roi"], ours["mroi"], truth), case=name)
            print_row(name, ours)
            if args.verbose:
                for channel, est in ours["roi"].items():
                    print(f"    {channel:<16} true {truth['roi'][channel]:5.2f}  est "
                          f"{est['mean']:5.2f} [{est['lo90']:5.2f}, {est['hi90']:5.2f}]  "
                          f"mROI true {truth['mroi'][channel]:5.2f} est "
                          f"{ours['mroi'][channel]['mean']:5.2f}")
            results.append(ours)
            if args.peers and case.n_geos == 1 and not case.lift_tests_for:
                from peers import PEERS, run_peer

                config_path = Path(tmp) / name / "data.yaml"
                config_path.write_text(config.read_text())
                for tool in PEERS:
                    peer = run_peer(tool, "data", args.chains, args.warmup, args.draws,
                                    args.seed, data_dir=Path(tmp) / name)
                    if peer is None:
                        continue
                    peer.update(score(peer["roi"], None, truth), case=name)
                    peer["divergences"] = int(peer["divergences"])
                    print_row(name, peer)
                    results.append(peer)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
