"""The budget optimiser: ``optimize(fit, scenario) -> Allocation``.

Maximises the posterior mean (or a lower quantile) of the media-driven outcome over a plan
space with SLSQP, using exact JAX gradients of the fitted mean function, from several
feasible starts. On additive spaces the posterior-mean objective is a sum of one-unit
curves: the starts are first solved on the tabulated mean curves (a surrogate that costs
microseconds per step, see :func:`~mixcast.optimize.evaluate.unit_curves`), and only the
best surrogate answer is polished with the exact objective. Budget-seeking modes (target
ROI/CPA, minimum budget for a goal) search the total budget around fixed-budget solves;
marginal targets maximise outcome minus target x spend, whose optimum is where every
channel's marginal return equals the target.
Every answer is checked against every constraint before it is returned.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from mixcast.errors import InfeasibleError
from mixcast.analysis.evaluator import (Curves, Evaluator, additive, evaluator, objective,
                                       plan_outcomes, unit_curves)
from mixcast.analysis.identification import identification
from mixcast.optimize.names import match_channels
from mixcast.optimize.problem import (BudgetScenario, Constraints, Mode, build_constraints,
                                      channel_limits, feasible_point)
from mixcast.analysis.plan_space import PlanSpace, beyond_data_note, plan_space
from mixcast.posterior.fitted import Fit
from mixcast.posterior.intervals import interval, scalar_interval

_SEARCH_GRID = 9
_BISECTIONS = 10
_SURROGATE_TOL = 1e-4    # mean-curve tolerance for the starts (the polish is exact)
_SURROGATE_FLOOR = 1e-4  # surrogate nodes from this fraction of a unit's upper limit


def _one_blas_thread():
    """SLSQP's tiny linear algebra: one BLAS thread (several threads on a busy machine
    make each step ~100x slower)."""
    return threadpool_limits(limits=1, user_api="blas")


# Modes that search the total budget; their target is judged on every posterior draw.
BUDGET_SEARCH = (Mode.TARGET_ROI, Mode.TARGET_CPA, Mode.MIN_BUDGET)


@dataclass(frozen=True, slots=True)
class OutcomeBand:
    """Posterior mean and 90% interval (5th-95th percentile) of one number."""

    mean: float
    lo90: float
    hi90: float

    @classmethod
    def of(cls, draws: np.ndarray) -> "OutcomeBand":
        return cls(**scalar_interval(draws))

    def as_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "lo90": self.lo90, "hi90": self.hi90}


@dataclass(frozen=True, slots=True)
class Allocation:
    """A recommended plan next to today's, scored over the whole posterior.

    Outcomes are the media-driven outcome over the plan weeks, in currency for revenue
    KPIs and in KPI units for conversion KPIs (``outcome_unit``).
    """

    channels: tuple[str, ...]
    units: tuple[str, ...]
    mode: Mode
    note: str
    outcome_unit: str
    current_spend: np.ndarray            # (C,)
    recommended_spend: np.ndarray        # (C,)
    current_units: np.ndarray            # (U,)
    recommended_units: np.ndarray        # (U,)
    current_outcome: OutcomeBand
    recommended_outcome: OutcomeBand
    gain: OutcomeBand                    # recommended minus current, draw by draw
    channel_outcome: dict[str, np.ndarray] = field(repr=False)   # mean/lo90/hi90 (C,)
    channel_current_outcome: np.ndarray = field(repr=False)     # (C,) mean
    marginal_roi: np.ndarray = field(repr=False)                # (C,) at the recommendation
    solver: dict = field(default_factory=dict, repr=False)
    held: dict[str, str] = field(default_factory=dict)  # channel -> why kept at today's spend
    # channel -> the plan's biggest week over the data's (only those above 1.2x)
    beyond_data: dict[str, float] = field(default_factory=dict)

    def beyond_data_notes(self) -> dict[str, str]:
        """Per channel whose plan goes beyond the data
        (:data:`~mixcast.analysis.plan_space.BEYOND_DATA`), in words."""
        return {name: beyond_data_note(ratio) for name, ratio in self.beyond_data.items()}

    def to_frame(self) -> pd.DataFrame:
        """The plan.csv table: one row per channel (DESIGN.md contract columns first)."""
        current = self.current_spend
        change = np.where(current > 0, (self.recommended_spend - current)
                          / np.where(current > 0, current, 1.0) * 100, np.nan)
        return pd.DataFrame({
            "channel": list(self.channels), "current_spend": current,
            "recommended_spend": self.recommended_spend, "change_pct": change,
            "expected_outcome_mean": self.channel_outcome["mean"],
            "expected_outcome_lo90": self.channel_outcome["lo90"],
            "expected_outcome_hi90": self.channel_outcome["hi90"],
            "current_outcome_mean": self.channel_current_outcome,
            "marginal_roi": self.marginal_roi,
        })

    def units_frame(self) -> pd.DataFrame:
        """One row per decision variable (geo x channel or channel-period plans)."""
        return pd.DataFrame({"unit": list(self.units), "current_spend": self.current_units,
                             "recommended_spend": self.recommended_units})

    def as_dict(self) -> dict:
        return {
            "mode": self.mode.value, "note": self.note, "outcome_unit": self.outcome_unit,
            "current": {"spend": float(self.current_spend.sum()),
                        "outcome": self.current_outcome.as_dict()},
            "recommended": {"spend": float(self.recommended_spend.sum()),
                            "outcome": self.recommended_outcome.as_dict()},
            "gain": self.gain.as_dict(), "solver": self.solver, "held": dict(self.held),
            "beyond_data": {name: (None if not np.isfinite(r) else float(r))
                            for name, r in self.beyond_data.items()},
            "channels": self.to_frame().replace({np.nan: None}).to_dict(orient="records"),
        }


def optimize(fit: Fit, scenario: BudgetScenario | None = None) -> Allocation:
    """Recommend a budget allocation for ``fit`` under ``scenario``.

    Raises
    ------
    InfeasibleError
        When the constraints cannot all hold; the message names the conflicting ones.

    Examples
    --------
    >>> plan = optimize(fit, BudgetScenario(max_change=0.15))      # doctest: +SKIP
    >>> plan.to_frame()[["channel", "recommended_spend"]]           # doctest: +SKIP
    """
    scenario = scenario or BudgetScenario()
    started = time.perf_counter()
    held = {} if scenario.move_weak else hold_weak(fit, scenario)
    space = plan_space(fit, weeks=scenario.weeks, granularity=scenario.granularity,
                       period_weeks=scenario.period_weeks)
    ev = evaluator(fit, space, max_draws=scenario.max_draws)
    # A target (ROI, CPA, outcome) is judged on every draw, as the plan is reported: on the
    # solver's thinned draws a plan "meeting" CPA 9 had reported 9.19.
    judge = evaluator(fit, space) if scenario.mode in BUDGET_SEARCH else None
    try:
        x, info = solve(ev, replace(scenario, locked=tuple(dict.fromkeys(
            (*scenario.locked, *held)))) if held else scenario, judge=judge)
    except InfeasibleError:
        if not held:
            raise
        x, info = solve(ev, scenario, judge=judge)   # the user's constraints win over the holds
        info["not_held"] = {name: "the scenario's constraints need it to move"
                            for name in held}
        held = {}
    info["seconds"] = round(time.perf_counter() - started, 3)
    return replace(summarise(fit, space, scenario.mode, x, info, full=judge), held=held)


def hold_weak(fit: Fit, scenario: BudgetScenario) -> dict[str, str]:
    """Weakly identified channels to keep at today's spend, each with the reason.

    A channel the scenario bounds, locks or names in a group or linear constraint is left
    to the scenario (and if the holds make it infeasible, nothing is held); when every
    channel is weakly identified nothing is held (the plan says so in the reasons of
    :func:`mixcast.optimize.recommend.allocation_actions` instead of failing)."""
    named = {*scenario.lower, *scenario.upper, *scenario.lower_share,
             *scenario.upper_share, *scenario.locked}
    named |= {c for group in scenario.groups for c in group.channels}
    named |= {c for row in scenario.linear for c in row.coefficients}
    named = set(match_channels(tuple(named), fit.channels)) if named else set()
    weak = {name: entry for name, entry in identification(fit).items() if entry.mostly_prior}
    if len(weak) == len(fit.channels):
        return {}
    return {name: f"kept at today's spend: {entry.reason()}; run a lift test on {name} "
                  "before moving its budget (or set move_weak / --move-weak)"
            for name, entry in weak.items() if name not in named}


def solve(ev: Evaluator, scenario: BudgetScenario, *, judge: Evaluator | None = None
          ) -> tuple[np.ndarray, dict]:
    """Unit totals (U,) that solve ``scenario`` on the evaluator's space, and solver facts.

    ``judge``: the evaluator on which a budget search decides whether a plan meets its
    target (default ``ev``); plans are still optimised on ``ev``."""
    space = ev.space
    mode = scenario.mode
    q = scenario.risk_quantile
    if mode is Mode.FIXED_BUDGET:
        total = scenario.budget if scenario.budget is not None else float(space.current.sum())
        cons = build_constraints(scenario, space, total=total, total_cap=None, cap=False)
        return _maximise(ev, cons, metric=space.metric, quantile=q, penalty=0.0)
    if mode in (Mode.TARGET_MROI, Mode.TARGET_MARGINAL_CPA):
        metric, penalty = (0, scenario.target) if mode is Mode.TARGET_MROI else \
            (1, 1.0 / scenario.target)
        cons = build_constraints(scenario, space, total=None, total_cap=scenario.budget,
                                 cap=True)
        return _maximise(ev, cons, metric=metric, quantile=q, penalty=penalty)
    return _budget_search(ev, scenario, judge or ev)


def _maximise(ev: Evaluator, cons: Constraints, *, metric: int, quantile: float | None,
              penalty: float, extra_starts: tuple[np.ndarray, ...] = ()
              ) -> tuple[np.ndarray, dict]:
    """max stat(x) - penalty * sum(x) subject to ``cons``, from several feasible starts.

    On an additive space every start is first solved on the posterior-mean unit curves,
    and only the best of those answers is polished with the exact objective (the other
    starts only if that fails); with a risk quantile that answer is the posterior-mean
    optimum, a warm start for the quantile.
    """
    current = ev.space.current
    scale = np.maximum(current, max(current.mean() * 0.1, 1.0))
    norm = abs(objective(ev, current, metric=metric, quantile=quantile)[0]) + 1.0

    def fun(z):
        x = z * scale
        value, grad = objective(ev, x, metric=metric, quantile=quantile)
        return -(value - penalty * x.sum()) / norm, -(grad - penalty) * scale / norm

    bounds = [(lo / s, None if not np.isfinite(hi) else hi / s)
              for lo, hi, s in zip(cons.lb, cons.ub, scale)]
    linear = _scipy_rows(cons, scale)
    starts = (*extra_starts, *_starts(ev.space, cons))
    surrogate = _surrogate(ev, cons, metric)
    info, polish_only = {}, False
    if surrogate is not None:
        first, found = _surrogate_start(surrogate, cons, starts, metric=metric,
                                        penalty=penalty, norm=norm, scale=scale,
                                        bounds=bounds, linear=linear)
        if first is not None:
            # the best surrogate answer, polished, is the answer (with a quantile: the
            # posterior-mean optimum is the start, and the answer if nothing beats it)
            starts = (first, *starts)
            info["surrogate"] = found
            polish_only = True
    best, best_value, iterations, unmet = None, -np.inf, 0, []
    if polish_only and not cons.violations(starts[0]):
        best = starts[0]
        best_value = objective(ev, best, metric=metric, quantile=quantile)[0] \
            - penalty * best.sum()
    tried: list[np.ndarray] = []
    for n_start, start in enumerate(starts):
        if n_start > 0 and best is not None and polish_only:
            break
        z0 = feasible_point(cons, start)
        if z0 is None or any(np.allclose(z0, t, rtol=1e-6, atol=1e-6) for t in tried):
            continue            # no feasible start, or the same start twice (same answer)
        tried.append(z0)
        with _one_blas_thread():
            result = minimize(fun, z0 / scale, jac=True, method="SLSQP", bounds=bounds,
                              constraints=linear, options={"maxiter": 400, "ftol": 1e-10})
        iterations += int(result.get("nit", 0))
        x = _repair(cons, np.asarray(result.x) * scale)
        broken = cons.violations(x)
        if broken:          # never return a plan that breaks a constraint
            unmet = broken
            continue
        value = objective(ev, x, metric=metric, quantile=quantile)[0] - penalty * x.sum()
        if value > best_value:
            best, best_value = x, value
    if best is None:
        detail = f" ({'; '.join(unmet)})" if unmet else ""
        raise InfeasibleError(f"No plan satisfies the constraints{detail}; relax them.")
    return best, {"iterations": iterations, "objective": float(best_value), "feasible": True,
                  "starts": len(tried), **info}


def _surrogate(ev: Evaluator, cons: Constraints, metric: int) -> Curves | None:
    """Posterior-mean unit curves up to each unit's largest feasible value (cached on the
    evaluator), or None when the space is not additive or a unit is unbounded."""
    if not additive(ev.space):
        return None
    hi = np.array(cons.ub, dtype=np.float64)
    for r in range(len(cons.lo)):       # rows of non-negative coefficients cap each unit
        row = cons.A[r]
        if np.isfinite(cons.hi[r]) and (row >= 0).all():
            with np.errstate(divide="ignore"):
                hi = np.minimum(hi, np.where(row > 0, cons.hi[r] / row, np.inf))
    if not np.isfinite(hi).all():
        return None
    hi = np.maximum(hi, np.maximum(cons.lb, 1.0))
    for key, curves in ev.cache.items():     # e.g. the budget search: one table for all
        if key[0] == "mean-curves" and np.all(curves.nodes[:, -1] >= hi * (1 - 1e-9)) \
                and np.all(curves.nodes[:, -1] <= 4 * hi):
            return curves
    curves = unit_curves(ev, hi * _SURROGATE_FLOOR, hi, tol=_SURROGATE_TOL).mean()
    ev.cache[("mean-curves", hi.tobytes())] = curves
    return curves


def _surrogate_start(curves: Curves, cons: Constraints, starts, *, metric: int,
                     penalty: float, norm: float, scale: np.ndarray, bounds, linear):
    """The best answer of SLSQP on the mean curves from every start (and its value)."""
    def fun(z):
        x = z * scale
        value, grad = curves.evaluate(x, metric)
        return -(value - penalty * x.sum()) / norm, -(grad - penalty) * scale / norm

    best, best_value, tried = None, -np.inf, []
    for start in starts:
        z0 = feasible_point(cons, start)
        if z0 is None or any(np.allclose(z0, t, rtol=1e-6, atol=1e-6) for t in tried):
            continue
        tried.append(z0)
        with _one_blas_thread():
            result = minimize(fun, z0 / scale, jac=True, method="SLSQP", bounds=bounds,
                              constraints=linear, options={"maxiter": 400, "ftol": 1e-12})
        x = _repair(cons, np.asarray(result.x) * scale)
        if cons.violations(x):
            continue
        value = curves.evaluate(x, metric)[0] - penalty * x.sum()
        if value > best_value:
            best, best_value = x, value
    return best, float(best_value)


def _scipy_rows(cons: Constraints, scale: np.ndarray) -> list[dict]:
    """SLSQP constraint dicts on z = x / scale, each row normalised."""
    rows = []
    for r in range(len(cons.lo)):
        a = cons.A[r] * scale
        size = max(float(np.abs(a).max()), 1e-12)
        a = a / size
        lo, hi = cons.lo[r] / size, cons.hi[r] / size
        if np.isfinite(lo) and np.isfinite(hi) and np.isclose(lo, hi, rtol=1e-12, atol=0):
            rows.append({"type": "eq", "fun": lambda z, a=a, b=lo: a @ z - b,
                         "jac": lambda z, a=a: a})
            continue
        if np.isfinite(lo):
            rows.append({"type": "ineq", "fun": lambda z, a=a, b=lo: a @ z - b,
                         "jac": lambda z, a=a: a})
        if np.isfinite(hi):
            rows.append({"type": "ineq", "fun": lambda z, a=a, b=hi: b - a @ z,
                         "jac": lambda z, a=a: -a})
    return rows


def _starts(space: PlanSpace, cons: Constraints) -> tuple[np.ndarray, ...]:
    """Today's plan, today's scaled to the budget, and an even split."""
    current = space.current
    budget_rows = [r for r, n in enumerate(cons.names) if n == "total budget"]
    total = current.sum()
    if budget_rows and np.isfinite(cons.hi[budget_rows[0]]):
        total = cons.hi[budget_rows[0]] if cons.lo[budget_rows[0]] <= 0 else cons.lo[budget_rows[0]]
    scaled = current * (total / max(current.sum(), 1e-12))
    even = np.full(len(current), total / len(current))
    return current, scaled, even


def _repair(cons: Constraints, x: np.ndarray) -> np.ndarray:
    """Clip tiny solver slack; project onto the constraints if anything is still off."""
    x = np.clip(x, cons.lb, cons.ub)
    if not cons.violations(x, tol=1e-9):
        return x
    projected = feasible_point(cons, x)
    return x if projected is None else np.clip(projected, cons.lb, cons.ub)


def _budget_search(ev: Evaluator, scenario: BudgetScenario, judge: Evaluator
                   ) -> tuple[np.ndarray, dict]:
    """Target ROI/CPA: the largest budget meeting the target; MIN_BUDGET: the smallest
    budget whose best plan reaches the goal. Each probe is a fixed-budget solve on ``ev``,
    judged on ``judge``."""
    space, q = ev.space, scenario.risk_quantile
    metric = {Mode.TARGET_ROI: 0, Mode.TARGET_CPA: 1}.get(scenario.mode, space.metric)
    limits = channel_limits(scenario, space, cap=True)
    low = float(limits.lo.sum())
    high = float(limits.hi.sum()) if scenario.budget is None else min(
        float(limits.hi.sum()), scenario.budget)
    goal = _goal(judge, scenario, metric)
    cache: dict[float, tuple[np.ndarray, float, bool]] = {}

    def probe(budget: float):
        if budget not in cache:
            cons = build_constraints(scenario, space, total=budget, total_cap=None, cap=True)
            x, _ = _maximise(ev, cons, metric=metric, quantile=q, penalty=0.0)
            value = objective(judge, x, metric=metric, quantile=q)[0]
            cache[budget] = (x, value, _meets(scenario, value, budget, goal))
        return cache[budget]

    grid = np.geomspace(max(low, high * 1e-3), high, _SEARCH_GRID)
    ok = [probe(float(b))[2] for b in grid]
    largest = scenario.mode is not Mode.MIN_BUDGET
    hits = [i for i, good in enumerate(ok) if good]
    if not hits:
        raise InfeasibleError(_no_budget_message(scenario, goal, high, probe(float(high))[1]))
    if largest:
        i = hits[-1]
        inside, outside = (grid[i], grid[i + 1]) if i + 1 < len(grid) else (grid[i], None)
    else:
        i = hits[0]
        inside, outside = (grid[i], grid[i - 1]) if i > 0 else (grid[i], None)
    if outside is not None:
        for _ in range(_BISECTIONS):
            middle = float(np.sqrt(inside * outside))
            if probe(middle)[2]:
                inside = middle
            else:
                outside = middle
    x = probe(float(inside))[0]
    return x, {"budget": float(inside), "probes": len(cache), "goal": goal}


def _goal(ev: Evaluator, scenario: BudgetScenario, metric: int) -> float:
    if scenario.mode is Mode.MIN_BUDGET:
        if scenario.target is not None:
            return float(scenario.target)
        return objective(ev, ev.space.current, metric=metric,
                         quantile=scenario.risk_quantile)[0]
    return scenario.target if scenario.mode is Mode.TARGET_ROI else 1.0 / scenario.target


def _meets(scenario: BudgetScenario, value: float, budget: float, goal: float) -> bool:
    if scenario.mode is Mode.MIN_BUDGET:
        return value >= goal * (1 - 1e-6)
    return value >= goal * budget


def _no_budget_message(scenario, goal, high, value_at_high) -> str:
    if scenario.mode is Mode.MIN_BUDGET:
        return (f"No budget up to {high:,.0f} reaches the outcome goal {goal:,.0f} (best: "
                f"{value_at_high:,.0f}). Lower the goal or widen the channel bounds.")
    what = "ROI" if scenario.mode is Mode.TARGET_ROI else "CPA"
    return (f"No budget reaches the target {what} {scenario.target:g}: even small budgets "
            f"return less. Lower the target, or check the channels' ROI (mixcast summary).")


def summarise(fit: Fit, space: PlanSpace, mode: Mode, x: np.ndarray, info: dict, *,
              full: Evaluator | None = None) -> Allocation:
    """Score today's plan and ``x`` over every posterior draw (``full``: the space's
    evaluator on every draw, when already built)."""
    full = full or evaluator(fit, space)
    outcomes = plan_outcomes(full, np.stack([space.current, x]), per_channel=True)
    metric = space.metric
    totals = outcomes[:, :, metric].sum(-1)                 # (S, 2)
    channel = outcomes[:, 1, metric, :-1]                    # (S, C)
    matrix = space.channel_matrix()
    recommended = matrix @ x
    grad = objective(full, x, metric=0)[1]
    marginal = np.array([(grad[m] * x[m]).sum() / recommended[c] if recommended[c] > 0
                         else grad[m].mean() for c, m in enumerate(matrix.astype(bool))])
    return Allocation(
        beyond_data=space.beyond_data(x, fit.data.spend),
        channels=space.channels, units=space.units, mode=mode, note=space.note,
        outcome_unit="conversions" if metric == 1 else "revenue",
        current_spend=matrix @ space.current, recommended_spend=recommended,
        current_units=space.current.copy(), recommended_units=np.asarray(x, dtype=float),
        current_outcome=OutcomeBand.of(totals[:, 0]),
        recommended_outcome=OutcomeBand.of(totals[:, 1]),
        gain=OutcomeBand.of(totals[:, 1] - totals[:, 0]),
        channel_outcome=interval(channel),
        channel_current_outcome=outcomes[:, 0, metric, :-1].mean(0),
        marginal_roi=marginal, solver=info)
