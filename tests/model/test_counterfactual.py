"""Plan outcomes channel by channel equal every plan evaluated whole, with and without
mediated paths (and declared interactions keep the whole-plan path)."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from mixcast.model import counterfactual
from mixcast.model.counterfactual import media_params, plan_outcomes
from mixcast.model.plans import channel_scaled_plans, metric_plans
from tests.conftest import small_spec
from tests.test_effects import mediated_spec, truth_view


def _whole_plans(params, plans, inputs, structure):
    """Every plan evaluated whole: the reference the channel-by-channel path must equal."""
    weights = jnp.asarray(counterfactual.outcome_weights(inputs), jnp.float32)
    out = counterfactual._plan_outcomes(params, jnp.asarray(plans, jnp.float32), inputs,
                                        weights, structure, 4)
    return np.asarray(out, np.float64)


@pytest.mark.parametrize("spec", [
    small_spec(),
    mediated_spec(),
    dataclasses.replace(small_spec(), interactions=(("tv_spend", "search_spend", 0.3),)),
], ids=["main effects", "mediated", "interaction"])
def test_channel_by_channel_outcomes_equal_whole_plans(spec):
    sim, inputs, structure, params = truth_view(spec)
    draws = {k: np.repeat(v, 3, axis=0) * np.linspace(0.8, 1.2, 3).reshape(
        (3,) + (1,) * (v.ndim - 1)).astype(np.float32) for k, v in params.items()}
    params = media_params(draws)
    for plans in (metric_plans(inputs.media, 0.01),
                  channel_scaled_plans(inputs.media, [0.0, 0.5, 1.5])):
        fast = plan_outcomes(params, plans, inputs, structure)
        whole = _whole_plans(params, plans, inputs, structure)
        np.testing.assert_allclose(fast, whole, rtol=2e-5, atol=1e-6 * np.abs(whole).max())
