"""Power is honest: on simulated geo panels, what the design reports is what tests find.

Each simulated test follows the product's own steps, vectorised over test start weeks:
matched markets on the history (:func:`match_markets`), placebo calibration and power
on the history (:func:`placebo_noise`, :func:`power`, as ``design_test`` does), then the
test's TBR estimate and significance on the weeks after (as ``analyze_test`` does), with
a planted lift added to the treated geos' outcome (or none, for the null tests).
"""

from __future__ import annotations

import numpy as np
import pytest

from mixcast.analysis.simulate import ChannelTruth, SimulationSpec, simulate
from mixcast.experiments.design import grouping_series, reference_series
from mixcast.experiments.matching import match_markets
from mixcast.experiments.power import (
    default_pre_weeks, placebo_noise, power,
    residual_autocorrelation, significant, tbr_estimate,
)

HISTORY, WEEKS, N_GEOS, N_WEEKS = 104, 8, 30, 180


def _panel(seed: int) -> np.ndarray:
    channels = {"tv_spend": ChannelTruth(roi=1.5, pattern="flighting", weekly_spend=30_000),
                "search_spend": ChannelTruth(roi=1.0, weekly_spend=20_000)}
    spec = SimulationSpec(channels=channels, n_geos=N_GEOS, n_weeks=N_WEEKS, seed=seed,
                          noise=0.05)
    return simulate(spec).data.y


def _tests(y: np.ndarray, assignment_seed: int):
    """Placebo noise of each test's history and the test's own TBR estimate, for every
    test start (every other week after the history)."""
    assignment = match_markets(y[:, :HISTORY], share=0.5, seed=assignment_seed)
    starts = np.arange(HISTORY, y.shape[1] - WEEKS + 1, 2)
    history = starts[:, None] + np.arange(-HISTORY, 0)[None]
    pre = default_pre_weeks(HISTORY, WEEKS)
    tested = starts[:, None] + np.arange(WEEKS)[None]
    x, z = reference_series(y, assignment.treated, assignment.control, None)
    xr, zr = grouping_series(y, assignment.references,
                             assignment.treated + assignment.control)
    noise = placebo_noise(x[history], z[history], weeks=WEEKS, pre_weeks=pre,
                          reference=(xr[:, history].swapaxes(0, 1),
                                     zr[:, history].swapaxes(0, 1)))
    rho = residual_autocorrelation(x[history], z[history])
    est = tbr_estimate(x[history[:, -pre:]], z[history[:, -pre:]], x[tested], z[tested],
                       rho=rho)
    return noise, est


@pytest.fixture(scope="module")
def simulated_tests():
    return [_tests(_panel(seed), a) for seed in range(8) for a in range(4)]


def _rates(simulated_tests, lift: float):
    reported, detected, covered = [], [], []
    for noise, est in simulated_tests:
        reported.append(power(noise, np.full(est.effect.shape, lift)))
        detected.append(significant((est.effect + lift) / est.se, noise))
        covered.append(~significant(est.effect / est.se, noise))  # interval holds the lift
    return tuple(float(np.concatenate(v).mean()) for v in (reported, detected, covered))


def test_false_positive_rate_is_nominal_and_intervals_cover(simulated_tests):
    n = sum(est.effect.size for _, est in simulated_tests)
    reported, detected, covered = _rates(simulated_tests, 0.0)
    print(f"null tests: {n}, false positives {detected:.3f} (nominal 0.10), "
          f"90% interval coverage {covered:.3f}")
    assert n >= 200
    assert abs(detected - 0.10) <= 0.02
    assert abs(covered - 0.90) <= 0.03


@pytest.mark.parametrize("size", [1.0, 1.6])
def test_detection_rate_matches_reported_power(simulated_tests, size):
    # Planted lifts of 1 and 1.6 typical critical effects (power near 50% and 85%).
    typical = np.median(np.concatenate([noise.critical[:, None] * est.se[:, None]
                                        for noise, est in simulated_tests]))
    lift = size * float(typical)
    reported, detected, covered = _rates(simulated_tests, lift)
    print(f"planted lift {lift:,.0f}: reported power {reported:.3f}, detected "
          f"{detected:.3f}, coverage {covered:.3f}")
    assert 0.2 < reported < 0.95
    assert abs(reported - detected) <= 0.05
