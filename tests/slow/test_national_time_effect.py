"""Nationally flighted media on a geo panel whose baseline has national shocks.

15 geos x 104 weeks. TV is flighted nationally (the same spend pattern in every geo,
scaled by population); search varies by geo. The baseline gets national shocks that every
geo sees in the same week, on its own scale: small weekly noise (sd 2% of the level) and
seven unobserved promotion weeks (+20%), five of them during TV flights. Truth ROI:
TV 1.5, search 1.0 (baseline shocks do not change ROI).

Without the national time effect the shocks look like 15 independent geos agreeing, and
TV's interval is far too narrow (measured: 1.52-1.61, excluding 1.50); with it the
interval says how little the national series can tell (1.45-1.67) and covers the truth.
"""

from __future__ import annotations

import dataclasses

import arviz as az
import numpy as np
import pytest

from mixcast.analysis.metrics import channel_metrics
from mixcast.analysis.simulate import ChannelTruth, SimulationSpec, simulate
from mixcast.inference.fit import fit
from mixcast.posterior.diagnostics import diagnose_fit
from mixcast.posterior.intervals import interval
from mixcast.spec import ModelSpec, SamplerConfig

SAMPLER = SamplerConfig(chains=2, warmup=500, draws=500, seed=1, progress=False,
                        continue_unconverged=False)


def national_shock_panel(seed: int = 0):
    channels = {
        "tv_spend": ChannelTruth(roi=1.5, decay=0.5, half_saturation=1.0, slope=1.5,
                                 pattern="flighting", weekly_spend=40_000, geo_spread=0.0),
        "search_spend": ChannelTruth(roi=1.0, decay=0.2, half_saturation=1.0, slope=1.2,
                                     pattern="always_on", weekly_spend=20_000,
                                     geo_spread=0.4),
    }
    sim = simulate(SimulationSpec(channels=channels, n_weeks=104, n_geos=15,
                                  geo_effect_sd=0.3, baseline_level=300_000.0, noise=0.04,
                                  seed=seed))
    rng = np.random.default_rng(100 + seed)
    tv = sim.data.spend[..., 0].sum(axis=0)
    on, off = np.flatnonzero(tv > 0), np.flatnonzero(tv == 0)
    shocks = 0.02 * rng.normal(size=sim.data.n_times)
    promotions = np.concatenate([rng.choice(on, 5, replace=False),
                                 rng.choice(off, 2, replace=False)])
    shocks[promotions] += 0.2
    y = sim.data.y + sim.params["_y_scale"][:, None] * shocks[None, :]
    return sim, dataclasses.replace(sim.data, y=y)


@pytest.fixture(scope="module")
def fits():
    sim, data = national_shock_panel()
    assert np.allclose(data.spend[..., 0] / data.spend[..., 0].sum(axis=1, keepdims=True),
                       data.spend[0, :, 0] / data.spend[0, :, 0].sum())   # national flights
    without = fit(data, ModelSpec(national_time_effect=False), sampler=SAMPLER)
    with_effect = fit(data, ModelSpec(), sampler=SAMPLER)
    return sim, without, with_effect


def roi_intervals(fitted) -> dict[str, tuple[float, float, float]]:
    roi = interval(channel_metrics(fitted).roi)
    return {c: (float(roi["lo90"][i]), float(roi["mean"][i]), float(roi["hi90"][i]))
            for i, c in enumerate(fitted.channels)}


@pytest.mark.slow
def test_national_flights_are_overconfident_without_the_effect_and_covered_with_it(fits):
    sim, without, with_effect = fits
    truth = sim.roi["tv_spend"]
    lo_off, _, hi_off = roi_intervals(without)["tv_spend"]
    lo_on, _, hi_on = roi_intervals(with_effect)["tv_spend"]
    print(f"\nTV ROI truth {truth:.2f}: without the national time effect "
          f"{lo_off:.2f}-{hi_off:.2f}, with it {lo_on:.2f}-{hi_on:.2f}")
    assert lo_on <= truth <= hi_on
    covered_off = lo_off <= truth <= hi_off
    assert not covered_off or (hi_off - lo_off) < 0.5 * (hi_on - lo_on)
    assert (hi_off - lo_off) < 0.6 * (hi_on - lo_on)


@pytest.mark.slow
def test_a_geo_varying_channel_is_still_recovered(fits):
    sim, without, with_effect = fits
    lo, mean, hi = roi_intervals(with_effect)["search_spend"]
    truth = sim.roi["search_spend"]
    print(f"\nsearch ROI truth {truth:.2f}: with the national time effect "
          f"{lo:.2f}-{hi:.2f} (mean {mean:.2f}); without "
          f"{roi_intervals(without)['search_spend']}")
    assert lo <= truth <= hi
    assert abs(mean - truth) / truth < 0.2
    # Geo-level effects still come from the geos: the geo spread of search is learned.
    tau = with_effect.draws("geo_tau")[:, with_effect.channels.index("search_spend")]
    assert np.percentile(tau, 5) > 0.1


@pytest.mark.slow
def test_the_sampler_stays_healthy_with_the_national_effect(fits):
    _, without, with_effect = fits
    report = diagnose_fit(with_effect)
    roi_rhat = float(az.rhat(with_effect.idata, var_names=["roi"])["roi"].max())
    steps = np.asarray(with_effect.idata.sample_stats["n_steps"])
    print(f"\nwith: {report.as_dict()}, ROI R-hat {roi_rhat:.4f}, median steps "
          f"{np.median(steps)}; without: {diagnose_fit(without).as_dict()}")
    assert report.divergences < 0.005 * report.n_draws
    assert roi_rhat <= 1.01
    # 2 chains x 500: the hierarchical scales are the slowest to agree (geo_tau[tv_spend]
    # 1.021 in this environment); the ROIs above are held to 1.01.
    assert report.rhat_max <= 1.03
    assert report.ess_bulk_min >= 400
    assert np.median(steps) < 64    # whitened: short trajectories
