"""The one summary of draws: mean and 90% interval, NaN policy, probability, thinning."""

import warnings

import numpy as np
import pytest

from mixcast.posterior.intervals import (Band, interval, prob_positive, scalar_interval, thin,
                                         thin_index)


def test_interval_is_mean_and_5th_95th_percentiles_along_the_axis():
    draws = np.random.default_rng(0).normal(size=(1000, 3))
    band = interval(draws)
    assert set(band) == {"mean", "lo90", "hi90"}
    np.testing.assert_allclose(band["mean"], draws.mean(axis=0))
    np.testing.assert_allclose(band["lo90"], np.percentile(draws, 5, axis=0))
    np.testing.assert_allclose(band["hi90"], np.percentile(draws, 95, axis=0))
    across = interval(draws.T, axis=1)
    np.testing.assert_allclose(across["hi90"], band["hi90"])


def test_non_finite_draws_are_ignored_and_all_nan_gives_nan_without_warning():
    draws = np.array([[1.0, np.nan], [2.0, np.nan], [np.inf, np.nan], [3.0, -np.inf],
                      [np.nan, np.nan]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        band = interval(draws)
    np.testing.assert_allclose(band["mean"][0], 2.0)
    np.testing.assert_allclose(band["lo90"][0], np.percentile([1.0, 2.0, 3.0], 5))
    assert all(np.isnan(band[k][1]) for k in band)


def test_scalar_interval_returns_floats_and_the_empty_value_when_nothing_is_finite():
    band = scalar_interval(np.array([1.0, 2.0, np.nan, 3.0]))
    assert band == pytest.approx({"mean": 2.0, "lo90": 1.1, "hi90": 2.9})
    assert all(type(v) is float for v in band.values())
    assert all(np.isnan(v) for v in scalar_interval(np.array([np.nan, np.inf])).values())
    assert scalar_interval(np.array([np.nan]), empty=None) == dict.fromkeys(
        ("mean", "lo90", "hi90"))


def test_band_of_matches_interval_and_reads_back_as_floats():
    draws = np.random.default_rng(1).normal(size=(200, 2))
    draws[0, 1] = np.nan
    band = Band.of(draws)
    expected = interval(draws)
    for key in ("mean", "lo90", "hi90"):
        np.testing.assert_allclose(getattr(band, key), expected[key])
    assert band.at(1) == pytest.approx({k: float(v[1]) for k, v in expected.items()})
    scalar = Band.of(draws[:, 0])
    assert scalar.at(()) == pytest.approx(scalar.as_dict())
    assert isinstance(scalar.as_dict()["mean"], float)


def test_prob_positive_counts_finite_draws_only():
    draws = np.array([[1.0, -1.0, np.nan], [2.0, 1.0, np.nan], [-1.0, np.nan, np.nan],
                      [3.0, 2.0, np.nan]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = prob_positive(draws)
    np.testing.assert_allclose(p[:2], [0.75, 2 / 3])
    assert np.isnan(p[2])


def test_thin_keeps_evenly_spaced_draws_and_everything_when_few():
    draws = {"a": np.arange(10.0), "b": np.arange(20.0).reshape(10, 2)}
    assert thin(draws, None) is draws and thin(draws, 10) is draws
    thinned = thin(draws, 4)
    np.testing.assert_array_equal(thinned["a"], [0.0, 3.0, 6.0, 9.0])
    np.testing.assert_array_equal(thinned["b"][:, 0], [0.0, 6.0, 12.0, 18.0])
    np.testing.assert_array_equal(thin_index(5, 8), np.arange(5))
    np.testing.assert_array_equal(thin_index(1000, 7), thin_index(1000, 7))
    assert len(np.unique(thin_index(1000, 32))) == 32
