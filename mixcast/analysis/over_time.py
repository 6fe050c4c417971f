"""Returns over time: the last weeks' spend and incremental outcome, and rolling
effectiveness per channel (posterior means with 90% intervals)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mixcast.model.counterfactual import (media_params, outcome_weights, plan_outcomes,
                                          weekly_channel_effects)
from mixcast.data.dataset import Dataset
from mixcast.model.plans import channel_off_plans
from mixcast.posterior.fitted import Fit
from mixcast.posterior.intervals import Band

MAX_DRAWS = 500          # charts use at most this many draws


def window_returns(fit: Fit, *, weeks: int = 52) -> pd.DataFrame:
    """Spend and incremental outcome by channel over the last ``weeks`` weeks.

    The incremental outcome is by counterfactual (the channel off in every week), counted
    over the window only, so carryover from earlier spend is included. Columns: spend,
    incremental_mean/lo90/hi90, roi_mean/lo90/hi90, weeks.
    """
    weeks, mask = last_weeks(fit.data.n_times, weeks)
    out = plan_outcomes(media_params(fit.param_draws(MAX_DRAWS)),
                        channel_off_plans(fit.inputs.media), fit.inputs, fit.structure,
                        weeks=mask)[..., 0]
    return returns_table(fit.channels, out[:, :1] - out[:, 1:],
                         fit.data.spend[:, -weeks:].sum(axis=(0, 1)), weeks)


def last_weeks(n_times: int, weeks: int) -> tuple[int, np.ndarray]:
    """``weeks`` clipped to [1, n_times], and the (T,) 0/1 mask of those last weeks."""
    weeks = int(min(max(weeks, 1), n_times))
    mask = np.zeros(n_times)
    mask[n_times - weeks:] = 1.0
    return weeks, mask


def returns_table(channels: tuple[str, ...], incremental: np.ndarray, spend: np.ndarray,
                  weeks: int) -> pd.DataFrame:
    """The :func:`window_returns` table from (S, C) incremental outcome draws and the
    window's (C,) spend (ROI NaN where a channel spent nothing)."""
    safe = np.where(spend > 0, spend, np.nan)
    inc, roi = Band.of(incremental), Band.of(incremental / safe)
    return pd.DataFrame({
        "spend": spend, "incremental_mean": inc.mean, "incremental_lo90": inc.lo90,
        "incremental_hi90": inc.hi90, "roi_mean": roi.mean, "roi_lo90": roi.lo90,
        "roi_hi90": roi.hi90, "weeks": weeks},
        index=pd.Index(channels, name="channel"))


def rolling_effectiveness(fit: Fit, *, window: int = 13) -> tuple[np.ndarray, dict[str, Band]]:
    """Rolling ``window``-week return per unit of spend, per channel.

    For each window: outcome the channel drove in those weeks (including carryover from
    just before) divided by its spend in those weeks. Returns the window-end dates and a
    Band of (W,) per channel; NaN where the channel did not spend in a window.
    """
    effects = weekly_channel_effects(media_params(fit.param_draws(MAX_DRAWS)), fit.inputs.media,
                                     fit.inputs, fit.structure)           # (S, G, T, C)
    value = outcome_weights(fit.inputs)[0]                                 # (G, T)
    return rolling_returns(fit.data, np.einsum("sgtc,gt->stc", effects, value),
                           window=window)


def rolling_returns(data: Dataset, weekly: np.ndarray, *, window: int
                    ) -> tuple[np.ndarray, dict[str, Band]]:
    """:func:`rolling_effectiveness` from (S, T, C) weekly outcome draws (currency) of
    ``data``'s channels: window-end dates and a Band per channel; NaN where the channel
    spent (next to) nothing in a window."""
    window = int(min(max(window, 1), data.n_times))
    spend = data.spend.sum(axis=0)                                         # (T, C)
    kernel = np.ones(window)
    roll = lambda a: np.apply_along_axis(  # noqa: E731
        lambda v: np.convolve(v, kernel, mode="valid"), -2, a)
    out_sum, spend_sum = roll(weekly), roll(spend)
    ratio = out_sum / np.where(spend_sum > spend_sum.max(axis=0) * 1e-6, spend_sum, np.nan)
    return data.dates[window - 1:], {c: Band.of(ratio[..., i])
                                     for i, c in enumerate(data.channels)}
