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
from mixcast.model.inputs import ModelInputs
from mixcast.model.mean import Structure
from mixcast.model.plans import metric_effects, metric_plans
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
    return channel_metrics_of(fit.param_draws(), fit.inputs, fit.structure, fit.data.spend,
                              channels=fit.channels,
                              conversions=fit.data.kpi_type == "conversions")


def channel_metrics_of(draws: dict[str, np.ndarray], inputs: ModelInputs,
                       structure: Structure, spend: np.ndarray, *,
                       channels: tuple[str, ...], conversions: bool = False
                       ) -> ChannelMetrics:
    """:func:`channel_metrics` of (S, ...) parameter draws (a fit's, or a simulation's
    known truth with S = 1) on scaled ``inputs``, with ``spend`` (G, T, C) in currency."""
    outcomes = plan_outcomes(media_params(draws), metric_plans(inputs.media, MROI_STEP),
                             inputs, structure)
    return metrics_of(channels, outcomes, spend.sum(axis=(0, 1)), step=MROI_STEP,
                      conversions=conversions)


def metrics_of(channels: tuple[str, ...], outcomes: np.ndarray, spend: np.ndarray, *,
               step: float, conversions: bool) -> ChannelMetrics:
    """:class:`ChannelMetrics` from the (S, 1 + 2C, 2) outcomes of
    :func:`mixcast.model.plans.metric_plans` with ``step`` and the (C,) total spend.

    Shared by the Bayesian fit, the ML challenger and the simulator's truth, so that one
    definition (and one zero-spend guard: NaN where a channel spent nothing) serves all.
    """
    incremental, marginal = metric_effects(outcomes)         # (S, C, 2) each
    safe = np.where(spend > 0, spend, np.nan)
    total = incremental[..., 0].sum(axis=1, keepdims=True)
    cpa = None
    if conversions:
        cpa = safe / np.where(incremental[..., 1] > 0, incremental[..., 1], np.nan)
    return ChannelMetrics(
        channels=channels, spend=spend, incremental=incremental[..., 0],
        incremental_kpi=incremental[..., 1], roi=incremental[..., 0] / safe,
        mroi=marginal[..., 0] / (step * safe),
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
    return geo_roi_of(fit.param_draws(), fit.inputs, fit.structure, fit.data.spend)


def geo_roi_of(draws: dict[str, np.ndarray], inputs: ModelInputs, structure: Structure,
               spend: np.ndarray) -> np.ndarray:
    """:func:`geo_roi` of (S, ...) parameter draws; NaN where a geo-channel spent nothing."""
    outcomes = geo_channel_outcomes(media_params(draws), inputs, structure)
    total = spend.sum(axis=1)
    return outcomes / np.where(total > 0, total, np.nan)[None]


def geo_summary(fit: Fit) -> dict:
    """``{geo: {channel: {spend, roi: {mean, lo90, hi90}}}}`` for geo-level runs."""
    roi = geo_roi(fit)
    spend = fit.data.spend.sum(axis=1)
    return {geo: {channel: {"spend": float(spend[g, c]),
                            "roi": scalar_interval(roi[:, g, c])}
                  for c, channel in enumerate(fit.channels)}
            for g, geo in enumerate(fit.data.geos)}
