"""Trend and time-varying-effectiveness bases, on the fitted weeks and continued past them."""

import numpy as np
import pytest

from mixcast.transforms.time_basis import TIME_KNOTS, bump_basis, time_grid, trend_basis


def test_time_grid_runs_zero_to_one_over_the_fitted_weeks_then_on_at_the_same_step():
    t = time_grid(5, 8)
    np.testing.assert_array_equal(t[:5], np.linspace(0.0, 1.0, 5))
    np.testing.assert_allclose(t[5:], [1.25, 1.5, 1.75])
    np.testing.assert_array_equal(time_grid(1, 3), [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(time_grid(5), time_grid(5, 5))


def test_trend_basis_is_centred_line_with_hinges():
    basis = trend_basis(10, n_knots=2)
    assert basis.shape == (10, 3)
    np.testing.assert_allclose(basis.mean(axis=0), 0.0, atol=1e-12)
    assert np.all(np.diff(basis[:, 0]) > 0)
    np.testing.assert_array_equal(trend_basis(1), [[-0.5]])


@pytest.mark.parametrize("n_hist, n_knots", [(50, 0), (50, 3), (104, 4), (7, 1)])
def test_extended_trend_equals_the_fitted_one_on_the_fitted_weeks_and_continues_it(
        n_hist, n_knots):
    fitted = trend_basis(n_hist, n_knots=n_knots)
    extended = trend_basis(n_hist, n_hist + 13, n_knots=n_knots)
    assert extended.shape == (n_hist + 13, 1 + n_knots)
    np.testing.assert_array_equal(extended[:n_hist], fitted)
    # Past the window every column keeps its last slope (all hinges are active there).
    slope = np.diff(fitted[-2:], axis=0)[0]
    np.testing.assert_allclose(np.diff(extended[n_hist - 1:], axis=0),
                               np.broadcast_to(slope, (13, 1 + n_knots)), atol=1e-12)


@pytest.mark.parametrize("n_hist", [40, 156, 2])
def test_extended_time_basis_equals_the_fitted_one_on_the_fitted_weeks(n_hist):
    fitted = bump_basis(n_hist)
    assert fitted.shape == (n_hist, TIME_KNOTS)
    extended = bump_basis(n_hist, n_hist + 26)
    np.testing.assert_array_equal(extended[:n_hist], fitted)
    # The bumps sit at t = 0, 0.2, ..., 1 and fade past the window.
    assert np.all(np.diff(extended[n_hist - 1:], axis=0) <= 0)
    assert np.all((extended >= 0) & (extended <= 1.0))


def test_bump_basis_peaks_at_its_centres():
    basis = bump_basis(101, n_knots=5)
    np.testing.assert_array_equal(np.argmax(basis, axis=0), [0, 25, 50, 75, 100])
    np.testing.assert_allclose(basis[[0, 25, 50, 75, 100], range(5)], 1.0)
