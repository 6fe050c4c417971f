"""The weekly decomposition of the KPI into baseline parts and channel effects."""

from __future__ import annotations

import jax
import numpy as np
import pandas as pd

from mixcast.model.counterfactual import media_params, weekly_channel_effects
from mixcast.model.mean import baseline, interaction_effects, organic_effects
from mixcast.posterior.fitted import Fit

BASELINE_PARTS = ("intercept", "trend")


def contributions(fit: Fit) -> pd.DataFrame:
    """Posterior-mean weekly decomposition of the KPI, in KPI units.

    Columns: date, geo, then intercept, trend, seasonality, controls, events, organic, each
    channel's main effect, and ``fitted`` (their sum). Interactions, when modelled, are one
    more column; so are ``holidays`` (the holiday regressors together, with a country)
    and ``national_time_effect`` (geo panels: the weekly shocks shared by every geo).
    """
    draws = fit.param_draws()
    inputs = fit.inputs
    scale = inputs.y_scale[:, None]
    effects = weekly_channel_effects(media_params(draws), inputs.media, inputs, fit.structure)
    mean_effects = effects.mean(axis=0) * scale[..., None]          # (G, T, C)
    posterior_mean = {k: v.mean(axis=0) for k, v in draws.items()}
    parts = {k: np.asarray(v) * scale for k, v in baseline(posterior_mean, inputs).items()}
    parts.update(_other_media_parts(fit, draws, scale))
    frames = []
    for g, geo in enumerate(fit.data.geos):
        frame = pd.DataFrame({"date": pd.to_datetime(fit.data.dates), "geo": geo})
        for name, values in parts.items():
            frame[name] = values[g]
        for c, channel in enumerate(fit.channels):
            frame[channel] = mean_effects[g, :, c]
        frame["fitted"] = frame.drop(columns=["date", "geo"]).sum(axis=1)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _other_media_parts(fit: Fit, draws, scale) -> dict[str, np.ndarray]:
    """Organic, interaction and mediator terms, posterior mean, (G, T) each."""
    out = {}
    inputs, structure = fit.inputs, fit.structure
    if structure.has_organic:
        organic = jax.vmap(lambda p: organic_effects(p, inputs, structure).sum(-1))(
            {k: v for k, v in draws.items() if k.startswith("organic_")})
        out["organic"] = np.asarray(organic).mean(axis=0) * scale
    if structure.interactions:
        keep = ("decay", "peak", "half_sat", "slope", "interaction")
        inter = jax.vmap(lambda p: interaction_effects(p, inputs.media, structure).sum(-1))(
            {k: v for k, v in draws.items() if k in keep})
        out["interactions"] = np.asarray(inter).mean(axis=0) * scale
    if structure.n_mediators:  # kappa * observed mediator: indirect media + mediator base
        kappa = draws["kappa"].mean(axis=0)
        out["mediators"] = (np.asarray(inputs.mediators) * kappa).sum(-1) * scale
    return out


def decomposition(fit: Fit) -> pd.DataFrame:
    """Weekly outcome (KPI units, summed over geos) split into baseline, seasonality,
    holidays, the national time effect, controls, events, organic, interactions and each
    channel; plus ``fitted`` and ``actual``. Posterior mean."""
    parts = contributions(fit).drop(columns=["geo"]).groupby("date", sort=True).sum()
    out = pd.DataFrame(index=parts.index)
    out["baseline"] = parts[list(BASELINE_PARTS)].sum(axis=1)
    for name in ("seasonality", "holidays", "national_time_effect", "controls", "events",
                 "organic", "interactions", "mediators"):
        if name in parts and np.abs(parts[name].to_numpy()).max() > 0:
            out[name] = parts[name]
    for channel in fit.channels:
        out[channel] = parts[channel]
    out["fitted"] = parts["fitted"]
    out["actual"] = fit.data.y.sum(axis=0)
    return out.reset_index()
