"""How close a prediction of the KPI is to what happened: one definition of each score for
every model and check (the in-sample fit check, the backtests, the ML challenger).

Pure functions of two arrays of weekly KPI values (any shape, compared element-wise).
"""

from __future__ import annotations

import numpy as np


def mape(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Mean absolute percentage error, as a fraction. A week whose KPI is exactly 0 has no
    percentage error and is left out (flooring its denominator would let one such week
    swamp the mean); ``nan`` when every week is 0.

    Examples
    --------
    >>> mape(np.array([100., 200., 0.]), np.array([110., 180., 5.]))
    0.1
    """
    actual, predicted = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
    keep = actual != 0
    if not keep.any():
        return float("nan")
    return float(np.mean(np.abs(predicted[keep] - actual[keep]) / np.abs(actual[keep])))


def wape(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Weighted absolute percentage error: total absolute error over the total KPI. Weeks
    weigh by their size, so small weeks cannot dominate it as they can MAPE.

    Examples
    --------
    >>> wape(np.array([100., 300.]), np.array([110., 270.]))
    0.1
    """
    actual, predicted = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
    return float(np.abs(predicted - actual).sum()) / max(float(np.abs(actual).sum()), 1e-12)


def r_squared(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Coefficient of determination 1 - SSE/SST; ``nan`` when the KPI never varies.

    Examples
    --------
    >>> r_squared(np.array([1., 2., 3.]), np.array([1., 2., 4.]))
    0.5
    """
    actual, predicted = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
    total = float(np.sum((actual - actual.mean()) ** 2))
    return 1.0 - float(np.sum((actual - predicted) ** 2)) / total if total > 0 else float("nan")
