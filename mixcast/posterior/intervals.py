"""The one way mixcast summarises draws: posterior mean and 90% interval (5th-95th pct).

Every reported interval (ROI, forecasts, scenarios, checks) goes through these helpers,
so NaN handling and the percentiles are the same everywhere.
"""

from __future__ import annotations

import numpy as np

LO, HI = 5.0, 95.0


def interval(draws: np.ndarray, axis: int = 0) -> dict[str, np.ndarray]:
    """Posterior mean and 90% interval (5th and 95th percentiles) along ``axis``."""
    lo, hi = np.percentile(draws, [5.0, 95.0], axis=axis)
    return {"mean": np.mean(draws, axis=axis), "lo90": lo, "hi90": hi}


def scalar_interval(draws: np.ndarray) -> dict[str, float]:
    """Mean and 90% interval of 1-d draws as floats, ignoring non-finite draws (NaN if none)."""
    finite = draws[np.isfinite(draws)]
    if finite.size == 0:
        return {"mean": float("nan"), "lo90": float("nan"), "hi90": float("nan")}
    return {k: float(v) for k, v in interval(finite).items()}
