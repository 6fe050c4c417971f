"""The one way mixcast summarises draws: posterior mean and 90% interval (5th-95th pct).

Every reported interval (ROI, forecasts, scenarios, checks) goes through these helpers,
so NaN handling and the percentiles are the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class Band:
    """Posterior mean and 90% interval of a quantity, arrays of one shape."""

    mean: np.ndarray
    lo90: np.ndarray
    hi90: np.ndarray

    @classmethod
    def of(cls, draws: np.ndarray) -> "Band":
        """Summarise (S, ...) draws along the first axis, ignoring non-finite draws."""
        draws = np.where(np.isfinite(draws), draws, np.nan)
        lo, hi = np.nanpercentile(draws, [LO, HI], axis=0)
        return cls(mean=np.nanmean(draws, axis=0), lo90=lo, hi90=hi)

    def as_dict(self) -> dict:
        return {"mean": self.mean.tolist(), "lo90": self.lo90.tolist(),
                "hi90": self.hi90.tolist()}


def thin(draws: dict[str, np.ndarray], max_draws: int | None) -> dict[str, np.ndarray]:
    """Draws (S, ...) evenly thinned to at most ``max_draws`` (all of them when None).

    Even spacing keeps every chain represented in order; the same call on the same draws
    keeps the same ones, so thinned results are reproducible."""
    n = next(iter(draws.values())).shape[0]
    if max_draws is None or n <= max_draws:
        return draws
    keep = np.linspace(0, n - 1, max_draws).round().astype(int)
    return {k: v[keep] for k, v in draws.items()}
