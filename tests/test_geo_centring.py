"""Geo contrasts: the zero-sum basis and the per-channel centring choice."""

from dataclasses import replace

import numpy as np
import pytest

from mixcast.inference.fit import sample_posterior
from mixcast.inference.geo_centring import (centred_laplace_start, centring_weights,
                                             choose_geo_centring, reexpressed,
                                             with_centring)
from mixcast.model.inputs import prepare
from mixcast.model.mean import Structure
from mixcast.model.mmm import MMM, resolve_priors, zero_sum_basis
from mixcast.analysis.simulate import simulate
from mixcast.spec import ModelSpec, SamplerConfig
from tests.conftest import small_spec


@pytest.mark.parametrize("n", [2, 3, 7, 50])
def test_zero_sum_basis_is_orthonormal_and_sums_to_zero(n):
    basis = np.asarray(zero_sum_basis(n), np.float64)
    assert basis.shape == (n, n - 1)
    np.testing.assert_allclose(basis.T @ basis, np.eye(n - 1), atol=1e-6)
    np.testing.assert_allclose(basis.sum(axis=0), 0.0, atol=1e-6)


def test_zero_sum_contrasts_have_the_iid_prior_on_every_contrast():
    """basis @ z, z ~ N(0, tau^2 I), has the covariance of iid N(0, tau^2) minus its mean:
    every difference between geos has the prior it would have without the constraint."""
    n, tau = 6, 0.3
    basis = np.asarray(zero_sum_basis(n), np.float64)
    expected = tau ** 2 * (np.eye(n) - np.ones((n, n)) / n)
    np.testing.assert_allclose(tau ** 2 * basis @ basis.T, expected, atol=1e-7)


def _geo_model(noise: float, geo_sd: float):
    spec = replace(small_spec(seed=5), n_geos=6, geo_effect_sd=geo_sd, noise=noise)
    data = simulate(spec).data
    model_spec = ModelSpec()
    inputs = prepare(data, model_spec)
    structure = Structure.build(model_spec, data.channels, n_organic=0)
    return data, MMM(structure=structure, priors=resolve_priors(data, model_spec)), (inputs, None)


def test_precise_geo_panels_are_sampled_centred_and_noisy_ones_not():
    _, model, args = _geo_model(noise=0.002, geo_sd=0.4)
    chosen, whitening = choose_geo_centring(model, args, chains=2, seed=0)
    assert whitening is not None
    assert np.mean(chosen[0].geo_centring) > 0.9   # the data pin the contrasts
    _, model, args = _geo_model(noise=0.5, geo_sd=0.05)
    chosen, whitening = choose_geo_centring(model, args, chains=2, seed=0)
    assert whitening is not None
    assert not chosen[0].geo_centring.any()   # the prior's: every contrast non-centred


def test_a_run_given_the_centring_gets_the_start_a_fit_would_choose():
    """Batched refits share one run's centring: each run's start is the non-centred mode
    carried to it, identical to what choosing the centring gives for the same seed."""
    _, model, args = _geo_model(noise=0.002, geo_sd=0.4)
    chosen, whitening = choose_geo_centring(model, args, chains=2, seed=3)
    again = centred_laplace_start(model, chosen, chains=2, seed=3)
    for field in ("shift", "scale", "start"):
        np.testing.assert_array_equal(getattr(again, field), getattr(whitening, field))


def test_only_contrasts_the_data_pin_are_centred():
    weights = centring_weights(np.array([[1.0, 2.0, 101.0], [1000.0, 0.5, 99.0]]))
    np.testing.assert_array_equal(weights, [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])


def test_the_carried_whitening_is_the_non_centred_one_mapped_to_first_order():
    from mixcast.inference.laplace import Whitening

    rng = np.random.default_rng(3)
    shapes = (("a", (2,), "float32"), ("geo_tau", (2,), "float32"),
              ("geo_z", (3, 2), "float32"))
    dim, weights = 10, rng.uniform(0.0, 1.0, (3, 2))
    root = rng.normal(size=(dim, dim)) * 0.3
    old = Whitening(shift=rng.normal(size=(1, dim)).astype(np.float32),
                    scale=root[None].astype(np.float32),
                    start=np.zeros((1, dim), np.float32), precision=np.ones((1, dim)))
    new = reexpressed(old, shapes, weights)

    def to_centred(x):   # z' = tau^w z, tau = exp(x[geo_tau])
        x = x.copy()
        x[4:] = np.exp(weights.ravel() * np.tile(x[2:4], 3)) * x[4:]
        return x

    np.testing.assert_allclose(new.shift[0], to_centred(old.shift[0].astype(float)), rtol=1e-5)
    u = 1e-3 * rng.normal(size=dim)
    mapped = to_centred(old.shift[0].astype(float) + root @ u)
    np.testing.assert_allclose(new.shift[0] + new.scale[0] @ u, mapped, atol=1e-5)
    np.testing.assert_array_equal(new.scale[0][:4], old.scale[0][:4])   # other sites


def test_every_centring_gives_the_same_prior_on_the_contrasts():
    """z ~ N(0, tau^w), x = tau^(1 - w) z is N(0, tau) for any w: the density of the
    model at the same contrasts x differs only by the map's Jacobian, log tau^(1-w) per
    contrast."""
    from numpyro import handlers

    data, model, args = _geo_model(noise=0.02, geo_sd=0.3)
    n = data.n_geos - 1
    tau = np.full(data.n_channels, 0.3, np.float32)
    x = np.random.default_rng(0).normal(0.0, 0.3, (n, data.n_channels)).astype(np.float32)
    log_p = []
    for w in (0.0, 0.4, 1.0):
        weighted = with_centring(args, np.full((n, data.n_channels), w))
        z = x / tau ** (1.0 - w)
        trace = handlers.trace(handlers.substitute(
            handlers.seed(model, 0), {"geo_tau": tau, "geo_z": z})).get_trace(*weighted)
        site = trace["geo_z"]
        log_p.append(float(site["fn"].log_prob(site["value"]).sum())
                     - n * data.n_channels * (1.0 - w) * float(np.log(0.3)))
    np.testing.assert_allclose(log_p, log_p[0], rtol=1e-5)


def test_geo_fit_with_the_laplace_start_is_reproducible_and_converges():
    data, model, args = _geo_model(noise=0.02, geo_sd=0.3)
    sampler = SamplerConfig(chains=2, warmup=150, draws=150, seed=4, progress=False)
    first, extras, _ = sample_posterior(model, args, sampler, data.n_geos)
    again, _, _ = sample_posterior(model, args, sampler, data.n_geos)
    np.testing.assert_array_equal(first["roi"], again["roi"])
    assert extras["diverging"].sum() == 0
    # Short trajectories: the curvature at the mode whitened the posterior.
    assert np.median(extras["num_steps"]) < 64
