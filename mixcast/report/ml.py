"""The numbers behind a report of an ML run, in the shapes the report sections read.

:func:`gather_ml` returns the same :class:`~mixcast.report.context.ReportContext` as a
Bayesian run, so `mixcast report` and the dashboard render an ML run unchanged. Every
channel number is a counterfactual prediction of the ensemble (DESIGN.md definitions),
with 90% intervals over the bootstrap replicates:

- decomposition: each channel's weekly effect (prediction at actual spend less the
  prediction with the channel off), the rest as baseline; SHAP contributions, which
  measure departures from the average week, are in ``RUN/contributions.csv``;
- response curves by scaling one channel's spend (curves are flat past observed spend);
- carryover: none (trees have no decay parameter), said in place of the chart.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from mixcast.assist.narrative import run_narrative
from mixcast.analysis.totals import platform_comparison
from mixcast.analysis.hurdle import mroi_hurdle
from mixcast.analysis.over_time import last_weeks, returns_table, rolling_returns
from mixcast.data.guardrails import breakeven_roi
from mixcast.model.plans import channel_off_plans
from mixcast.posterior.intervals import Band, interval
from mixcast.ml.attribution import channel_metrics, plan_outcomes
from mixcast.ml.decide import ml_space, optimize_ml, space_outcomes
from mixcast.ml.fit import MLFit
from mixcast.ml.run import load_ml_run
from mixcast.optimize.problem import BudgetScenario
from mixcast.optimize.recommend import allocation_actions, best_moves
from mixcast.optimize.scenario import change_table
from mixcast.report.context import (REPORT_MAX_CHANGE, Optional_, ReportContext, attempt,
                                    load_verdicts)
from mixcast.storage import read_manifest

CURVE_MULTIPLIERS = np.round(np.linspace(0.0, 2.5, 11), 6)
NO_CARRYOVER = ("The ML challenger has no carryover parameters (its lag and adstock "
                "features have fixed decays); see permutation importance in "
                "ml_analysis.json for how much lagged spend matters.")
NOTES = {
    "decomposition": "ML challenger: each channel's weekly effect is the ensemble's "
                     "prediction at actual spend less its prediction with that channel off.",
    "response-curves": "ML challenger: trees do not extrapolate; past the largest weekly "
                       "spend observed the curves are flat by construction, so 'saturation' "
                       "there is the edge of the data, not a fitted effect.",
    "channel-returns": "ML challenger: ranges are over block-bootstrap refits of the "
                       "ensemble; mROI uses a finite step (the trees are step functions).",
}


def gather_ml(run: str | Path, *, fit: MLFit | None = None) -> ReportContext:
    """:func:`mixcast.report.gather.gather` for an ML run directory."""
    run = Path(run)
    manifest = read_manifest(run)
    fit = fit if fit is not None else load_ml_run(run)
    summary = json.loads((run / "summary.json").read_text())
    validation, verdicts, blocked = load_verdicts(run)
    effects = weekly_effects(fit)
    dates, rolling = rolling_effectiveness(fit, effects)
    platform = platform_comparison(fit, channel_metrics=channel_metrics)
    return ReportContext(
        run_name=run.name, summary=summary, manifest=manifest, channels=fit.channels,
        kpi_type=fit.data.kpi_type, target=fit.data.target,
        decomposition=decomposition(fit, effects), last_year=window_returns(fit),
        rolling_dates=dates, rolling=rolling,
        curves=attempt(lambda: response_curves(fit)),
        carryover=Optional_(None, NO_CARRYOVER),
        narrative=attempt(lambda: run_narrative(fit, run)),
        recommendations=attempt(lambda: shift_recommendations(fit, exclude_targets=blocked)),
        allocation=attempt(lambda: optimize_ml(fit, BudgetScenario(
            max_change=REPORT_MAX_CHANGE))),
        validation=validation,
        platform=Optional_(platform, "" if platform is not None else
                           "The data has no platform-attributed conversions (optional "
                           "config key `platform_attributed`)."),
        actions=allocation_actions(summary, verdicts),
        media_total=media_total(fit), outcome_total=float(fit.data.y.sum()),
        notes=dict(NOTES))


def weekly_effects(fit: MLFit) -> np.ndarray:
    """(S, G, T, C) each channel's weekly effect in KPI units (actual less channel off)."""
    kpi = fit.predict_kpi(channel_off_plans(fit.media))                # (S, C+1, G, T)
    return np.moveaxis(kpi[:, :1] - kpi[:, 1:], 1, -1)


def decomposition(fit: MLFit, effects: np.ndarray) -> pd.DataFrame:
    """Weekly outcome (KPI units, summed over geos): baseline, each channel, fitted, actual."""
    mean = effects.mean(axis=0).sum(axis=0)                             # (T, C)
    fitted = fit.predict_kpi(fit.media[None]).mean(axis=0)[0].sum(axis=0)
    frame = pd.DataFrame({"date": pd.to_datetime(fit.data.dates)})
    frame["baseline"] = fitted - mean.sum(axis=1)
    for c, channel in enumerate(fit.channels):
        frame[channel] = mean[:, c]
    frame["fitted"] = fitted
    frame["actual"] = fit.data.y.sum(axis=0)
    return frame


def window_returns(fit: MLFit, *, weeks: int = 52) -> pd.DataFrame:
    """Spend and incremental outcome by channel over the last ``weeks`` weeks (as
    :func:`mixcast.analysis.over_time.window_returns`)."""
    weeks, mask = last_weeks(fit.data.n_times, weeks)
    out = plan_outcomes(fit, channel_off_plans(fit.media), weeks=mask)[..., 0]
    return returns_table(fit.channels, out[:, :1] - out[:, 1:],
                         fit.data.spend[:, -weeks:].sum(axis=(0, 1)), weeks)


def rolling_effectiveness(fit: MLFit, effects: np.ndarray, *, window: int = 13):
    """Rolling ``window``-week return per unit of spend per channel (currency value)."""
    weekly = np.einsum("sgtc,gt->stc", effects, fit.data.value_per_kpi())
    return rolling_returns(fit.data, weekly, window=window)


def response_curves(fit: MLFit, *, multipliers: np.ndarray = CURVE_MULTIPLIERS):
    """A :class:`~mixcast.optimize.ResponseCurves` from counterfactual scaling."""
    from mixcast.optimize import ResponseCurves

    grid = np.unique(np.append(np.asarray(multipliers, dtype=float), 1.0))
    space = ml_space(fit)
    current = space.current
    reference = np.where(current > 0, current, max(current.mean(), 1.0))
    step = fit.config.mroi_step
    n_channels, n = len(current), len(grid)
    plans = []
    for c in range(n_channels):
        for factor in (*grid, *(np.where(grid > 0, grid * (1 + step), step)), 0.0):
            plan = current.copy()
            plan[c] = factor * reference[c]
            plans.append(plan)
    value = space_outcomes(fit, space, np.array(plans))                     # (S, C*(2n+1))
    value = value.reshape(value.shape[0], n_channels, 2 * n + 1)
    off = value[:, :, -1:]
    outcome = value[:, :, :n] - off                                         # (S, C, M)
    stepped = value[:, :, n:2 * n] - off
    width = (np.where(grid > 0, grid * step, step))[None, None, :] * reference[None, :, None]
    marginal = (stepped - outcome) / width
    if space.metric == 1:   # conversions: curves and mROI in currency value
        value_per = float(fit.data.value_per_kpi().mean())
        outcome_kpi = outcome.mean(0)
        outcome, marginal = outcome * value_per, marginal * value_per
    else:
        outcome_kpi = outcome.mean(0) / float(fit.data.value_per_kpi().mean())
    spend = grid[None, :] * reference[:, None]
    cpa = None
    if fit.data.kpi_type == "conversions":
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = spend[None] / np.where(outcome_kpi[None] > 0, outcome_kpi[None], np.nan)
        cpa = interval(np.broadcast_to(ratio, outcome.shape))
    mean_curve, mean_mroi = outcome.mean(0), marginal.mean(0)
    i = int(np.searchsorted(grid, 1.0))
    hurdle = mroi_hurdle(breakeven_roi(fit.data), current, mean_mroi[:, i])
    return ResponseCurves(
        channels=fit.channels, multipliers=grid, spend=spend, current_spend=current,
        current_index=i, outcome=interval(outcome),
        outcome_kpi=outcome_kpi, mroi=interval(marginal), cpa=cpa,
        asymptote=mean_curve.max(axis=1),
        breakeven_spend=np.array([_breakeven(mean_mroi[c], spend[c], hurdle.value)
                                  for c in range(n_channels)]),
        saturation_spend=np.array([_saturation(mean_curve[c], spend[c])
                                   for c in range(n_channels)]), hurdle=hurdle,
        searched_to=float(grid.max()))


def _breakeven(mroi: np.ndarray, spend: np.ndarray, threshold: float) -> float:
    """Spend where the mean mROI first falls below ``threshold`` (the hurdle:
    :mod:`mixcast.analysis.hurdle`) on the grid (0 if never above it, NaN if it stays
    above it over the grid)."""
    above = mroi >= threshold
    if not above.any():
        return 0.0
    below = np.nonzero(~above & (np.arange(len(mroi)) > np.argmax(above)))[0]
    return float(spend[below[0]]) if len(below) else float("nan")


def _saturation(curve: np.ndarray, spend: np.ndarray) -> float:
    """Spend where the mean curve first reaches 80% of its maximum over the grid."""
    top = curve.max()
    if top <= 0:
        return float("nan")
    return float(spend[int(np.argmax(curve >= 0.8 * top))])


def shift_recommendations(fit: MLFit, *, share: float = 0.10, top: int = 3,
                          exclude_targets: tuple[str, ...] = ()) -> list[dict]:
    """The best budget-neutral moves of ``share`` of one channel's spend to another (as
    :func:`mixcast.optimize.recommend.shift_recommendations`), scored by the replicates."""
    from mixcast.optimize import shift_grid

    space = ml_space(fit)
    plans, labels = shift_grid(space.current, space.channels, shares=np.array([share]))
    out = space_outcomes(fit, space, np.vstack([space.current[None], plans]))
    return best_moves(plans, change_table(out, plans, labels), current=space.current,
                      channels=space.channels, top=top, exclude_targets=exclude_targets)


def media_total(fit: MLFit) -> Band:
    """Scalar Band: outcome (KPI units) all paid media drove over the data window."""
    return Band.of(plan_outcomes(fit, fit.media[None])[:, 0, 1])
