"""Decisions on an ML run: scenarios and the budget optimiser, with the Bayesian outputs.

The verbs `mixcast scenario` and `mixcast optimize` return the same objects for an ML run
(:class:`~mixcast.optimize.scenario.ScenarioResult`, :class:`~mixcast.optimize.Allocation`)
and so print and write the same files. What differs is how plans are scored:

- a plan is channel totals over the window; each channel spends its total along its
  observed weekly pattern (the data window), or at its average weekly spend of the last 13
  weeks (``weeks=N``, the next N weeks, controls held at their recent average);
- its outcome under each bootstrap replicate is the ensemble's prediction less the
  prediction with no paid media (:func:`mixcast.ml.attribution.plan_outcomes`);
- trees are step functions with no gradient, so the optimiser is a gradient-free search:
  from the nearest feasible point to today's plan it tries every pairwise shift of a step
  of the budget, keeps the best that helps, and halves the step when none does. The
  constraints are the Bayesian optimiser's own (:func:`mixcast.optimize.problem.build_constraints`).

Only channel-level plans with a fixed budget are supported: the trees' flat response past
observed spend makes the budget-seeking modes meaningless (see ``LIMITS``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from mixcast.analysis.plan_space import PATTERN_WEEKS
from mixcast.errors import UserError
from mixcast.formatting import counted
from mixcast.ml.attribution import plan_outcomes
from mixcast.ml.features import Baseline
from mixcast.ml.fit import MLFit
from mixcast.model.plans import channel_off_plans, channel_step_plans
from mixcast.posterior.intervals import interval, scalar_interval, thin_index

SEARCH_REPLICATES = 8        # replicates the search scores plans with (all report)
_MIN_STEP = 0.005            # stop when the step is below 0.5% of the budget


@dataclass(frozen=True, slots=True)
class MLSpace:
    """Channel totals -> scaled media over a timeline; outcome counted where ``weeks``=1."""

    channels: tuple[str, ...]
    current: np.ndarray          # (C,) today's totals over the plan weeks
    spend_share: np.ndarray      # (G, T, C) share of the channel total spent in each cell
    pattern: np.ndarray          # (G, T, C) scaled media per currency of channel total
    base_media: np.ndarray       # (G, T, C) fixed media (history weeks before a horizon)
    base: Baseline | None        # None: the data's own weeks
    weeks: np.ndarray            # (T,) 1 where the outcome counts
    metric: int                  # 0 currency value, 1 KPI units
    note: str

    def media(self, totals: np.ndarray) -> np.ndarray:
        """(V, C) totals -> (V, G, T, C) scaled media."""
        totals = np.atleast_2d(np.asarray(totals, dtype=float))
        return self.base_media[None] + totals[:, None, None, :] * self.pattern[None]


def ml_space(fit: MLFit, *, weeks: int | None = None) -> MLSpace:
    """The plan space of an ML fit: the data window, or the next ``weeks`` weeks."""
    data = fit.data
    metric = 1 if data.kpi_type == "conversions" else 0
    if weeks is None:
        spend = data.spend.astype(float)
        totals = spend.sum(axis=(0, 1))
        share = spend / np.where(totals > 0, totals, 1.0)
        share = np.where(totals > 0, share, 1.0 / (data.n_geos * data.n_times))
        note = (f"data window {str(data.dates[0])[:10]} to {str(data.dates[-1])[:10]} "
                f"({data.n_times} weeks): each channel's observed weekly pattern, scaled")
        return MLSpace(channels=fit.channels, current=totals, spend_share=share,
                       pattern=fit.scales.media_of_spend(share),
                       base_media=np.zeros_like(share), base=None,
                       weeks=np.ones(data.n_times), metric=metric, note=note)
    if not 1 <= int(weeks) <= 520:
        raise UserError(f"The 'weeks' option must be an int in the range [1, 520]. "
                        f"Got {weeks} instead.")
    return _future_space(fit, int(weeks), metric)


def _future_space(fit: MLFit, weeks: int, metric: int) -> MLSpace:
    data = fit.data
    recent = data.spend[:, -PATTERN_WEEKS:, :].mean(axis=1)                # (G, C)
    totals = recent.sum(axis=0) * weeks
    share = np.repeat((recent / np.where(totals > 0, totals, 1.0))[:, None, :], weeks, 1)
    history = fit.media
    last = data.dates[-1].astype("datetime64[D]")
    dates = last + 7 * np.arange(1, weeks + 1).astype("timedelta64[D]")

    def hold(values: np.ndarray) -> np.ndarray:      # (G, T, K) -> recent mean repeated
        future = np.repeat(values[:, -PATTERN_WEEKS:].mean(axis=1, keepdims=True), weeks, 1)
        return np.concatenate([values, future], axis=1)

    base = Baseline(dates=np.concatenate([data.dates.astype("datetime64[D]"), dates]),
                    controls=hold(data.controls_or_empty()),
                    organic=hold(data.organic_or_empty()),
                    events=np.concatenate([data.events_or_empty(), np.zeros(
                        (data.n_geos, weeks, data.events_or_empty().shape[-1]))], axis=1))
    pad = np.zeros((data.n_geos, weeks, data.n_channels))
    mask = np.concatenate([np.zeros(data.n_times), np.ones(weeks)])
    note = (f"next {counted(weeks, 'week')} ({str(dates[0])[:10]} to {str(dates[-1])[:10]}): "
            "the future weekly pattern is the average weekly spend of the last "
            f"{PATTERN_WEEKS} weeks, controls at their recent average; outcome counted in "
            "horizon weeks only")
    return MLSpace(channels=fit.channels, current=totals,
                   spend_share=np.concatenate([np.zeros_like(history), share], axis=1),
                   pattern=np.concatenate([np.zeros_like(history),
                                           fit.scales.media_of_spend(share)], axis=1),
                   base_media=np.concatenate([history, pad], axis=1), base=base,
                   weeks=mask, metric=metric, note=note)


def space_outcomes(fit: MLFit, space: MLSpace, totals: np.ndarray, *,
                   replicates: int | None = None) -> np.ndarray:
    """(S, V) outcome of each plan of channel totals (V, C) in the space's metric."""
    use = fit if replicates is None else _thinned(fit, replicates)
    media = space.media(totals)
    if space.base is None:
        return plan_outcomes(use, media, weeks=space.weeks)[..., space.metric]
    zero = space.base_media[None] * 0.0
    kpi = use.predict_kpi(np.concatenate([zero, media]), base=space.base)  # (S, V+1, G, T)
    kpi = (kpi[:, 1:] - kpi[:, :1]) * space.weeks
    if space.metric == 0:
        value = _future_value(fit, space)
        kpi = kpi * value[None, None]
    return kpi.sum(axis=(2, 3))


def channel_effects(fit: MLFit, space: MLSpace, totals: np.ndarray) -> np.ndarray:
    """(S, V, C) each channel's own effect in each plan: the plan's outcome less the same
    plan with that channel at zero (not additive across channels for trees)."""
    totals = np.atleast_2d(np.asarray(totals, dtype=float))
    n_plans, n_channels = totals.shape
    variants = channel_off_plans(totals).reshape(-1, n_channels)          # (V (C+1), C)
    out = space_outcomes(fit, space, variants)                             # (S, V (C+1))
    out = out.reshape(out.shape[0], n_channels + 1, n_plans)
    return np.moveaxis(out[:, :1] - out[:, 1:], 1, 2)                      # (S, V, C)


def run_scenario_ml(fit: MLFit, spec: str, *, weeks: int | None = None):
    """Parse ``spec`` (as the Bayesian verb does) and score it against today's plan."""
    from mixcast.optimize.scenario import ScenarioResult, parse_scenario

    space = ml_space(fit, weeks=weeks)
    scenario = parse_scenario(spec, channels=space.channels, current=space.current)
    plans = np.stack([space.current, scenario.spend])
    totals = space_outcomes(fit, space, plans)
    effects = channel_effects(fit, space, plans)
    return ScenarioResult(
        scenario=scenario, channels=space.channels, baseline_spend=space.current,
        outcome=scalar_interval(totals[:, 1]), baseline=scalar_interval(totals[:, 0]),
        change=scalar_interval(totals[:, 1] - totals[:, 0]),
        channel_change=interval(effects[:, 1] - effects[:, 0]),
        outcome_unit="conversions" if space.metric == 1 else "revenue",
        note=space.note + " (ML challenger: bootstrap replicates, tree predictions)")


def optimize_ml(fit: MLFit, scenario=None):
    """The best fixed-budget channel allocation under ``scenario``'s constraints.

    Returns an :class:`~mixcast.optimize.Allocation`; ``solver`` says it was the
    gradient-free search of this module.

    Raises
    ------
    UserError
        For modes other than fixed_budget, or geo/period granularity.
    """
    from mixcast.optimize import BudgetScenario, Granularity, Mode
    from mixcast.optimize.problem import build_constraints, feasible_point

    scenario = scenario or BudgetScenario()
    if scenario.mode is not Mode.FIXED_BUDGET or scenario.granularity is not Granularity.CHANNEL:
        raise UserError("An ML run supports only --mode fixed_budget with --by channel: the "
                        "trees' response is flat beyond observed spend, so budget-seeking "
                        f"modes are not meaningful (got --mode {scenario.mode.value}, --by "
                        f"{scenario.granularity.value}). Use a Bayesian run for those.")
    started = time.perf_counter()
    space = ml_space(fit, weeks=scenario.weeks)
    total = scenario.budget if scenario.budget is not None else float(space.current.sum())
    cons = build_constraints(scenario, _plan_space_view(fit, space), total=total,
                             total_cap=None, cap=False)
    start = feasible_point(cons, space.current * total / max(space.current.sum(), 1e-12))
    if start is None:
        from mixcast.errors import InfeasibleError

        raise InfeasibleError("No plan satisfies the constraints; relax them.")
    x, info = _search(fit, space, cons, start, total, quantile=scenario.risk_quantile)
    info["seconds"] = round(time.perf_counter() - started, 3)
    return _allocation(fit, space, scenario.mode, x, info)


def _search(fit, space, cons, x, total, *, quantile):
    """Pairwise-shift descent on the replicate mean (or quantile) of the outcome."""
    def score(plans):
        out = space_outcomes(fit, space, plans, replicates=SEARCH_REPLICATES)
        return out.mean(0) if quantile is None else np.quantile(out, quantile, axis=0)

    best = float(score(x[None])[0])
    n = len(x)
    step, rounds, evaluated = 0.2 * total, 0, 1
    pairs = [(a, b) for a in range(n) for b in range(n) if a != b]
    while step > _MIN_STEP * total and rounds < 60 and pairs:
        rounds += 1
        candidates = []
        for a, b in pairs:
            move = min(step, x[a] - cons.lb[a], cons.ub[b] - x[b])
            if move <= 1e-9 * total:
                continue
            plan = x.copy()
            plan[a] -= move
            plan[b] += move
            if _feasible(cons, plan):
                candidates.append(plan)
        if not candidates:
            step /= 2
            continue
        values = score(np.array(candidates))
        evaluated += len(candidates)
        i = int(np.argmax(values))
        if values[i] > best * (1 + 1e-6) + 1e-9:
            x, best = candidates[i], float(values[i])
        else:
            step /= 2
    return x, {"method": "gradient-free pairwise shifts (ML challenger)", "rounds": rounds,
               "plans_scored": evaluated, "objective": best,
               "replicates_in_search": min(SEARCH_REPLICATES, len(fit.replicates))}


def _feasible(cons, x, tol: float = 1e-6) -> bool:
    scale = max(float(np.abs(x).sum()), 1.0) * tol
    if np.any(x < cons.lb - scale) or np.any(x > cons.ub + scale):
        return False
    if not len(cons.lo):
        return True
    ax = cons.A @ x
    return bool(np.all(ax >= cons.lo - scale) and np.all(ax <= cons.hi + scale))


def _allocation(fit: MLFit, space: MLSpace, mode, x: np.ndarray, info: dict):
    from mixcast.optimize import Allocation, OutcomeBand

    plans = np.stack([space.current, x])
    totals = space_outcomes(fit, space, plans)
    effects = channel_effects(fit, space, plans)                            # (S, 2, C)
    # Trees are flat past the observed spend, but the linear media layer is not: a plan's
    # weeks beyond the data are extrapolated, as in the Bayesian optimiser.
    beyond = _plan_space_view(fit, space).beyond_data(x, fit.data.spend)
    return Allocation(
        channels=space.channels, units=space.channels, mode=mode,
        note=space.note + "; ML challenger: tree predictions are flat beyond observed spend",
        outcome_unit="conversions" if space.metric == 1 else "revenue",
        current_spend=space.current.copy(), recommended_spend=np.asarray(x, dtype=float),
        current_units=space.current.copy(), recommended_units=np.asarray(x, dtype=float),
        current_outcome=OutcomeBand.of(totals[:, 0]),
        recommended_outcome=OutcomeBand.of(totals[:, 1]),
        gain=OutcomeBand.of(totals[:, 1] - totals[:, 0]),
        channel_outcome=interval(effects[:, 1]),
        channel_current_outcome=effects[:, 0].mean(0),
        marginal_roi=_marginal(fit, space, x, fit.config.mroi_step), solver=info,
        beyond_data=beyond)


def _marginal(fit: MLFit, space: MLSpace, x: np.ndarray, step: float) -> np.ndarray:
    """(C,) value per extra currency when each channel rises by ``step`` (trees have no
    derivative; as mROI in the summary, a finite step reaches the next split)."""
    out = space_outcomes(fit, space, channel_step_plans(x, step)).mean(0)
    if space.metric == 1:   # mROI is in currency: value the conversions
        out = out * float(fit.data.value_per_kpi().mean())
    return np.array([(out[c + 1] - out[0]) / (step * x[c]) if x[c] > 0 else np.nan
                     for c in range(len(x))])


def _plan_space_view(fit: MLFit, space: MLSpace):
    """A channel-granularity :class:`~mixcast.optimize.PlanSpace` carrying what the shared
    constraint builder and the beyond-the-data check read (channels, units, current, the
    weekly spend of a plan); the model fields are unused there."""
    from mixcast.optimize import Granularity, PlanSpace

    n = len(space.channels)
    plan_weeks = space.weeks > 0
    unit_index = np.where(plan_weeks[None, :, None], np.arange(n)[None, None, :], n)
    return PlanSpace(channels=space.channels, units=space.channels,
                     unit_channel=np.arange(n), current=space.current,
                     spend_pattern=space.spend_share, media_pattern=space.pattern,
                     unit_index=np.broadcast_to(unit_index, space.pattern.shape).copy(),
                     base_media=space.base_media, weights=space.weeks, inputs=None,
                     structure=None, metric=space.metric,
                     plan_dates=(fit.data.dates if space.base is None
                                 else space.base.dates)[plan_weeks],
                     granularity=Granularity.CHANNEL, note=space.note)


def _future_value(fit: MLFit, space: MLSpace) -> np.ndarray:
    """(G, T) currency per KPI unit over the space's timeline (recent average ahead)."""
    value = fit.data.value_per_kpi()
    extra = len(space.weeks) - value.shape[1]
    if extra <= 0:
        return value
    recent = value[:, -PATTERN_WEEKS:].mean(axis=1, keepdims=True)
    return np.concatenate([value, np.repeat(recent, extra, axis=1)], axis=1)


def _thinned(fit: MLFit, n: int) -> MLFit:
    """``fit`` with at most ``n`` evenly spaced replicates (as posterior draws are thinned)."""
    import dataclasses

    keep = thin_index(len(fit.replicates), n)
    if len(keep) == len(fit.replicates):
        return fit
    return dataclasses.replace(fit, replicates=tuple(fit.replicates[i] for i in keep))


def spend_scenario_ml(fit: MLFit, spend: dict[str, float]):
    """:func:`mixcast.optimize.spend_scenario.spend_scenario` for an ML fit: predicted KPI over the
    data window if each channel's total were ``spend`` (weekly pattern kept), per replicate.

    Raises
    ------
    UserError
        For an unknown channel or a negative spend.
    """
    from mixcast.optimize.spend_scenario import ScenarioOutcome, planned_totals, scenario_plans

    current, planned = planned_totals(fit, spend)
    plans = scenario_plans(fit.media, current, planned)
    totals = fit.predict_kpi(plans).sum(axis=(2, 3))                        # (S, C + 2)
    return ScenarioOutcome.of(fit.channels, planned, current, totals)
