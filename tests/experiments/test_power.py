"""The TBR estimator and its placebo calibration on panels whose noise is known."""

from __future__ import annotations

import numpy as np
import pytest

from mixcast.errors import UserError
from mixcast.experiments.power import (
    minimum_detectable_lift, placebo_noise, power, significant, tbr_estimate,
)


def _series(rng, n_tests: int, n_weeks: int, noise: float = 1.0):
    """Control and treated sums sharing a seasonal, trending level; iid noise."""
    t = np.arange(n_weeks)
    level = 100.0 + 0.2 * t + 10.0 * np.sin(2 * np.pi * t / 52.0)
    x = level * 2.0 + rng.normal(scale=noise, size=(n_tests, n_weeks))
    z = 5.0 + 0.8 * level + rng.normal(scale=noise, size=(n_tests, n_weeks))
    return x, z


def test_effect_is_the_sum_of_residuals_of_an_exact_fit():
    x = np.arange(30.0) + np.sin(np.arange(30.0))
    z = 3.0 + 2.0 * x
    est = tbr_estimate(x[:20], z[:20], x[20:], z[20:] + 1.5)
    assert est.effect == pytest.approx(15.0, abs=1e-8)


def test_false_positives_and_power_on_independent_noise():
    rng = np.random.default_rng(0)
    history, pre, weeks = 104, 52, 6
    x, z = _series(rng, 3000, history + weeks)
    noise = placebo_noise(x[:, :history], z[:, :history], weeks=weeks, pre_weeks=pre)
    est = tbr_estimate(x[:, history - pre:history], z[:, history - pre:history],
                       x[:, history:], z[:, history:])
    fpr = significant(est.t, noise).mean()
    assert abs(fpr - 0.10) < 0.02
    lift = 2.5 * float(np.median(est.se))
    reported = power(noise, lift).mean()
    detected = significant((est.effect + lift) / est.se, noise).mean()
    assert abs(reported - detected) < 0.05


def test_mde_reaches_the_target_power():
    rng = np.random.default_rng(1)
    x, z = _series(rng, 1, 110)
    noise = placebo_noise(x[0], z[0], weeks=6, pre_weeks=52)
    mde = minimum_detectable_lift(noise, target=0.8)
    assert float(power(noise, mde)) >= 0.8 > float(power(noise, 0.9 * mde))


def test_too_short_a_history_is_refused_with_the_weeks_needed():
    x, z = _series(np.random.default_rng(2), 1, 40)
    with pytest.raises(UserError, match="needs at least"):
        placebo_noise(x[0], z[0], weeks=8, pre_weeks=26)
