"""Geo hierarchy: national ROI and the ordering of geo-level ROI on simulated panels."""

import numpy as np
import pytest
from scipy.stats import spearmanr

from mixcast.analysis.metrics import channel_metrics, geo_roi
from mixcast.posterior.intervals import interval
from mixcast.inference.fit import fit
from mixcast.analysis.simulate import ChannelTruth, SimulationSpec, simulate
from mixcast.spec import SamplerConfig
from mixcast.analysis.summary import summarize


def geo_spec(seed: int) -> SimulationSpec:
    channels = {
        "tv_spend": ChannelTruth(roi=2.0, decay=0.5, half_saturation=1.0, slope=1.5,
                                 pattern="flighting", weekly_spend=30_000),
        "search_spend": ChannelTruth(roi=1.2, decay=0.2, half_saturation=1.0, slope=1.2,
                                     pattern="always_on", weekly_spend=20_000),
        "social_spend": ChannelTruth(roi=0.6, decay=0.3, half_saturation=1.2, slope=1.0,
                                     pattern="bursty", weekly_spend=15_000),
    }
    return SimulationSpec(channels=channels, n_weeks=104, n_geos=10, geo_effect_sd=0.5,
                          baseline_level=300_000.0, noise=0.04, seed=seed)


@pytest.fixture(scope="module")
def geo_case():
    sim = simulate(geo_spec(seed=4))
    fitted = fit(sim.data, sampler=SamplerConfig(chains=2, warmup=400, draws=300, seed=2,
                                                 continue_unconverged=False))
    return sim, fitted


@pytest.mark.slow
def test_national_roi_is_recovered_within_intervals(geo_case):
    sim, fitted = geo_case
    roi = interval(channel_metrics(fitted).roi)
    truth = np.array([sim.roi[c] for c in fitted.channels])
    covered = (roi["lo90"] <= truth) & (truth <= roi["hi90"])
    assert covered.sum() >= 2, dict(zip(fitted.channels, roi["mean"]))
    assert np.mean(np.abs(roi["mean"] - truth) / truth) < 0.3


@pytest.mark.slow
def test_geo_roi_ordering_is_recovered_for_strongly_different_geos(geo_case):
    sim, fitted = geo_case
    estimated = geo_roi(fitted).mean(axis=0)  # (G, C)
    c = fitted.channels.index("tv_spend")
    rho = spearmanr(estimated[:, c], sim.geo_roi["tv_spend"]).statistic
    assert rho > 0.6, rho
    summary = summarize(fitted)
    assert set(summary["geos"]) == set(fitted.data.geos)
    spend = fitted.data.spend.sum(axis=1)
    weighted = (estimated * spend).sum(0) / spend.sum(0)
    national = channel_metrics(fitted).roi.mean(axis=0)
    np.testing.assert_allclose(weighted, national, rtol=1e-3)
