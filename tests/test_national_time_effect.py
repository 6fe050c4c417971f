"""The national time effect of geo panels and the holiday regressors, without NUTS.

The effect is sampled around its conditional posterior (mixcast.model.mmm._national_effect):
the map's Jacobian and the model's density are checked against the plain parameterisation,
and the Laplace start shows the shocks whitened. Prior draws exercise the decomposition
and forecasts (future weeks get their holidays; future national shocks are shared by every
geo and left out of the expected KPI).
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
import pytest
from numpyro.infer.util import constrain_fn, log_density

from mixcast.analysis.decomposition import contributions
from mixcast.analysis.forecast import FuturePlan, extend_inputs, forecast
from mixcast.analysis.simulate import simulate
from mixcast.model.inputs import prepare
from mixcast.model.mean import Structure, mean, national_weeks
from mixcast.model.mmm import MMM, _national_effect, national_shocks, resolve_priors
from mixcast.posterior.fitted import Fit, build_inference_data
from mixcast.spec import ModelSpec, SamplerConfig
from tests.conftest import small_spec


def test_national_map_jacobian_is_the_determinant_lemma():
    rng = np.random.default_rng(0)
    xi, centre = rng.normal(size=(2, 9))
    spread, scale = rng.uniform(0.05, 1.0, 9), 0.3
    shocks, log_jacobian = national_shocks(jnp.asarray(xi), centre, spread, scale)
    jacobian = jax.jacfwd(lambda x: national_shocks(x, centre, spread, scale)[0])(
        jnp.asarray(xi, jnp.float64) if jax.config.jax_enable_x64 else jnp.asarray(xi))
    sign, logdet = np.linalg.slogdet(np.asarray(jacobian, np.float64))
    assert sign > 0
    assert float(log_jacobian) == pytest.approx(logdet, rel=1e-5)
    # The shocks' mean is scale * mean(xi); the rest is centre + spread * xi, demeaned.
    assert float(shocks.mean()) == pytest.approx(scale * xi.mean(), abs=1e-6)


@pytest.mark.parametrize("observed", [None, "last_weeks_masked"])
def test_conditioned_density_is_the_plain_models_in_other_coordinates(observed):
    """log p(scale, xi) - log|dn/dxi| is the same joint density of (scale, shocks, y) as
    the plain non-centred model's log p(scale, z) - T log(scale), with shocks = scale z."""
    rng = np.random.default_rng(1)
    n_geos, n_times = 4, 12
    y = jnp.asarray(rng.normal(1.0, 0.1, (n_geos, n_times)), jnp.float32)
    offset = jnp.asarray(rng.normal(1.0, 0.05, (n_geos, n_times)), jnp.float32)
    sigma = jnp.asarray(rng.uniform(0.05, 0.2, (n_geos, 1)), jnp.float32)
    mask = None if observed is None else np.arange(n_times)[None, :].repeat(n_geos, 0) < 9

    def model(conditioned):
        effect = _national_effect(y, offset, sigma, mask, conditioned=conditioned)
        distribution = dist.Normal(offset + effect, sigma)
        numpyro.sample("y", distribution.mask(mask) if mask is not None else distribution,
                       obs=y)

    def plain():   # the same model with the effect sampled as scale * z, observed
        scale = numpyro.sample("national_scale", dist.HalfNormal(0.1))
        shocks = scale * numpyro.sample("national_z", dist.Normal(0.0, 1.0).expand([n_times]))
        distribution = dist.Normal(offset + shocks - shocks.mean(), sigma)
        numpyro.sample("y", distribution.mask(mask) if mask is not None else distribution,
                       obs=y)

    scale = jnp.float32(0.07)
    xi = jnp.asarray(rng.normal(size=n_times), jnp.float32)
    conditioned, trace = log_density(lambda: model(True), (), {},
                                     {"national_scale": scale, "national_z": xi})
    effect = trace["national_effect"]["value"]
    # Recover the shocks (their mean is scale * mean(xi)) and the map's Jacobian.
    weight = jnp.broadcast_to((1.0 if mask is None else jnp.asarray(mask, jnp.float32))
                              / sigma ** 2, y.shape)
    precision = weight.sum(0) + scale ** -2
    centre = (weight * (y - offset)).sum(0) / precision
    shocks, log_jacobian = national_shocks(xi, centre, precision ** -0.5, scale)
    np.testing.assert_allclose(shocks - shocks.mean(), effect, atol=1e-6)
    reference, _ = log_density(plain, (), {}, {"national_scale": scale,
                                               "national_z": shocks / scale})
    assert float(conditioned - log_jacobian) == pytest.approx(
        float(reference - n_times * jnp.log(scale)), abs=2e-3)


def geo_panel(n_geos: int = 6, shock: float = 0.05):
    """small_spec's channels on a geo panel, plus national weekly shocks (known)."""
    sim = simulate(dataclasses.replace(small_spec(seed=5), n_geos=n_geos, geo_effect_sd=0.3))
    shocks = np.random.default_rng(7).normal(0.0, shock, sim.data.n_times)
    y = sim.data.y + sim.params["_y_scale"][:, None] * shocks[None, :]
    return dataclasses.replace(sim.data, y=y), shocks


def geo_model(data, spec: ModelSpec) -> tuple[MMM, tuple]:
    structure = Structure.build(spec, data.channels, n_organic=0)
    model = MMM(structure=structure, priors=resolve_priors(data, spec),
                national_time_effect=spec.uses_national_time_effect(data.n_geos))
    return model, (prepare(data, spec), None)


def test_the_laplace_start_finds_the_shocks_whitened():
    """At each chain's mode the national shocks' coordinates have unit curvature (the
    reparameterisation made them standard normal given everything else), and the mode's
    effect tracks the simulated shocks."""
    from mixcast.inference.laplace import site_shapes, unravel_for
    from mixcast.inference.sampler import laplace_start

    data, shocks = geo_panel()
    model, args = geo_model(data, ModelSpec())
    template, whitening = laplace_start(model, args, chains=2, seed=0)
    assert whitening is not None
    unravel = unravel_for(site_shapes(template))
    for precision in whitening.precision:
        z_precision = np.asarray(unravel(precision)["national_z"])
        assert np.median(z_precision) == pytest.approx(1.0, abs=0.25), z_precision
    sites = constrain_fn(model, args, {}, unravel(whitening.shift[0]),
                         return_deterministic=True)
    assert np.corrcoef(np.asarray(sites["national_effect"]), shocks)[0, 1] > 0.8


def prior_fit(data, spec: ModelSpec, *, n_draws: int = 30, edit=None) -> Fit:
    """A Fit whose 'posterior' is prior draws of the geo model (``edit`` may change them)."""
    from numpyro.infer import Predictive

    model, (inputs, _) = geo_model(data, spec)
    draws = Predictive(model, num_samples=n_draws)(jax.random.PRNGKey(0), inputs, None)
    samples = {k: np.asarray(v)[None] for k, v in draws.items()
               if k not in ("y", "log_roi_raw", "national_z")}
    if edit is not None:
        samples = edit(samples)
    zeros = np.zeros((1, n_draws))
    extras = {"diverging": zeros, "num_steps": zeros + 3, "energy": zeros,
              "accept_prob": zeros + 0.9}
    return Fit(data=data, spec=spec, sampler=SamplerConfig(progress=False),
               idata=build_inference_data(samples, extras, data, spec), fit_seconds=0.0)


@pytest.fixture(scope="module")
def us_geo_fit():
    data, _ = geo_panel(n_geos=3)
    return prior_fit(data, ModelSpec(holidays=("US",)))


def test_decomposition_shows_holidays_and_the_national_effect(us_geo_fit):
    fit = us_geo_fit
    assert fit.idata.posterior["national_effect"].dims[-1] == "time"
    assert "Thanksgiving Day" in fit.idata.posterior["holiday"].values
    frame = contributions(fit)
    assert {"holidays", "national_time_effect"} <= set(frame.columns)
    parts = frame.drop(columns=["date", "geo", "fitted"]).sum(axis=1)
    np.testing.assert_allclose(parts, frame["fitted"], rtol=1e-9)
    # Holiday contributions only in weeks with a holiday; the national effect is
    # the same share of every geo's scale in a given week.
    holiday_weeks = fit.inputs.holidays.sum(axis=1) > 0
    by_week = frame.pivot(index="date", columns="geo", values="holidays").to_numpy()
    assert np.all(by_week[~holiday_weeks] == 0) and np.all(by_week[holiday_weeks] != 0)
    national = frame.pivot(index="date", columns="geo", values="national_time_effect")
    share = national[list(fit.data.geos)].to_numpy() / fit.inputs.y_scale[None, :]
    np.testing.assert_allclose(share, share[:, :1].repeat(3, axis=1), rtol=1e-4, atol=1e-9)
    # National data, or the option off: no such column.
    off = prior_fit(fit.data, ModelSpec(national_time_effect=False), n_draws=5)
    assert "national_time_effect" not in contributions(off).columns


def plan_after(data, n_weeks: int) -> FuturePlan:
    dates = data.dates[-1] + 7 * np.arange(1, n_weeks + 1).astype("timedelta64[D]")
    return FuturePlan(dates=dates, spend=data.spend[:, -n_weeks:],
                      controls=data.controls[:, -n_weeks:])


def test_future_weeks_get_their_holidays(us_geo_fit):
    fit = us_geo_fit
    plan = plan_after(fit.data, 52)            # 2024-01-01 ... 2024-12-23, Mondays
    inputs, media = extend_inputs(fit, plan)
    names = list(fit.idata.posterior["holiday"].values)
    thanksgiving = names.index("Thanksgiving Day")
    future = inputs.holidays[fit.data.n_times:]
    assert future.shape == (52, len(names))
    assert [str(d) for d in plan.dates[future[:, thanksgiving] == 1]] == ["2024-11-25"]
    np.testing.assert_allclose(inputs.holidays[:fit.data.n_times], fit.inputs.holidays)
    # The fitted effect lifts that future week, by exactly its coefficient.
    params = {k: v[0] for k, v in fit.param_draws().items()}
    lifted = dict(params, holiday_coef=np.eye(len(names))[thanksgiving] * 0.3)
    flat = dict(params, holiday_coef=np.zeros(len(names)))
    gap = np.asarray(mean(lifted, media, inputs, fit.structure)
                     - mean(flat, media, inputs, fit.structure))
    week = fit.data.n_times + int(np.flatnonzero(future[:, thanksgiving])[0])
    np.testing.assert_allclose(gap[:, week], 0.3, rtol=1e-5)
    assert np.abs(np.delete(gap, week, axis=1)[:, fit.data.n_times:]).max() < 1e-6


def test_future_national_shocks_are_shared_by_every_geo_and_not_expected():
    """In future weeks the expected KPI holds the national effect at 0; predictive draws
    add one shock per week, the same share of every geo's scale."""
    data, _ = geo_panel(n_geos=3)

    def loud(samples):   # national shocks far above the geos' own noise
        return {**samples, "national_scale": np.full_like(samples["national_scale"], 0.3),
                "sigma": np.full_like(samples["sigma"], 1e-4)}

    fit = prior_fit(data, ModelSpec(), n_draws=200, edit=loud)
    assert np.asarray(national_weeks(jnp.ones(3), 5)).tolist() == [1, 1, 1, 0, 0]
    result = forecast(fit, plan_after(data, 8), seed=3)
    relative = (result.draws - result.expected) / fit.inputs.y_scale[None, :, None]
    np.testing.assert_allclose(relative, relative[:, :1].repeat(3, axis=1), atol=1e-3)
    assert relative.std() == pytest.approx(0.3, rel=0.1)
