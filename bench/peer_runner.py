"""Fit one benchmark dataset with a peer tool and print one JSON line of results.

Runs inside the peers' own interpreter (PyMC-Marketing and Meridian are benchmark
references, not mixcast dependencies), started by bench/peers.py:

    PEERS_PYTHON bench/peer_runner.py --tool meridian --csv DATA.csv --yaml CONFIG.yaml \
        --chains 4 --warmup 1000 --draws 1000 --seed 0

Both peers are run with their documented defaults for a revenue KPI (geometric adstock
with l_max 8, their default saturation and priors, yearly Fourier seasonality of order 2,
the dataset's controls), so the comparison is the one a user would get out of the box.
Printed: wall time, min bulk ESS and max R-hat over the model's parameters, divergences
and the posterior ROI per channel (mean and 90% interval) by each tool's own definition
(Meridian: counterfactual, like mixcast; PyMC-Marketing: channel contributions over
spend, the same quantity for its additive model).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import pandas as pd
import yaml


def _interval(draws: np.ndarray) -> dict:
    return {"mean": float(draws.mean()), "lo90": float(np.percentile(draws, 5)),
            "hi90": float(np.percentile(draws, 95))}


def _diagnostics(idata, names: list[str]) -> dict:
    import arviz as az

    post = idata.posterior[[n for n in names if n in idata.posterior]]
    ess = az.ess(post, method="bulk")
    rhat = az.rhat(post)
    ess_min = min(float(np.nanmin(ess[v].values)) for v in ess.data_vars)
    rhat_max = max(float(np.nanmax(rhat[v].values)) for v in rhat.data_vars)
    return {"ess_bulk_min": ess_min, "rhat_max": rhat_max}


def run_pymc_marketing(df: pd.DataFrame, config: dict, args) -> dict:
    from pymc_marketing.mmm import MMM, GeometricAdstock, LogisticSaturation

    channels = list(config["channels"])
    controls = list(config.get("controls") or [])
    model = MMM(date_column=config["date"], channel_columns=channels,
                control_columns=controls or None, adstock=GeometricAdstock(l_max=8),
                saturation=LogisticSaturation(), yearly_seasonality=2)
    x = df.drop(columns=[config["target"]])
    started = time.perf_counter()
    model.fit(x, df[config["target"]], chains=args.chains, tune=args.warmup,
              draws=args.draws, nuts_sampler="numpyro", random_seed=args.seed,
              progressbar=False)
    wall = time.perf_counter() - started
    idata = model.idata
    contrib = model.compute_channel_contribution_original_scale()  # (chain, draw, date, ch)
    totals = contrib.sum("date").stack(sample=("chain", "draw")).transpose("sample", ...)
    roi = {c: _interval(totals.sel(channel=c).values / df[c].sum()) for c in channels}
    names = ["intercept", "adstock_alpha", "saturation_lam", "saturation_beta",
             "gamma_control", "gamma_fourier", "y_sigma"]
    return {"tool": "pymc-marketing", "wall_s": wall, "roi": roi,
            "divergences": int(idata.sample_stats["diverging"].sum()),
            **_diagnostics(idata, names)}


def run_meridian(df: pd.DataFrame, config: dict, args) -> dict:
    from meridian.analysis import analyzer
    from meridian.data import data_frame_input_data_builder as builder_mod
    from meridian.model import model as model_mod
    from meridian.model import spec as spec_mod

    channels = list(config["channels"])
    controls = list(config.get("controls") or [])
    frame = df.rename(columns={config["date"]: "time"})
    builder = (builder_mod.DataFrameInputDataBuilder(kpi_type="revenue")
               .with_kpi(frame, kpi_col=config["target"])
               .with_media(frame, media_cols=channels, media_spend_cols=channels,
                           media_channels=channels))
    if controls:
        builder = builder.with_controls(frame, control_cols=controls)
    data = builder.build()
    model = model_mod.Meridian(input_data=data, model_spec=spec_mod.ModelSpec(max_lag=8))
    started = time.perf_counter()
    model.sample_posterior(n_chains=args.chains, n_adapt=args.warmup // 2,
                           n_burnin=args.warmup - args.warmup // 2, n_keep=args.draws,
                           seed=args.seed)
    wall = time.perf_counter() - started
    draws = np.asarray(analyzer.Analyzer(model).roi())  # (chain, draw, channel)
    draws = draws.reshape(-1, draws.shape[-1])
    roi = {c: _interval(draws[:, i]) for i, c in enumerate(channels)}
    idata = model.inference_data
    names = ["roi_m", "alpha_m", "ec_m", "slope_m", "gamma_c", "sigma", "knot_values"]
    divergences = int(np.asarray(idata.sample_stats["diverging"]).sum())
    return {"tool": "meridian", "wall_s": wall, "roi": roi, "divergences": divergences,
            **_diagnostics(idata, names)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tool", choices=["pymc-marketing", "meridian"], required=True)
    parser.add_argument("--csv", required=True)
    parser.add_argument("--yaml", required=True)
    for name, default in (("chains", 4), ("warmup", 1000), ("draws", 1000), ("seed", 0)):
        parser.add_argument(f"--{name}", type=int, default=default)
    args = parser.parse_args()
    config = yaml.safe_load(open(args.yaml))
    df = pd.read_csv(args.csv, parse_dates=[config["date"]])
    run = run_meridian if args.tool == "meridian" else run_pymc_marketing
    result = run(df, config, args)
    result["ess_per_s"] = result["ess_bulk_min"] / result["wall_s"]
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
