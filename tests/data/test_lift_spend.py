"""The spend plans a lift test compares, checked against numbers worked by hand."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mixcast.data.dataset import LiftTest
from mixcast.data.lift_spend import business_as_usual, geo_shares, lift_timeline
from tests.data.helpers import small_dataset


def with_spend(data, channel: int, values: np.ndarray):
    spend = data.spend.copy()
    spend[..., channel] = values
    return dataclasses.replace(data, spend=spend, media=spend)


def lift_test(start=4, end=7, delta=-40.0, geo=None, **kwargs) -> LiftTest:
    """A tv_spend test of weeks ``start`` .. ``end``."""
    return LiftTest(channel="tv_spend", start=start, end=end, geo=geo, spend_delta=delta,
                    lift=-1.0, lift_se=1.0, **kwargs)


def test_go_dark_puts_the_usual_spend_back_evenly_over_the_window():
    """Observed 0 in weeks 4..7; spend_delta -40 -> 10 a week at business as usual."""
    observed = np.full((1, 30), 7.0)
    observed[0, 4:8] = 0.0
    data = with_spend(small_dataset(), 0, observed)
    bau = business_as_usual(lift_test(), data)
    expected = observed.copy()
    expected[0, 4:8] = 10.0
    np.testing.assert_allclose(bau, expected)


def test_spend_up_is_taken_out_in_proportion_to_the_observed_pattern():
    """Observed 2, 4, 6, 8 (sum 20) after a +10 test -> business as usual half of it."""
    observed = np.ones((1, 30))
    observed[0, 4:8] = [2.0, 4.0, 6.0, 8.0]
    data = with_spend(small_dataset(), 0, observed)
    bau = business_as_usual(lift_test(delta=10.0), data)
    np.testing.assert_allclose(bau[0, 4:8], [1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(bau[0, :4], 1.0)
    np.testing.assert_allclose(bau[0, 8:], 1.0)


def test_a_national_go_dark_splits_over_geos_by_their_usual_spend():
    """Geo spend 1 and 3 a week outside the dark window -> shares 1/4 and 3/4."""
    data = small_dataset(geos=("north", "south"))
    observed = np.stack([np.ones(30), np.full(30, 3.0)])
    observed[:, 4:8] = 0.0
    data = with_spend(data, 0, observed)
    np.testing.assert_allclose(geo_shares(lift_test(), data), [0.25, 0.75])
    bau = business_as_usual(lift_test(delta=-80.0), data)
    np.testing.assert_allclose(bau[:, 4:8], [[5.0] * 4, [15.0] * 4])


def test_a_geo_test_changes_only_its_geo():
    data = small_dataset(geos=("north", "south"))
    data = with_spend(data, 0, np.where(np.arange(30)[None, :] // 4 == 1, [[0.0], [2.0]],
                                        [[1.0], [2.0]]))
    bau = business_as_usual(lift_test(geo=0, delta=-8.0), data)
    np.testing.assert_allclose(bau[0, 4:8], 2.0)
    np.testing.assert_allclose(bau[1], data.spend[1, :, 0])


def test_inside_timeline_measures_start_to_measure_end_in_its_geo():
    data = small_dataset(geos=("north", "south"))
    timeline = lift_timeline(lift_test(geo=1, measure_end=10), data, warmup=8)
    assert timeline.observed and timeline.tested.shape == (2, 30)
    assert timeline.measure[0].sum() == 0
    np.testing.assert_array_equal(np.flatnonzero(timeline.measure[1]), np.arange(4, 11))
    np.testing.assert_array_equal(timeline.week, np.arange(30))


@pytest.mark.parametrize("start, edge", [(-12, 0), (40, 29)])
def test_outside_timeline_is_warm_up_window_and_tail_at_bau_spend(start, edge):
    """bau_spend 6 a week, spend_delta -24 over 4 weeks: a go-dark, tail of 3 weeks."""
    outside = lift_test(start=start, end=start + 3, delta=-24.0, measure_end=start + 6,
                   bau_spend=6.0)
    timeline = lift_timeline(outside, small_dataset(), warmup=5)
    assert not timeline.observed
    np.testing.assert_allclose(timeline.bau, np.full((1, 12), 6.0))
    np.testing.assert_allclose(timeline.tested[0], [6.0] * 5 + [0.0] * 4 + [6.0] * 3)
    np.testing.assert_allclose(timeline.measure[0], [0.0] * 5 + [1.0] * 7)
    np.testing.assert_array_equal(timeline.week, edge)


def test_a_backtest_window_keeps_tests_measured_inside_it_and_those_outside_the_data():
    tests = (lift_test(), lift_test(start=20, end=23, measure_end=27),
             lift_test(start=-8, end=-6, bau_spend=5.0), lift_test(start=3, end=6))
    data = dataclasses.replace(small_dataset(), lift_tests=tests)
    cut = data.window(2, 26)
    assert [(t.start, t.end, t.last_week) for t in cut.lift_tests] == [
        (2, 5, 5), (-10, -8, -8), (1, 4, 4)]
