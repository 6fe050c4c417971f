import numpy as np

from mixcast.transforms import fourier_features


def test_fourier_features_are_periodic_and_bounded():
    t = np.arange(0, 200.0)
    f = fourier_features(t, order=3)
    assert f.shape == (200, 6)
    assert np.abs(f).max() <= 1.0
    shifted = fourier_features(t + 365.25 / 7, order=3)
    np.testing.assert_allclose(f, shifted, atol=1e-9)
