"""Reach and frequency: the effective (ROI-maximising) frequency of each R&F channel.

A reach-and-frequency channel is modelled on its reach, with a frequency effect:
``effect = beta * Hill(adstock(reach x g(frequency)))`` (see
:func:`mixcast.mean.frequency_gain`). Its ROI stays on spend (DESIGN.md); spend is
impressions x the channel's observed cost per impression, impressions = reach x frequency.

The *effective frequency* of a channel is the frequency that maximises its ROI at its
current reach: every week's frequency is set to one value f (reach as observed), the
counterfactual ROI is computed as in :mod:`mixcast.analysis` with spend = cost per
impression x reach x f, and the best f on a grid is taken, per posterior draw (as
Meridian's ``optimal_freq``). Reported as posterior mean with a 90% interval.

Spend changes elsewhere (mROI, response curves, the optimiser, scenarios, forecasts)
follow one convention: more spend buys more reach at each week's observed frequency
(the observed cost per unit of reach), so the frequency mix is held fixed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from mixcast.model.counterfactual import media_params, plan_outcomes
from mixcast.data.dataset import Dataset
from mixcast.model.inputs import ModelInputs
from mixcast.model.mean import Structure
from mixcast.model.plans import channel_off_plans
from mixcast.posterior.intervals import scalar_interval, thin

GRID_POINTS = 46
MAX_DRAWS = 500


@dataclass(frozen=True, slots=True)
class FrequencyCurves:
    """ROI as a function of a constant weekly frequency, per R&F channel and draw.

    Shapes: S draws, R reach-and-frequency channels, F grid points.
    """

    channels: tuple[str, ...]
    grid: np.ndarray            # (R, F) frequency (exposures per person reached per week)
    roi: np.ndarray             # (S, R, F)
    average_frequency: np.ndarray  # (R,) observed reach-weighted mean frequency

    @property
    def optimal_frequency(self) -> np.ndarray:
        """(S, R) the grid frequency with the highest ROI, per draw."""
        best = np.nanargmax(np.where(np.isfinite(self.roi), self.roi, -np.inf), axis=-1)
        return np.take_along_axis(self.grid[None], best[..., None], axis=-1)[..., 0]

    @property
    def optimal_roi(self) -> np.ndarray:
        """(S, R) ROI at each draw's own optimal frequency."""
        return np.nanmax(np.where(np.isfinite(self.roi), self.roi, -np.inf), axis=-1)


def frequency_grid(data: Dataset, points: int = GRID_POINTS) -> np.ndarray:
    """(R, F) grid from 1 to the larger of 1.5x the 95th percentile of observed weekly
    frequency and 2x its reach-weighted mean."""
    grid = []
    for r, c in enumerate(data.rf_index()):
        reach, frequency = data.media[..., c], data.frequency[..., r]
        active = frequency[reach > 0]
        mean = (reach * frequency).sum() / max(reach.sum(), 1e-12)
        top = max(1.5 * np.percentile(active, 95) if active.size else 0.0, 2.0 * mean, 2.0)
        grid.append(np.linspace(1.0, top, points))
    return np.asarray(grid).reshape(len(grid), points)


def frequency_curves(draws: dict[str, np.ndarray], data: Dataset, inputs: ModelInputs,
                     structure: Structure, *, grid: np.ndarray | None = None,
                     max_draws: int | None = MAX_DRAWS) -> FrequencyCurves:
    """ROI of every R&F channel at each constant frequency of ``grid``, per draw.

    Parameters
    ----------
    draws : (S, ...) parameter draws (a Fit's ``param_draws()``, or a known truth, S = 1).
    data, inputs, structure : what the draws were fitted to.
    grid : (R, F) absolute frequencies; default :func:`frequency_grid`.
    max_draws : draws used (evenly thinned); None for all.
    """
    rf = data.rf_index()
    if not rf:
        raise ValueError("frequency_curves needs reach-and-frequency channels; this data "
                         "has none (config: reach_frequency).")
    grid = frequency_grid(data) if grid is None else np.asarray(grid, dtype=float)
    params = media_params(thin(draws, max_draws))
    reach = data.media[..., list(rf)]                                    # (G, T, R)
    impressions = (reach * data.frequency).sum(axis=(0, 1))
    cost_per_impression = data.spend[..., list(rf)].sum(axis=(0, 1)) / np.maximum(
        impressions, 1e-12)
    plans = channel_off_plans(inputs.media, rf)
    roi = []
    for k in range(grid.shape[1]):
        relative = np.broadcast_to(grid[:, k] / inputs.frequency_scale, reach.shape)
        at_k = dataclasses.replace(inputs, frequency=np.where(
            reach > 0, relative, 0.0).astype(np.float32))
        out = plan_outcomes(params, plans, at_k, structure)[..., 0]      # (S, 1 + R)
        incremental = out[:, :1] - out[:, 1:]
        spend = cost_per_impression * grid[:, k] * reach.sum(axis=(0, 1))
        roi.append(incremental / np.where(spend > 0, spend, np.nan))
    return FrequencyCurves(channels=data.rf_channels, grid=grid, roi=np.stack(roi, axis=-1),
                           average_frequency=impressions / np.maximum(
                               reach.sum(axis=(0, 1)), 1e-12))


def rf_summary(fit) -> dict:
    """``{channel: {average_frequency, effective_frequency, roi_at_effective_frequency,
    frequency_grid}}`` for the summary.json key ``reach_frequency`` (90% intervals)."""
    curves = frequency_curves(fit.param_draws(), fit.data, fit.inputs, fit.structure)
    optimal, best_roi = curves.optimal_frequency, curves.optimal_roi
    out = {}
    for r, channel in enumerate(curves.channels):
        out[channel] = {
            "average_frequency": float(curves.average_frequency[r]),
            "effective_frequency": scalar_interval(optimal[:, r]),
            "roi_at_effective_frequency": scalar_interval(best_roi[:, r]),
            "frequency_grid": [float(curves.grid[r, 0]), float(curves.grid[r, -1])],
            "note": "effective frequency = weekly frequency that maximises ROI at current "
                    "reach; ROI on spend; spend changes elsewhere buy reach at the observed "
                    "frequency",
        }
    return out

