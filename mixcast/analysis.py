"""ROI, mROI, contribution shares, CPA and the weekly decomposition of a Fit.

Free functions over a :class:`~mixcast.posterior.Fit`, by the DESIGN.md definitions:
ROI by counterfactual (each channel's spend set to zero in every week), mROI by a small
proportional increase, both summed over the data window and every geo.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mixcast.counterfactual import (
    geo_channel_outcomes,
    media_params,
    plan_outcomes,
    weekly_channel_effects,
)
from mixcast.calibration import lift_test_checks
from mixcast.mean import baseline
from mixcast.posterior import Fit

MROI_STEP = 0.01


@dataclass(frozen=True, slots=True)
class ChannelMetrics:
    """Per-draw channel metrics, (S, C) each; ``cpa`` only for conversion KPIs."""

    channels: tuple[str, ...]
    spend: np.ndarray
    incremental: np.ndarray      # currency value of the incremental outcome
    incremental_kpi: np.ndarray  # incremental outcome in KPI units
    roi: np.ndarray
    mroi: np.ndarray
    contribution_share: np.ndarray
    cpa: np.ndarray | None


def interval(draws: np.ndarray, axis: int = 0) -> dict[str, np.ndarray]:
    """Posterior mean and 90% interval (5th and 95th percentiles) along ``axis``."""
    lo, hi = np.percentile(draws, [5.0, 95.0], axis=axis)
    return {"mean": np.mean(draws, axis=axis), "lo90": lo, "hi90": hi}


def channel_metrics(fit: Fit) -> ChannelMetrics:
    """Counterfactual ROI, mROI and contribution share for every channel and draw."""
    media = fit.inputs.media
    n_channels = media.shape[-1]
    plans = [media]
    for c in range(n_channels):
        off = media.copy()
        off[..., c] = 0.0
        plans.append(off)
    for c in range(n_channels):
        up = media.copy()
        up[..., c] *= 1.0 + MROI_STEP
        plans.append(up)
    outcomes = plan_outcomes(media_params(fit.param_draws()), np.stack(plans), fit.inputs,
                             fit.structure)
    current = outcomes[:, :1]
    incremental = current - outcomes[:, 1:1 + n_channels]   # (S, C, 2)
    marginal = outcomes[:, 1 + n_channels:] - current
    spend = fit.data.spend.sum(axis=(0, 1))
    safe = np.where(spend > 0, spend, np.nan)
    total = incremental[..., 0].sum(axis=1, keepdims=True)
    cpa = None
    if fit.data.kpi_type == "conversions":
        cpa = safe / np.where(incremental[..., 1] > 0, incremental[..., 1], np.nan)
    return ChannelMetrics(
        channels=fit.channels, spend=spend, incremental=incremental[..., 0],
        incremental_kpi=incremental[..., 1], roi=incremental[..., 0] / safe,
        mroi=marginal[..., 0] / (MROI_STEP * safe),
        contribution_share=incremental[..., 0] / np.where(total != 0, total, np.nan),
        cpa=cpa)


def roi_table(fit: Fit) -> pd.DataFrame:
    """One row per channel: spend, ROI, mROI and share with 90% intervals."""
    metrics = channel_metrics(fit)
    rows = {"spend": metrics.spend}
    for name in ("roi", "mroi", "contribution_share", "incremental"):
        summary = interval(getattr(metrics, name))
        for key, values in summary.items():
            rows[f"{name}_{key}"] = values
    if metrics.cpa is not None:
        for key, values in interval(metrics.cpa).items():
            rows[f"cpa_{key}"] = values
    return pd.DataFrame(rows, index=pd.Index(metrics.channels, name="channel"))


def contributions(fit: Fit) -> pd.DataFrame:
    """Posterior-mean weekly decomposition of the KPI, in KPI units.

    Columns: date, geo, then intercept, trend, seasonality, controls, events, organic, each
    channel's main effect, and ``fitted`` (their sum). Interactions, when modelled, are one
    more column.
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
    import jax

    from mixcast.mean import interaction_effects, organic_effects

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


def summary(fit: Fit) -> dict:
    """The ``summary.json`` contract (DESIGN.md), plus added keys."""
    from mixcast import __version__
    from mixcast.diagnostics import diagnose_fit
    from mixcast.effects import effects_summary

    metrics = channel_metrics(fit)
    channels = {}
    for c, name in enumerate(metrics.channels):
        entry = {"spend": float(metrics.spend[c])}
        for key in ("roi", "mroi", "contribution_share", "incremental"):
            entry[key if key != "incremental" else "incremental_outcome"] = _scalar_interval(
                getattr(metrics, key)[:, c])
        if metrics.cpa is not None:
            entry["cpa"] = _scalar_interval(metrics.cpa[:, c])
        channels[name] = entry
    report = diagnose_fit(fit)
    out = {
        "channels": channels,
        "diagnostics": report.as_dict(),
        "kpi_type": fit.data.kpi_type,
        "target": fit.data.target,
        "n_weeks": int(fit.data.n_times),
        "n_geos": int(fit.data.n_geos),
        "date_range": [str(fit.data.dates[0])[:10], str(fit.data.dates[-1])[:10]],
        "warnings": [issue.message for issue in fit.data.issues if issue.level == "warning"]
        + [check.message() for check in lift_test_checks(fit) if check.contradicts],
        "lift_tests": [dataclasses.asdict(check) | {"contradicts": check.contradicts}
                       for check in lift_test_checks(fit)],
        "mixcast_version": __version__,
    }
    if fit.data.n_geos > 1:
        out["geos"] = geo_summary(fit)
    if fit.data.rf_channels:
        from mixcast.reach_frequency import rf_summary
        out["reach_frequency"] = rf_summary(fit)
    out.update(effects_summary(fit))  # mediation, interactions, roi_by_quarter (opt-in)
    return out


def geo_roi(fit: Fit) -> np.ndarray:
    """(S, G, C) ROI per draw, geo and channel (main effects; spend-weighted these add up
    to the national ROI)."""
    outcomes = geo_channel_outcomes(media_params(fit.param_draws()), fit.inputs, fit.structure)
    spend = fit.data.spend.sum(axis=1)
    return outcomes / np.where(spend > 0, spend, np.nan)[None]


def geo_summary(fit: Fit) -> dict:
    """``{geo: {channel: {spend, roi: {mean, lo90, hi90}}}}`` for geo-level runs."""
    roi = geo_roi(fit)
    spend = fit.data.spend.sum(axis=1)
    return {geo: {channel: {"spend": float(spend[g, c]),
                            "roi": _scalar_interval(roi[:, g, c])}
                  for c, channel in enumerate(fit.channels)}
            for g, geo in enumerate(fit.data.geos)}


def _scalar_interval(draws: np.ndarray) -> dict[str, float]:
    finite = draws[np.isfinite(draws)]
    if finite.size == 0:
        return {"mean": float("nan"), "lo90": float("nan"), "hi90": float("nan")}
    return {k: float(v) for k, v in interval(finite).items()}
