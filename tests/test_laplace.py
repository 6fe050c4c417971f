"""The Laplace start: modes, curvature and whitened NUTS on models with known posteriors."""

from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist

from mixcast.inference.laplace import laplace_whitening, site_shapes, unravel_for
from mixcast.inference.sampler import laplace_start, run_nuts

# pmap cannot map a None-only argument tree; the models ignore this one.
ARGS = (jnp.zeros(1),)
MEAN = np.array([1.0, -2.0, 0.5])
# Strongly correlated and badly scaled: what defeats a diagonal mass matrix.
COV = np.array([[1e-4, 0.9 * 1e-2 * 0.3, 0.0],
                [0.9 * 1e-2 * 0.3, 0.09, -0.2 * 0.3],
                [0.0, -0.2 * 0.3, 1.0]])


@dataclass(frozen=True)   # hashable: the compiled sampler is cached per model
class Gaussian:
    """A model whose posterior is exactly N(MEAN, COV)."""

    def __call__(self, unused=None):
        numpyro.sample("x", dist.MultivariateNormal(jnp.asarray(MEAN, jnp.float32),
                                                    covariance_matrix=jnp.asarray(COV, jnp.float32)))


@dataclass(frozen=True)
class Positive:
    """A constrained site: log-normal posterior, mode of log x at 0.3 with sd 0.2."""

    def __call__(self, unused=None):
        numpyro.sample("scale", dist.LogNormal(0.3, 0.2))


def test_each_chain_finds_the_mode_and_the_inverse_curvature():
    template, whitening = laplace_start(Gaussian(), ARGS, chains=3, seed=1)
    assert whitening is not None
    for c in range(3):
        np.testing.assert_allclose(whitening.shift[c], MEAN, atol=2e-3)
        np.testing.assert_allclose(whitening.scale[c] @ whitening.scale[c], COV,
                                   rtol=2e-2, atol=1e-6)
    # Chains start at different draws of the approximation, not all at the mode.
    assert np.ptp(whitening.start, axis=0).min() > 0


def test_a_climb_stopped_short_is_finished_in_whitened_coordinates(monkeypatch):
    """On precise geo panels L-BFGS in the model's coordinates stops far from the mode
    (badly scaled parameters); climbing again whitened by the curvature there finds it."""
    from mixcast.inference import laplace

    monkeypatch.setattr(laplace, "_MAX_ITERATIONS", 3)
    monkeypatch.setattr(laplace, "_REFINE_PASSES", 0)
    _, short = laplace_start(Gaussian(), ARGS, chains=2, seed=1)
    assert np.abs(short.shift - MEAN).max() > 1e-2   # the short climb alone misses it
    monkeypatch.setattr(laplace, "_REFINE_PASSES", 2)
    _, refined = laplace_start(Gaussian(), ARGS, chains=2, seed=1)
    for c in range(2):
        np.testing.assert_allclose(refined.shift[c], MEAN, atol=2e-3)
        np.testing.assert_allclose(refined.scale[c] @ refined.scale[c], COV,
                                   rtol=2e-2, atol=1e-6)


def test_unconstrained_sites_are_handled_through_their_bijection():
    template, whitening = laplace_start(Positive(), ARGS, chains=2, seed=0)
    # LogNormal(0.3, 0.2): in log space a normal, so the Laplace fit is exact.
    np.testing.assert_allclose(whitening.shift[:, 0], 0.3, atol=1e-3)
    np.testing.assert_allclose(whitening.scale[:, 0, 0], 0.2, rtol=1e-2)


def test_flat_directions_get_the_precision_floor():
    @dataclass(frozen=True)
    class Flat:

        def __call__(self, unused=None):
            numpyro.sample("a", dist.Normal(0.0, 1.0))
            numpyro.sample("b", dist.Normal(0.0, 1e3))   # nearly flat

    template, whitening = laplace_start(Flat(), ARGS, chains=1, seed=0)
    sd = np.sqrt(np.diag(whitening.scale[0] @ whitening.scale[0]))
    np.testing.assert_allclose(sd, [1.0, 2.0], rtol=1e-2)   # b capped at 1/sqrt(0.25)


def test_whitened_nuts_draws_the_right_posterior():
    samples, extras, _ = run_nuts(Gaussian(), ARGS, chains=2, warmup=150, draws=600, seed=3,
                               target_accept=0.85, max_tree_depth=8, laplace=True)
    x = samples["x"].reshape(-1, 3)
    sd = np.sqrt(np.diag(COV))
    assert np.all(np.abs(x.mean(0) - MEAN) < 0.15 * sd)
    np.testing.assert_allclose(x.std(0), sd, rtol=0.12)
    np.testing.assert_allclose(np.corrcoef(x.T)[0, 1], 0.9, atol=0.05)
    # In whitened coordinates the posterior is a standard normal: short trajectories.
    assert extras["num_steps"].mean() < 8
    assert extras["diverging"].sum() == 0


def test_unravel_matches_the_template_layout():
    template = {"b": np.zeros((2, 3), np.float32), "a": np.zeros(4, np.float32)}
    sites = unravel_for(site_shapes(template))(jnp.arange(10.0))
    np.testing.assert_array_equal(sites["a"], np.arange(4.0))
    np.testing.assert_array_equal(sites["b"], np.arange(4.0, 10.0).reshape(2, 3))


def test_a_density_without_a_finite_mode_returns_none():
    inits = {"x": np.zeros((1, 3), np.float32)}

    @dataclass(frozen=True)
    class Broken:

        def __call__(self, unused=None):
            x = numpyro.sample("x", dist.Normal(0.0, 1.0).expand([3]))
            numpyro.factor("nan", jnp.log(-1.0 - x.sum() ** 2))

    assert laplace_whitening(Broken(), ARGS, {"x": np.zeros(3, np.float32)}, inits, 0) is None


def test_a_whitening_is_kept_only_where_the_curvature_still_fits():
    from mixcast.inference.laplace import _curvature_holds, _inverse_sqrt

    rng = np.random.default_rng(0)
    factor = rng.normal(size=(30, 30))
    precision = factor @ factor.T + 30 * np.eye(30)

    def evaluate(x):   # a Gaussian potential with this precision
        return 0.5 * x @ precision @ x, precision @ x

    root, _ = _inverse_sqrt(precision)
    step = rng.normal(size=30)
    assert _curvature_holds(evaluate, np.zeros(30), root, step)
    # A whitening three times too wide: the curvature it leaves is 9, not 1.
    assert not _curvature_holds(evaluate, np.zeros(30), 3.0 * root, step)
    assert _curvature_holds(evaluate, np.zeros(30), root, np.zeros(30))
