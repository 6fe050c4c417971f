"""Outcomes under alternative media plans, evaluated over posterior draws in one JAX call.

The primitive behind ROI, mROI, response curves, the optimiser and scenarios: given a
batch of V media plans, return the total media-driven outcome of each plan under each
posterior draw. Only media-dependent terms are computed (the baseline cancels in every
difference we report).

Where the media terms add up over channels (no declared interactions), a plan's outcome
is the sum of each channel's own, and most plans asked for differ from the observed one
in one channel (ROI's channel off, mROI's channel up, response curves' channel scaled):
each distinct channel column is then evaluated once, not once per plan. On a 50-geo,
15-channel panel that cut ROI and mROI's 31 plans x 15 channels to 3 x 15 evaluations.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from mixcast.model.inputs import ModelInputs
from mixcast.model.mean import (Structure, channel_effects, indirect_per_response,
                                interaction_effects, mediated_effects, saturation_response)
from mixcast.model.plans import distinct_channel_values

# Keeps each lax.map batch to roughly this many float32 values of lagged media.
_BATCH_BUDGET = 3e7


def media_params(draws: dict[str, np.ndarray]) -> dict[str, jax.Array]:
    """The posterior draws the media terms read, as float32 device arrays."""
    keep = ("decay", "peak", "half_sat", "slope", "beta", "interaction", "tv_coef",
            "kappa", "mediator_link", "rf_half_freq", "rf_slope")
    return {k: jnp.asarray(v, dtype=jnp.float32) for k, v in draws.items() if k in keep}


def outcome_weights(inputs: ModelInputs) -> np.ndarray:
    """(2, G, T): scaled KPI -> currency value, and scaled KPI -> KPI units."""
    return np.stack([inputs.y_scale[:, None] * inputs.value,
                     np.broadcast_to(inputs.y_scale[:, None], inputs.value.shape)])


def plan_outcomes(params: dict[str, jax.Array], media_plans: np.ndarray, inputs: ModelInputs,
                  structure: Structure, *, weeks: np.ndarray | None = None) -> np.ndarray:
    """Total media-driven outcome of each plan under each draw.

    Parameters
    ----------
    params : (S, ...) draws from :func:`media_params`.
    media_plans : (V, G, T, C) scaled media.
    weeks : optional (T,) 0/1 mask of the weeks whose outcome counts (e.g. a horizon
        after a history that only supplies carryover).

    Returns
    -------
    (S, V, 2) outcome in currency value ([..., 0]) and in KPI units ([..., 1]).
    """
    weights = outcome_weights(inputs)
    if weeks is not None:
        weights = weights * np.asarray(weeks)[None, None, :]
    return _weighted_outcomes(params, media_plans, inputs, weights, structure)


def period_outcomes(params: dict[str, jax.Array], media_plans: np.ndarray,
                    inputs: ModelInputs, structure: Structure,
                    periods: np.ndarray) -> np.ndarray:
    """Media-driven outcome of each plan under each draw, counted within each period.

    Parameters
    ----------
    media_plans : (V, G, T, C) scaled media.
    periods : (P, T) 0/1 masks of the weeks each period counts (e.g. quarters).

    Returns
    -------
    (S, V, P, 2) outcome in currency value ([..., 0]) and KPI units ([..., 1]).
    """
    n_plans, n_geos, n_times, _ = np.shape(media_plans)
    periods = np.asarray(periods, dtype=np.float64)
    weights = (periods[:, None, None, :] * outcome_weights(inputs)[None]).reshape(
        -1, n_geos, n_times)  # (P * 2, G, T)
    out = _weighted_outcomes(params, media_plans, inputs, weights, structure)
    return out.reshape(out.shape[0], n_plans, len(periods), 2)


def _weighted_outcomes(params, media_plans, inputs: ModelInputs, weights: np.ndarray,
                       structure: Structure) -> np.ndarray:
    """(S, V, K): each plan's media terms summed over geos and weeks with each of the K
    (G, T) ``weights``; channel by channel where the terms add up over channels."""
    media_plans = np.asarray(media_plans, dtype=np.float32)
    weights = jnp.asarray(weights, jnp.float32)
    if not structure.interactions:
        columns, index = distinct_channel_values(media_plans)
        if len(columns) < len(media_plans):
            totals = _channel_totals(params, jnp.asarray(columns), inputs, weights, structure,
                                     _batch(columns.shape, structure))
            totals = np.asarray(totals, dtype=np.float64)          # (S, R, C, K)
            return totals[:, index, np.arange(index.shape[1])].sum(axis=2)
    out = _plan_outcomes(params, jnp.asarray(media_plans), inputs, weights, structure,
                         _batch(media_plans.shape, structure))
    return np.asarray(out, dtype=np.float64)


def _batch(plans_shape: tuple, structure: Structure) -> int:
    """Draws per lax.map step: about :data:`_BATCH_BUDGET` lagged media values."""
    per_draw = int(np.prod(plans_shape)) * structure.l_max
    return int(max(1, min(256, _BATCH_BUDGET // max(per_draw, 1))))


@partial(jax.jit, static_argnames=("structure", "batch"))
def _plan_outcomes(params, plans, inputs, weights, structure, batch):
    def per_draw(p):
        def per_plan(media):
            effect = channel_effects(p, media, inputs, structure).sum(-1)
            effect = effect + interaction_effects(p, media, structure).sum(-1)
            effect = effect + mediated_effects(p, media, structure).sum(-1)
            return jnp.einsum("gt,kgt->k", effect, weights)
        return jax.vmap(per_plan)(plans)
    return jax.lax.map(per_draw, params, batch_size=batch)


@partial(jax.jit, static_argnames=("structure", "batch"))
def _channel_totals(params, columns, inputs, weights, structure, batch):
    """(S, R, C, K) each channel's own media terms (main and mediated) per column set."""
    def per_draw(p):
        def per_columns(media):
            effect = channel_effects(p, media, inputs, structure)
            if structure.n_mediators:   # the mediated path is linear in each response
                effect = effect + (indirect_per_response(p, structure)
                                   * saturation_response(p, media, structure))
            return jnp.einsum("gtc,kgt->ck", effect, weights)
        return jax.vmap(per_columns)(columns)
    return jax.lax.map(per_draw, params, batch_size=batch)


@partial(jax.jit, static_argnames=("structure", "batch"))
def _weekly_effects(params, media, inputs, structure, batch):
    def per_draw(p):
        return channel_effects(p, media, inputs, structure)
    return jax.lax.map(per_draw, params, batch_size=batch)


def weekly_channel_effects(params: dict[str, jax.Array], media: np.ndarray,
                           inputs: ModelInputs, structure: Structure) -> np.ndarray:
    """(S, G, T, C) each channel's main effect per week, on the scaled KPI."""
    n_geos, n_times, n_channels = media.shape
    batch = int(max(1, min(256, _BATCH_BUDGET // (n_geos * n_times * n_channels
                                                  * structure.l_max))))
    out = _weekly_effects(params, jnp.asarray(media, jnp.float32), inputs, structure, batch)
    return np.asarray(out, dtype=np.float64)


@partial(jax.jit, static_argnames=("structure", "batch"))
def _geo_totals(params, media, inputs, weights, structure, batch):
    def per_draw(p):
        effects = channel_effects(p, media, inputs, structure)  # (G, T, C)
        return jnp.einsum("gtc,gt->gc", effects, weights)
    return jax.lax.map(per_draw, params, batch_size=batch)


def geo_channel_outcomes(params: dict[str, jax.Array], inputs: ModelInputs,
                         structure: Structure) -> np.ndarray:
    """(S, G, C) each channel's main-effect outcome (currency value) per geo, summed over
    weeks. Equals the counterfactual when the model has no interaction terms."""
    n_geos, n_times, n_channels = inputs.media.shape
    batch = int(max(1, min(256, _BATCH_BUDGET // (n_geos * n_times * n_channels
                                                  * structure.l_max))))
    weights = jnp.asarray(outcome_weights(inputs)[0], jnp.float32)
    out = _geo_totals(params, jnp.asarray(inputs.media, jnp.float32), inputs, weights,
                      structure, batch)
    return np.asarray(out, dtype=np.float64)
