"""One definition of each accuracy score (mixcast.validation.accuracy)."""

import numpy as np

from mixcast.validation.accuracy import mape, r_squared, wape


def test_mape_leaves_out_zero_weeks_rather_than_flooring_them():
    actual = np.array([100.0, 0.0, 200.0])
    predicted = np.array([90.0, 50.0, 220.0])
    assert mape(actual, predicted) == 0.1
    assert np.isnan(mape(np.zeros(3), predicted))


def test_wape_weighs_weeks_by_their_size_unlike_mape():
    actual = np.array([1.0, 1000.0])
    predicted = np.array([3.0, 1000.0])        # a 200% miss on a tiny week
    assert mape(actual, predicted) == 1.0
    assert wape(actual, predicted) < 0.002


def test_r_squared_is_one_for_a_perfect_fit_and_nan_for_a_flat_kpi():
    y = np.array([1.0, 4.0, 2.0, 8.0])
    assert r_squared(y, y) == 1.0
    assert r_squared(y, np.full(4, y.mean())) == 0.0
    assert np.isnan(r_squared(np.ones(4), np.ones(4)))
