"""The model's mean function: parameters + scaled media -> expected KPI (scaled).

Written once, in JAX, and used by the model (likelihood), the analysis (ROI by
counterfactual), the optimiser and the simulator, so that what is fitted is exactly what
is analysed and simulated. No numpyro here.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax.numpy as jnp

from mixcast._typing import Array
from mixcast.inputs import ModelInputs
from mixcast.spec import Adstock, ModelSpec
from mixcast.transforms import adstock, apply_carryover, carryover_weights, hill

Params = dict[str, Array]


@dataclass(frozen=True, slots=True)
class Structure:
    """Static facts the mean function needs (hashable, so it can close over jit)."""

    l_max: int
    delayed: bool
    n_channels: int
    time_varying: tuple[int, ...] = ()
    interactions: tuple[tuple[int, int], ...] = ()
    has_organic: bool = False

    @classmethod
    def build(cls, spec: ModelSpec, channels: tuple[str, ...], *, n_organic: int) -> "Structure":
        index = {name: i for i, name in enumerate(channels)}
        return cls(
            l_max=spec.l_max,
            delayed=spec.adstock is Adstock.DELAYED,
            n_channels=len(channels),
            time_varying=tuple(index[c] for c in spec.time_varying),
            interactions=tuple((index[a], index[b]) for a, b in spec.interactions),
            has_organic=n_organic > 0,
        )


def saturation_response(params: Params, media: Array, structure: Structure, *,
                        lagged: bool = False) -> Array:
    """Hill(adstock(media)) per channel: (..., G, T, C) in [0, 1).

    ``media`` is (..., G, T, C), or with ``lagged`` its precomputed lag stack
    (..., G, T, C, L), which saves rebuilding it at every gradient step.
    """
    weights = carryover_weights(params["decay"], params.get("peak") if structure.delayed
                                else None, l_max=structure.l_max)
    carried = apply_carryover(media, weights) if lagged else adstock(media, weights)
    return hill(carried, half_saturation=params["half_sat"], slope=params["slope"])


def effectiveness(params: Params, inputs: ModelInputs, structure: Structure) -> Array:
    """(T, C) multiplier on each channel's effect: 1 unless it is time-varying."""
    n_times = inputs.y.shape[1]
    ones = jnp.ones((n_times, structure.n_channels))
    if not structure.time_varying:
        return ones
    drift = jnp.exp(inputs.time_basis @ params["tv_coef"])  # (T, V)
    return ones.at[:, jnp.array(structure.time_varying)].set(drift)


def channel_effects(params: Params, media: Array, inputs: ModelInputs,
                    structure: Structure) -> Array:
    """(G, T, C) each channel's main effect on the scaled KPI."""
    response = saturation_response(params, media, structure)
    return params["beta"][:, None, :] * response * effectiveness(params, inputs, structure)


def interaction_effects(params: Params, media: Array, structure: Structure) -> Array:
    """(G, T, P) synergy terms ``theta_p * h_a * h_b`` for each declared channel pair."""
    if not structure.interactions:
        return jnp.zeros(media.shape[:-1] + (0,))
    response = saturation_response(params, media, structure)
    first = jnp.array([a for a, _ in structure.interactions])
    second = jnp.array([b for _, b in structure.interactions])
    return params["interaction"] * response[..., first] * response[..., second]


def baseline(params: Params, inputs: ModelInputs) -> dict[str, Array]:
    """Non-media parts of the mean, each (G, T) on the scaled KPI."""
    n_geos, n_times = inputs.y.shape
    parts = {
        "intercept": jnp.broadcast_to(params["intercept"][:, None], (n_geos, n_times)),
        "trend": jnp.broadcast_to(inputs.trend @ params["trend_coef"], (n_geos, n_times)),
        "seasonality": jnp.broadcast_to(inputs.season @ params["season_coef"],
                                        (n_geos, n_times)),
        "controls": inputs.controls @ params["gamma"],
        "events": inputs.events @ params["eta"],
    }
    return parts


def organic_effects(params: Params, inputs: ModelInputs, structure: Structure) -> Array:
    """(G, T, O) effects of non-paid channels (same carryover and saturation forms)."""
    if not structure.has_organic:
        return jnp.zeros(inputs.y.shape + (0,))
    weights = carryover_weights(params["organic_decay"], None, l_max=structure.l_max)
    response = hill(adstock(inputs.organic, weights),
                    half_saturation=params["organic_half_sat"], slope=params["organic_slope"])
    return params["organic_beta"] * response


def mean(params: Params, media: Array, inputs: ModelInputs, structure: Structure) -> Array:
    """(G, T) expected scaled KPI for the given scaled media (G, T, C)."""
    total = sum(baseline(params, inputs).values())
    total = total + channel_effects(params, media, inputs, structure).sum(-1)
    total = total + interaction_effects(params, media, structure).sum(-1)
    return total + organic_effects(params, inputs, structure).sum(-1)
