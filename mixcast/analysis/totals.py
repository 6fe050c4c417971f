"""Totals over the data window: the baseline's and all media's outcome, and the
MMM's incremental outcome beside what ad platforms attribute to themselves."""

from __future__ import annotations

import numpy as np
import pandas as pd

import jax

from mixcast.model.counterfactual import media_params, outcome_weights, plan_outcomes
from mixcast.model.mean import baseline, mediated_effects, mediator_term, organic_effects
from mixcast.posterior.fitted import Fit
from mixcast.posterior.intervals import Band

MAX_DRAWS = 500          # charts and live scenarios use at most this many draws


def outcome_metric(fit: Fit) -> int:
    """Which outcome plans are scored in: 0 currency value (revenue KPIs), 1 KPI units."""
    return 1 if fit.data.kpi_type == "conversions" else 0


def baseline_totals(fit: Fit, draws: dict[str, np.ndarray]) -> np.ndarray:
    """(S,) non-media outcome over the data window per draw, in the KPI's own unit
    (currency for revenue KPIs, conversions for conversion KPIs)."""
    inputs, structure = fit.inputs, fit.structure
    value = outcome_weights(inputs)[outcome_metric(fit)]

    def per_draw(p):
        total = sum(baseline(p, inputs).values())
        total = total + organic_effects(p, inputs, structure).sum(-1)
        # The mediators' non-media part (their media part is in the plans' outcomes).
        total = total + (mediator_term(p, inputs.media, inputs, structure)
                         - mediated_effects(p, inputs.media, structure)).sum(-1)
        return (total * value).sum()

    params = {k: np.asarray(v, np.float32) for k, v in draws.items()}
    return np.asarray(jax.lax.map(per_draw, params, batch_size=64), dtype=np.float64)


def media_total(fit: Fit) -> Band:
    """Scalar Band: outcome (KPI units) all paid media drove over the data window.

    Counterfactual: every channel off at once, so interactions and overlaps are counted
    once (the sum of one-channel-off increments can differ slightly).
    """
    media = fit.inputs.media
    plans = np.stack([media, np.zeros_like(media)])
    out = plan_outcomes(media_params(fit.param_draws(MAX_DRAWS)), plans, fit.inputs,
                        fit.structure)[..., 1]
    return Band.of(out[:, 0] - out[:, 1])


def platform_comparison(fit: Fit, *, channel_metrics=None) -> pd.DataFrame | None:
    """MMM-incremental vs platform-attributed outcome (KPI units) per reported channel.

    None when the data has no ``platform_attributed`` columns. ``ratio`` = platform-claimed
    / MMM-incremental (above 1: the platform over-credits itself).

    ``channel_metrics`` computes the fit's per-draw metrics (anything with
    ``incremental_kpi`` (S, C)); default :func:`mixcast.analysis.channel_metrics`, the ML
    challenger passes :func:`mixcast.ml.attribution.channel_metrics`. Called only when
    the data has platform-attributed columns.
    """
    if channel_metrics is None:
        from mixcast.analysis.metrics import channel_metrics

    claimed = fit.data.platform_attributed
    if not claimed:
        return None
    metrics = channel_metrics(fit)
    rows = {}
    for name, values in claimed.items():
        if name not in fit.channels:
            continue
        band = Band.of(metrics.incremental_kpi[:, fit.channels.index(name)])
        total = float(np.nansum(values))
        rows[name] = {"platform": total, "mmm_mean": float(band.mean),
                      "mmm_lo90": float(band.lo90), "mmm_hi90": float(band.hi90),
                      "ratio": total / float(band.mean) if band.mean > 0 else float("nan")}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("channel") if rows else None
