"""Time-based regression (TBR) and its power, from a panel's own historical noise.

The estimator (Kerman, Wang and Vaver, Google 2017): regress the treated geos' summed
outcome ``z`` on a reference series ``x`` (the control geos' summed outcome; the week
number for a national time-based test) over the pre-period, predict the test weeks'
counterfactual, and call the sum of the residuals over the measured weeks the effect.
Its standard error is the OLS prediction error of that sum with AR(1) residuals (lag-1
correlation rho read from the history):

    se^2 = sigma^2 [m + 2 sum_k (m - k) rho^k
                    + (1 + rho) / (1 - rho) (m^2 / n + (sum_w (x_w - xbar))^2 / Sxx)]

(m measured weeks, n pre-period weeks). Real residuals are neither normal nor AR(1), so
the critical value is not taken from a t table: it is the placebo distribution of the
same statistic on the history's windows, each fitted on the n weeks just before it as a
real test is, pooled over other groupings of the same geos (the reference draws of
:mod:`~mixcast.experiments.matching`), which the chosen grouping is exchangeable with.
The p-value is the rank of the test's statistic among the placebos; the 90% interval
inverts the same test. Power for a lift L is the share of placebo windows whose
statistic, with L added to the effect, exceeds the critical value: a simulation on the
geos' own noise, vectorised over windows x lift draws (the Bayesian assurance averages
it over the posterior draws of the predicted lift).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mixcast.errors import UserError

ALPHA = 0.10  # two-sided; matches the 90% intervals reported everywhere

__all__ = ["ALPHA", "PlaceboNoise", "TbrEstimate", "critical_value", "default_pre_weeks",
           "minimum_detectable_lift", "p_value", "placebo_noise", "power", "significant",
           "residual_autocorrelation", "tbr_estimate"]


@dataclass(frozen=True, slots=True)
class TbrEstimate:
    """Effect (sum of residuals over the measured weeks) and its standard error; arrays
    broadcast over any leading batch dimensions."""

    effect: np.ndarray
    se: np.ndarray

    @property
    def t(self) -> np.ndarray:
        return self.effect / self.se


@dataclass(frozen=True, slots=True)
class PlaceboNoise:
    """Placebo statistics of K windows of a test's length: effect (..., K), se (..., K),
    the |t| of every placebo the calibration pools (own and reference groupings'), and
    the critical value |t| must exceed at ``alpha`` (...)."""

    effect: np.ndarray
    se: np.ndarray
    pooled: np.ndarray
    critical: np.ndarray
    alpha: float

    @property
    def t(self) -> np.ndarray:
        return self.effect / self.se

    @property
    def n_windows(self) -> int:
        return self.effect.shape[-1]


def _fit_predict(sums: tuple, n, x_win: np.ndarray, z_win: np.ndarray, m: int,
                 rho: np.ndarray | float = 0.0) -> TbrEstimate:
    """OLS of z on x from sufficient statistics (sx, sz, sxx, sxz, szz over n weeks),
    evaluated on a window with sums x_win, z_win of its m weeks; residuals AR(1) with
    lag-1 correlation ``rho``."""
    sx, sz, sxx, sxz, szz = sums
    xbar, zbar = sx / n, sz / n
    cxx = np.maximum(sxx - n * xbar ** 2, 1e-300)
    cxz = sxz - n * xbar * zbar
    czz = szz - n * zbar ** 2
    slope = cxz / cxx
    intercept = zbar - slope * xbar
    sigma2 = np.maximum(czz - cxz ** 2 / cxx, 0.0) / (n - 2)
    effect = z_win - (m * intercept + slope * x_win)
    spread = x_win - m * xbar
    rho = np.asarray(rho, float)
    if np.ndim(rho) and np.ndim(effect) > np.ndim(rho):
        rho = rho[..., None]
    # Var of a sum of m AR(1) residuals, and the long-run inflation of the fit's own error.
    k = np.arange(1, m)
    window = m + 2.0 * np.sum((m - k) * rho[..., None] ** k, axis=-1)
    long_run = (1.0 + rho) / (1.0 - rho)
    se = np.sqrt(sigma2 * (window + long_run * (m ** 2 / n + spread ** 2 / cxx)))
    return TbrEstimate(effect=effect, se=np.maximum(se, 1e-300))


def residual_autocorrelation(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """(...,) lag-1 autocorrelation of the residuals of z regressed on x over (..., n)
    weeks, clipped to [0, 0.9] (the history a test's error structure is read from)."""
    x, z = np.asarray(x, float), np.asarray(z, float)
    xc = x - x.mean(-1, keepdims=True)
    zc = z - z.mean(-1, keepdims=True)
    slope = (xc * zc).sum(-1) / np.maximum((xc * xc).sum(-1), 1e-300)
    r = zc - slope[..., None] * xc
    rho = (r[..., 1:] * r[..., :-1]).sum(-1) / np.maximum((r * r).sum(-1), 1e-300)
    return np.clip(rho, 0.0, 0.9)


def tbr_estimate(x_pre: np.ndarray, z_pre: np.ndarray, x_test: np.ndarray,
                 z_test: np.ndarray, *, rho: np.ndarray | float = 0.0) -> TbrEstimate:
    """The TBR effect of a test: (..., n) pre-period and (..., m) measured weeks of the
    reference ``x`` and treated ``z`` series; ``rho`` the residuals' lag-1 correlation
    (:func:`residual_autocorrelation` of the history)."""
    x_pre, z_pre = np.asarray(x_pre, float), np.asarray(z_pre, float)
    sums = _sums(x_pre, z_pre)
    m = x_test.shape[-1]
    return _fit_predict(sums, x_pre.shape[-1], np.sum(x_test, -1), np.sum(z_test, -1), m,
                        rho)


def _sums(x: np.ndarray, z: np.ndarray) -> tuple:
    return tuple(p.sum(-1) for p in _parts(x, z))


def default_pre_weeks(n_weeks: int, weeks: int) -> int:
    """The pre-period a test is fitted on: half the history, between 26 and 52 weeks,
    leaving room for at least 20 placebo windows where the history allows."""
    return int(np.clip(min(n_weeks // 2, n_weeks - weeks - 19), 26, 52))


def placebo_noise(x: np.ndarray, z: np.ndarray, *, weeks: int, pre_weeks: int,
                  alpha: float = ALPHA, reference: tuple | None = None) -> PlaceboNoise:
    """The TBR statistic on every window of ``weeks`` weeks of a history, each fitted on
    the ``pre_weeks`` weeks just before it, exactly as a real test is.

    Parameters
    ----------
    x, z : (..., n) reference and treated series over the history.
    weeks : measured weeks of the test (its duration plus any cool-down).
    pre_weeks : weeks of pre-period each window (and the real test) is fitted on.
    reference : optional (xr, zr), (..., R, n) series of other groupings of the same
        geos (e.g. random treated/control splits). Their placebo statistics join the
        test's own in the critical value: a few dozen overlapping windows estimate a
        tail quantile too noisily (and a noisy threshold is exceeded more often than
        alpha), while the standardised statistic has nearly the same distribution for
        any grouping of the same geos.

    Raises
    ------
    UserError
        The history leaves too few windows for a test at ``alpha``.
    """
    x, z = np.asarray(x, float), np.asarray(z, float)
    n = x.shape[-1]
    n_windows = n - pre_weeks - weeks + 1
    if pre_weeks < 8 or n_windows < int(np.ceil(2 / alpha)):
        need = pre_weeks + weeks + int(np.ceil(2 / alpha)) - 1
        raise UserError(
            f"The history has {n} weeks: too short to judge a {weeks}-week test (with its "
            f"cool-down) from its own noise; it needs at least {need} weeks. Use more "
            "history, or shorter --weeks.")
    parts = [_window_sums(p, pre_weeks) for p in _parts(x, z)]     # (..., n - P + 1)
    fitted = tuple(p[..., :n_windows] for p in parts)
    x_win = _window_sums(x, weeks)[..., pre_weeks:]
    z_win = _window_sums(z, weeks)[..., pre_weeks:]
    rho = residual_autocorrelation(x, z)
    stats = _fit_predict(fitted, pre_weeks, x_win, z_win, weeks, rho)
    pooled = np.abs(stats.t)
    if reference is not None:
        others = np.abs(placebo_noise(*reference, weeks=weeks, pre_weeks=pre_weeks,
                                      alpha=alpha).t)
        pooled = np.concatenate([pooled, others.reshape(*others.shape[:-2], -1)], axis=-1)
    return PlaceboNoise(effect=stats.effect, se=stats.se, pooled=pooled,
                        critical=critical_value(pooled, alpha), alpha=alpha)


def _parts(x: np.ndarray, z: np.ndarray) -> list:
    return [x, z, x * x, x * z, z * z]


def _window_sums(values: np.ndarray, weeks: int) -> np.ndarray:
    """(..., n - weeks + 1) sums of every run of ``weeks`` consecutive values."""
    csum = np.concatenate([np.zeros((*values.shape[:-1], 1)), np.cumsum(values, -1)], -1)
    return csum[..., weeks:] - csum[..., :-weeks]


def critical_value(abs_t: np.ndarray, alpha: float) -> np.ndarray:
    """(...,) the |t| a test must exceed to be significant at ``alpha`` against placebos
    (..., K): the order statistic a new exchangeable window exceeds with probability
    alpha (the k-th largest of K is exceeded with probability k / (K + 1)),
    interpolated between neighbours."""
    ordered = -np.sort(-abs_t, axis=-1)
    k = alpha * (abs_t.shape[-1] + 1)          # 1-based rank, fractional
    lo = int(np.clip(np.floor(k), 1, abs_t.shape[-1]))
    hi = min(lo + 1, abs_t.shape[-1])
    frac = float(np.clip(k - lo, 0.0, 1.0))
    return (1 - frac) * ordered[..., lo - 1] + frac * ordered[..., hi - 1]


def p_value(t: np.ndarray, noise: PlaceboNoise) -> np.ndarray:
    """Two-sided placebo p-value of statistic(s) ``t`` (...,) against ``noise``: the
    share of pooled placebos (and the test itself) at least as extreme."""
    exceed = (noise.pooled >= np.abs(np.asarray(t))[..., None]).sum(-1)
    return (1.0 + exceed) / (noise.pooled.shape[-1] + 1.0)


def significant(t: np.ndarray, noise: PlaceboNoise) -> np.ndarray:
    """True where |t| exceeds the placebo critical value (the test at ``noise.alpha``)."""
    return np.abs(np.asarray(t)) > noise.critical


def power(noise: PlaceboNoise, lift: np.ndarray | float) -> np.ndarray:
    """Probability that a test with true total effect ``lift`` is significant.

    ``lift`` (...,) or (..., D) draws (then averaged: the Bayesian assurance). Vectorised
    over windows x draws: each placebo window's statistic, with the lift added to its
    effect, against the critical value.
    """
    lift = np.asarray(lift, float)
    draws = lift if lift.ndim > noise.effect.ndim - 1 else lift[..., None]
    shifted = (noise.effect[..., None, :] + draws[..., :, None]) / noise.se[..., None, :]
    hit = np.abs(shifted) > noise.critical[..., None, None]
    return hit.mean(axis=(-2, -1))


def minimum_detectable_lift(noise: PlaceboNoise, *, target: float = 0.8,
                            sign: float = 1.0) -> float:
    """The smallest |lift| (in the outcome's units) detected with probability ``target``
    (bisection on :func:`power`; the sign of the lift one expects, e.g. -1 for go-dark)."""
    scale = float(np.median(noise.se)) * float(noise.critical)
    lo, hi = 0.0, scale
    while float(power(noise, sign * hi)) < target:
        lo, hi = hi, 2.0 * hi
        if hi > 1e4 * scale:
            return float("inf")
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if float(power(noise, sign * mid)) < target else (lo, mid)
    return hi
