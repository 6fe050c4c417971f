"""Counterfactual media plans: each channel switched off, or scaled, in every week.

The plans behind ROI (channel off), mROI (channel up by a small step), response curves
(channel scaled) and every "what did this channel do" question, for the Bayesian model,
the ML challenger and the simulator's truth alike. Pure NumPy on arrays whose last axis
is the channel: (G, T, C) media, or (V, C) / (C,) channel totals. Plans keep the input's
dtype and are stacked on a new first axis.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["channel_off_plans", "channel_scaled_plans", "channel_step_plans",
           "distinct_channel_values", "metric_effects", "metric_plans"]


def channel_off_plans(media: np.ndarray, channels: Sequence[int] | None = None) -> np.ndarray:
    """(1 + K, *media.shape): ``media`` as given (index 0), then with channel
    ``channels[k]`` set to zero everywhere (index 1 + k); ``channels`` default all C."""
    channels = range(media.shape[-1]) if channels is None else channels
    plans = np.repeat(np.asarray(media)[None], 1 + len(channels), axis=0)
    for k, c in enumerate(channels):
        plans[1 + k, ..., c] = 0.0
    return plans


def channel_scaled_plans(media: np.ndarray, factors: Sequence[float]) -> np.ndarray:
    """(C * F, *media.shape): ``media`` with channel c multiplied by ``factors[f]``
    everywhere, at index ``c * F + f`` (channel-major)."""
    media = np.asarray(media)
    n_channels, n_factors = media.shape[-1], len(factors)
    plans = np.repeat(media[None], n_channels * n_factors, axis=0)
    for c in range(n_channels):
        for f, factor in enumerate(factors):
            plans[c * n_factors + f, ..., c] *= factor
    return plans


def channel_step_plans(media: np.ndarray, step: float) -> np.ndarray:
    """(1 + C, *media.shape): ``media`` as given (index 0), then with channel c scaled by
    ``1 + step`` everywhere (index 1 + c): the plans of a finite-difference mROI."""
    media = np.asarray(media)
    return np.concatenate([media[None], channel_scaled_plans(media, [1.0 + step])])


def metric_plans(media: np.ndarray, step: float) -> np.ndarray:
    """(1 + 2C, *media.shape): the plans of ROI and mROI in one batch.

    Index 0 is ``media`` as given; 1 + c has channel c off (ROI's counterfactual);
    1 + C + c has channel c up by ``step`` (mROI's). :func:`metric_effects` undoes the
    layout."""
    return np.concatenate([channel_off_plans(media), channel_step_plans(media, step)[1:]])


def metric_effects(outcomes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(incremental, marginal)`` from outcomes (S, 1 + 2C, ...) of :func:`metric_plans`:
    current minus channel off, and channel up minus current, each (S, C, ...)."""
    n_channels = (outcomes.shape[1] - 1) // 2
    current = outcomes[:, :1]
    return (current - outcomes[:, 1:1 + n_channels],
            outcomes[:, 1 + n_channels:] - current)


def distinct_channel_values(plans: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(values (R, *plans.shape[1:]), index (V, C))``: each channel's distinct values
    among V plans (a (G, T) column of media, or one total), so that plan v's channel c is
    ``values[index[v, c], ..., c]``. R is the most distinct values any channel has
    (channels with fewer repeat their last).

    Where outcomes add up over channels, each channel then needs scoring only at its
    distinct values: ROI and mROI's 1 + 2C plans have three per channel.

    >>> values, index = distinct_channel_values(np.array([[1.0, 5.0], [2.0, 5.0], [1.0, 5.0]]))
    >>> values[:, 0].tolist(), values[:, 1].tolist(), index.tolist()
    ([1.0, 2.0], [5.0, 5.0], [[0, 0], [1, 0], [0, 0]])
    """
    plans = np.asarray(plans)
    n_plans, n_channels = plans.shape[0], plans.shape[-1]
    distinct = [np.unique(plans[..., c].reshape(n_plans, -1), axis=0, return_inverse=True)
                for c in range(n_channels)]
    n_values = max(len(rows) for rows, _ in distinct)
    values = np.empty((n_values, *plans.shape[1:]), dtype=plans.dtype)
    for c, (rows, _) in enumerate(distinct):
        padded = np.concatenate([rows, np.repeat(rows[-1:], n_values - len(rows), axis=0)])
        values[..., c] = padded.reshape((n_values, *plans.shape[1:-1]))
    index = np.stack([inverse.ravel() for _, inverse in distinct], axis=1)
    return values, index
