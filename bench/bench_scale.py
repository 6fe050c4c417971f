"""Scale benchmark: time and memory of a geo fit against the panel's size.

Usage::

    python bench/bench_scale.py [--grid 10x52x5 50x104x10 ...] [--chains 2 --warmup 300
                                 --draws 300] [--out bench/results/scale]
    python bench/bench_scale.py --one 200x156x15 --chains 4 --warmup 500 --draws 500
    python bench/bench_scale.py --grid 200x156x15 --estimate-only   # the probe, no fit

Every case (``GEOSxWEEKSxCHANNELS``) runs in its own subprocess, so that its peak resident
memory (``ru_maxrss`` of that process: JAX's working set, the draws and the summaries) is
its own. Per case: the cost estimate printed before the fit (:mod:`mixcast.inference.cost`),
the measured wall time, peak memory, max R-hat, divergences and the device JAX ran on; the
ratio measured / estimated shows how far the estimate can be trusted. Writes
``scale.json``, ``scale.md`` (a table) and ``scale.html`` (a Plotly plot) under ``--out``.

Timings are wall-clock on whatever machine runs this; on a shared machine they include
the other users' load (CPU seconds are printed beside them).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
DEFAULT_GRID = ["10x52x5", "25x104x5", "50x104x10", "50x156x15", "100x156x15"]

# Fifteen channels of mixed shapes (name, roi, decay, half-saturation, slope, pattern, spend).
SHAPES = [("tv", 1.6, 0.6, 1.0, 2.0, "flighting", 40_000),
          ("search", 3.0, 0.2, 0.9, 1.2, "always_on", 30_000),
          ("social", 1.2, 0.4, 1.2, 1.5, "always_on", 25_000),
          ("display", 0.6, 0.3, 1.0, 1.0, "bursty", 15_000),
          ("ooh", 0.9, 0.5, 0.7, 1.8, "pulsed", 10_000),
          ("radio", 1.1, 0.45, 0.8, 1.4, "flighting", 12_000),
          ("video", 1.4, 0.35, 1.1, 1.6, "always_on", 20_000),
          ("podcast", 0.8, 0.3, 0.9, 1.3, "pulsed", 6_000),
          ("affiliate", 2.2, 0.1, 1.0, 1.1, "always_on", 8_000),
          ("print", 0.5, 0.5, 0.8, 1.5, "bursty", 5_000),
          ("ctv", 1.3, 0.5, 1.0, 1.7, "flighting", 18_000),
          ("shopping", 2.5, 0.15, 0.9, 1.2, "always_on", 22_000),
          ("influencer", 1.0, 0.35, 1.1, 1.4, "pulsed", 7_000),
          ("email", 3.5, 0.1, 0.8, 1.0, "always_on", 3_000),
          ("sponsorship", 0.7, 0.55, 0.9, 1.6, "q4_heavy", 9_000)]


def parse_shape(text: str) -> tuple[int, int, int]:
    geos, weeks, channels = (int(p) for p in text.lower().split("x"))
    if not 1 <= channels <= len(SHAPES):
        raise SystemExit(f"channels must be 1..{len(SHAPES)}: {text}")
    return geos, weeks, channels


def simulated(geos: int, weeks: int, channels: int, seed: int = 3):
    from mixcast.analysis.simulate import ChannelTruth, SimulationSpec, simulate

    truth = {f"{n}_spend": ChannelTruth(roi=r, decay=d, half_saturation=h, slope=s,
                                        pattern=p, weekly_spend=w)
             for n, r, d, h, s, p, w in SHAPES[:channels]}
    return simulate(SimulationSpec(channels=truth, n_weeks=weeks, n_geos=geos,
                                   baseline_level=20_000.0, geo_effect_sd=0.2, noise=0.05,
                                   seed=seed))


def run_one(shape: str, args) -> dict:
    """Fit one case in this process; the figures as a dict (printed as JSON)."""
    from mixcast.runtime import configure

    configure()   # one XLA device per core, before the simulation starts JAX
    import jax
    import numpy as np

    import mixcast
    from mixcast.analysis.summary import summarize
    from mixcast.inference.cost import estimate_cost
    from mixcast.spec import ModelSpec, SamplerConfig

    from bench_compile import compile_listener  # bench/bench_compile.py

    compiling, _ = compile_listener()
    t0 = time.perf_counter()
    geos, weeks, channels = parse_shape(shape)
    sim = simulated(geos, weeks, channels)
    spec = ModelSpec()
    sampler = SamplerConfig(chains=args.chains, warmup=args.warmup, draws=args.draws,
                            seed=args.seed)
    started_est = time.perf_counter()
    estimate = estimate_cost(sim.data, spec, sampler)
    estimate_s = time.perf_counter() - started_est
    print(f"estimate {shape}: {estimate}", file=sys.stderr, flush=True)
    print(f"simulated in {started_est - t0:.0f}s", file=sys.stderr, flush=True)
    probe = {"shape": shape, "geos": geos, "weeks": weeks, "channels": channels,
             "chains": args.chains, "warmup": args.warmup, "draws": args.draws,
             "device": jax.devices()[0].platform,
             "est_compile_s": estimate.est_compile_seconds,
             "gradient_s": estimate.gradient_seconds,
             "probe_compile_s": estimate.compile_seconds,
             "est_wall_s": estimate.est_wall_seconds, "est_peak_bytes": estimate.est_peak_bytes,
             # the worst case of continued chains, priced apart (R-hat above 1.01)
             "est_continue_s": estimate.est_continue_seconds,
             "est_continue_bytes": estimate.est_continue_bytes,
             "est_params": estimate.params, "est_lags": estimate.lags,
             "est_kept_per_draw": estimate.kept_per_draw, "estimate_s": estimate_s}
    if args.estimate_only:
        return probe
    started, cpu = time.perf_counter(), time.process_time()
    compiled_before = sum(compiling.values())
    fitted = mixcast.fit(sim.data, spec, sampler=sampler)
    fitted_at = time.perf_counter()
    summary = summarize(fitted)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    summary_s = started + wall - fitted_at
    compile_s = sum(compiling.values()) - compiled_before
    diag = summary["diagnostics"]
    roi = {c: e["roi"]["mean"] for c, e in summary["channels"].items()}
    mape = float(np.mean([abs(roi[c] - t) / t for c, t in sim.roi.items()]))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {**probe, "wall_s": wall, "cpu_s": cpu,
            "fit_s": fitted.fit_seconds, "compile_s": compile_s,
            # after sampling: the Fit's posterior and diagnostics, then the summaries
            "post_fit_s": fitted_at - started - fitted.fit_seconds, "summary_s": summary_s,
            "peak_bytes": peak,
            "rhat_max": diag["rhat_max"], "ess_bulk_min": diag["ess_bulk_min"],
            "divergences": diag["divergences"], "roi_mape": mape,
            "leapfrog_steps_per_draw": float(fitted.idata.sample_stats["n_steps"].mean()),
            # what the fit ended with: a divergence retry doubles warm-up, continued
            # chains keep more draws than asked
            "final_warmup": fitted.sampler.warmup, "draws_kept": fitted.sampler.draws,
            "final_target_accept": fitted.sampler.target_accept}


def run_case(shape: str, args) -> dict | None:
    """One case in a fresh subprocess (its own peak memory, its own compilation)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--one", shape,
           "--chains", str(args.chains), "--warmup", str(args.warmup),
           "--draws", str(args.draws), "--seed", str(args.seed)]
    if args.estimate_only:
        cmd.append("--estimate-only")
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"{shape} failed:\n{done.stderr[-3000:]}", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


_ESTIMATED = {"wall": ("est_wall_s", "est_continue_s"),
              "peak": ("est_peak_bytes", "est_continue_bytes")}


def estimated(row: dict, what: str) -> float:
    """The estimate of ``what`` ("wall" seconds or "peak" bytes) printed before the fit,
    plus the share of its priced worst case of continued chains that the fit took (rows
    written before that price was kept: the printed estimate alone)."""
    from mixcast.inference.cost import continued_share

    printed, continued = _ESTIMATED[what]
    taken = continued_share(row["draws"], row.get("draws_kept", row["draws"]))
    return row[printed] + taken * row.get(continued, 0.0)


def table(rows: list[dict]) -> str:
    lines = ["| geos x weeks x channels | params | chains x (warmup+draws) | device | wall (s) "
             "| of which compiling (s) | est. wall (s) | peak memory (GB) | est. peak (GB) | max R-hat | divergences |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    # est.: as printed before the fit, plus the continued chains the fit took
    for r in rows:
        lines.append(
            f"| {r['shape']} | {r['est_params']} | {r['chains']} x ({r['warmup']}+{r['draws']}) "
            f"| {r['device']} | {r['wall_s']:.0f} | {r.get('compile_s', float('nan')):.0f} "
            f"| {estimated(r, 'wall'):.0f} "
            f"| {r['peak_bytes'] / 1e9:.2f} | {estimated(r, 'peak') / 1e9:.2f} "
            f"| {r['rhat_max']:.3f} | {r['divergences']} |")
    return "\n".join(lines)


def plot(rows: list[dict], path: Path) -> None:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    cells = [r["geos"] * r["weeks"] * r["channels"] for r in rows]
    labels = [r["shape"] for r in rows]
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Wall time (s)", "Peak memory (GB)"))
    for col, (measured, estimated) in enumerate(
            [("wall_s", "est_wall_s"), ("peak_bytes", "est_peak_bytes")], start=1):
        scale = 1e9 if measured == "peak_bytes" else 1.0
        for key, name, dash in ((measured, "measured", "solid"), (estimated, "estimated", "dot")):
            fig.add_trace(go.Scatter(x=cells, y=[r[key] / scale for r in rows], text=labels,
                                     mode="lines+markers", name=f"{name} ({measured})",
                                     line={"dash": dash}), row=1, col=col)
        fig.update_xaxes(type="log", title="geos x weeks x channels", row=1, col=col)
        fig.update_yaxes(type="log", row=1, col=col)
    fig.update_layout(title="mixcast geo fit: time and memory vs panel size")
    fig.write_html(path, include_plotlyjs=True)   # self-contained: opens with no network


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", nargs="+", default=DEFAULT_GRID)
    parser.add_argument("--one", help="fit this one case here and print its JSON")
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--draws", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "scale")
    parser.add_argument("--estimate-only", action="store_true",
                        help="print and keep (estimates.json) each case's cost estimate "
                             "and probe figures; no fit")
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one, args), default=float), flush=True)
        return 0
    rows = []
    for shape in args.grid:
        row = run_case(shape, args)
        if row is None:
            continue
        rows.append(row)
        if args.estimate_only:
            print(f"{shape:>12}: est {row['est_wall_s']:7.1f}s, "
                  f"{row['est_peak_bytes'] / 1e9:5.2f} GB; gradient "
                  f"{1e3 * row['gradient_s']:.3f} ms on {row['device']}", flush=True)
            continue
        print(f"{shape:>12}: wall {row['wall_s']:7.1f}s (est {estimated(row, 'wall'):7.1f}s)  "
              f"peak {row['peak_bytes'] / 1e9:5.2f} GB (est {estimated(row, 'peak') / 1e9:5.2f})"
              f"  R-hat {row['rhat_max']:.3f}  div {row['divergences']}  on {row['device']}",
              flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.estimate_only:
        (args.out / "estimates.json").write_text(json.dumps(rows, indent=2, default=float))
        return 0
    (args.out / "scale.json").write_text(json.dumps(rows, indent=2, default=float))
    (args.out / "scale.md").write_text(table(rows) + "\n")
    if rows:
        plot(rows, args.out / "scale.html")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
