"""Recovery on public data with known truth: PyMC-Marketing's simulated examples.

Usage: python bench/bench_public.py [--cases tvp_default ...] [--chains 4 --warmup 1000
                                    --draws 1000] [--peers] [--json out.json]

Each case is fitted as a new user would (the product defaults unless the case names a
model option), and its ROI is printed against the ROAS the generating process implies
(bench/data/pymc_marketing/truth.json; SOURCE.md there). Where a file's spend and KPI are
in different units (mmm_example's y is 1000x its notebook scale, mmm_roas_data's 100x), a
case multiplies the spend columns by that factor, as a user who put both in one currency
would, and divides the true ROAS by it; the as-published case is kept beside it to show
what the data check and validation then say. With ``--peers``, PyMC-Marketing and
Meridian fit the same table and config in the same run where installed (bench/peers.py),
with their own defaults; cases with a model option are mixcast's alone.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

DATA = Path(__file__).parent / "data" / "pymc_marketing"


@dataclass(frozen=True)
class Case:
    name: str
    file: str
    controls: tuple[str, ...]
    spend_factor: float = 1.0
    model: dict = field(default_factory=dict)
    date: str = "date_week"
    what: str = ""


CASES = (
    Case("example_units_matched", "mmm_example.csv", ("event_1", "event_2"), 1000.0,
         what="x1, x2 x1000: spend in the KPI's unit"),
    Case("example_as_published", "mmm_example.csv", ("event_1", "event_2"),
         what="spend 0.009% of the KPI: warned, do_not_act"),
    Case("roas_units_matched", "mmm_roas_data.csv", ("z",), 100.0, date="date",
         what="x1, x2 x100; the confounder z as a control"),
    Case("roas_confounder_unobserved", "mmm_roas_data.csv", (), 100.0, date="date",
         what="as above without z (the source notebook's point)"),
    Case("tvp_default", "media_tvp_data.csv", ("event_1", "event_2"),
         what="effectiveness x0.5-1.5 over time, constant model"),
    Case("tvp_trend_knots", "media_tvp_data.csv", ("event_1", "event_2"),
         model={"trend_knots": 4}, what="the trend bends instead"),
    Case("tvp_time_varying", "media_tvp_data.csv", ("event_1", "event_2"),
         model={"time_varying": ["x1", "x2"]}, what="effectiveness drifts in the model"),
)


def true_roi(case: Case) -> dict[str, float]:
    truth = json.loads((DATA / "truth.json").read_text())[case.file]["channels"]
    return {c: truth[c]["roas"] / case.spend_factor for c in ("x1", "x2")}


def write_case(case: Case, folder: Path) -> Path:
    """The case's table (date, KPI, spend, controls: no true components beside them) and
    config in ``folder``, as data.csv and data.yaml."""
    frame = pd.read_csv(DATA / case.file)
    for column in ("x1", "x2"):
        frame[column] = frame[column] * case.spend_factor
    frame[[case.date, "y", "x1", "x2", *case.controls]].to_csv(folder / "data.csv", index=False)
    config = {"data": "data.csv", "date": case.date, "target": "y", "kpi_type": "revenue",
              "channels": ["x1", "x2"], "controls": list(case.controls), "model": case.model}
    (folder / "data.yaml").write_text(yaml.safe_dump(config))
    return folder / "data.yaml"


def scored(case: Case, roi: dict[str, dict]) -> dict:
    truth = true_roi(case)
    return {c: {"true": truth[c], **roi[c], "covered": roi[c]["lo90"] <= truth[c] <= roi[c]["hi90"]}
            for c in truth}


def fit_case(case: Case, chains: int, warmup: int, draws: int, folder: Path) -> dict:
    import mixcast
    from mixcast.analysis.summary import summarize
    from mixcast.spec import SamplerConfig

    config = write_case(case, folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        project = mixcast.load(config)
        started = time.perf_counter()
        fitted = mixcast.fit(project.data, project.spec, sampler=SamplerConfig(
            chains=chains, warmup=warmup, draws=draws, seed=0))
        wall = time.perf_counter() - started
        summary = summarize(fitted)
    roi = {c: summary["channels"][c]["roi"] for c in ("x1", "x2")}
    return {"tool": "mixcast", "case": case.name, "what": case.what, "wall_s": wall,
            "rhat_max": summary["diagnostics"]["rhat_max"],
            "divergences": summary["diagnostics"]["divergences"],
            "data_warnings": sorted({i.code for i in project.data.issues
                                     if i.level == "warning"}),
            "channels": scored(case, roi)}


def fit_peers(case: Case, chains: int, warmup: int, draws: int, folder: Path) -> list[dict]:
    """PyMC-Marketing's and Meridian's fits of the case's table, where installed."""
    sys.path.insert(0, str(Path(__file__).parent))
    from peers import PEERS, run_peer

    write_case(case, folder)
    rows = []
    for tool in PEERS:
        result = run_peer(tool, "data", chains, warmup, draws, 0, data_dir=folder)
        if result is not None:
            rows.append({"tool": tool, "case": case.name, "what": case.what,
                         "wall_s": result["wall_s"], "rhat_max": result.get("rhat_max"),
                         "divergences": result["divergences"], "data_warnings": [],
                         "channels": scored(case, result["roi"])})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="*", default=[c.name for c in CASES])
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--peers", action="store_true",
                        help="also fit PyMC-Marketing and Meridian (bench/peers.py)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    known = {c.name: c for c in CASES}
    unknown = sorted(set(args.cases) - set(known))
    if unknown:
        parser.error(f"unknown cases {unknown}; known: {sorted(known)}")
    rows = []
    print("| case | tool | channel | true ROI | estimate (90%) | covered | R-hat | div | "
          "warnings |")
    print("|---|---|---|---:|---|---|---:|---:|---|")
    for name in args.cases:
        case = known[name]
        with tempfile.TemporaryDirectory() as folder:
            found = [fit_case(case, args.chains, args.warmup, args.draws, Path(folder))]
            if args.peers and not case.model:
                found += fit_peers(case, args.chains, args.warmup, args.draws, Path(folder))
        rows += found
        for row in found:
            rhat = "-" if row["rhat_max"] is None else f"{row['rhat_max']:.3f}"
            for channel, e in row["channels"].items():
                print(f"| {name} | {row['tool']} | {channel} | {e['true']:.4g} | "
                      f"{e['mean']:.4g} ({e['lo90']:.4g}-{e['hi90']:.4g}) | "
                      f"{'yes' if e['covered'] else 'no'} | {rhat} | {row['divergences']} | "
                      f"{', '.join(row['data_warnings']) or '-'} |", flush=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
