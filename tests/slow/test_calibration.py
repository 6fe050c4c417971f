"""Lift tests enter the likelihood: they pull a poorly identified channel to the truth."""

import dataclasses

import numpy as np
import pytest

from mixcast.analysis.metrics import channel_metrics
from mixcast.posterior.intervals import interval
from mixcast.analysis.calibration import lift_test_checks
from mixcast.data.dataset import LiftTest
from mixcast.inference.fit import fit
from mixcast.analysis.simulate import ChannelTruth, SimulationSpec, simulate, true_lift
from mixcast.spec import SamplerConfig
from mixcast.analysis.summary import summarize

SAMPLER = SamplerConfig(chains=2, warmup=400, draws=400, seed=5, continue_unconverged=False)


def collinear_case():
    channels = {
        "tv_spend": ChannelTruth(roi=2.5, decay=0.5, half_saturation=1.0, slope=1.3,
                                 pattern="flighting", weekly_spend=30_000),
        "social_spend": ChannelTruth(roi=0.4, decay=0.3, half_saturation=1.0, slope=1.2,
                                     pattern="always_on", weekly_spend=30_000),
        "search_spend": ChannelTruth(roi=1.5, decay=0.2, half_saturation=1.0, slope=1.2,
                                     pattern="bursty", weekly_spend=20_000),
    }
    spec = SimulationSpec(channels=channels, n_weeks=104, baseline_level=400_000.0,
                          noise=0.06, collinear=(("tv_spend", "social_spend"),),
                          collinearity=0.9, seed=21)
    return simulate(spec)


def lift_tests_for(sim, channel: str) -> tuple[LiftTest, ...]:
    """Three tests read as having happened in these weeks (DESIGN.md): two half-spend
    holdouts (spend_delta = -observed: business as usual was twice the observed spend)
    and one doubling (spend_delta = +half the observed), with 10% standard errors of the
    true lift. The data's spend is left as simulated, so the data alone cannot tell
    social from tv; only the tests can."""
    c = sim.data.channels.index(channel)
    tests = []
    for start, factor in ((20, -1.0), (60, -1.0), (85, 0.5)):
        end = start + 5
        spend = sim.data.spend[0, start:end + 1, c].sum()
        draft = LiftTest(channel=channel, start=start, end=end, geo=None,
                         spend_delta=float(factor * spend), lift=0.0, lift_se=1.0)
        lift = true_lift(sim, draft)
        tests.append(dataclasses.replace(draft, lift=lift, lift_se=0.1 * abs(lift),
                                         label=f"{channel} week {start}"))
    return tuple(tests)


@pytest.fixture(scope="module")
def fits():
    sim = collinear_case()
    plain = fit(sim.data, sampler=SAMPLER)
    calibrated_data = dataclasses.replace(sim.data, lift_tests=lift_tests_for(sim, "social_spend"))
    calibrated = fit(calibrated_data, sampler=SAMPLER)
    return sim, plain, calibrated


@pytest.mark.slow
def test_lift_tests_move_roi_toward_truth_and_narrow_it(fits):
    sim, plain, calibrated = fits
    c = plain.channels.index("social_spend")
    truth = sim.roi["social_spend"]
    before = interval(channel_metrics(plain).roi)
    after = interval(channel_metrics(calibrated).roi)
    assert abs(after["mean"][c] - truth) < abs(before["mean"][c] - truth)
    assert abs(after["mean"][c] - truth) / truth < 0.3
    width = lambda i: i["hi90"][c] - i["lo90"][c]  # noqa: E731
    assert width(after) < 0.7 * width(before)


@pytest.mark.slow
def test_consistent_tests_pass_and_a_contradicting_test_is_named(fits):
    sim, _, calibrated = fits
    checks = lift_test_checks(calibrated)
    assert all(not check.contradicts for check in checks), checks
    # A second test of the first test's window that measured 5x its lift, with the wrong
    # sign: the data and the other tests side with the first one.
    bad = dataclasses.replace(calibrated.data.lift_tests[0], lift=-5 * abs(
        calibrated.data.lift_tests[0].lift), label="impossible test")
    data = dataclasses.replace(calibrated.data, lift_tests=(*calibrated.data.lift_tests, bad))
    refit = fit(data, sampler=SAMPLER)
    # Two precise tests of one window that disagree cannot both hold, and a Gaussian
    # likelihood leaves both in tension; the one the rest of the evidence contradicts must
    # be the worst, and be named.
    checks = sorted(lift_test_checks(refit), key=lambda check: -abs(check.z))
    assert checks[0].label == "impossible test" and checks[0].contradicts
    assert any("impossible test" in w for w in summarize(refit)["warnings"])
