"""The implied lift of a lift test (DESIGN.md): the model's code, with the true parameters
plugged in, equals the simulator's true lift, computed apart from it from whole media
plans. Both are float32 sums over a few hundred geo-weeks: they agree to a relative 1e-4
(observed ~1e-6); there is no Monte Carlo error, the parameters are fixed."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from numpyro import handlers

from mixcast.analysis.simulate import (
    ChannelTruth, Experiment, MediatorTruth, SimulationSpec, experiment_tests, simulate,
    true_lift,
)
from mixcast.data.dataset import LiftTest
from mixcast.model.inputs import prepare
from mixcast.model.lift import implied_lift, lift_data
from mixcast.model.mean import Structure
from mixcast.model.mmm import MMM, resolve_priors
from tests.conftest import small_spec

RTOL = 1e-4


def model_lift(sim, tests) -> np.ndarray:
    """The model's implied lift of ``tests`` under the simulation's true parameters."""
    spec = sim.spec.model_spec()
    inputs = dataclasses.replace(prepare(sim.data, spec), y_scale=sim.params["_y_scale"])
    structure = Structure.build(spec, sim.data.channels, n_organic=0,
                                mediator_names=sim.data.mediator_names,
                                rf_channels=sim.data.rf_channels)
    params = {k: jnp.asarray(v) for k, v in sim.params.items() if not k.startswith("_")}
    lifts = lift_data(tuple(tests), sim.data, inputs)
    return np.asarray(_implied(params, lifts, inputs, structure), dtype=np.float64)


_implied = jax.jit(implied_lift, static_argnums=3)  # compiled: seconds faster than eager


@pytest.fixture(scope="module")
def national():
    """search_spend dark in weeks 40-45 (measured 4 weeks on), social_spend +50% in 60-63."""
    spec = dataclasses.replace(small_spec(), experiments=(
        Experiment("search_spend", 40, 45, factor=0.0, tail=4),
        Experiment("social_spend", 60, 63, factor=1.5)))
    return simulate(spec)


def test_go_dark_and_spend_up_inside_the_history(national):
    dark, up = experiment_tests(national)
    assert national.data.spend[0, 40:46, 1].sum() == 0 and dark.spend_delta < 0 < up.spend_delta
    implied = model_lift(national, (dark, up))
    np.testing.assert_allclose(implied, [dark.lift, up.lift], rtol=RTOL)
    # The go-dark test now implies a loss: about the channel's return on the spend held back
    # (true ROI 1.0 over the whole data; the window plus 4 weeks of tail hold most of it).
    assert implied[0] < 0 < implied[1]
    assert 0.5 < implied[0] / dark.spend_delta < 1.5


def test_the_carryover_tail_counts_only_with_measure_end(national):
    dark, _ = experiment_tests(national)
    short = dataclasses.replace(dark, measure_end=None)
    longer = dataclasses.replace(dark, measure_end=dark.end + 8)
    implied = model_lift(national, (short, dark, longer))
    truth = [true_lift(national, t) for t in (short, dark, longer)]
    np.testing.assert_allclose(implied, truth, rtol=RTOL)
    assert implied[0] > implied[1] > implied[2]   # more of the (negative) tail counted
    # decay 0.2: after 4 weeks of tail little is left to add
    assert abs(implied[2] - implied[1]) < 0.05 * abs(implied[1])


def test_tests_outside_the_history_with_bau_spend(national):
    before = LiftTest("tv_spend", -20, -17, None, spend_delta=-4 * 30_000.0, lift=0.0,
                      lift_se=1.0, measure_end=-14, bau_spend=30_000.0)
    after = LiftTest("tv_spend", 110, 113, None, spend_delta=2 * 30_000.0, lift=0.0,
                     lift_se=1.0, bau_spend=30_000.0)
    implied = model_lift(national, (before, after))
    np.testing.assert_allclose(implied, [true_lift(national, t) for t in (before, after)],
                               rtol=RTOL)
    assert implied[0] < 0 < implied[1]


def test_geo_tests_and_media_units():
    """Three geos; impressions bought at a drifting CPM, and a reach-and-frequency channel:
    a national go-dark, a geo go-dark and a geo spend-up, all through the media units."""
    channels = {
        "tv_spend": ChannelTruth(roi=1.5, decay=0.5, pattern="always_on", weekly_spend=30_000,
                                 impressions=True),
        "video_spend": ChannelTruth(roi=1.2, decay=0.3, pattern="always_on",
                                    weekly_spend=20_000, frequency=3.0),
        "search_spend": ChannelTruth(roi=2.0, decay=0.2, pattern="always_on",
                                     weekly_spend=15_000),
    }
    spec = SimulationSpec(channels=channels, n_weeks=60, n_geos=3, baseline_level=200_000.0,
                          seed=4, experiments=(
                              Experiment("tv_spend", 20, 23, factor=0.0, tail=3),
                              Experiment("video_spend", 30, 33, factor=0.0, geo=1),
                              Experiment("search_spend", 40, 42, factor=2.0, geo=2)))
    sim = simulate(spec)
    tests = experiment_tests(sim)
    implied = model_lift(sim, tests)
    np.testing.assert_allclose(implied, [t.lift for t in tests], rtol=RTOL)
    assert implied[0] < 0 and implied[1] < 0 < implied[2]


def test_the_likelihood_observes_the_same_implied_lift(national):
    """The model's ``lift_implied`` site is :func:`implied_lift` of its own parameters."""
    data = dataclasses.replace(national.data, lift_tests=experiment_tests(national))
    spec = national.spec.model_spec()
    inputs = prepare(data, spec)
    structure = Structure.build(spec, data.channels, n_organic=0)
    model = MMM(structure=structure, priors=resolve_priors(data, spec), observe=False)
    lifts = lift_data(data.lift_tests, data, inputs)

    @jax.jit
    def prior_draw(key):
        trace = handlers.trace(handlers.seed(model, key)).get_trace(inputs, lifts)
        return {name: site["value"] for name, site in trace.items()}

    params = prior_draw(jax.random.PRNGKey(0))
    np.testing.assert_allclose(params["lift_implied"],
                               _implied(params, lifts, inputs, structure), rtol=1e-5)
    assert np.all(np.asarray(params["lift_implied"]) != 0)


def test_synergy_drift_and_mediated_paths_count_as_the_outcome_does():
    """With an interaction pair, time-varying effectiveness and a mediator, the lift
    still equals the whole outcome's change: the synergy with the partner's observed
    response, the week's effectiveness and the path through the mediator."""
    spec = dataclasses.replace(
        small_spec(), interactions=(("tv_spend", "search_spend", 0.3),),
        drift=(("search_spend", 0.6),),
        mediators=(MediatorTruth("brand_search", upstream=(("tv_spend", 0.5),)),),
        experiments=(Experiment("tv_spend", 60, 65, factor=0.0, tail=3),
                     Experiment("search_spend", 80, 83, factor=1.5)))
    sim = simulate(spec)
    tests = experiment_tests(sim)
    implied = model_lift(sim, tests)
    np.testing.assert_allclose(implied, [t.lift for t in tests], rtol=RTOL)
    outside = LiftTest("tv_spend", 120, 123, None, spend_delta=-4 * 30_000.0, lift=0.0,
                       lift_se=1.0, bau_spend=30_000.0)
    np.testing.assert_allclose(model_lift(sim, (outside,)), true_lift(sim, outside),
                               rtol=RTOL)
