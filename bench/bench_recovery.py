"""Recovery of known ROI on hard simulated cases (bench/cases.py), mixcast and peers.

Usage:
    python bench/bench_recovery.py [--set hard|classic|shapes] [--cases NAME ...]
        [--chains 2 --warmup 500 --draws 500 --seed 0] [--data-seed K] [--holidays] [--holiday-events]
        [--json out.json] [--markdown] [--verbose] [--peers]
    python bench/bench_recovery.py --compare before.json after.json [--markdown]

The hard set (default, 12 cases: 8 national, 4 geo panels, lift tests in 6) stands for
the hidden cases of issue 14; ``--set classic`` runs the earlier 8, ``--set shapes`` four
shapes the hard set lacks (52 weeks national, 10 and 60 geos). Every config is what a
new user would write (default model options). ``--holidays`` adds ``holidays: US`` to the
configs of the cases whose baseline has holiday spikes; ``--holiday-events`` gives them the
simulator's own holiday weeks as events.csv instead (oracle knowledge). Lift tests carry
the optional ``measure_end_date`` column; a mixcast that does not read it yet is given the
file without it (a note is printed; the lift values, measured to measure_end_date, are
unchanged).
``--data-seed K`` (K > 0) draws fresh data for every case from the same generator (case
seed + 1000 K): same channels, truths and lift tests, other noise, spend and shocks, so
that a change can be checked on twins of the cases it was measured on.

Scores per case (channels c, true ROI r_c, posterior mean ROI m_c, 90% interval
[lo_c, hi_c], observed spend s_c summed over weeks and geos):

* ROI error (spend-weighted) = sum_c s_c |m_c - r_c| / sum_c s_c r_c, i.e. the absolute
  error in incremental outcome summed over channels, relative to the true total
  incremental outcome of paid media (zero-effect channels count in the numerator).
* coverage = share of channels with lo_c <= r_c <= hi_c.
* width/need = mean_c (hi_c - lo_c) / (2 x 1.645 x RMS_c(m_c - r_c)): about 1 for honest
  Gaussian intervals, > 1 too wide, < 1 overconfident (a rough, noisy per-case figure).
* rank rho = Spearman correlation of m_c with r_c (ties averaged).
* top = 1 when the channel with the highest true ROI has the highest posterior mean.
* R-hat max, divergences as % of post-warm-up draws, wall seconds of the fit (JIT
  compilation included).

Aggregates, national and geo apart and overall: the mean over cases of ROI error,
coverage, rank rho and width/need (median), top hits counted, the largest R-hat, the mean
divergence %, the summed wall time. Peers (``--peers``, see bench/peers.py) run on the
national cases without lift tests, which their default set-up cannot read.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

import cases as case_lib  # noqa: E402

METRICS = ("roi_error", "coverage", "width_ratio", "rank_rho", "top_hit", "shift_error",
           "rhat_max", "divergence_pct", "wall_s")


# --- scoring -------------------------------------------------------------------------------

def score(roi: dict, truth: dict, shift_change: float | None = None) -> dict:
    """The per-case scores (see the module docstring) of posterior ROI ``roi`` vs ``truth``,
    and of the predicted outcome change under the shifted plan when given."""
    names = list(truth["roi"])
    true = np.array([truth["roi"][n] for n in names])
    spend = np.array([truth["spend"][n] for n in names])
    mean = np.array([roi[n]["mean"] for n in names])
    lo = np.array([roi[n]["lo90"] for n in names])
    hi = np.array([roi[n]["hi90"] for n in names])
    err = mean - true
    rms = float(np.sqrt(np.mean(err ** 2)))
    rho = (float(pd.Series(mean).rank().corr(pd.Series(true).rank()))
           if np.ptp(mean) > 0 and np.ptp(true) > 0 else float("nan"))
    effect = true > 0
    shift = truth.get("shift")
    shift_error = (abs(shift_change - shift["change"]) / shift["media_outcome"]
                   if shift is not None and shift_change is not None else None)
    return {
        "shift_error": shift_error,
        "roi_error": float((spend * np.abs(err)).sum() / (spend * true).sum()),
        "coverage": float(((lo <= true) & (true <= hi)).mean()),
        "width_ratio": float(np.mean(hi - lo) / (2 * 1.645 * rms)) if rms > 0 else float("inf"),
        "rank_rho": rho,
        "top_hit": int(np.argmax(mean) == np.argmax(true)),
        "roi_mape": float(np.mean(np.abs(err)[effect] / true[effect])),
        "roi_mae": float(np.mean(np.abs(err))),
        "n_channels": len(names),
    }


def aggregate(results: list[dict]) -> dict:
    """Per tool: {national, geo, overall} -> aggregate scores over the cases that ran."""
    out: dict = {}
    for tool in dict.fromkeys(r["tool"] for r in results):
        groups = {"national": [], "geo": [], "overall": []}
        for r in results:
            if r["tool"] == tool:
                groups["geo" if r["n_geos"] > 1 else "national"].append(r)
                groups["overall"].append(r)
        out[tool] = {}
        for group, rows in groups.items():
            ok = [r for r in rows if "error" not in r]
            if not rows:
                continue
            entry = {"cases": len(rows), "failed": len(rows) - len(ok)}
            if ok:
                def mean(key):
                    return float(np.nanmean([r[key] for r in ok]))
                shifts = [r["shift_error"] for r in ok if r.get("shift_error") is not None]
                entry.update(
                    shift_error=float(np.mean(shifts)) if shifts else None,
                    roi_error=mean("roi_error"), coverage=mean("coverage"),
                    width_ratio=float(np.median([r["width_ratio"] for r in ok])),
                    rank_rho=mean("rank_rho"), top_hit=int(sum(r["top_hit"] for r in ok)),
                    rhat_max=_nan_max([r.get("rhat_max") for r in ok]),
                    divergence_pct=_nan_mean([r.get("divergence_pct") for r in ok]),
                    wall_s=float(sum(r["wall_s"] for r in ok)))
            out[tool][group] = entry
    return out


# --- running -------------------------------------------------------------------------------

def run_mixcast(config: Path, chains: int, warmup: int | None, draws: int,
                seed: int) -> dict:
    import mixcast
    from mixcast.analysis.summary import summarize
    from mixcast.spec import SamplerConfig

    project = mixcast.load(config)
    sampler = SamplerConfig(chains=chains, warmup=warmup, draws=draws, seed=seed,
                            progress=False)   # warmup None: the product's per-panel default
    started = time.perf_counter()
    fitted = mixcast.fit(project.data, project.spec, sampler=sampler)
    wall = time.perf_counter() - started
    summary = summarize(fitted)
    diagnostics = summary["diagnostics"]
    return {"tool": "mixcast", "wall_s": wall, "rhat_max": diagnostics["rhat_max"],
            "ess_bulk_min": diagnostics.get("ess_bulk_min"),
            "divergences": int(diagnostics["divergences"]),
            "divergence_pct": (100.0 * diagnostics["divergences"]
                               / (chains * fitted.sampler.draws)),
            "draws_kept": fitted.sampler.draws,   # more than asked when chains were continued
            "roi": {c: e["roi"] for c, e in summary["channels"].items()},
            "mroi": {c: e["mroi"] for c, e in summary["channels"].items()},
            "shift_change": bayes_shift_change(fitted)}


def bayes_shift_change(fitted) -> float:
    """Posterior mean change of the media-driven outcome (currency) when each channel's
    spend is scaled by the shifted plan's factors (cases.shift_factors) in every week."""
    from mixcast.model.counterfactual import media_params, plan_outcomes

    media = fitted.inputs.media
    factors = case_lib.shift_factors(media.shape[-1])
    out = plan_outcomes(media_params(fitted.param_draws()),
                        np.stack([media, media * factors]), fitted.inputs, fitted.structure)
    return float((out[:, 1, 0] - out[:, 0, 0]).mean())


def run_ml(config: Path, seed: int, trials: int, bootstrap: int,
           options: dict | None = None) -> dict:
    """The ML challenger on one case: ROI/mROI/share summaries, the shifted-plan change,
    and the issue-20 checks (no negative ROI or mROI mean, shares in [0, 1] summing to 1)."""
    import dataclasses

    import mixcast
    from mixcast.ml import MLConfig, fit_ml
    from mixcast.ml.attribution import plan_outcomes
    from mixcast.ml.run import ml_summary

    project = mixcast.load(config)
    ml_config = dataclasses.replace(MLConfig(), n_trials=trials, n_bootstrap=bootstrap,
                                    seed=seed, **(options or {}))
    started = time.perf_counter()
    fitted = fit_ml(project.data, ml_config)
    wall = time.perf_counter() - started
    summary = ml_summary(fitted)
    channels = summary["channels"]
    factors = case_lib.shift_factors(len(fitted.channels))
    out = plan_outcomes(fitted, np.stack([fitted.media, fitted.media * factors]))
    shares = np.array([e["contribution_share"]["mean"] for e in channels.values()])
    return {"tool": "ml", "wall_s": wall, "rhat_max": None, "divergence_pct": None,
            "roi": {c: e["roi"] for c, e in channels.items()},
            "mroi": {c: e["mroi"] for c, e in channels.items()},
            "shift_change": float((out[:, 1, 0] - out[:, 0, 0]).mean()),
            "min_roi_mean": float(min(e["roi"]["mean"] for e in channels.values())),
            "min_mroi_mean": float(min(e["mroi"]["mean"] for e in channels.values())),
            "shares_ok": bool(np.all((shares >= 0) & (shares <= 1))
                              and abs(shares.sum() - 1) < 1e-6),
            "lift_checks": [{k: t[k] for k in ("label", "channel", "measured", "implied_mean")}
                           for t in summary["lift_tests"]],
            "notes": fitted.cv.get("notes", [])}


def ml_options(pairs: list[str]) -> dict:
    """``KEY=VALUE`` ablation settings -> MLConfig fields (JSON values; ``learners`` takes
    a comma-separated list of LearnerKind values, empty for the linear layer alone)."""
    from mixcast.ml.learners import LearnerKind

    options = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        if key == "learners":
            options[key] = tuple(LearnerKind(v) for v in value.split(",") if v)
        else:
            options[key] = json.loads(value)
    return options


def _nan_max(values) -> float:
    values = [v for v in values if v is not None]
    return float(np.nanmax(values)) if values else float("nan")


def _nan_mean(values) -> float:
    values = [v for v in values if v is not None]
    return float(np.nanmean(values)) if values else float("nan")


def lift_columns_read() -> tuple[str, ...] | None:
    """None if mixcast reads ``measure_end_date``; else the columns to write without it."""
    from mixcast.data import lift_tests

    known = (*getattr(lift_tests, "REQUIRED", ()), *getattr(lift_tests, "OPTIONAL", ()))
    if "measure_end_date" in known or not known:
        return None
    return tuple(c for c in known if c != "bau_spend")


def describe(case) -> dict:
    return {"case": case.name, "n_geos": case.n_geos, "n_weeks": case.n_weeks,
            "n_channels": len(case.channels), "lift_tests": case.has_lift_tests,
            "holidays": case.holidays}


def run_case(case, folder: Path, args, lift_columns) -> list[dict]:
    config, truth = case_lib.write(case, folder, holidays=args.holidays,
                                   holiday_events=args.holiday_events,
                                   lift_columns=lift_columns)
    results = []
    runners = []
    if args.model in ("bayes", "both"):
        runners.append(("mixcast", lambda: run_mixcast(config, args.chains, args.warmup,
                                                       args.draws, args.seed)))
    if args.model in ("ml", "both"):
        runners.append(("ml", lambda: run_ml(config, args.seed, args.ml_trials,
                                             args.ml_bootstrap, ml_options(args.ml_set))))
    for tool, runner in runners:
        try:
            ours = runner()
        except Exception as exc:  # a failed case is reported, the run goes on
            ours = {"tool": tool,
                    "error": " ".join(f"{type(exc).__name__}: {exc}".split())[:500]}
        ours.update(describe(case))
        if "error" not in ours:
            ours.update(score(ours["roi"], truth, ours.get("shift_change")))
        ours["truth"] = {"roi": truth["roi"], "spend": truth["spend"],
                         "shift": truth["shift"]}
        results.append(ours)
    if args.peers and case.n_geos == 1 and not case.has_lift_tests:
        from peers import PEERS, run_peer

        (folder / "data.yaml").write_text(config.read_text())
        for tool in PEERS:
            peer = run_peer(tool, "data", args.chains, args.warmup or 1000, args.draws, args.seed,
                            data_dir=folder)
            if peer is None:
                continue
            peer.update(describe(case), tool=tool, divergences=int(peer["divergences"]))
            peer["divergence_pct"] = 100.0 * peer["divergences"] / (args.chains * args.draws)
            peer.update(score(peer["roi"], truth))
            results.append(peer)
    return results


# --- printing ------------------------------------------------------------------------------

def fmt(key: str, value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "-"
    if key in ("roi_error", "shift_error"):
        return f"{100 * value:.1f}%"
    if key in ("coverage", "rank_rho"):
        return f"{value:.2f}"
    if key == "width_ratio":
        return f"{value:.2f}"
    if key == "rhat_max":
        return f"{value:.3f}"
    if key == "divergence_pct":
        return f"{value:.1f}"
    if key == "wall_s":
        return f"{value:.0f}"
    return str(value)


HEAD = ("ROI err", "cover", "width/need", "rank rho", "top", "shift err", "R-hat", "div %",
        "wall s")


def case_cells(r: dict) -> list[str]:
    if "error" in r:
        return ["failed"] + ["-"] * (len(METRICS) - 1)
    cells = [fmt(k, r.get(k)) for k in METRICS]
    cells[1] = f"{cells[1]} ({round(r['coverage'] * r['n_channels'])}/{r['n_channels']})"
    return cells


def agg_cells(a: dict) -> list[str]:
    if "roi_error" not in a:
        return ["failed"] + ["-"] * (len(METRICS) - 1)
    cells = [fmt(k, a.get(k)) for k in METRICS]
    cells[4] = f"{a['top_hit']}/{a['cases'] - a['failed']}"
    return cells


def table(header: list[str], rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(header) + " |",
                 "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = "  ".join(f"{{:<{widths[0]}}}" if i == 0 else f"{{:>{w}}}"
                     for i, w in enumerate(widths))
    return "\n".join(line.format(*row) for row in [header, *rows])


def case_label(r: dict) -> str:
    kind = f"geo {r['n_geos']}x{r['n_weeks']}" if r["n_geos"] > 1 else f"nat {r['n_weeks']}w"
    return f"{r['case']} ({kind}{', lift' if r.get('lift_tests') else ''})"


def report(results: list[dict], aggregates: dict, markdown: bool) -> str:
    rows = []
    tools = list(aggregates)
    for r in results:
        label = case_label(r) + (f" [{r['tool']}]" if len(tools) > 1 else "")
        rows.append([label] + case_cells(r))
    for tool in tools:
        for group, a in aggregates[tool].items():
            label = f"**{group}**" if markdown else f"== {group}"
            failed = f", {a['failed']} failed" if a["failed"] else ""
            label += f" ({a['cases']} cases{failed})"
            rows.append([label + (f" [{tool}]" if len(tools) > 1 else "")] + agg_cells(a))
    return table(["case", *HEAD], rows, markdown)


def print_channels(r: dict) -> None:
    if "error" in r:
        print(f"    {r['error']}")
        return
    for channel, est in r["roi"].items():
        true = r["truth"]["roi"][channel]
        inside = est["lo90"] <= true <= est["hi90"]
        print(f"    {channel:<18} true {true:5.2f}  est {est['mean']:5.2f} "
              f"[{est['lo90']:5.2f}, {est['hi90']:5.2f}]{'' if inside else '  MISS'}")


def compare(before_path: Path, after_path: Path, markdown: bool) -> str:
    """Before/after table: each metric as 'before -> after', per case and aggregate."""
    runs = []
    for path in (before_path, after_path):
        data = json.loads(path.read_text())
        if not isinstance(data, dict) or "results" not in data:
            raise SystemExit(f"{path}: not a bench_recovery.py --json file of this version "
                             "(no 'results'). Re-run the benchmark with --json.")
        runs.append(data)
    before, after = runs
    lines = [f"before: {before_path} ({settings(before['meta'])})",
             f"after:  {after_path} ({settings(after['meta'])})", ""]
    keyed = [{(r["case"], r["tool"]): r for r in run["results"]} for run in runs]
    keys = list(dict.fromkeys([*keyed[0], *keyed[1]]))
    rows = []
    for key in keys:
        b, a = keyed[0].get(key), keyed[1].get(key)
        ref = a or b
        label = case_label(ref) + (f" [{key[1]}]" if key[1] != "mixcast" else "")
        cb = case_cells(b) if b else ["-"] * len(METRICS)
        ca = case_cells(a) if a else ["-"] * len(METRICS)
        rows.append([label] + [f"{x} -> {y}" for x, y in zip(cb, ca)])
    tools = list(dict.fromkeys([*before["aggregate"], *after["aggregate"]]))
    for tool in tools:
        had = {*before["aggregate"].get(tool, {}), *after["aggregate"].get(tool, {})}
        groups = [g for g in ("national", "geo", "overall") if g in had]
        for group in groups:
            b = before["aggregate"].get(tool, {}).get(group)
            a = after["aggregate"].get(tool, {}).get(group)
            label = (f"**{group}**" if markdown else f"== {group}") + (
                f" [{tool}]" if tool != "mixcast" else "")
            cb = agg_cells(b) if b else ["-"] * len(METRICS)
            ca = agg_cells(a) if a else ["-"] * len(METRICS)
            rows.append([label] + [f"{x} -> {y}" for x, y in zip(cb, ca)])
    lines.append(table(["case", *HEAD], rows, markdown))
    return "\n".join(lines)


def settings(meta: dict) -> str:
    warmup = meta.get('warmup') or 'default'
    return (f"{meta.get('set')} set, {meta.get('chains')} chains x {warmup}/{meta.get('draws')}"
            f", seed {meta.get('seed')}"
            + (f", data seed {meta['data_seed']}" if meta.get("data_seed") else "")
            + ", holidays "
            f"{'on' if meta.get('holidays') else 'off'}"
            + (", holiday weeks as events" if meta.get("holiday_events") else "")
            + f", mixcast {meta.get('mixcast_version')}"
            f" @ {meta.get('git_commit', '?')}, {meta.get('date')}")


def git_commit() -> str:
    try:
        done = subprocess.run(["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "-C", str(HERE), "status", "--porcelain", "--",
                                "../mixcast"], capture_output=True, text=True).stdout.strip()
        return done.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=list(case_lib.SETS), default="hard")
    parser.add_argument("--cases", nargs="+", help="case names (default: the whole set)")
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-seed", type=int, default=0,
                        help="K > 0: fresh data for every case (case seed + 1000 K)")
    parser.add_argument("--defaults", action="store_true",
                        help="the product's default sampler (4 chains, warm-up 1000 national / "
                             "2000 geo, 1000 draws); overrides --chains/--warmup/--draws")
    parser.add_argument("--holidays", action="store_true",
                        help="add 'holidays: US' to the configs of cases with holiday spikes")
    parser.add_argument("--holiday-events", action="store_true",
                        help="give those cases the simulator's holiday weeks as events.csv "
                             "(oracle knowledge of the spikes)")
    parser.add_argument("--peers", action="store_true")
    parser.add_argument("--model", choices=("bayes", "ml", "both"), default="bayes",
                        help="which mixcast model(s) to score (ml: the challenger)")
    parser.add_argument("--ml-trials", type=int, default=100,
                        help="Optuna trials of the ML challenger's media hyper-parameters")
    parser.add_argument("--ml-bootstrap", type=int, default=20,
                        help="block-bootstrap replicates of the ML challenger")
    parser.add_argument("--ml-set", nargs="+", default=[], metavar="KEY=VALUE",
                        help="MLConfig fields for an ablation, e.g. tree_media=false "
                             "learners=lightgbm (a JSON value or a comma-separated list)")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--markdown", action="store_true", help="tables in Markdown")
    parser.add_argument("--verbose", action="store_true", help="per-channel estimates")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"),
                        help="print two --json files side by side and exit")
    args = parser.parse_args(argv)
    if args.defaults:
        args.chains, args.warmup, args.draws = 4, None, 1000
    if args.compare:
        print(compare(*args.compare, args.markdown))
        return 0
    all_cases = {c.name: replace(c, seed=c.seed + 1000 * args.data_seed)
                 for c in case_lib.SETS[args.set]()}
    names = args.cases or list(all_cases)
    unknown = [n for n in names if n not in all_cases]
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}; the {args.set} set has "
                     f"{', '.join(all_cases)}")

    import mixcast

    lift_columns = lift_columns_read()
    if lift_columns is not None:
        print("note: this mixcast does not read measure_end_date; lift tests are written "
              "without it (same lift values)", file=sys.stderr)
    meta = {"set": args.set, "cases": names, "chains": args.chains, "warmup": args.warmup,
            "draws": args.draws, "seed": args.seed, "data_seed": args.data_seed,
            "holidays": args.holidays, "holiday_events": args.holiday_events,
            "ml_set": args.ml_set,
            "mixcast_version": getattr(mixcast, "__version__", "?"),
            "mixcast_path": str(Path(mixcast.__file__).parent), "git_commit": git_commit(),
            "date": dt.date.today().isoformat(),
            "lift_columns_dropped": [] if lift_columns is None else ["measure_end_date"]}
    results = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            for r in run_case(all_cases[name], Path(tmp) / name, args, lift_columns):
                results.append(r)
                print(f"{case_label(r) + ' [' + r['tool'] + ']':<45} " + (
                    f"FAILED {r['error']}" if "error" in r else
                    "  ".join(f"{h} {c}" for h, c in zip(HEAD, case_cells(r)))), flush=True)
                if args.verbose:
                    print_channels(r)
            if args.json:   # after every case, so a long run that is cut short keeps them
                args.json.parent.mkdir(parents=True, exist_ok=True)
                args.json.write_text(json.dumps({"meta": meta, "results": results,
                                                 "aggregate": aggregate(results)}, indent=1))
    meta["total_wall_s"] = time.perf_counter() - started
    aggregates = aggregate(results)
    print()
    print(report(results, aggregates, args.markdown))
    print(f"\n{settings(meta)}; total wall {meta['total_wall_s']:.0f} s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"meta": meta, "results": results,
                                         "aggregate": aggregates}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
