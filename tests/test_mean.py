"""The model's hot path (channel-major lag stacks) equals the plain mean-function path
that the analysis, optimiser and simulator use."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from mixcast.model.inputs import prepare
from mixcast.model.mean import Structure, channel_major_response, saturation_response
from mixcast.analysis.simulate import ChannelTruth, SimulationSpec, simulate
from mixcast.spec import Adstock, ModelSpec


@pytest.mark.parametrize("n_geos", [1, 3])
@pytest.mark.parametrize("adstock", [Adstock.GEOMETRIC, Adstock.DELAYED])
def test_channel_major_response_equals_saturation_response(n_geos, adstock):
    channels = {name: ChannelTruth(roi=1.0, decay=0.5, half_saturation=1.0, slope=1.5,
                                   pattern=pattern, weekly_spend=1e4)
                for name, pattern in (("tv", "flighting"), ("search", "always_on"),
                                      ("ooh", "pulsed"))}
    sim = simulate(SimulationSpec(channels=channels, n_weeks=40, n_geos=n_geos, seed=1))
    spec = ModelSpec(adstock=adstock)
    inputs = prepare(sim.data, spec)
    structure = Structure.build(spec, sim.data.channels, n_organic=0)
    rng = np.random.default_rng(0)
    params = {"decay": jnp.asarray(rng.uniform(0.1, 0.8, 3)),
              "half_sat": jnp.asarray(rng.uniform(0.5, 2.0, 3)),
              "slope": jnp.asarray(rng.uniform(0.7, 2.5, 3)),
              "peak": jnp.asarray(rng.uniform(0.0, 3.0, 3))}
    hot = channel_major_response(params, jnp.asarray(inputs.media_lagged), structure)
    plain = saturation_response(params, jnp.asarray(inputs.media), structure)
    assert hot.shape == (3, n_geos, 40)
    np.testing.assert_allclose(np.moveaxis(np.asarray(hot), 0, -1), np.asarray(plain),
                               rtol=1e-5, atol=1e-7)
