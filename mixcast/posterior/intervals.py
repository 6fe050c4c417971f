"""The one way mixcast summarises draws: posterior mean and 90% interval (5th-95th pct).

Every reported interval (ROI, forecasts, scenarios, checks, the ML challenger's
bootstrap replicates) goes through these helpers, so the percentiles, the output keys
(``mean``, ``lo90``, ``hi90``) and the NaN handling are the same everywhere.

NaN policy: non-finite draws (NaN, +-inf; e.g. the ROI of a week without spend, the CPA
of a zero outcome) are ignored; where no draw is finite the mean and both bounds are NaN
(:func:`scalar_interval` can return another value, e.g. None for JSON null). Nothing
warns. :func:`prob_positive` counts finite draws only, likewise.

Thinning (:func:`thin`, :func:`thin_index`) keeps evenly spaced draws, the same ones
on every call.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

LO, HI = 5.0, 95.0
KEYS = ("mean", "lo90", "hi90")


def interval(draws: np.ndarray, axis: int = 0) -> dict[str, np.ndarray]:
    """Posterior mean and 90% interval (5th and 95th percentiles) along ``axis``,
    ignoring non-finite draws (NaN where none is finite)."""
    draws = np.asarray(draws)
    finite = np.isfinite(draws)
    if finite.all():
        lo, hi = np.percentile(draws, [LO, HI], axis=axis)
        return {"mean": np.mean(draws, axis=axis), "lo90": lo, "hi90": hi}
    masked = np.where(finite, draws, np.nan)
    with warnings.catch_warnings():  # all-NaN slices: NaN, as documented
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = np.nanpercentile(masked, [LO, HI], axis=axis)
        return {"mean": np.nanmean(masked, axis=axis), "lo90": lo, "hi90": hi}


def scalar_interval(draws: np.ndarray, *, empty: float | None = float("nan")
                    ) -> dict[str, float | None]:
    """Mean and 90% interval of draws (any shape, pooled) as floats, ignoring non-finite
    draws; ``empty`` (default NaN) for all three where none is finite."""
    draws = np.asarray(draws, dtype=np.float64).ravel()
    finite = draws[np.isfinite(draws)]
    if finite.size == 0:
        return dict.fromkeys(KEYS, empty)
    return {k: float(v) for k, v in interval(finite).items()}


def prob_positive(draws: np.ndarray, axis: int = 0) -> np.ndarray:
    """Posterior probability that the quantity is above 0 (e.g. a plan beats today's):
    the share of finite draws along ``axis`` that are > 0; NaN where none is finite."""
    draws = np.asarray(draws)
    finite = np.isfinite(draws)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (finite & (draws > 0)).sum(axis=axis) / finite.sum(axis=axis)


@dataclass(frozen=True, slots=True)
class Band:
    """Posterior mean and 90% interval of a quantity, arrays of one shape."""

    mean: np.ndarray
    lo90: np.ndarray
    hi90: np.ndarray

    @classmethod
    def of(cls, draws: np.ndarray) -> "Band":
        """Summarise (S, ...) draws along the first axis (see :func:`interval`)."""
        return cls(**interval(draws))

    def as_dict(self) -> dict:
        """Lists (floats for a scalar Band), keys mean/lo90/hi90."""
        return {"mean": self.mean.tolist(), "lo90": self.lo90.tolist(),
                "hi90": self.hi90.tolist()}

    def at(self, index) -> dict[str, float]:
        """Floats mean/lo90/hi90 of one element."""
        return {"mean": float(self.mean[index]), "lo90": float(self.lo90[index]),
                "hi90": float(self.hi90[index])}


def thin_index(n: int, max_draws: int | None) -> np.ndarray:
    """Indices of at most ``max_draws`` of ``n`` draws, evenly spaced from the first to
    the last (all of them, in order, when ``max_draws`` is None or at least ``n``)."""
    if max_draws is None or n <= max_draws:
        return np.arange(n)
    return np.linspace(0, n - 1, max_draws).round().astype(int)


def thin(draws: dict[str, np.ndarray], max_draws: int | None) -> dict[str, np.ndarray]:
    """Draws (S, ...) evenly thinned to at most ``max_draws`` (all of them when None).

    Even spacing keeps every chain represented in order; the same call on the same draws
    keeps the same ones, so thinned results are reproducible."""
    n = next(iter(draws.values())).shape[0]
    keep = thin_index(n, max_draws)
    if len(keep) == n:
        return draws
    return {k: v[keep] for k, v in draws.items()}
