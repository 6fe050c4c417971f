"""The loop, end to end: fit -> plan-tests -> design -> the test happens -> analyse ->
refit with the new lift-test row -> the tested channel's ROI interval narrows and moves
toward the truth.

A small geo panel (6 geos, 80 weeks before the test): TV is flighted and varies by geo
(well identified); search is always on, the same pattern in every geo (weakly
identified: the one to test).
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

from mixcast.analysis.simulate import ChannelTruth, Experiment, SimulationSpec, simulate
from mixcast.data.lift_tests import parse_lift_tests
from mixcast.experiments.analysis import analyze_test
from mixcast.experiments.design import design_test
from mixcast.experiments.planning import plan_tests
from mixcast.spec import SamplerConfig

BEFORE, WEEKS, COOLDOWN = 80, 8, 2
SAMPLER = SamplerConfig(chains=2, warmup=150, draws=150, seed=1, progress=False,
                        continue_unconverged=False)


def _spec() -> SimulationSpec:
    channels = {
        "tv_spend": ChannelTruth(roi=2.0, decay=0.5, pattern="flighting",
                                 weekly_spend=30_000, geo_spread=0.3),
        "search_spend": ChannelTruth(roi=3.0, decay=0.2, pattern="always_on",
                                     weekly_spend=40_000, geo_spread=0.0),
    }
    return SimulationSpec(channels=channels, n_geos=6, n_weeks=BEFORE + WEEKS + COOLDOWN,
                          seed=5, noise=0.03, baseline_level=200_000.0)


def _frame(data) -> pd.DataFrame:
    """The data as a user's file: one row per geo-week."""
    dates = np.asarray(pd.DatetimeIndex(data.dates).strftime("%Y-%m-%d"))
    frame = pd.DataFrame({"date": np.tile(dates, data.n_geos),
                          "geo": np.repeat(np.array(data.geos), data.n_times),
                          "revenue": data.y.ravel()})
    for c, name in enumerate(data.channels):
        frame[name] = data.spend[..., c].ravel()
    return frame


def _interval(fit, channel: str) -> tuple[float, float, float]:
    roi = fit.draws("roi")[:, fit.channels.index(channel)]
    lo, hi = np.percentile(roi, [5.0, 95.0])
    return float(roi.mean()), float(lo), float(hi)


@pytest.mark.slow
def test_the_loop_narrows_the_tested_channels_interval_toward_the_truth():
    from mixcast.inference.fit import fit

    warnings.simplefilter("ignore")  # short chains: convergence caveats are expected here
    spec = _spec()
    before = simulate(spec).data.window(0, BEFORE)
    first = fit(before, sampler=SAMPLER)

    plans = plan_tests(first, weeks=(WEEKS,), cooldown=COOLDOWN, budget_moves=False)
    channel = plans[0].channel
    assert channel == "search_spend"
    assert plans[0].narrowing > plans[1].narrowing
    for plan in plans:   # the interval after the test sits inside today's, narrowed as said
        assert plan.roi["lo90"] <= plan.roi_after["lo90"] <= plan.roi_after["hi90"] \
            <= plan.roi["hi90"]
        width = np.log(plan.roi["hi90"] / plan.roi["lo90"])
        after = np.log(plan.roi_after["hi90"] / plan.roi_after["lo90"])
        assert after == pytest.approx((1 - plan.narrowing) * width, rel=1e-6)

    design = design_test(first, channel, factor=0.0, weeks=(WEEKS,), cooldown=COOLDOWN)
    assert design.geo_level and design.treated and design.control

    # The test happens: search goes dark in the treated geos for WEEKS weeks.
    treated = tuple(before.geos.index(g) for g in design.treated)
    experiments = tuple(Experiment(channel, start=BEFORE, end=BEFORE + WEEKS - 1,
                                   factor=0.0, geo=g) for g in treated)
    truth = simulate(dataclasses.replace(spec, experiments=experiments))
    after = truth.data

    result = analyze_test(design, _frame(after))
    assert result.significant and result.hi90 < 0
    tests = parse_lift_tests(result.rows_frame(), after, source="lift_tests.csv")
    assert len(tests) == len(design.treated)

    second = fit(dataclasses.replace(after, lift_tests=tests), sampler=SAMPLER)
    mean1, lo1, hi1 = _interval(first, channel)
    mean2, lo2, hi2 = _interval(second, channel)
    true_roi = truth.roi[channel]
    print(f"{channel}: truth {true_roi:.2f}; before {mean1:.2f} ({lo1:.2f}-{hi1:.2f}); "
          f"after {mean2:.2f} ({lo2:.2f}-{hi2:.2f}); narrowed "
          f"{100 * (1 - (hi2 - lo2) / (hi1 - lo1)):.0f}%")
    assert (hi2 - lo2) <= 0.6 * (hi1 - lo1)
    assert abs(mean2 - true_roi) < abs(mean1 - true_roi)
    assert lo2 <= true_roi <= hi2


def test_underpowered_tests_get_advice_and_powered_ones_none():
    from mixcast.experiments.design import GEO_METHOD, NATIONAL_METHOD
    from mixcast.experiments.planning import TestPlan, underpowered_advice

    def plan(power, method):
        return TestPlan(channel="tv", mostly_prior=False, roi={}, roi_after={},
                        narrowing=0.0, value=0.0, budget_change=0.0, weeks=6, power=power,
                        assurance=power, cost=0.0, method=method, command="")

    assert underpowered_advice(()) is None
    assert underpowered_advice((plan(0.1, NATIONAL_METHOD), plan(0.8, NATIONAL_METHOD))) is None
    weak = underpowered_advice((plan(0.09, NATIONAL_METHOD), plan(0.11, NATIONAL_METHOD)))
    assert "power at most 11%" in weak and "per-geo data" in weak
    assert "more geos" in underpowered_advice((plan(0.3, GEO_METHOD),))
    # design-test reads the same note for its best duration
    from mixcast.experiments.design import LOW_POWER, underpowered_note

    assert underpowered_note(LOW_POWER, national=True) is None
    assert underpowered_note(0.11, national=True) == weak
