"""Fit Meridian's geo model on a benchmark geo CSV and write one JSON file of results.

Runs inside the peers' own interpreter (Meridian is a benchmark reference, not a mixcast
dependency), started by bench/bench_geo.py::

    /tmp/peers/bin/python bench/peers_geo.py --csv bench/data/geo_40x104_6ch.csv \
        --yaml bench/data/geo_40x104_6ch.yaml --chains 4 --warmup 500 --draws 500 \
        --out result.json

Meridian is used with its documented defaults for geo data (a revenue KPI, or conversions
with revenue per conversion; media as impressions where the config maps them): ROI priors
(its default LogNormal(0.2, 0.9) on ``roi_m``), geometric adstock with ``max_lag`` 8, Hill
saturation on media per capita (population column), geo-level intercepts and its default
time knots, the dataset's controls. ROI per channel is Meridian's own counterfactual ROI
(``Analyzer.roi()``, national aggregate), comparable with mixcast's definition.
Written: wall time of sampling, min bulk ESS and max R-hat over the model's parameters,
divergences and ROI mean / 90% interval per channel.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import pandas as pd
import yaml

PARAMETERS = ["roi_m", "alpha_m", "ec_m", "slope_m", "gamma_c", "sigma", "knot_values",
              "tau_g", "eta_m", "xi_c"]


def _interval(draws: np.ndarray) -> dict:
    return {"mean": float(draws.mean()), "lo90": float(np.percentile(draws, 5)),
            "hi90": float(np.percentile(draws, 95))}


def _diagnostics(idata) -> dict:
    import arviz as az

    post = idata.posterior[[n for n in PARAMETERS if n in idata.posterior]]
    ess = az.ess(post, method="bulk")
    rhat = az.rhat(post)
    return {"ess_bulk_min": min(float(np.nanmin(ess[v].values)) for v in ess.data_vars),
            "rhat_max": max(float(np.nanmax(rhat[v].values)) for v in rhat.data_vars)}


def build_input(df: pd.DataFrame, config: dict):
    from meridian.data import data_frame_input_data_builder as builder_mod

    channels = list(config["channels"])
    controls = list(config.get("controls") or [])
    # Media units: impressions where the config maps a channel to them, else spend.
    impressions = config.get("impressions") or {}
    media = [impressions.get(c, c) for c in channels]
    frame = df.rename(columns={config["date"]: "time", config["geo"]: "geo"})
    frame["time"] = frame["time"].dt.strftime("%Y-%m-%d")
    revenue = config.get("kpi_type", "revenue") == "revenue"
    builder = (builder_mod.DataFrameInputDataBuilder(
                   kpi_type="revenue" if revenue else "non_revenue")
               .with_kpi(frame, kpi_col=config["target"])
               .with_population(frame, population_col=config["population"])
               .with_media(frame, media_cols=media, media_spend_cols=channels,
                           media_channels=channels))
    if not revenue and config.get("revenue_per_kpi"):
        builder = builder.with_revenue_per_kpi(
            frame, revenue_per_kpi_col=config["revenue_per_kpi"])
    if controls:
        builder = builder.with_controls(frame, control_cols=controls)
    return builder.build()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", required=True)
    parser.add_argument("--yaml", required=True)
    parser.add_argument("--out", required=True)
    for name, default in (("chains", 4), ("warmup", 500), ("draws", 500), ("seed", 0)):
        parser.add_argument(f"--{name}", type=int, default=default)
    args = parser.parse_args()

    from meridian.analysis import analyzer
    from meridian.model import model as model_mod
    from meridian.model import spec as spec_mod

    config = yaml.safe_load(open(args.yaml))
    df = pd.read_csv(args.csv, parse_dates=[config["date"]])
    data = build_input(df, config)
    model = model_mod.Meridian(input_data=data, model_spec=spec_mod.ModelSpec(max_lag=8))
    started, cpu = time.perf_counter(), time.process_time()
    model.sample_posterior(n_chains=args.chains, n_adapt=args.warmup // 2,
                           n_burnin=args.warmup - args.warmup // 2, n_keep=args.draws,
                           seed=args.seed)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    draws = np.asarray(analyzer.Analyzer(model).roi())  # (chain, draw, channel)
    draws = draws.reshape(-1, draws.shape[-1])
    channels = list(config["channels"])
    idata = model.inference_data
    result = {"tool": "meridian", "wall_s": wall, "cpu_s": cpu,
              "settings": {"chains": args.chains, "warmup": args.warmup, "draws": args.draws},
              "roi": {c: _interval(draws[:, i]) for i, c in enumerate(channels)},
              "divergences": int(np.asarray(idata.sample_stats["diverging"]).sum()),
              **_diagnostics(idata)}
    result["ess_per_s"] = result["ess_bulk_min"] / wall
    with open(args.out, "w") as out:
        json.dump(result, out, indent=2)


if __name__ == "__main__":
    main()
