"""Checks 3 and 4: rolling-origin backtests, and backtests where the spend mix shifted.

Each fold refits on the weeks before its origin (expanding window) and forecasts the next
``horizon`` weeks from their actual spend, controls and calendar; it is scored by how many
weeks fall inside the 90% predictive interval, and by its weighted absolute error against
the simplest forecast there is, the average week of the year before the origin (a model that
cannot beat it does not predict the weeks it attributes; MAPE is reported too, but weeks
with a small KPI make it explode). Shift folds are the origins
where the spend mix of the forecast weeks differs most from the training weeks' mix: the
situation a budget decision creates, scored separately.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mixcast.data.dataset import Dataset
from mixcast.formatting import counted
from mixcast.analysis.forecast import predictive_draws
from mixcast.posterior.fitted import Fit
from mixcast.posterior.intervals import interval
from mixcast.validation.accuracy import mape, wape

HORIZON = 13
COVERAGE_WARN, COVERAGE_FAIL = 0.7, 0.4
NAIVE_WEEKS = 52               # the naive forecast: the average of this many weeks before
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


def naive_forecast(kpi: np.ndarray, origin: int) -> float:
    """The bar every forecast must clear: the average week of the ``NAIVE_WEEKS`` before
    ``origin`` (of the KPI summed over geos), flat over the horizon."""
    return float(np.mean(kpi[max(0, origin - NAIVE_WEEKS):origin]))


def fold_scores(actual: np.ndarray, band: dict, naive: float) -> dict:
    """How one fold's forecast (``band``: mean, lo90, hi90 per week) did on ``actual``:
    MAPE, weighted absolute error (sum |error| / sum |actual|) of the forecast and of the
    flat ``naive`` one, and the share of weeks inside the 90% interval.

    Examples
    --------
    >>> band = {"mean": np.array([10., 20.]), "lo90": np.array([8., 15.]),
    ...         "hi90": np.array([12., 25.])}
    >>> s = fold_scores(np.array([11., 30.]), band, naive=15.0)
    >>> round(s["wape"], 3), round(s["naive_wape"], 3), s["coverage90"]
    (0.268, 0.463, 0.5)
    """
    return {
        "mape": mape(actual, band["mean"]),
        "wape": wape(actual, band["mean"]),
        "naive_wape": wape(actual, np.full_like(actual, naive, dtype=float)),
        "coverage90": float(np.mean((actual >= band["lo90"]) & (actual <= band["hi90"]))),
    }


def score_fold(fit: Fit, refitted: Fit, origin: int, *, horizon: int = HORIZON,
               seed: int = 0) -> dict:
    """Out-of-sample scores (:func:`fold_scores`) of ``refitted`` on weeks [origin, origin+h)."""
    _, draws = predictive_draws(refitted, refitted.inputs, refitted.inputs.media, seed=seed)
    weeks = slice(origin, origin + horizon)
    predictive = draws.sum(axis=1)[:, weeks]
    kpi = fit.data.y.sum(axis=0)
    return {
        "origin": str(fit.data.dates[origin])[:10], "train_weeks": int(origin),
        "test_weeks": int(predictive.shape[1]),
        **fold_scores(kpi[weeks], interval(predictive), naive_forecast(kpi, origin)),
        "mix_shift": mix_shift(fit.data, origin, horizon=horizon),
        "refit_divergences": int(np.asarray(refitted.idata.sample_stats["diverging"]).sum()),
    }


def judge_backtests(folds: list[dict], *, kind: str, note: str = "") -> dict:
    """Judge scored folds together (``kind``: 'rolling' or 'spend_shift'): a warning when
    fewer than 70% of weeks fall inside the 90% interval (a failure below 40%), or when
    the forecasts err more than the last year's average week would have."""
    coverage = float(np.mean([f["coverage90"] for f in folds]))
    mape = float(np.mean([f["mape"] for f in folds]))
    wape = float(np.mean([f["wape"] for f in folds]))
    naive = float(np.mean([f["naive_wape"] for f in folds]))
    status = "pass"
    if coverage < COVERAGE_WARN:
        status = "fail" if coverage < COVERAGE_FAIL else "warn"
    elif wape >= naive:
        status = "warn"
    what = (counted(len(folds), "forecast after the largest spend-mix shift",
                    "forecasts after the largest spend-mix shifts") if kind == "spend_shift"
            else counted(len(folds), "rolling-origin forecast"))
    summary = (f"{what} of {HORIZON} weeks: weighted error {100 * wape:.1f}% "
               f"(last year's average week: {100 * naive:.1f}%), MAPE {100 * mape:.1f}%, "
               f"{100 * coverage:.0f}% of weeks inside the 90% interval")
    if kind == "spend_shift":
        summary += f" (mix shift up to {max(f['mix_shift'] for f in folds):.2f})"
    summary += note
    if wape >= naive:
        summary += ("; the forecasts are no better than the last year's average week, so "
                    "the model does not predict the weeks it attributes")
    return {"status": status, "summary": summary, "mape": mape, "wape": wape,
            "naive_wape": naive, "coverage90": coverage, "horizon": HORIZON, "folds": folds}


def check_backtests(fit: Fit, refit_at: RefitAt, origins: list[int], *, kind: str) -> dict:
    """Score each fold (``kind``: 'rolling' or 'spend_shift') and judge them together."""
    if not origins:
        need = min_train_weeks(fit.data.n_times) + HORIZON
        return {"status": "skipped", "folds": [],
                "summary": f"not enough history for a {HORIZON}-week backtest (needs "
                           f"{need} weeks, has {fit.data.n_times})"}
    folds = [score_fold(fit, refit_at(k), k, seed=i) for i, k in enumerate(origins)]
    return judge_backtests(folds, kind=kind)
