"""Recovery of known truth on simulated data (fixed seeds, stated tolerances)."""

import numpy as np
import pytest

from mixcast.analysis.metrics import channel_metrics
from mixcast.posterior.intervals import interval
from mixcast.inference.fit import fit
from mixcast.analysis.simulate import default_spec, simulate
from mixcast.spec import SamplerConfig
from mixcast.analysis.summary import summarize

SAMPLER = SamplerConfig(chains=4, warmup=500, draws=500, seed=11, continue_unconverged=False)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_five_channels_156_weeks_recover_roi(seed):
    """5 channels, 156 weeks, 5% noise: >= 4 of 5 intervals cover, ROI MAPE < 25%."""
    sim = simulate(default_spec(seed=seed))
    fitted = fit(sim.data, sampler=SAMPLER)
    roi = interval(channel_metrics(fitted).roi)
    truth = np.array([sim.roi[c] for c in fitted.channels])
    covered = (roi["lo90"] <= truth) & (truth <= roi["hi90"])
    mape = np.mean(np.abs(roi["mean"] - truth) / truth)
    assert covered.sum() >= 4, dict(zip(fitted.channels, covered))
    assert mape < 0.25, mape
    report = summarize(fitted)["diagnostics"]
    assert report["rhat_max"] < 1.05
    assert report["divergences"] <= 2
