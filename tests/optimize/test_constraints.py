"""Property-based: every recommendation respects every constraint, or the solver says
clearly that the constraints cannot all hold (and they indeed cannot)."""

from __future__ import annotations

import dataclasses
import types

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from mixcast.errors import InfeasibleError
from mixcast.model.inputs import prepare
from mixcast.model.mean import Structure
from mixcast.optimize import BudgetScenario, ChannelGroup, Granularity, LinearConstraint
from mixcast.analysis.evaluator import evaluator_from_draws
from mixcast.optimize.optimizer import solve
from mixcast.analysis.plan_space import plan_space
from mixcast.analysis.simulate import ChannelTruth, SimulationSpec, simulate
from mixcast.spec import ModelSpec

TOL = 1e-5


@st.composite
def scenarios(draw, channels):
    n = len(channels)
    lower = {c: draw(st.floats(0.0, 1.2)) for c in channels if draw(st.booleans())}
    upper = {c: draw(st.floats(0.3, 3.0)) for c in channels if draw(st.booleans())}
    locked = tuple(c for c in channels if draw(st.integers(0, 5)) == 0)
    max_change = draw(st.one_of(st.none(), st.floats(0.02, 0.6)))
    groups = ()
    if draw(st.booleans()):
        members = draw(st.lists(st.sampled_from(channels), min_size=1, max_size=n, unique=True))
        lo = draw(st.one_of(st.none(), st.floats(0.0, 0.9)))
        hi = draw(st.one_of(st.none(), st.floats(0.1, 1.0)))
        groups = (ChannelGroup("g", tuple(members), min_share=lo, max_share=hi),)
    linear = ()
    if draw(st.booleans()):   # a ratio rule, e.g. tv >= 0.7 x social: sum coef * spend >= 0
        members = draw(st.lists(st.sampled_from(channels), min_size=2, max_size=n, unique=True))
        coefficients = {m: draw(st.floats(-2.0, 2.0)) for m in members}
        linear = (LinearConstraint("ratio", coefficients, min_value=0.0),)
    budget = draw(st.one_of(st.none(), st.floats(0.4, 1.6)))
    return dict(lower_share=lower, upper_share=upper, locked=locked, max_change=max_change,
                groups=groups, linear=linear, budget_multiple=budget)


def _check(space, x, options, budget):
    cur = space.channel_matrix() @ space.current
    t = space.channel_matrix() @ x
    scale = TOL * max(budget, 1.0)
    assert np.all(x >= -scale)
    assert t.sum() == pytest.approx(budget, rel=TOL)
    for c, name in enumerate(space.channels):
        assert t[c] >= options["lower_share"].get(name, 0.0) * cur[c] - scale
        assert t[c] <= options["upper_share"].get(name, np.inf) * cur[c] + scale
        if name in options["locked"]:
            assert t[c] == pytest.approx(cur[c], rel=TOL, abs=scale)
        if options["max_change"] is not None:
            assert abs(t[c] - cur[c]) <= options["max_change"] * cur[c] + scale
    for group in options["groups"]:
        inside = sum(t[space.channels.index(m)] for m in group.channels)
        if group.min_share is not None:
            assert inside >= group.min_share * t.sum() - scale
        if group.max_share is not None:
            assert inside <= group.max_share * t.sum() + scale
    for rule in options["linear"]:
        value = sum(coef * t[space.channels.index(m)] for m, coef in rule.coefficients.items())
        assert value >= -scale * max(1.0, sum(abs(v) for v in rule.coefficients.values()))


def _really_infeasible(space, options, budget) -> bool:
    """An independent LP on channel totals: is there any plan meeting everything?"""
    cur = space.channel_matrix() @ space.current
    n = len(cur)
    lo = np.array([options["lower_share"].get(c, 0.0) * cur[i] for i, c in enumerate(space.channels)])
    hi = np.array([options["upper_share"].get(c, np.inf) * cur[i] for i, c in enumerate(space.channels)])
    if options["max_change"] is not None:
        lo = np.maximum(lo, (1 - options["max_change"]) * cur)
        hi = np.minimum(hi, (1 + options["max_change"]) * cur)
    for i, c in enumerate(space.channels):
        if c in options["locked"]:
            lo[i], hi[i] = max(lo[i], cur[i]), min(hi[i], cur[i])
    a_ub, b_ub = [], []
    for group in options["groups"]:
        ind = np.array([1.0 if c in group.channels else 0.0 for c in space.channels])
        if group.min_share is not None:
            a_ub.append(-(ind - group.min_share))
            b_ub.append(0.0)
        if group.max_share is not None:
            a_ub.append(ind - group.max_share)
            b_ub.append(0.0)
    for rule in options["linear"]:
        row = np.array([rule.coefficients.get(c, 0.0) for c in space.channels])
        a_ub.append(-row)
        b_ub.append(0.0)
    if np.any(lo > hi * (1 + 1e-9) + 1e-6):
        return True
    result = linprog(np.zeros(n), A_ub=np.array(a_ub).reshape(-1, n) if a_ub else None,
                     b_ub=b_ub or None, A_eq=np.ones((1, n)), b_eq=[budget],
                     bounds=list(zip(lo, np.where(np.isfinite(hi), hi, None))), method="highs")
    return result.status == 2


def _run(ev, options):
    space = ev.space
    budget = (None if options["budget_multiple"] is None
              else options["budget_multiple"] * space.current.sum())
    scenario = BudgetScenario(
        budget=budget, lower_share=options["lower_share"], upper_share=options["upper_share"],
        locked=options["locked"], max_change=options["max_change"], groups=options["groups"],
        linear=options["linear"], granularity=space.granularity)
    total = space.current.sum() if budget is None else budget
    try:
        x, _ = solve(ev, scenario)
    except InfeasibleError:
        assert _really_infeasible(space, options, total)
        return
    _check(space, x, options, total)


CHANNELS = ("tv_spend", "search_spend", "social_spend")


@settings(max_examples=40)
@given(options=scenarios(CHANNELS))
def test_national_recommendations_respect_constraints(truth_evaluator, options):
    _run(truth_evaluator(), options)


@pytest.fixture(scope="module")
def geo_evaluator():
    spec = SimulationSpec(channels={
        "tv_spend": ChannelTruth(roi=1.8, decay=0.5, pattern="flighting", weekly_spend=20_000),
        "search_spend": ChannelTruth(roi=1.0, decay=0.2, weekly_spend=15_000),
        "social_spend": ChannelTruth(roi=0.6, decay=0.3, pattern="bursty", weekly_spend=8_000)},
        n_weeks=52, n_geos=3, seed=5)
    sim = simulate(spec)
    model_spec = ModelSpec(l_max=8, fourier_order=2)
    inputs = dataclasses.replace(prepare(sim.data, model_spec),
                                 y_scale=np.asarray(sim.params["_y_scale"]))
    fake = types.SimpleNamespace(data=sim.data, inputs=inputs, channels=sim.data.channels,
                                 structure=Structure.build(model_spec, sim.data.channels,
                                                           n_organic=0))
    draws = {k: np.asarray(v)[None] for k, v in sim.params.items() if not k.startswith("_")}
    return evaluator_from_draws(draws, plan_space(fake, granularity=Granularity.GEO))


@settings(max_examples=25)
@given(options=scenarios(CHANNELS))
def test_geo_by_channel_recommendations_respect_constraints(geo_evaluator, options):
    _run(geo_evaluator, options)
    assert geo_evaluator.space.n_units == 9


@settings(max_examples=15)
@given(options=scenarios(CHANNELS))
def test_channel_by_period_recommendations_respect_constraints(truth_evaluator, options):
    """Allocation over time within the horizon: 12 weeks in three 4-week periods."""
    ev = truth_evaluator(weeks=12, granularity=Granularity.PERIOD)
    assert ev.space.n_units == 9
    _run(ev, options)
