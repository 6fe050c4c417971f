"""What the challenger says about each channel, by the DESIGN.md definitions.

- ROI, mROI and contribution share by **counterfactual prediction**: predict the KPI with
  a channel's spend set to zero in every week (or raised by ``mroi_step``) and compare
  with the prediction at actual spend. Each bootstrap replicate gives one value, so the
  90% interval is the spread over replicates (the analogue of posterior draws).
- Channel contributions over time from **SHAP** values of the ensemble, summed over each
  channel's features (interaction terms split half and half). SHAP measures a week's
  departure from the *average* week, not from zero spend, so weekly SHAP contributions
  sum to roughly zero over the data; ROI uses the counterfactual, never SHAP.
- **Response curves** by scaling one channel's spend in every week; points beyond the
  largest weekly spend ever observed are flagged: trees predict flat there.
- **Permutation importance**: the drop in in-sample R² when one channel's weekly spend is
  shuffled (its lags and adstocks are rebuilt from the shuffled series).
- **Lift tests** calibrate the fit (extra rows of the linear media layer and a penalty in
  the hyper-parameter search); each test is set beside the lift the model implies by
  counterfactual (observed spend versus the window put back to business as usual, as the
  Bayesian model does), so a user sees how far they still disagree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mixcast.analysis.metrics import ChannelMetrics, metrics_of
from mixcast.model.plans import channel_scaled_plans, metric_plans
from mixcast.posterior.intervals import interval, scalar_interval
from mixcast.ml.features import channel_groups
from mixcast.ml.fit import MLFit
from mixcast.ml.learners import LearnerKind
from mixcast.validation.accuracy import r_squared

DEFAULT_FACTORS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0)


def plan_outcomes(fit: MLFit, media_plans: np.ndarray, *,
                  weeks: np.ndarray | None = None) -> np.ndarray:
    """Media-driven outcome of each plan under each replicate.

    Same contract as :func:`mixcast.counterfactual.plan_outcomes`: the outcome of a plan
    less the outcome with no paid media at all, summed over geos and (masked) weeks.

    Parameters
    ----------
    media_plans : (V, G, T, C) scaled media over the data's weeks (``fit.media`` is the
        actual plan; :meth:`~mixcast.ml.features.Scales.media_of_spend` converts spend).
    weeks : optional (T,) 0/1 mask of the weeks whose outcome counts.

    Returns
    -------
    (S, V, 2): currency value ([..., 0]) and KPI units ([..., 1]).
    """
    plans = np.concatenate([np.zeros_like(media_plans[:1]), media_plans])
    kpi = fit.predict_kpi(plans)                                    # (S, V+1, G, T)
    kpi = kpi[:, 1:] - kpi[:, :1]
    if weeks is not None:
        kpi = kpi * np.asarray(weeks)[None, None, None, :]
    value = kpi * fit.data.value_per_kpi()[None, None]
    return np.stack([value.sum(axis=(2, 3)), kpi.sum(axis=(2, 3))], axis=-1)


def channel_metrics(fit: MLFit) -> ChannelMetrics:
    """Counterfactual ROI, mROI and contribution share per replicate: (S, C) arrays, the
    same :class:`~mixcast.analysis.ChannelMetrics` the Bayesian analysis returns."""
    step = fit.config.mroi_step
    outcomes = plan_outcomes(fit, metric_plans(fit.media, step))
    return metrics_of(fit.channels, outcomes, fit.data.spend.sum(axis=(0, 1)), step=step,
                      conversions=fit.data.kpi_type == "conversions")


def lift_test_checks(fit: MLFit) -> list[dict]:
    """Measured lift of each lift test next to the lift the ensemble implies.

    The implied lift follows the DESIGN.md definition, as the Bayesian model's does: the
    predicted KPI at the observed spend (which includes the test's change) minus the
    prediction with the test's window put back to business as usual
    (:func:`mixcast.data.lift_spend.business_as_usual`), summed over start .. measure end
    and the test's geo(s), per replicate. Tests dated outside the data's weeks are left
    out: the ensemble predicts only weeks it has features for. ``z`` is the
    measured-minus-implied gap in units of their combined spread; ``used_in_fit`` is
    True (the linear layer fits each test as a row, :mod:`mixcast.ml.media`).
    """
    from mixcast.analysis.calibration import CONTRADICTION_Z
    from mixcast.data.lift_spend import lift_timeline

    data = fit.data
    tests = [t for t in data.lift_tests if t.inside(data.n_times)]
    if not tests:
        return []
    index = {name: i for i, name in enumerate(fit.channels)}
    plans, measures = [fit.media], []
    for test in tests:
        timeline = lift_timeline(test, data, warmup=0)
        c = index[test.channel]
        change = np.zeros(data.spend.shape)
        change[..., c] = timeline.bau - timeline.tested
        plan = fit.media.copy()
        plan[..., c] = np.maximum(plan[..., c] + fit.scales.media_of_spend(change)[..., c],
                                  0.0)
        plans.append(plan)
        measures.append(timeline.measure)
    kpi = fit.predict_kpi(np.stack(plans))                               # (S, N + 1, G, T)
    implied = ((kpi[:, :1] - kpi[:, 1:]) * np.stack(measures)[None]).sum(axis=(2, 3))
    checks = []
    for i, test in enumerate(tests):
        draws = implied[:, i]
        band = scalar_interval(draws)
        z = float((test.lift - draws.mean()) / np.sqrt(test.lift_se ** 2 + draws.var()))
        checks.append({"label": test.label or f"test_{i}", "channel": test.channel,
                       "measured": float(test.lift), "measured_se": float(test.lift_se),
                       "implied_mean": float(draws.mean()), "implied_lo90": band["lo90"],
                       "implied_hi90": band["hi90"], "z": z,
                       "contradicts": bool(abs(z) > CONTRADICTION_Z), "used_in_fit": True})
    return checks


def shap_values(fit: MLFit, *, replicate: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """SHAP values of one replicate on the data: ((G*T, F) values in ``fit.names`` order,
    (G*T,) base), on the scaled target; values + base add up to the prediction.

    The linear layer's SHAP values are exact (a term's value less its mean over the data);
    the trees' come from TreeExplainer, summed over members by weight (SHAP is linear in
    the model output). The geo intercepts go to ``geo_level``; the week effects and the
    constant parts go to the base."""
    import warnings

    with warnings.catch_warnings():  # shap's plotting colours warn on import
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        import shap

    from mixcast.ml.ensemble import trees_rows
    from mixcast.ml.media import saturated
    from mixcast.ml.problem import linear_baseline

    rep = fit.replicates[replicate]
    spec, data = fit.config.features, fit.data
    n_geos, n_times = data.n_geos, data.n_times
    sat = saturated(fit.media, rep.media, spec.carryover_weeks)          # (G, T, C)
    n_media = len(fit.channels) + len(spec.interactions)
    total = np.zeros((n_geos * n_times, len(fit.names)))
    media_terms = (sat * rep.linear.beta).reshape(-1, sat.shape[-1])
    total[:, :sat.shape[-1]] = media_terms - media_terms.mean(axis=0)
    base_cols = linear_baseline(fit.base_features, n_geos).reshape(n_geos * n_times, -1)
    n_lin = base_cols.shape[1]
    base_terms = base_cols * rep.linear.gamma[:n_lin]
    total[:, n_media:n_media + n_lin] = base_terms - base_terms.mean(axis=0)
    geo_terms = np.repeat(rep.linear.gamma[n_lin:n_lin + n_geos], n_times)
    if n_geos > 1:
        total[:, -1] = geo_terms - geo_terms.mean()
    week = np.tile(rep.linear.week_effect if len(rep.linear.week_effect) else
                   np.zeros(n_times), n_geos)
    base = (media_terms.mean(axis=0).sum() + base_terms.mean(axis=0).sum() + geo_terms.mean()
            + week)
    if rep.trees is not None:
        x = trees_rows(sat, fit.base_features, spec, fit.channels, fit.config.tree_media)
        columns = (np.arange(len(fit.names)) if fit.config.tree_media
                   else np.arange(n_media, len(fit.names)))
        for kind, model, weight in zip(rep.trees.kinds, rep.trees.models, rep.trees.weights):
            explainer = shap.TreeExplainer(_explainable(kind, model))
            values = np.asarray(explainer.shap_values(x, check_additivity=False), dtype=float)
            total[:, columns] += weight * values
            base = base + weight * float(np.ravel(explainer.expected_value)[0])
    return total, base


def shap_contributions(fit: MLFit) -> pd.DataFrame:
    """Weekly contributions in KPI units: ``date, geo``, one column per channel (its SHAP
    sum), ``baseline`` (everything else, with the trend and the average week), ``fitted``.
    """
    values, base = shap_values(fit)
    n_geos, n_times = fit.data.y.shape
    scale = np.repeat(fit.scales.y_scale, n_times)
    trend = np.tile(fit.trend_offset(fit.data.dates), n_geos)
    groups = channel_groups(fit.names, fit.channels)
    frame = pd.DataFrame({"date": np.tile(pd.to_datetime(fit.data.dates), n_geos),
                          "geo": np.repeat(fit.data.geos, n_times)})
    media_total = np.zeros(len(frame))
    for channel, weights in groups.items():
        frame[channel] = (values @ weights) * scale
        media_total += values @ weights
    frame["baseline"] = (base + trend + values.sum(axis=1) - media_total) * scale
    frame["fitted"] = frame[list(fit.channels)].sum(axis=1) + frame["baseline"]
    return frame


def response_curves(fit: MLFit, *, factors: tuple[float, ...] = DEFAULT_FACTORS) -> dict:
    """Outcome as each channel's spend is scaled in every week, with 90% intervals.

    Returns ``{channel: {"factor", "spend", "mean", "lo90", "hi90", "beyond_observed"}}``
    (lists over factors); outcome is the media-driven value summed over the data window.
    ``beyond_observed`` marks factors whose peak week exceeds the largest observed week:
    trees do not extrapolate, so the curve is flat there by construction.
    """
    outcomes = plan_outcomes(fit, channel_scaled_plans(fit.media, factors))[..., 0]
    outcomes = outcomes.reshape(len(outcomes), len(fit.channels), len(factors))  # (S, C, F)
    spend = fit.data.spend.sum(axis=(0, 1))
    curves = {}
    for c, channel in enumerate(fit.channels):
        stats = interval(outcomes[:, c])
        curves[channel] = {
            "factor": list(factors), "spend": [float(spend[c] * f) for f in factors],
            **{k: v.tolist() for k, v in stats.items()},
            "beyond_observed": [bool(f > 1.0) for f in factors]}
    return curves


def permutation_importance(fit: MLFit, *, n_repeats: int = 5, seed: int = 0) -> dict:
    """Mean and sd over repeats of the in-sample R² lost when a channel's spend is shuffled
    across weeks, per channel."""
    rng = np.random.default_rng(seed)
    actual = fit.data.y.ravel()
    media = fit.media
    plans, owners = [media], []
    for c in range(media.shape[-1]):
        for _ in range(n_repeats):
            shuffled = media.copy()
            shuffled[..., c] = shuffled[:, rng.permutation(media.shape[1]), c]
            plans.append(shuffled)
            owners.append(c)
    predicted = fit.predict_kpi(np.stack(plans)).mean(axis=0)       # (V, G, T)
    reference = r_squared(actual, predicted[0].ravel())
    drops = np.array([reference - r_squared(actual, p.ravel()) for p in predicted[1:]])
    out = {}
    for c, channel in enumerate(fit.channels):
        mine = drops[[i for i, owner in enumerate(owners) if owner == c]]
        out[channel] = {"r2_drop_mean": float(mine.mean()), "r2_drop_sd": float(mine.std())}
    return out


def _explainable(kind: LearnerKind, model):
    """The object shap.TreeExplainer reads for each learner (booster for the boosters)."""
    if kind is LearnerKind.LIGHTGBM and hasattr(model, "booster_"):
        return model.booster_
    if kind is LearnerKind.XGBOOST:
        return model.get_booster()
    return model
