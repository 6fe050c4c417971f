import jax.numpy as jnp
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mixcast.transforms import adstock, delayed_weights, geometric_weights, lag_stack

spend = arrays(np.float64, st.tuples(st.integers(1, 30), st.integers(1, 4)),
               elements=st.floats(0, 1e4, allow_nan=False))
decays = st.floats(0.0, 0.95)


@given(spend, decays, st.integers(1, 12))
@settings(max_examples=60, deadline=None)
def test_outputs_are_non_negative_and_conserve_mass_within_window(x, decay, l_max):
    weights = geometric_weights(jnp.full(x.shape[1], decay), l_max=l_max)
    out = np.asarray(adstock(jnp.asarray(x), weights))
    assert out.shape == x.shape
    assert (out >= -1e-6).all()
    # Normalised weights: total output = total input minus what spills past the window.
    assert (out.sum(0) <= x.sum(0) * (1 + 1e-5) + 1e-3).all()
    padded = np.vstack([x, np.zeros((l_max, x.shape[1]))])
    full = np.asarray(adstock(jnp.asarray(padded), weights))
    np.testing.assert_allclose(full.sum(0), x.sum(0), rtol=1e-4, atol=1e-2)


@given(spend, st.integers(1, 12))
@settings(max_examples=40, deadline=None)
def test_zero_decay_is_identity(x, l_max):
    weights = geometric_weights(jnp.zeros(x.shape[1]), l_max=l_max)
    np.testing.assert_allclose(np.asarray(adstock(jnp.asarray(x), weights)), x, rtol=1e-5,
                               atol=1e-3)


@given(decays, st.integers(1, 12))
def test_zero_media_gives_zero(decay, l_max):
    weights = geometric_weights(jnp.array([decay]), l_max=l_max)
    assert float(jnp.abs(adstock(jnp.zeros((10, 1)), weights)).max()) == 0.0


@given(st.floats(0.05, 0.9), st.integers(2, 12))
def test_weights_sum_to_one_and_decrease(decay, l_max):
    w = np.asarray(geometric_weights(jnp.array([decay]), l_max=l_max))[0]
    assert abs(w.sum() - 1) < 1e-5
    assert (np.diff(w) <= 1e-7).all()


@given(st.floats(0.05, 0.9), st.floats(0.0, 5.0))
def test_delayed_peak_sits_at_peak_and_zero_peak_is_geometric(decay, peak):
    w = np.asarray(delayed_weights(jnp.array([decay]), jnp.array([peak]), l_max=10))[0]
    assert abs(w.sum() - 1) < 1e-5
    assert abs(int(w.argmax()) - peak) <= 0.5 + 1e-6
    geometric = np.asarray(geometric_weights(jnp.array([decay]), l_max=10))[0]
    zero_peak = np.asarray(delayed_weights(jnp.array([decay]), jnp.array([0.0]), l_max=10))[0]
    np.testing.assert_allclose(zero_peak, geometric, rtol=1e-5)


def test_adstock_matches_explicit_convolution():
    rng = np.random.default_rng(0)
    x = rng.gamma(2.0, size=(20, 2))
    weights = geometric_weights(jnp.array([0.5, 0.2]), l_max=4)
    expected = np.zeros_like(x)
    for t in range(20):
        for lag in range(4):
            if t - lag >= 0:
                expected[t] += np.asarray(weights)[:, lag] * x[t - lag]
    np.testing.assert_allclose(np.asarray(adstock(jnp.asarray(x), weights)), expected,
                               rtol=1e-5)


def test_lag_stack_shape_and_batch_dims():
    x = jnp.arange(12.0).reshape(2, 3, 2)  # (G, T, C)
    lagged = lag_stack(x, 3)
    assert lagged.shape == (2, 3, 2, 3)
    assert float(lagged[0, 2, 1, 2]) == float(x[0, 0, 1])
    assert float(lagged[0, 0, 0, 1]) == 0.0
