import numpy as np

from mixcast.transforms import fourier_features, trend_basis


def test_fourier_features_are_periodic_and_bounded():
    t = np.arange(0, 200.0)
    f = fourier_features(t, order=3)
    assert f.shape == (200, 6)
    assert np.abs(f).max() <= 1.0
    shifted = fourier_features(t + 365.25 / 7, order=3)
    np.testing.assert_allclose(f, shifted, atol=1e-9)


def test_trend_basis_is_centred_line_with_hinges():
    basis = trend_basis(10, n_knots=2)
    assert basis.shape == (10, 3)
    np.testing.assert_allclose(basis.mean(axis=0), 0.0, atol=1e-12)
    assert np.all(np.diff(basis[:, 0]) > 0)
