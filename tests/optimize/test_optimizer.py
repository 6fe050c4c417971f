"""The optimiser against known truth: near the true optimum, clearly better than today."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mixcast.errors import InfeasibleError
from mixcast.optimize import (BudgetScenario, ChannelGroup, Granularity, LinearConstraint,
                              Mode, optimize)
from mixcast.analysis.evaluator import objective
from mixcast.optimize.optimizer import solve

# The recommendation from a short fit, scored with the TRUE response, must reach at least
# this share of the outcome of the true optimum (found by the same solver on the truth).
RECOVERY = 0.97


def _true_value(ev, x):
    return objective(ev, x)[0]


# move_weak: the solver is scored against the true optimum, which also moves the channels
# whose ROI is mostly prior (held at today's spend by default; see test_weak_channels.py).
@pytest.mark.parametrize("scenario", [
    BudgetScenario(move_weak=True), BudgetScenario(max_change=0.15, move_weak=True),
    BudgetScenario(weeks=13, move_weak=True), BudgetScenario(budget=5e6, move_weak=True)],
    ids=["window", "max_change", "next_13_weeks", "budget_5M"])
def test_recommendation_reaches_true_optimum(small_fit, truth_evaluator, scenario):
    plan = optimize(small_fit, scenario)
    truth = truth_evaluator(weeks=scenario.weeks)
    best, _ = solve(truth, scenario)
    achieved = _true_value(truth, plan.recommended_units)
    optimum = _true_value(truth, best)
    assert achieved >= RECOVERY * optimum
    if scenario.budget is None:   # same spend as today: must clearly beat today's plan
        today = _true_value(truth, truth.space.current)
        assert achieved > today * (1.04 if scenario.max_change else 1.10)
    assert plan.recommended_spend.sum() == pytest.approx(
        scenario.budget or plan.current_spend.sum(), rel=1e-6)


def test_allocation_reports_posterior_ranges(small_fit):
    plan = optimize(small_fit)
    for band in (plan.current_outcome, plan.recommended_outcome, plan.gain):
        assert band.lo90 <= band.mean <= band.hi90
    assert plan.gain.mean > 0
    frame = plan.to_frame()
    assert list(frame.columns[:5]) == ["channel", "current_spend", "recommended_spend",
                                       "change_pct", "expected_outcome_mean"]
    assert frame["expected_outcome_mean"].sum() == pytest.approx(
        plan.recommended_outcome.mean, rel=1e-3)


def test_optimum_equalises_marginal_returns(truth_evaluator):
    """At an interior fixed-budget optimum every funded channel has the same mROI."""
    truth = truth_evaluator()
    x, _ = solve(truth, BudgetScenario(max_change=0.3))
    grad = objective(truth, x)[1]
    free = (x > truth.space.current * 0.701) & (x < truth.space.current * 1.299)
    if free.sum() >= 2:
        assert np.ptp(grad[free]) < 0.02 * grad[free].mean()


def test_target_roi_and_min_budget_modes(truth_evaluator):
    truth = truth_evaluator()
    current = truth.space.current
    x, info = solve(truth, BudgetScenario(mode=Mode.TARGET_ROI, target=1.5))
    assert _true_value(truth, x) / x.sum() == pytest.approx(1.5, rel=0.01)
    today = _true_value(truth, current)
    x, _ = solve(truth, BudgetScenario(mode=Mode.MIN_BUDGET))
    assert _true_value(truth, x) >= today * (1 - 1e-4)
    assert x.sum() < 0.9 * current.sum()     # the same outcome for clearly less money


def test_target_mroi_stops_where_marginal_return_hits_target(truth_evaluator):
    truth = truth_evaluator()
    x, _ = solve(truth, BudgetScenario(mode=Mode.TARGET_MROI, target=1.2))
    grad = objective(truth, x)[1]
    funded = x > 1.0
    assert np.allclose(grad[funded], 1.2, rtol=0.03)
    assert np.all(grad[~funded] <= 1.2 * 1.03)


def test_risk_averse_objective_raises_the_lower_quantile(small_fit):
    from mixcast.analysis.evaluator import evaluator
    from mixcast.analysis.plan_space import plan_space

    space = plan_space(small_fit)
    ev = evaluator(small_fit, space, max_draws=200)
    neutral, _ = solve(ev, BudgetScenario())
    averse, _ = solve(ev, BudgetScenario(risk_quantile=0.05))
    q = lambda x: objective(ev, x, quantile=0.05)[0]  # noqa: E731
    assert q(averse) >= q(neutral) - 1e-3 * abs(q(neutral))


def test_period_granularity_respects_channel_totals(small_fit):
    plan = optimize(small_fit, BudgetScenario(weeks=12, granularity=Granularity.PERIOD,
                                              max_change=0.2))
    assert len(plan.units) == 3 * 3
    assert plan.recommended_units.sum() == pytest.approx(plan.current_units.sum(), rel=1e-6)
    change = plan.recommended_spend / plan.current_spend - 1
    assert np.all(np.abs(change) <= 0.2 + 1e-6)


def test_infeasible_constraints_name_the_conflict(small_fit):
    channels = small_fit.channels
    with pytest.raises(InfeasibleError, match="minimum spends add up.*tv_spend"):
        optimize(small_fit, BudgetScenario(lower={"tv_spend": 6e6, "search_spend": 2e6}))
    with pytest.raises(InfeasibleError, match="tv_spend.*lower bound 2 x current.*max change"):
        optimize(small_fit, BudgetScenario(lower_share={"tv": 2.0}, max_change=0.1))
    with pytest.raises(InfeasibleError, match="group 'digital'"):
        optimize(small_fit, BudgetScenario(
            locked=("search_spend", "social_spend"),
            groups=(ChannelGroup("digital", channels[1:], max_share=0.1),)))


def test_custom_linear_constraint_binds_and_costs_little(truth_evaluator):
    """'social at least half of tv' binds (the truth wants money in TV); the answer sits on
    the constraint, and is the best plan on it (no better plan along the constraint)."""
    truth = truth_evaluator()
    rule = LinearConstraint("social >= tv / 2", {"social_spend": 1.0, "tv_spend": -0.5},
                            min_value=0.0)
    free, _ = solve(truth, BudgetScenario(max_change=0.5))
    x, _ = solve(truth, BudgetScenario(max_change=0.5, linear=(rule,)))
    tv, social = x[0], x[2]
    assert free[2] < 0.5 * free[0]                         # the unconstrained optimum breaks it
    assert social == pytest.approx(0.5 * tv, rel=1e-5)     # so the rule binds
    assert x.sum() == pytest.approx(truth.space.current.sum(), rel=1e-6)
    assert _true_value(truth, x) <= _true_value(truth, free) * (1 + 1e-6)
    current = truth.space.current
    along = np.array([1.0, -1.5, 0.5])    # keeps the budget and social = tv / 2
    for eps in (-0.02, -0.005, 0.005, 0.02):
        y = x + eps * x[0] * along
        if np.all(np.abs(y / current - 1) <= 0.5):
            assert _true_value(truth, y) <= _true_value(truth, x) * (1 + 1e-6)


def test_linear_constraint_needs_a_limit():
    from mixcast.errors import UserError

    with pytest.raises(UserError, match="needs min_value, max_value"):
        LinearConstraint("nothing", {"tv_spend": 1.0})


def test_horizon_counts_carryover_from_past_spend(truth_evaluator):
    """Planning the next 13 weeks: spending nothing still earns the carryover of the last
    weeks' spend (true decays 0.2-0.5), and only horizon weeks are counted."""
    truth = truth_evaluator(weeks=13)
    space = truth.space
    assert space.weights[:, :, : -13].sum() == 0 and space.weights[:, :, -13:].min() > 0
    nothing = _true_value(truth, np.zeros(space.n_units))
    today = _true_value(truth, space.current)
    assert 0 < nothing < 0.2 * today
    no_past = dataclasses.replace(space, base_media=np.zeros_like(space.base_media))
    cold = _rebind(truth, no_past)
    assert objective(cold, np.zeros(space.n_units))[0] == pytest.approx(0.0, abs=1e-6)
    assert objective(cold, space.current)[0] == pytest.approx(today - nothing, rel=0.05)


def _rebind(ev, space):
    """The same draws bound to another plan space."""
    import jax

    from mixcast.analysis.evaluator import Evaluator

    arrays = dict(ev.arrays, base_media=jax.numpy.asarray(space.base_media))
    return Evaluator(space=space, params=ev.params, arrays=arrays, inputs=ev.inputs)


def test_a_plan_beyond_the_biggest_week_in_the_data_is_named(small_fit):
    from mixcast.analysis.plan_space import BEYOND_DATA, plan_space

    space = plan_space(small_fit)
    # The data window's plan is the observed pattern scaled: x times today's totals puts
    # the biggest planned week at x times the biggest observed one.
    scale = np.array([3.0, 1.0, 0.5])[space.unit_channel]
    np.testing.assert_allclose(space.peak_over_history(space.current * scale,
                                                       small_fit.data.spend),
                               [3.0, 1.0, 0.5], rtol=1e-6)
    # A bounded plan stays inside the data; one pushed to 2.5x TV does not, and says so.
    inside = optimize(small_fit, BudgetScenario(max_change=0.15, move_weak=True))
    assert inside.beyond_data == {}
    pushed = optimize(small_fit, BudgetScenario(
        budget=2 * float(space.current.sum()), lower_share={"tv_spend": 2.5},
        upper_share={"tv_spend": 2.5}, move_weak=True))
    assert pushed.beyond_data["tv_spend"] == pytest.approx(2.5, rel=0.05)
    assert all(r > BEYOND_DATA for r in pushed.beyond_data.values())
    assert pushed.as_dict()["beyond_data"]["tv_spend"] == pytest.approx(
        pushed.beyond_data["tv_spend"])
    assert pushed.beyond_data_notes()["tv_spend"].startswith(
        "plan spends up to 2.5x its highest week in the data")


def test_a_target_is_met_on_every_draw_not_only_on_the_solver_s(small_fit):
    """The solver optimises on a few thinned draws (here 20), but the plan is reported
    over all of them: the target ROI must hold there. Judged on the thinned draws, the
    reported ROI had missed the target by their Monte Carlo error."""
    today = optimize(small_fit, BudgetScenario(max_draws=20))
    target = 1.05 * today.current_outcome.mean / today.current_spend.sum()
    plan = optimize(small_fit, BudgetScenario(mode=Mode.TARGET_ROI, target=target,
                                              max_draws=20))
    reported = plan.recommended_outcome.mean / plan.recommended_spend.sum()
    assert target <= reported <= target * 1.005
