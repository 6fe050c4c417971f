"""Baseline bases: yearly Fourier seasonality (the trend: :mod:`mixcast.transforms.time_basis`)."""

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

