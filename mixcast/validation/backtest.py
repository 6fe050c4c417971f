"""Checks 3 and 4: rolling-origin backtests, and backtests where the spend mix shifted.

Each fold refits on the weeks before its origin (expanding window) and forecasts the next
``horizon`` weeks from their actual spend, controls and calendar; it is scored by MAPE and
by how many weeks fall inside the 90% predictive interval. Shift folds are the origins
where the spend mix of the forecast weeks differs most from the training weeks' mix: the
situation a budget decision creates, scored separately.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mixcast.data.dataset import Dataset
from mixcast.analysis.forecast import predictive_draws
from mixcast.posterior.fitted import Fit
from mixcast.posterior.intervals import interval

HORIZON = 13
COVERAGE_WARN, COVERAGE_FAIL = 0.7, 0.4
RefitAt = Callable[[int], Fit]


def min_train_weeks(n_times: int) -> int:
    """The shortest training window a fold may use: a year, or half the data if longer."""
    return max(52, n_times // 2)


def regular_origins(n_times: int, *, folds: int, horizon: int = HORIZON) -> list[int]:
    """Origins T - h, T - 2h, ... (latest first) that leave at least the minimum training."""
    origins = [n_times - k * horizon for k in range(1, folds + 1)]
    return [k for k in origins if k >= min_train_weeks(n_times)]


def mix_shift(data: Dataset, origin: int, *, horizon: int = HORIZON) -> float:
    """Total-variation distance between the spend mix before ``origin`` and after it
    (0 = same shares, 1 = disjoint channels)."""
    spend = data.spend.sum(axis=0)
    before = spend[:origin].sum(axis=0)
    after = spend[origin:origin + horizon].sum(axis=0)
    if before.sum() <= 0 or after.sum() <= 0:
        return 0.0
    return float(0.5 * np.abs(before / before.sum() - after / after.sum()).sum())


def shift_origins(data: Dataset, *, folds: int, exclude: list[int],
                  horizon: int = HORIZON) -> list[int]:
    """The ``folds`` origins with the largest spend-mix shift, at least 4 weeks from any
    origin in ``exclude`` and from each other."""
    first, last = min_train_weeks(data.n_times), data.n_times - horizon
    if folds <= 0 or last < first:
        return []
    ranked = sorted(range(first, last + 1), key=lambda k: -mix_shift(data, k, horizon=horizon))
    chosen: list[int] = []
    for k in ranked:
        if all(abs(k - other) >= 4 for other in (*exclude, *chosen)):
            chosen.append(k)
        if len(chosen) == folds:
            break
    return sorted(chosen)


def score_fold(fit: Fit, refitted: Fit, origin: int, *, horizon: int = HORIZON,
               seed: int = 0) -> dict:
    """Out-of-sample MAPE and 90% coverage of ``refitted`` on weeks [origin, origin+h)."""
    _, draws = predictive_draws(refitted, refitted.inputs, refitted.inputs.media, seed=seed)
    weeks = slice(origin, origin + horizon)
    predictive = draws.sum(axis=1)[:, weeks]
    actual = fit.data.y.sum(axis=0)[weeks]
    band = interval(predictive)
    forecast = band["mean"]
    return {
        "origin": str(fit.data.dates[origin])[:10], "train_weeks": int(origin),
        "test_weeks": int(len(actual)),
        "mape": float(np.mean(np.abs(forecast - actual) / np.maximum(np.abs(actual), 1e-12))),
        "coverage90": float(np.mean((actual >= band["lo90"]) & (actual <= band["hi90"]))),
        "mix_shift": mix_shift(fit.data, origin, horizon=horizon),
        "refit_divergences": int(np.asarray(refitted.idata.sample_stats["diverging"]).sum()),
    }


def check_backtests(fit: Fit, refit_at: RefitAt, origins: list[int], *, kind: str) -> dict:
    """Score each fold (``kind``: 'rolling' or 'spend_shift') and judge them together."""
    if not origins:
        need = min_train_weeks(fit.data.n_times) + HORIZON
        return {"status": "skipped", "folds": [],
                "summary": f"not enough history for a {HORIZON}-week backtest (needs "
                           f"{need} weeks, has {fit.data.n_times})"}
    folds = [score_fold(fit, refit_at(k), k, seed=i) for i, k in enumerate(origins)]
    coverage = float(np.mean([f["coverage90"] for f in folds]))
    mape = float(np.mean([f["mape"] for f in folds]))
    status = "pass"
    if coverage < COVERAGE_WARN:
        status = "fail" if coverage < COVERAGE_FAIL else "warn"
    what = "forecasts after the largest spend-mix shifts" if kind == "spend_shift" \
        else "rolling-origin forecasts"
    summary = (f"{len(folds)} {what} of {HORIZON} weeks: MAPE {100 * mape:.1f}%, "
               f"{100 * coverage:.0f}% of weeks inside the 90% interval")
    if kind == "spend_shift":
        summary += f" (mix shift up to {max(f['mix_shift'] for f in folds):.2f})"
    return {"status": status, "summary": summary, "mape": mape, "coverage90": coverage,
            "horizon": HORIZON, "folds": folds}
