"""The challenger's domain structure: monotone in spend, non-negative ROI, shares that add
up, and lift tests that pull the fit toward what they measured."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mixcast.ml.attribution import channel_metrics, lift_test_checks
from mixcast.ml.media import MediaParams, adstocked, saturated

from .conftest import TINY


@settings(max_examples=60, deadline=None)
@given(media=arrays(np.float64, (12, 2), elements=st.floats(0, 5)),
       extra=arrays(np.float64, (12, 2), elements=st.floats(0, 5)),
       decay=st.floats(0, 0.95), half=st.floats(0.1, 4), slope=st.floats(0.5, 3))
def test_saturated_adstock_is_non_decreasing_in_spend_and_zero_at_zero(media, extra, decay,
                                                                       half, slope):
    params = MediaParams(decay=(decay, decay), half=(half, half), slope=(slope, slope))
    low, high = saturated(media, params, 6), saturated(media + extra, params, 6)
    assert np.all(high >= low - 1e-12) and np.all((low >= 0) & (low < 1))
    assert np.all(saturated(np.zeros((12, 2)), params, 6) == 0)


def test_adstock_keeps_the_mass_and_looks_only_back():
    x = np.zeros((20, 1))
    x[5, 0] = 2.0
    out = adstocked(x, np.array([0.6]), 8)[:, 0]
    assert out[:5].sum() == 0 and out.sum() == pytest.approx(2.0)


def test_no_monotone_violation_on_random_plans(ml_fit):
    """Raising any channel's spend in any weeks never lowers the predicted KPI of any week,
    under any replicate: 120 random plan pairs (random weekly spend, then one channel
    raised by random amounts in random weeks), all predicted in one batch."""
    rng = np.random.default_rng(4)
    media = ml_fit.media
    n_pairs, (n_geos, n_times, n_channels) = 120, media.shape
    base = media[None] * rng.lognormal(0.0, 0.8, size=(n_pairs, n_geos, n_times, n_channels))
    base *= rng.random((n_pairs, 1, 1, n_channels)) < 0.8         # some channels dark
    raised = base.copy()
    channel = rng.integers(n_channels, size=n_pairs)
    bump = rng.exponential(1.0, size=(n_pairs, n_geos, n_times)) * (
        rng.random((n_pairs, 1, n_times)) < 0.3)
    raised[np.arange(n_pairs), ..., channel] += bump
    kpi = ml_fit.predict_kpi(np.concatenate([base, raised]))      # (S, 2 V, G, T)
    low, high = kpi[:, :n_pairs], kpi[:, n_pairs:]
    assert np.all(high >= low - 1e-6 * np.abs(low))
    assert (high > low + 1e-9).any()                               # spend does matter


def test_unconstrained_trees_can_violate_monotonicity(small_sim):
    """The property above can fail: trees that see the media without constraints (no
    linear layer to dominate: the target is the KPI's wiggle) do lower the KPI somewhere
    when spend rises."""
    from mixcast.ml.ensemble import predict_scaled, fit_replicate
    from mixcast.ml.features import Scales
    from mixcast.ml.fit import TREE_PARAMS
    from mixcast.ml.learners import LearnerKind, Tuned
    from mixcast.ml.problem import build_problem

    data = small_sim.data
    problem = build_problem(data, Scales.from_data(data), TINY.features)
    tuned = (Tuned(kind=LearnerKind.LIGHTGBM, params=TREE_PARAMS[LearnerKind.LIGHTGBM],
                   cv_mape=0.0, oof_kpi=(), n_trials=0, seconds=0.0),)
    rng = np.random.default_rng(0)
    problem = dataclasses.replace(problem, target=rng.normal(size=problem.target.shape))
    params = MediaParams.default(len(data.channels))
    weeks = np.arange(data.n_times)
    violations = []
    for monotone in (False, True):
        rep = fit_replicate(problem, params, weeks, spec=TINY.features, tuned=tuned,
                            tree_media=True, monotone=monotone, seed=0)
        plans = problem.media[None] * np.linspace(0.2, 3.0, 15)[:, None, None, None]
        kpi = predict_scaled(rep, plans, problem.base_features, spec=TINY.features,
                             channels=data.channels, tree_media=True, week_index=weeks)
        violations.append(bool((np.diff(kpi, axis=0) < -1e-9).any()))
    assert violations == [True, False]


def test_roi_and_mroi_are_never_negative_and_shares_add_up(ml_fit):
    metrics = channel_metrics(ml_fit)
    assert np.all(metrics.roi >= 0) and np.all(metrics.mroi >= -1e-9)
    shares = metrics.contribution_share
    assert np.all((shares >= 0) & (shares <= 1))
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)


def test_lift_test_moves_the_implied_lift_toward_the_measured_one(small_sim):
    """A TV go-dark whose measured lift is twice what the uncalibrated fit implies: fitted
    with the test (a tight one: SE 3% of the lift), the implied lift moves at least a third
    of the way toward it (the data rows pull the other way, as they should)."""
    from mixcast.data.dataset import LiftTest
    from mixcast.ml import fit_ml

    data = small_sim.data
    c = data.channels.index("tv_spend")
    spend = data.spend.copy()
    dark = -float(spend[0, 60:66, c].sum())
    spend[:, 60:66, c] = 0.0
    config = dataclasses.replace(TINY, n_trials=0, n_bootstrap=2, learners=())
    probe = LiftTest(channel="tv_spend", start=60, end=65, geo=None, spend_delta=dark,
                     lift=1.0, lift_se=1.0, label="tv_dark")
    plain = fit_ml(dataclasses.replace(data, spend=spend, media=spend), config)
    implied = lift_test_checks(dataclasses.replace(
        plain, data=dataclasses.replace(plain.data, lift_tests=(probe,))))[0]["implied_mean"]
    assert implied < 0
    measured = 2.0 * implied
    test = dataclasses.replace(probe, lift=measured, lift_se=0.01 * abs(measured))
    calibrated = fit_ml(dataclasses.replace(data, spend=spend, media=spend, lift_tests=(test,)),
                        config)
    after = lift_test_checks(calibrated)[0]
    assert abs(after["implied_mean"] - measured) < 0.5 * abs(implied - measured)
    assert after["used_in_fit"]
