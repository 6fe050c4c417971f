"""What to optimise: the frozen :class:`BudgetScenario`, and its constraints as linear rows.

Every constraint is linear in the plan's unit totals ``x`` (U,): per-channel bounds
(absolute, or as a multiple of current spend), locked channels, a maximum change per
channel, channel groups (absolute or as a share of the total), and the budget. They are
collected in :class:`Constraints`, checked for feasibility before any solve (with a message
that names the conflicting constraints), and used to verify every answer.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog

from mixcast.errors import InfeasibleError, UserError
from mixcast.optimize.names import match_channel, match_channels
from mixcast.analysis.plan_space import Granularity, PlanSpace

TOL = 1e-6   # relative tolerance for "a constraint holds"


class Mode(enum.Enum):
    """What the optimiser looks for.

    FIXED_BUDGET: the best allocation of a given total. TARGET_ROI / TARGET_CPA: the largest
    budget whose best allocation keeps the average ROI above (CPA below) the target.
    TARGET_MROI / TARGET_MARGINAL_CPA: the largest budget whose next unit of spend still
    returns the target (marginal). MIN_BUDGET: the least spend that reaches an outcome goal
    (default: today's outcome).
    """

    FIXED_BUDGET = "fixed_budget"
    TARGET_ROI = "target_roi"
    TARGET_MROI = "target_mroi"
    TARGET_CPA = "target_cpa"
    TARGET_MARGINAL_CPA = "target_marginal_cpa"
    MIN_BUDGET = "min_budget"


@dataclass(frozen=True, slots=True)
class ChannelGroup:
    """A linear constraint on the summed spend of some channels (e.g. "digital").

    ``min_spend``/``max_spend`` are absolute totals over the plan; ``min_share``/
    ``max_share`` are fractions of the plan's total spend.
    """

    name: str
    channels: tuple[str, ...]
    min_spend: float | None = None
    max_spend: float | None = None
    min_share: float | None = None
    max_share: float | None = None

    def __post_init__(self) -> None:
        if not self.channels:
            raise UserError(f"Channel group '{self.name}' has no channels.")
        for name in ("min_share", "max_share"):
            value = getattr(self, name)
            if value is not None and not 0.0 <= value <= 1.0:
                raise UserError(f"The '{name}' parameter of ChannelGroup '{self.name}' must be "
                                f"a float in the range [0, 1]. Got {value} instead.")


@dataclass(frozen=True, slots=True)
class LinearConstraint:
    """``min_value <= sum_c coefficients[c] * spend_c <= max_value`` over channel totals
    (spend over the plan), e.g. TV at least twice social: ``LinearConstraint("tv >= 2
    social", {"tv_spend": 1.0, "social_spend": -2.0}, min_value=0.0)``. Channels not named
    have coefficient 0; ``total_coefficient`` adds a multiple of the plan's total spend
    (``{"search_spend": 1}`` with ``total_coefficient=-0.3`` and ``max_value=0`` caps
    search at 30% of the budget).
    """

    name: str
    coefficients: dict[str, float]
    min_value: float | None = None
    max_value: float | None = None
    total_coefficient: float = 0.0

    def __post_init__(self) -> None:
        if not self.coefficients:
            raise UserError(f"Linear constraint '{self.name}' has no channels.")
        if self.min_value is None and self.max_value is None:
            raise UserError(f"Linear constraint '{self.name}' needs min_value, max_value or "
                            "both.")
        values = [*self.coefficients.values(), self.total_coefficient,
                  *(v for v in (self.min_value, self.max_value) if v is not None)]
        if not all(math.isfinite(v) for v in values):
            raise UserError(f"Linear constraint '{self.name}': coefficients and limits must be "
                            f"finite numbers. Got {self.coefficients}, [{self.min_value}, "
                            f"{self.max_value}] instead.")


@dataclass(frozen=True, slots=True)
class BudgetScenario:
    """An optimisation problem over a fitted model.

    Parameters
    ----------
    mode : see :class:`Mode`.
    budget : total spend over the plan (FIXED_BUDGET; default today's total), or a cap on
        the total in the target modes.
    target : the ROI, mROI or CPA target, or the outcome goal of MIN_BUDGET.
    weeks : plan the next ``weeks`` weeks instead of the data window.
    granularity, period_weeks : decision variables per channel, geo x channel, or period.
    lower, upper : per-channel absolute spend bounds over the plan.
    lower_share, upper_share : per-channel bounds as multiples of current spend
        (``{"tv_spend": 0.5}`` in ``lower_share`` keeps at least half of today's).
    locked : channels kept at today's spend.
    max_change : largest relative change of any channel's spend, e.g. 0.15 for +-15%.
    groups : linear constraints on channel groups (absolute or as a share of the total).
    linear : any other linear constraints on channel totals (see :class:`LinearConstraint`).
    risk_quantile : None maximises the posterior-mean outcome; e.g. 0.1 maximises its 10th
        percentile (risk-averse).
    max_draws : posterior draws used inside the solver (all draws are used to report).
    search_multiple : in the target modes, each channel is searched up to this multiple of
        its current spend (or of the average channel's, if it has none).
    move_weak : False (default) keeps every weakly identified channel (its ROI mostly the
        prior's, :mod:`mixcast.analysis.identification`) at today's spend unless a bound
        names it; True lets the optimiser move them like the others.
    """

    mode: Mode = Mode.FIXED_BUDGET
    budget: float | None = None
    target: float | None = None
    weeks: int | None = None
    granularity: Granularity = Granularity.CHANNEL
    period_weeks: int = 4
    lower: dict[str, float] = field(default_factory=dict)
    upper: dict[str, float] = field(default_factory=dict)
    lower_share: dict[str, float] = field(default_factory=dict)
    upper_share: dict[str, float] = field(default_factory=dict)
    locked: tuple[str, ...] = ()
    max_change: float | None = None
    groups: tuple[ChannelGroup, ...] = ()
    linear: tuple[LinearConstraint, ...] = ()
    risk_quantile: float | None = None
    max_draws: int = 200
    search_multiple: float = 10.0
    move_weak: bool = False

    def __post_init__(self) -> None:
        _check("budget", self.budget, 0.0, math.inf, optional=True, open_low=True)
        _check("max_change", self.max_change, 0.0, 10.0, optional=True)
        _check("risk_quantile", self.risk_quantile, 0.0, 0.5, optional=True, open_low=True)
        _check("search_multiple", self.search_multiple, 1.0, 1e4)
        needs_target = self.mode not in (Mode.FIXED_BUDGET, Mode.MIN_BUDGET)
        if needs_target and (self.target is None or not self.target > 0):
            raise UserError(f"Mode '{self.mode.value}' needs a positive 'target' (the ROI, mROI "
                            f"or CPA to keep). Got {self.target} instead.")
        for name in ("lower", "upper", "lower_share", "upper_share"):
            for channel, value in getattr(self, name).items():
                if not (value >= 0 and math.isfinite(value)):
                    raise UserError(f"The '{name}' bound of {channel} must be a finite number "
                                    f">= 0. Got {value} instead.")


@dataclass(frozen=True, slots=True)
class Constraints:
    """Linear constraints on unit totals: ``lb <= x <= ub`` and ``lo <= A @ x <= hi``."""

    lb: np.ndarray
    ub: np.ndarray
    A: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    names: tuple[str, ...]            # one per row of A
    unit_names: tuple[str, ...]

    def violations(self, x: np.ndarray, *, tol: float = TOL) -> list[str]:
        """Every constraint that ``x`` breaks by more than ``tol`` (relative), described."""
        scale = max(float(np.abs(x).sum()), 1.0) * tol
        problems = [f"{self.unit_names[u]}: {x[u]:,.2f} outside [{self.lb[u]:,.2f}, "
                    f"{self.ub[u]:,.2f}]" for u in range(len(x))
                    if x[u] < self.lb[u] - scale or x[u] > self.ub[u] + scale]
        rows = self.A @ x
        problems += [f"{self.names[r]}: {rows[r]:,.2f} outside [{self.lo[r]:,.2f}, "
                     f"{self.hi[r]:,.2f}]" for r in range(len(rows))
                     if rows[r] < self.lo[r] - scale or rows[r] > self.hi[r] + scale]
        return problems


@dataclass(frozen=True, slots=True)
class _ChannelLimits:
    lo: np.ndarray                   # (C,)
    hi: np.ndarray
    lo_why: tuple[str, ...]
    hi_why: tuple[str, ...]


def channel_limits(scenario: BudgetScenario, space: PlanSpace, *, cap: bool) -> _ChannelLimits:
    """Per-channel [lo, hi] with the constraint that sets each side (for messages)."""
    channels = space.channels
    current = space.channel_matrix() @ space.current
    lo = np.zeros(len(channels))
    hi = np.full(len(channels), np.inf)
    lo_why = ["spend >= 0"] * len(channels)
    hi_why = ["no upper bound"] * len(channels)
    if cap:
        typical = max(float(current.mean()), 1.0)
        hi = scenario.search_multiple * np.where(current > 0, current, typical)
        hi_why = [f"search range {scenario.search_multiple:g} x current"] * len(channels)

    def tighten(c, low, high, why):
        if low is not None and low > lo[c]:
            lo[c], lo_why[c] = low, why
        if high is not None and high < hi[c]:
            hi[c], hi_why[c] = high, why

    for name, value in scenario.lower.items():
        c = channels.index(match_channel(name, channels, where="lower bound"))
        tighten(c, value, None, f"lower bound {value:,.0f}")
    for name, value in scenario.upper.items():
        c = channels.index(match_channel(name, channels, where="upper bound"))
        tighten(c, None, value, f"upper bound {value:,.0f}")
    for name, value in scenario.lower_share.items():
        c = channels.index(match_channel(name, channels, where="lower_share"))
        tighten(c, value * current[c], None, f"lower bound {value:g} x current")
    for name, value in scenario.upper_share.items():
        c = channels.index(match_channel(name, channels, where="upper_share"))
        tighten(c, None, value * current[c], f"upper bound {value:g} x current")
    if scenario.max_change is not None:
        step = scenario.max_change
        for c in range(len(channels)):
            why = f"max change {step:.0%}"
            tighten(c, (1 - step) * current[c], (1 + step) * current[c], why)
    for name in match_channels(scenario.locked, channels, where="locked"):
        c = channels.index(name)
        slack = TOL * max(current[c], 1.0)
        if current[c] < lo[c] - slack or current[c] > hi[c] + slack:
            side = (f"its minimum {lo[c]:,.0f} ({lo_why[c]})" if current[c] < lo[c]
                    else f"its maximum {hi[c]:,.0f} ({hi_why[c]})")
            raise InfeasibleError(f"{name} is locked at its current spend {current[c]:,.0f}, "
                                  f"which breaks {side}. Unlock it or drop that bound.")
        lo[c], hi[c] = current[c], current[c]
        lo_why[c] = hi_why[c] = "locked at current spend"
    return _ChannelLimits(lo, hi, tuple(lo_why), tuple(hi_why))


def build_constraints(scenario: BudgetScenario, space: PlanSpace, *, total: float | None,
                      total_cap: float | None, cap: bool) -> Constraints:
    """All constraints of ``scenario`` on ``space``; ``total`` fixes the budget,
    ``total_cap`` bounds it. Raises :class:`InfeasibleError` naming any conflict."""
    limits = channel_limits(scenario, space, cap=cap)
    check_limits(space, limits, total=total, total_cap=total_cap)
    matrix = space.channel_matrix()
    n_units = space.n_units
    lb, ub = np.zeros(n_units), np.full(n_units, np.inf)
    rows, lo, hi, names = [], [], [], []
    locked = {space.channels.index(c) for c in match_channels(scenario.locked, space.channels)}
    if space.granularity is Granularity.CHANNEL:
        lb, ub = limits.lo.copy(), limits.hi.copy()
    else:
        for c, channel in enumerate(space.channels):
            if c in locked:        # lock every unit of the channel, not only its total
                members = space.unit_channel == c
                lb[members] = ub[members] = space.current[members]
            rows.append(matrix[c])
            lo.append(limits.lo[c])
            hi.append(limits.hi[c])
            names.append(f"{channel} total ({limits.lo_why[c]}; {limits.hi_why[c]})")
    for group in scenario.groups:
        _group_rows(group, space, matrix, rows, lo, hi, names)
    for constraint in scenario.linear:
        row = constraint.total_coefficient * np.ones(n_units)
        for name, coef in constraint.coefficients.items():
            channel = match_channel(name, space.channels,
                                    where=f"linear constraint '{constraint.name}'")
            row = row + coef * matrix[space.channels.index(channel)]
        rows.append(row)
        lo.append(-np.inf if constraint.min_value is None else constraint.min_value)
        hi.append(np.inf if constraint.max_value is None else constraint.max_value)
        names.append(f"constraint '{constraint.name}'")
    if total is not None or total_cap is not None:
        rows.append(np.ones(n_units))
        lo.append(total if total is not None else 0.0)
        hi.append(total if total is not None else total_cap)
        names.append("total budget")
    A = np.array(rows).reshape(len(rows), n_units)
    cons = Constraints(lb=lb, ub=ub, A=A, lo=np.array(lo), hi=np.array(hi),
                       names=tuple(names), unit_names=space.units)
    _check_linear_feasible(cons)
    return cons


def _group_rows(group, space, matrix, rows, lo, hi, names) -> None:
    members = match_channels(group.channels, space.channels, where=f"group '{group.name}'")
    indicator = sum(matrix[space.channels.index(m)] for m in members)
    everything = np.ones(space.n_units)
    if group.min_spend is not None or group.max_spend is not None:
        rows.append(indicator)
        lo.append(group.min_spend if group.min_spend is not None else 0.0)
        hi.append(group.max_spend if group.max_spend is not None else np.inf)
        names.append(f"group '{group.name}' spend")
    if group.min_share is not None:
        rows.append(indicator - group.min_share * everything)
        lo.append(0.0)
        hi.append(np.inf)
        names.append(f"group '{group.name}' share >= {group.min_share:.0%}")
    if group.max_share is not None:
        rows.append(indicator - group.max_share * everything)
        lo.append(-np.inf)
        hi.append(0.0)
        names.append(f"group '{group.name}' share <= {group.max_share:.0%}")


def check_limits(space: PlanSpace, limits: _ChannelLimits, *, total: float | None,
                 total_cap: float | None) -> None:
    """Named conflicts: a channel's own bounds, and bounds against the budget."""
    channels = space.channels
    for c, channel in enumerate(channels):
        if limits.lo[c] > limits.hi[c] * (1 + TOL) + TOL:
            raise InfeasibleError(
                f"{channel}: its minimum {limits.lo[c]:,.0f} ({limits.lo_why[c]}) is above its "
                f"maximum {limits.hi[c]:,.0f} ({limits.hi_why[c]}). Relax one of the two.")
    floor = float(limits.lo.sum())
    limit = total if total is not None else total_cap
    if limit is not None and floor > limit * (1 + TOL) + TOL:
        parts = [f"{channels[c]} {limits.lo[c]:,.0f} ({limits.lo_why[c]})"
                 for c in np.argsort(-limits.lo) if limits.lo[c] > 0]
        raise InfeasibleError(
            f"The channels' minimum spends add up to {floor:,.0f}, more than the budget "
            f"{limit:,.0f}: {'; '.join(parts)}. Raise the budget or lower these minimums.")
    ceiling = float(limits.hi.sum())
    if total is not None and ceiling < total * (1 - TOL) - TOL:
        parts = [f"{channels[c]} {limits.hi[c]:,.0f} ({limits.hi_why[c]})"
                 for c in range(len(channels))]
        raise InfeasibleError(
            f"The channels' maximum spends add up to {ceiling:,.0f}, less than the budget "
            f"{total:,.0f}: {'; '.join(parts)}. Lower the budget or raise these maximums.")


def _check_linear_feasible(cons: Constraints) -> None:
    """An LP feasibility check of everything together; names the rows that conflict."""
    point = feasible_point(cons, np.zeros(len(cons.lb)))
    if point is not None:
        return
    conflicting = [cons.names[r] for r in range(len(cons.names))
                   if feasible_point(_without_row(cons, r), np.zeros(len(cons.lb))) is not None]
    detail = ("; dropping any one of these makes it feasible: " + ", ".join(conflicting)
              if conflicting else "; constraints: " + ", ".join(cons.names))
    raise InfeasibleError("The constraints cannot all hold together" + detail
                          + ". Relax one of them.")


def _without_row(cons: Constraints, row: int) -> Constraints:
    keep = np.arange(len(cons.names)) != row
    return Constraints(lb=cons.lb, ub=cons.ub, A=cons.A[keep], lo=cons.lo[keep],
                       hi=cons.hi[keep], names=tuple(np.array(cons.names)[keep]),
                       unit_names=cons.unit_names)


def feasible_point(cons: Constraints, target: np.ndarray) -> np.ndarray | None:
    """The feasible ``x`` nearest ``target`` in L1 distance, or None if there is none."""
    n = len(target)
    # variables: x (n), d (n) with d >= |x - target|; minimise sum(d).
    cost = np.concatenate([np.zeros(n), np.ones(n)])
    eye = np.eye(n)
    a_ub = [np.hstack([eye, -eye]), np.hstack([-eye, -eye])]
    b_ub = [target, -target]
    finite_hi = np.isfinite(cons.hi)
    finite_lo = np.isfinite(cons.lo)
    if finite_hi.any():
        a_ub.append(np.hstack([cons.A[finite_hi], np.zeros((finite_hi.sum(), n))]))
        b_ub.append(cons.hi[finite_hi])
    if finite_lo.any():
        a_ub.append(np.hstack([-cons.A[finite_lo], np.zeros((finite_lo.sum(), n))]))
        b_ub.append(-cons.lo[finite_lo])
    bounds = [(lo, None if not np.isfinite(hi) else hi) for lo, hi in zip(cons.lb, cons.ub)]
    bounds += [(0, None)] * n
    result = linprog(cost, A_ub=np.vstack(a_ub), b_ub=np.concatenate(b_ub), bounds=bounds,
                     method="highs")
    return result.x[:n] if result.status == 0 else None


def _check(name, value, lo, hi, *, optional=False, open_low=False) -> None:
    if value is None and optional:
        return
    ok = value is not None and math.isfinite(value) and (value > lo if open_low else value >= lo) \
        and value <= hi
    if not ok:
        bracket = "(" if open_low else "["
        raise UserError(f"The '{name}' parameter of BudgetScenario must be a float in the range "
                        f"{bracket}{lo:g}, {hi:g}]. Got {value} instead.")
