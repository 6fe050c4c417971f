"""Which channel to test next: the value of the information a feasible test would bring.

For each channel a feasible test is designed (:func:`~mixcast.experiments.design.design_test`,
go-dark by default). Its expected effect on the channel's ROI is a Gaussian update of log
ROI: the posterior's log-ROI sd ``s`` and the test's standard error on log ROI,
``se_lift / |predicted lift|`` (the lift scales with the ROI), give

    s_after = 1 / sqrt(1 / s^2 + 1 / se_log^2),    narrowing = 1 - s_after / s

of the ROI's 90% interval. The money the answer moves is the channel's spend times the
width of its ROI interval (the incremental revenue the uncertainty spans), times the
narrowing; the budget change the optimiser recommends for the channel (mostly-prior
channels allowed to move) is shown beside it. Channels whose ROI is mostly the prior's
come first: no budget decision should rest on them until they are tested.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from mixcast.analysis.identification import identification
from mixcast.errors import UserError
from mixcast.experiments.design import (NATIONAL_METHOD, TestDesign, design_test,
                                        underpowered_note)
from mixcast.optimize import BudgetScenario, optimize
from mixcast.posterior.fitted import Fit

__all__ = ["TestPlan", "plan_tests", "underpowered_advice"]


@dataclass(frozen=True, slots=True)
class TestPlan:
    """One channel's case for a test; money in currency."""

    __test__ = False  # not a pytest test class, despite its name

    channel: str
    mostly_prior: bool
    roi: dict                    # now: mean, lo90, hi90
    roi_after: dict              # expected 90% interval after the test (today's,
                                 # shrunk about its median on the log scale)
    narrowing: float             # expected share of the ROI interval's width removed
    value: float                 # spend x ROI width x narrowing (in ``value_in``)
    budget_change: float         # optimiser's recommended minus current spend
    weeks: int
    power: float
    assurance: float
    cost: float
    method: str
    command: str
    value_in: str = "currency"   # or the KPI's name, for conversions without a value

    def as_dict(self) -> dict:
        return asdict(self)


def plan_tests(fit: Fit, *, weeks: tuple[int, ...] = (4, 6, 8), cooldown: int = 2,
               max_cost: float | None = None, budget_moves: bool = True
               ) -> tuple[TestPlan, ...]:
    """Every channel's test case, best first (mostly-prior channels, then by value)."""
    if getattr(fit, "kind", None) != "bayes":
        raise UserError("plan-tests needs a Bayesian run (it reads the ROI posterior); "
                        "fit one with mixcast fit --model bayes.")
    ident = identification(fit)
    log_roi = np.log(np.maximum(fit.draws("roi"), 1e-12))
    moves = _budget_moves(fit) if budget_moves else {}
    plans = []
    for c, channel in enumerate(fit.channels):
        design = design_test(fit, channel, factor=0.0, weeks=weeks, cooldown=cooldown,
                             max_cost=max_cost)
        plans.append(_plan(fit, channel, design, log_roi[:, c], ident.get(channel), moves))
    return tuple(sorted(plans, key=lambda p: (not p.mostly_prior, -p.value)))


def underpowered_advice(plans: tuple[TestPlan, ...]) -> str | None:
    """What to do when no channel's feasible test has the power to detect the lift the
    model predicts (:func:`~mixcast.experiments.design.underpowered_note`); None when one
    has."""
    if not plans:
        return None
    return underpowered_note(max(p.power for p in plans),
                             national=any(p.method == NATIONAL_METHOD for p in plans))


def _plan(fit: Fit, channel: str, design: TestDesign, log_roi: np.ndarray, ident,
          moves: dict) -> TestPlan:
    option = design.option(design.recommended_weeks)
    predicted = abs(option.predicted_lift["mean"])
    s = float(log_roi.std())
    se_log = option.lift_se / predicted if predicted > 0 else np.inf
    after = 1.0 / np.sqrt(1.0 / s ** 2 + 1.0 / se_log ** 2) if s > 0 else 0.0
    narrowing = float(1.0 - after / s) if s > 0 else 0.0
    roi = np.exp(log_roi)
    lo, hi = np.percentile(roi, [5.0, 95.0])
    centre = float(np.median(log_roi))
    # The interval after the test: today's, shrunk about its median by after / s on the log
    # scale (a Gaussian interval of sd ``after`` would be wider than today's empirical one
    # when the posterior is skewed, and show a test that widens it).
    shrink = after / s if s > 0 else 0.0
    spend = float(fit.data.spend[..., fit.channels.index(channel)].sum())
    return TestPlan(
        channel=channel, mostly_prior=bool(ident.mostly_prior) if ident else False,
        roi={"mean": float(roi.mean()), "lo90": float(lo), "hi90": float(hi)},
        roi_after={"lo90": float(np.exp(centre - shrink * (centre - np.log(lo)))),
                   "hi90": float(np.exp(centre + shrink * (np.log(hi) - centre)))},
        narrowing=narrowing, value=spend * float(hi - lo) * narrowing,
        budget_change=moves.get(channel, 0.0), weeks=option.weeks, power=option.power,
        assurance=option.assurance, cost=option.cost, method=design.method,
        command=f"mixcast design-test --run RUN --channel {channel} --out design.json",
        value_in="currency" if fit.data.kpi_in_currency else fit.data.target)


def _budget_moves(fit: Fit) -> dict[str, float]:
    """Recommended minus current spend per channel, mostly-prior channels allowed to move
    (what acting on today's uncertain estimates would do)."""
    plan = optimize(fit, BudgetScenario(move_weak=True))
    return {c: float(r - n) for c, r, n in zip(plan.channels, plan.recommended_spend,
                                                plan.current_spend)}
