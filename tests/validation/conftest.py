"""Fixtures for validation tests: deliberately broken simulated datasets and their fits."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mixcast.model.inputs import prepare
from mixcast.model.mean import Structure, mean
from mixcast.analysis.simulate import Simulated, simulate
from mixcast.spec import ModelSpec, SamplerConfig
from tests.conftest import SHORT, small_spec


def with_spend(sim: Simulated, spend: np.ndarray, *, seed: int = 0) -> "Dataset":
    """``sim``'s world under another spend: outcomes from the true parameters and the
    model's mean function (media on the original scale), same noise level."""
    spec = ModelSpec(l_max=8, fourier_order=2)
    inputs = dataclasses.replace(prepare(sim.data, spec), y_scale=sim.params["_y_scale"])
    structure = Structure.build(spec, sim.data.channels, n_organic=0)
    media = (spend / inputs.media_scale[:, None, :]).astype(np.float32)
    params = {k: v for k, v in sim.params.items() if not k.startswith("_")}
    mu = np.asarray(mean(params, media, inputs, structure))
    y = (mu + np.random.default_rng(seed).normal(scale=0.04, size=mu.shape)) \
        * inputs.y_scale[:, None]
    return dataclasses.replace(sim.data, spend=spend, media=spend, y=y)


@pytest.fixture(scope="session")
def collinear_fit():
    """tv_spend and search_spend perfectly proportional (r = 1)."""
    from mixcast.inference.fit import fit

    spec = dataclasses.replace(small_spec(seed=5), collinear=(("tv_spend", "search_spend"),),
                               collinearity=1.0)
    return fit(simulate(spec).data, sampler=SHORT)


@pytest.fixture(scope="session")
def flat_fit():
    """social_spend nearly constant (coefficient of variation ~0.03)."""
    from mixcast.inference.fit import fit

    sim = simulate(small_spec(seed=6))
    spend = sim.data.spend.copy()
    weeks = spend.shape[1]
    spend[:, :, 2] = 15_000 * (1 + 0.03 * np.random.default_rng(1).normal(size=(1, weeks)))
    return fit(with_spend(sim, spend), sampler=SHORT)


@pytest.fixture(scope="session")
def short_fit():
    """Only 40 weeks of history."""
    from mixcast.inference.fit import fit

    return fit(simulate(small_spec(seed=8, n_weeks=40)).data, sampler=SHORT)


def clear_spec() -> "SimulationSpec":
    """A well-specified, well-measured world: three channels with strongly varying spend
    (flighting, bursty, pulsed), 130 weeks, 3% noise, the model's own functional form."""
    from mixcast.analysis.simulate import ChannelTruth, SimulationSpec

    channels = {
        "tv_spend": ChannelTruth(roi=2.0, decay=0.4, half_saturation=1.0, slope=1.5,
                                 pattern="flighting", weekly_spend=30_000),
        "search_spend": ChannelTruth(roi=1.5, decay=0.2, half_saturation=1.0, slope=1.2,
                                     pattern="bursty", weekly_spend=25_000),
        "social_spend": ChannelTruth(roi=1.2, decay=0.3, half_saturation=1.0, slope=1.2,
                                     pattern="pulsed", weekly_spend=25_000),
    }
    return SimulationSpec(channels=channels, n_weeks=130, baseline_level=200_000.0,
                          noise=0.03, seed=12)


@pytest.fixture(scope="session")
def clear_fit():
    from mixcast.inference.fit import fit

    # Four chains: "solid" needs R-hat <= 1.01 (mixcast.posterior.diagnostics), which two
    # short chains reach only by luck.
    return fit(simulate(clear_spec()).data,
               sampler=SamplerConfig(chains=4, warmup=500, draws=1000, seed=7, progress=False))
