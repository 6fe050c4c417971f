"""Check 2, in-sample fit: R², MAPE, posterior predictive 90% coverage and residual
autocorrelation, computed on the national (summed over geos) weekly KPI.

Autocorrelated residuals have two usual causes, with different fixes: the baseline moves
slowly in a way the trend does not follow (``trend_knots``), or a channel's effectiveness
drifts (``time_varying``). They are told apart on the residuals: a channel's weekly effect
times a smooth drift (the model's own time basis) is tested, nested, against the smooth
basis alone (F-test); a channel whose drift explains what a baseline movement cannot is
named.
"""

from __future__ import annotations

import numpy as np

from scipy import stats

from mixcast.analysis.decomposition import contributions
from mixcast.analysis.forecast import predictive_draws
from mixcast.posterior.fitted import Fit
from mixcast.posterior.intervals import interval
from mixcast.validation.accuracy import mape, r_squared

R2_WARN, R2_FAIL = 0.5, 0.2
COVERAGE_LOW = 0.75
ACF_WARN = 0.5
DRIFT_P = 1e-3          # a channel's drift must beat a smooth baseline movement at this p
DRIFT_SHARE = 0.2       # ... and explain this share of the residuals it leaves


def check_fit(fit: Fit, *, seed: int = 0) -> dict:
    """In-sample R² and MAPE of the posterior-mean fit, 90% predictive coverage of the
    observed weeks, and the lag-1..4 autocorrelation of the residuals."""
    expected, draws = predictive_draws(fit, fit.inputs, fit.inputs.media, seed=seed)
    y = fit.data.y.sum(axis=0)
    fitted = expected.sum(axis=1).mean(axis=0)
    predictive = draws.sum(axis=1)
    band = interval(predictive)
    resid = y - fitted
    r2, in_sample_mape = r_squared(y, fitted), mape(y, fitted)
    coverage = float(np.mean((y >= band["lo90"]) & (y <= band["hi90"])))
    acf = autocorrelation(resid, lags=4)
    findings, status = [], "pass"
    if r2 < R2_WARN:
        status = "fail" if r2 < R2_FAIL else "warn"
        findings.append(f"the model explains only {100 * max(r2, 0):.0f}% of the KPI's "
                        "variation: key drivers may be missing (controls, events)")
    if coverage < COVERAGE_LOW:
        status = "warn" if status == "pass" else status
        findings.append(f"only {100 * coverage:.0f}% of weeks fall in their 90% interval: "
                        "the noise is underestimated or outlier weeks are unmodelled")
    drifting: list[str] = []
    if abs(acf[0]) > ACF_WARN:
        status = "warn" if status == "pass" else status
        drifting = drifting_channels(fit, resid)
        if drifting:
            listed = ", ".join(drifting)
            every = len(drifting) == len(fit.channels) > 1
            findings.append(f"residuals are autocorrelated (lag-1 {acf[0]:.2f}) and track "
                            f"the weekly effect of {'paid media as a whole' if every else listed}"
                            " more than any smooth baseline movement: media effectiveness "
                            f"may drift over time; try model: {{time_varying: [{listed}]}}"
                            + ("" if every else " (and any channel that may drift with it: "
                               "one with steady spend cannot show it here)"))
        else:
            findings.append(f"residuals are autocorrelated (lag-1 {acf[0]:.2f}): a slow "
                            "baseline movement is unmodelled; try model: {trend_knots: 4}")
    summary = (f"R² {r2:.2f}, MAPE {100 * in_sample_mape:.1f}%, "
               f"90% coverage {100 * coverage:.0f}%, residual lag-1 autocorrelation {acf[0]:.2f}")
    return {"status": status, "summary": "; ".join(findings) or summary, "r2": r2,
            "mape": in_sample_mape, "coverage90": coverage, "residual_acf": acf,
            "drifting_channels": drifting,
            "durbin_watson": float(np.sum(np.diff(resid) ** 2) / max(np.sum(resid ** 2),
                                                                      1e-12))}


def autocorrelation(x: np.ndarray, *, lags: int) -> list[float]:
    """Sample autocorrelation of ``x`` at lags 1..``lags``."""
    x = np.asarray(x, float) - np.mean(x)
    denom = max(float(np.sum(x ** 2)), 1e-12)
    return [float(np.sum(x[k:] * x[:-k]) / denom) for k in range(1, lags + 1)
            if k < len(x)]


def drifting_channels(fit: Fit, resid: np.ndarray) -> list[str]:
    """Channels (not already time-varying) whose weekly effect times a smooth drift explains
    the national residuals beyond a smooth baseline movement (nested F-test at
    :data:`DRIFT_P`, and :data:`DRIFT_SHARE` of what that movement leaves). When paid
    media's summed effect drifting as one explains as much as the best single channel,
    every channel is named: a shared drift shows most in the channel whose spend moves
    most, and in a channel with steady spend not at all."""
    candidates = [c for c in fit.channels if c not in fit.spec.time_varying]
    if not candidates:
        return []
    basis = np.asarray(fit.inputs.time_basis, float)
    smooth = np.column_stack([np.ones(len(resid)), basis])
    left = _residual_ss(smooth, resid)
    effects = contributions(fit).groupby("date", sort=True)[candidates].sum()
    explained = {c: _drift_share(effects[c].to_numpy(), smooth, basis, resid, left)
                 for c in candidates}
    found = [c for c in candidates if explained[c] is not None]
    if found and len(candidates) > 1:
        shared = _drift_share(effects.sum(axis=1).to_numpy(), smooth, basis, resid, left)
        if shared is not None and shared >= max(explained[c] for c in found):
            return candidates
    return found


def _drift_share(effect: np.ndarray, smooth: np.ndarray, basis: np.ndarray,
                 resid: np.ndarray, left: float) -> float | None:
    """Share of the residuals ``smooth`` leaves (their sum of squares ``left``) that
    ``effect`` times ``basis`` explains, or None unless it passes the F-test and
    :data:`DRIFT_SHARE`."""
    with_drift = np.column_stack([smooth, effect[:, None] * basis])
    after = _residual_ss(with_drift, resid)
    dof = len(resid) - with_drift.shape[1]
    if dof < 10 or after <= 0 or left <= 0:
        return None
    f = ((left - after) / basis.shape[1]) / (after / dof)
    share = (left - after) / left
    passes = stats.f.sf(f, basis.shape[1], dof) < DRIFT_P and share > DRIFT_SHARE
    return share if passes else None


def _residual_ss(design: np.ndarray, y: np.ndarray) -> float:
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(np.sum((y - design @ coef) ** 2))
