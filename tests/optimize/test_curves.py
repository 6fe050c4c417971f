"""Tabulated unit curves (the fast path for many plans and the optimiser's surrogate):
the interpolated outcomes stay within the stated tolerance of the exact kernel."""

from __future__ import annotations

import dataclasses
import types

import numpy as np
import pytest

from mixcast.model.inputs import prepare
from mixcast.model.mean import Structure
from mixcast.analysis.evaluator import (CURVE_TOL, evaluator_from_draws, objective,
                                       plan_outcomes, unit_curves)
from mixcast.analysis.plan_space import Granularity, plan_space
from mixcast.analysis.simulate import ChannelTruth, SimulationSpec, simulate


@pytest.fixture(scope="module")
def jittered():
    """Three geos; a steep S-curve, a concave reach-and-frequency channel, a drifting
    channel; the truth jittered into 40 draws (slopes from 0.5 to ~4)."""
    spec = SimulationSpec(channels={
        "a_spend": ChannelTruth(roi=1.5, decay=0.5, slope=2.5, pattern="flighting",
                                weekly_spend=3e4),
        "b_spend": ChannelTruth(roi=2.0, decay=0.3, slope=0.7, pattern="always_on",
                                weekly_spend=2e4, frequency=3.0, frequency_peak=1.2,
                                frequency_slope=2.5, frequency_spread=0.4),
        "c_spend": ChannelTruth(roi=1.0, decay=0.2, slope=1.2, pattern="bursty",
                                weekly_spend=1e4)},
        n_weeks=52, n_geos=3, drift=(("c_spend", 0.5),), seed=4)
    sim = simulate(spec)
    inputs = dataclasses.replace(prepare(sim.data, spec.model_spec()),
                                 y_scale=np.asarray(sim.params["_y_scale"]))
    structure = Structure.build(spec.model_spec(), sim.data.channels, n_organic=0,
                                rf_channels=sim.data.rf_channels)
    fit = types.SimpleNamespace(data=sim.data, inputs=inputs, channels=sim.data.channels,
                                structure=structure)
    rng = np.random.default_rng(0)
    truth = {k: np.asarray(v) for k, v in sim.params.items() if not k.startswith("_")}
    draws = {k: v[None] * rng.lognormal(0, 0.25, size=(40, *v.shape)) for k, v in truth.items()}
    draws["decay"] = np.clip(draws["decay"], 0.01, 0.95)
    draws["tv_coef"] = truth["tv_coef"][None] + rng.normal(0, 0.1, (40, *truth["tv_coef"].shape))
    return fit, draws


def _random_plans(space, n: int, seed: int = 0) -> np.ndarray:
    """Budget shares from a Dirichlet (values spread over orders of magnitude), some units
    at zero, today's plan first."""
    rng = np.random.default_rng(seed)
    current = space.current
    plans = rng.dirichlet(np.full(len(current), 0.7), size=n) * current.sum() \
        * rng.uniform(0.2, 3.0, size=(n, 1))
    plans[rng.random(plans.shape) < 0.05] = 0.0
    plans[0] = current
    return plans


@pytest.mark.parametrize("options", [
    dict(), dict(weeks=13), dict(granularity=Granularity.GEO),
    dict(weeks=8, granularity=Granularity.GEO)],
    ids=["window", "next_13_weeks", "geo", "geo_next_8_weeks"])
def test_interpolated_outcomes_stay_within_tolerance_of_the_exact_kernel(jittered, options):
    fit, draws = jittered
    ev = evaluator_from_draws(draws, plan_space(fit, **options))
    space = ev.space
    plans = _random_plans(space, 400)
    fast = plan_outcomes(ev, plans, per_channel=True)
    exact = plan_outcomes(ev, plans, per_channel=True, exact=True)
    assert fast.shape == exact.shape == (40, 400, 2, len(space.channels) + 1)
    # Each channel within the tolerance of its largest outcome (the guarantee is per unit
    # on pilot draws at tol / 2; this checks every draw), plus float32 rounding.
    largest = np.abs(exact).max(axis=(0, 1))                                 # (2, C + 1)
    error = np.abs(fast - exact).max(axis=(0, 1))
    assert np.all(error <= CURVE_TOL * largest + 1e-6 * largest.max())
    totals = plan_outcomes(ev, plans)
    np.testing.assert_allclose(totals, fast.sum(-1), rtol=1e-5)
    relative = np.abs(totals - exact.sum(-1)) / np.abs(exact.sum(-1)).max(axis=1, keepdims=True)
    assert relative.max() < CURVE_TOL


def test_few_plans_and_small_value_tables_stay_exact(jittered):
    fit, draws = jittered
    ev = evaluator_from_draws(draws, plan_space(fit))
    plans = _random_plans(ev.space, 100)
    np.testing.assert_array_equal(plan_outcomes(ev, plans), plan_outcomes(ev, plans, exact=True))
    grid = np.repeat(plans[:10], 40, axis=0)       # 400 plans, 10 values per channel
    np.testing.assert_array_equal(plan_outcomes(ev, grid), plan_outcomes(ev, grid, exact=True))


def test_mean_curves_give_the_objective_and_its_gradient(jittered):
    """The optimiser's surrogate: the posterior-mean curves reproduce the exact objective,
    and its gradient (marginal returns) within 1% of the largest one, at arbitrary plans.
    (Slopes converge one order slower than values; the surrogate only gives the solver its
    start, the answer is polished with the exact gradient.)"""
    fit, draws = jittered
    ev = evaluator_from_draws(draws, plan_space(fit, granularity=Granularity.GEO))
    space = ev.space
    hi = np.full(space.n_units, 4 * space.current.sum())
    mean = unit_curves(ev, hi * 1e-6, hi).mean()
    for x in _random_plans(space, 20, seed=1):
        for metric in (0, 1):
            value, grad = objective(ev, x, metric=metric)
            approx, approx_grad = mean.evaluate(x, metric)
            assert approx == pytest.approx(value, rel=CURVE_TOL * space.n_units)
            # at exactly 0 the exact slope is 0 or infinite (Hill slope above or below 1);
            # the surrogate takes the slope of the chord to its first node
            funded = x > 0
            scale = np.abs(grad).max()
            assert np.abs(approx_grad - grad)[funded].max() < 1e-2 * scale


def test_nodes_cover_exactly_the_plans_range(jittered):
    fit, draws = jittered
    ev = evaluator_from_draws(draws, plan_space(fit))
    lo, hi = np.array([1.0, 10.0, 100.0]), np.array([1e6, 2e6, 3e6])
    curves = unit_curves(ev, lo, hi)
    for u in range(3):
        nodes = curves.nodes[u, :curves.counts[u]]
        assert nodes[0] == 0 and nodes[1] == pytest.approx(lo[u])
        assert nodes[-1] == pytest.approx(hi[u])
        assert np.all(np.diff(nodes) > 0)
    assert curves.values.shape == curves.slopes.shape == (40, 2, 3, curves.nodes.shape[1])
