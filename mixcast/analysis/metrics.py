"""ROI, mROI, contribution shares, CPA and the weekly decomposition of a Fit.

Free functions over a :class:`~mixcast.posterior.Fit`, by the DESIGN.md definitions:
ROI by counterfactual (each channel's spend set to zero in every week), mROI by a small
proportional increase, both summed over the data window and every geo.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mixcast.model.counterfactual import geo_channel_outcomes, media_params, plan_outcomes
from mixcast.posterior.fitted import Fit
from mixcast.posterior.intervals import interval, scalar_interval

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
                            "roi": scalar_interval(roi[:, g, c])}
                  for c, channel in enumerate(fit.channels)}
            for g, geo in enumerate(fit.data.geos)}
