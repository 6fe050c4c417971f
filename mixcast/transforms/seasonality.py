"""Baseline bases: yearly Fourier seasonality and trend."""

from __future__ import annotations

import numpy as np

WEEKS_PER_YEAR = 365.25 / 7.0


def fourier_features(day_of_year_weeks: np.ndarray, *, order: int,
                     period: float = WEEKS_PER_YEAR) -> np.ndarray:
    """Sine/cosine pairs of a yearly cycle.

    Parameters
    ----------
    day_of_year_weeks : (T,) time in weeks (fractional), e.g. days since an epoch / 7.
    order : number of harmonics k = 1..order.

    Returns
    -------
    (T, 2 * order) columns sin(2πkt/P), cos(2πkt/P) for k = 1..order.

    Examples
    --------
    >>> fourier_features(np.arange(3.0), order=1).shape
    (3, 2)
    """
    t = np.asarray(day_of_year_weeks, dtype=float)
    k = np.arange(1, order + 1)
    angle = 2.0 * np.pi * t[:, None] * k[None, :] / period
    return np.concatenate([np.sin(angle), np.cos(angle)], axis=1)


def trend_basis(n_times: int, *, n_knots: int = 0) -> np.ndarray:
    """Trend columns: a line on t in [-0.5, 0.5], plus hinges at ``n_knots`` knots.

    The line is centred so that the intercept is the average baseline, not its start
    (uncorrelated parameters sample faster).

    The hinges let the trend bend (a piecewise-linear, local-level-like baseline for data
    with structural shifts); with ``n_knots = 0`` it is a straight line.

    Returns
    -------
    (T, 1 + n_knots).
    """
    t = np.linspace(0.0, 1.0, n_times) if n_times > 1 else np.zeros(1)
    knots = np.linspace(0.0, 1.0, n_knots + 2)[1:-1]
    hinges = np.maximum(t[:, None] - knots[None, :], 0.0)
    return np.concatenate([t[:, None] - 0.5, hinges - hinges.mean(axis=0)], axis=1)
