import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mixcast.transforms import hill, hill_derivative

positive = st.floats(0.05, 20.0)
media = arrays(np.float64, st.integers(1, 50), elements=st.floats(0, 1e3, allow_nan=False))


@given(media, positive, st.floats(0.3, 4.0))
@settings(max_examples=60, deadline=None)
def test_hill_is_in_unit_interval_and_monotone(x, k, s):
    x = np.sort(x)
    out = np.asarray(hill(jnp.asarray(x), half_saturation=k, slope=s))
    assert ((out >= 0) & (out <= 1)).all()
    assert (np.diff(out) >= -1e-6).all()


@given(positive, st.floats(0.3, 4.0))
def test_half_saturation_gives_one_half(k, s):
    assert abs(float(hill(jnp.array(k), half_saturation=k, slope=s)) - 0.5) < 1e-5


@given(positive, st.floats(0.3, 4.0))
def test_zero_media_gives_zero(k, s):
    assert float(hill(jnp.array(0.0), half_saturation=k, slope=s)) < 1e-6


@given(st.floats(0.1, 10.0), positive, st.floats(0.5, 3.0))
def test_derivative_matches_autodiff(x, k, s):
    auto = jax.grad(lambda v: hill(v, half_saturation=k, slope=s))(jnp.array(x))
    exact = hill_derivative(jnp.array(x), half_saturation=k, slope=s)
    np.testing.assert_allclose(float(exact), float(auto), rtol=1e-3, atol=1e-6)
