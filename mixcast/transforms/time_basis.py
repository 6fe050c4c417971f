"""Bases over time: the trend (a centred line with hinges) and the Gaussian bumps of
time-varying effectiveness, on the fitted weeks and continued past them.

Time runs from t = 0 at the first fitted week to t = 1 at the last of the ``n_hist``
fitted weeks; weeks after them (up to ``n_total``) continue at the same spacing (t > 1).
So the model (``n_total = n_hist``), forecasts and holdout predictions (``n_total >
n_hist``) read one basis: its first ``n_hist`` rows are exactly the fitted ones, later
rows continue its line, hinges and bumps.
"""

from __future__ import annotations

import numpy as np

TIME_KNOTS = 6     # Gaussian bumps of the time-varying effectiveness basis


def time_grid(n_hist: int, n_total: int | None = None) -> np.ndarray:
    """(n_total,) t: 0 to 1 over the ``n_hist`` fitted weeks, then on at the same step."""
    n_total = n_hist if n_total is None else n_total
    future = np.arange(n_hist, n_total) / max(n_hist - 1, 1)
    return np.concatenate([np.linspace(0.0, 1.0, n_hist), future])


def trend_basis(n_hist: int, n_total: int | None = None, *, n_knots: int = 0) -> np.ndarray:
    """Trend columns: a line on t - 0.5, plus hinges at ``n_knots`` knots.

    The line is centred so that the intercept is the average baseline over the fitted
    weeks, not its start (uncorrelated parameters sample faster); hinges are centred over
    the fitted weeks likewise. The hinges let the trend bend (a piecewise-linear,
    local-level-like baseline for data with structural shifts); with ``n_knots = 0`` it is
    a straight line. Past the fitted weeks the line and hinges continue at their slopes.

    Returns
    -------
    (n_total, 1 + n_knots), ``n_total`` defaulting to ``n_hist``.
    """
    t = time_grid(n_hist, n_total)
    knots = np.linspace(0.0, 1.0, n_knots + 2)[1:-1]
    hinges = np.maximum(t[:, None] - knots[None, :], 0.0)
    return np.concatenate([t[:, None] - 0.5, hinges - hinges[:n_hist].mean(axis=0)], axis=1)


def bump_basis(n_hist: int, n_total: int | None = None, *,
               n_knots: int = TIME_KNOTS) -> np.ndarray:
    """Gaussian bumps over time, (n_total, n_knots): centres evenly over the fitted weeks,
    width their spacing; a smooth, low-rank basis for drifts in effectiveness. Past the
    fitted weeks the bumps decay (the last one's tail carries the latest drift on)."""
    t = time_grid(n_hist, n_total)
    centers = np.linspace(0.0, 1.0, n_knots)
    width = 1.0 / max(n_knots - 1, 1)
    return np.exp(-0.5 * ((t[:, None] - centers[None, :]) / width) ** 2)
