"""Geo benchmark: mixcast's geo model on panels with known truth, optionally beside Meridian.

Usage::

    python bench/bench_geo.py [--cases geo_40x104_6ch sim_50x156x10 meridian_geo_media]
                              [--chains 4 --warmup 500 --draws 500] [--peers]
                              [--peer-warmup 200 --peer-draws 200] [--json out.json]

Cases
-----
geo_40x104_6ch      bench/data/geo_40x104_6ch.csv (+ .yaml, .truth.json): 40 geos x 104
                    weeks x 6 channels, simulated with known truth (see bench/data/SOURCE.md).
sim_50x156x10       50 geos x 156 weeks x 10 channels from :mod:`mixcast.simulate` (the
                    scale the geo model must handle on a 2-core machine); truth from the
                    simulator.
meridian_geo_media  Meridian's own simulated geo data (20 geos x 156 weeks x 4 channels,
                    conversions KPI with revenue per conversion; no published truth):
                    shows the geo model runs and converges on a peer's data; with
                    ``--peers`` Meridian fits it too and both tools' ROI are printed
                    side by side. Read from
                    ``--meridian-dir`` (default ../shared/datasets/meridian) when present.

Prints per case: the device JAX ran on (``cpu``; ``gpu`` after ``pip install mixcast[gpu]``),
wall time (compilation included; CPU seconds beside it, since a shared
machine's wall time says little), min bulk ESS, ESS/s, max R-hat,
divergences and, where there is a truth, national ROI MAPE and 90% interval coverage.
With ``--peers`` also runs Meridian's geo model on the same CSV in the peers' own
interpreter (bench/peers_geo.py through ``--peers-python``; Meridian is a benchmark
reference, not a mixcast dependency) and prints the ratios side by side.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from mixcast.analysis.summary import summarize

HERE = Path(__file__).parent
DATA = HERE / "data"
PEERS_PYTHON = "/tmp/peers/bin/python"
MERIDIAN_DIR = HERE.parent.parent / "shared" / "datasets" / "meridian"


def score(roi: dict[str, dict], truth: dict[str, float]) -> dict:
    """National ROI MAPE and 90% coverage against the true ROI per channel."""
    errors = [abs(roi[c]["mean"] - t) / abs(t) for c, t in truth.items()]
    covered = sum(roi[c]["lo90"] <= t <= roi[c]["hi90"] for c, t in truth.items())
    return {"roi_mape": float(np.mean(errors)), "coverage": int(covered),
            "n_channels": len(truth)}


def sim_spec(n_geos: int = 50, n_weeks: int = 156, seed: int = 3):
    """Ten channels of mixed shapes over a geo panel, with geo-varying effects."""
    from mixcast.analysis.simulate import ChannelTruth, SimulationSpec

    shapes = [("tv", 1.6, 0.6, 1.0, 2.0, "flighting", 40_000),
              ("search", 3.0, 0.2, 0.9, 1.2, "always_on", 30_000),
              ("social", 1.2, 0.4, 1.2, 1.5, "always_on", 25_000),
              ("display", 0.6, 0.3, 1.0, 1.0, "bursty", 15_000),
              ("ooh", 0.9, 0.5, 0.7, 1.8, "pulsed", 10_000),
              ("radio", 1.1, 0.45, 0.8, 1.4, "flighting", 12_000),
              ("video", 1.4, 0.35, 1.1, 1.6, "always_on", 20_000),
              ("podcast", 0.8, 0.3, 0.9, 1.3, "pulsed", 6_000),
              ("affiliate", 2.2, 0.1, 1.0, 1.1, "always_on", 8_000),
              ("print", 0.5, 0.5, 0.8, 1.5, "bursty", 5_000)]
    channels = {f"{name}_spend": ChannelTruth(roi=roi, decay=decay, half_saturation=hs,
                                              slope=slope, pattern=pattern,
                                              weekly_spend=spend)
                for name, roi, decay, hs, slope, pattern, spend in shapes}
    return SimulationSpec(channels=channels, n_weeks=n_weeks, n_geos=n_geos,
                          baseline_level=20_000.0, geo_effect_sd=0.2, noise=0.05,
                          seed=seed)


def meridian_geo_config(csv: Path) -> dict:
    """mixcast config of Meridian's simulated geo_media.csv (also read by peers_geo.py)."""
    channels = [f"Channel{i}_spend" for i in range(4)]
    return {"data": str(csv), "date": "time", "target": "conversions",
            "kpi_type": "conversions", "revenue_per_kpi": "revenue_per_conversion",
            "geo": "geo", "population": "population", "channels": channels,
            "impressions": {c: c.replace("_spend", "_impression") for c in channels},
            "controls": ["competitor_activity_score_control", "sentiment_score_control"]}


def load_case(name: str, meridian_dir: Path):
    """(Dataset, ModelSpec, truth ROI or None, CSV path for peers or None)."""
    import mixcast
    from mixcast.config import parse_config
    from mixcast.data.load import load_dataset
    from mixcast.analysis.simulate import simulate
    from mixcast.spec import ModelSpec

    if name == "sim_50x156x10":
        sim = simulate(sim_spec())
        return sim.data, ModelSpec(), sim.roi, None
    if name == "meridian_geo_media":
        csv = meridian_dir / "geo_media.csv"
        raw = meridian_geo_config(csv)
        config = parse_config(raw, path=csv.parent / "config.yaml")
        return load_dataset(config), ModelSpec(), None, csv
    project = mixcast.load(DATA / f"{name}.yaml")
    truth = json.loads((DATA / f"{name}.truth.json").read_text())
    roi = {c: e["roi"] for c, e in truth["channels"].items()}
    return project.data, project.spec, roi, DATA / f"{name}.csv"


def run_mixcast(name: str, args) -> dict:
    import mixcast
    from mixcast.spec import SamplerConfig

    data, spec, truth, _ = load_case(name, args.meridian_dir)
    sampler = SamplerConfig(chains=args.chains, warmup=args.warmup, draws=args.draws,
                            seed=args.seed)
    started, cpu = time.perf_counter(), time.process_time()
    fitted = mixcast.fit(data, spec, sampler=sampler)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    summary = summarize(fitted)
    diag = summary["diagnostics"]
    roi = {c: e["roi"] for c, e in summary["channels"].items()}
    import jax

    result = {"tool": "mixcast", "case": name, "device": jax.devices()[0].platform,
              "shape": f"{data.n_geos}x{data.n_times}x{data.n_channels}", "wall_s": wall,
              "cpu_s": cpu,
              "ess_bulk_min": diag["ess_bulk_min"],
              "ess_per_s": diag["ess_bulk_min"] / wall, "rhat_max": diag["rhat_max"],
              "rhat_worst": diag.get("rhat_worst"), "divergences": diag["divergences"],
              "roi": roi, "truth": truth}
    if truth:
        result.update(score(roi, truth))
    return result


def run_meridian(name: str, args) -> dict | None:
    """Meridian's geo model on the case's CSV, in the peers' interpreter."""
    _, _, truth, csv = load_case(name, args.meridian_dir)
    if csv is None or not Path(args.peers_python).exists():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        config = csv.with_suffix(".yaml")
        if name == "meridian_geo_media":   # no YAML beside Meridian's CSV: write one
            config = Path(tmp) / "config.yaml"
            config.write_text(json.dumps(meridian_geo_config(csv)))   # JSON is YAML
        cmd = [args.peers_python, str(HERE / "peers_geo.py"), "--csv", str(csv),
               "--yaml", str(config), "--chains", str(args.chains),
               "--warmup", str(args.peer_warmup), "--draws", str(args.peer_draws),
               "--seed", str(args.seed), "--out", str(out)]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0 or not out.exists():
            print(f"meridian failed on {name}:\n{done.stderr[-2000:]}", file=sys.stderr)
            return None
        result = json.loads(out.read_text())
    result.update(case=name, truth=truth)
    if truth:
        result.update(score(result["roi"], truth))
    return result


def print_row(r: dict) -> None:
    accuracy = (f"ROI MAPE {100 * r['roi_mape']:5.1f}%  cover {r['coverage']}/{r['n_channels']}"
                if "roi_mape" in r else "no truth")
    cpu = f" (cpu {r['cpu_s']:.0f}s)" if "cpu_s" in r else ""
    device = f" on {r['device']}" if "device" in r else ""
    print(f"{r['tool']:<9} {r['case']:<19} wall {r['wall_s']:7.1f}s{cpu}{device}  "
          f"ESS {r['ess_bulk_min']:7.0f}  ESS/s {r['ess_per_s']:7.3f}  "
          f"R-hat {r['rhat_max']:.3f}  div {r['divergences']:4d}  {accuracy}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+",
                        default=["geo_40x104_6ch", "sim_50x156x10", "meridian_geo_media"])
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--peers", action="store_true", help="also run Meridian's geo model")
    parser.add_argument("--peer-warmup", type=int, default=500)
    parser.add_argument("--peer-draws", type=int, default=500)
    parser.add_argument("--peers-python", default=PEERS_PYTHON)
    parser.add_argument("--meridian-dir", type=Path, default=MERIDIAN_DIR)
    parser.add_argument("--json", type=Path, help="write all results to this file")
    args = parser.parse_args(argv)
    results = []
    for name in args.cases:
        if name == "meridian_geo_media" and not (args.meridian_dir / "geo_media.csv").exists():
            print(f"skip {name}: {args.meridian_dir}/geo_media.csv not found")
            continue
        ours = run_mixcast(name, args)
        print_row(ours)
        if ours.get("truth"):
            for c, t in ours["truth"].items():
                e = ours["roi"][c]
                print(f"    {c:<16} true {t:5.2f}  est {e['mean']:5.2f} "
                      f"[{e['lo90']:5.2f}, {e['hi90']:5.2f}]")
        results.append(ours)
        peer = run_meridian(name, args) if args.peers else None
        if peer:
            print_row(peer)
            print(f"{'':9} ratio mixcast/meridian: ESS/s "
                  f"{ours['ess_per_s'] / max(peer['ess_per_s'], 1e-9):.1f}x, wall "
                  f"{peer['wall_s'] / ours['wall_s']:.1f}x faster", flush=True)
            if not ours.get("truth"):   # no truth: show where the two tools agree
                for c, e in ours["roi"].items():
                    p = peer["roi"].get(c)
                    if p:
                        print(f"    {c:<16} mixcast {e['mean']:6.2f} [{e['lo90']:6.2f}, "
                              f"{e['hi90']:6.2f}]  meridian {p['mean']:6.2f} "
                              f"[{p['lo90']:6.2f}, {p['hi90']:6.2f}]")
            results.append(peer)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
