"""Fitting: the data and spec become the NumPyro model, the sampler draws from it, and the
draws become a :class:`~mixcast.posterior.fitted.Fit`. Only the inference package
(this module, :mod:`~mixcast.inference.sampler`, :mod:`~mixcast.inference.laplace`)
touches ``numpyro.infer``."""

from __future__ import annotations

import time
from collections.abc import Callable

from mixcast.data.dataset import Dataset
from mixcast.inference.geo_centring import choose_geo_centring
from mixcast.model.inputs import prepare
from mixcast.model.mean import Structure
from mixcast.model.lift import lift_data
from mixcast.model.mmm import MMM, resolve_priors
from mixcast.posterior.diagnostics import diagnose_fit, warn_if_unconverged
from mixcast.posterior.fitted import Fit, build_inference_data
from mixcast.inference.sampler import run_nuts
from mixcast.runtime import configure
from mixcast.spec import ModelSpec, SamplerConfig

ProgressFn = Callable[[int, int], None]


def sample_posterior(model, args: tuple, sampler: SamplerConfig, n_geos: int, *,
                     seed_offset: int = 0, progress: ProgressFn | None = None):
    """NUTS draws of ``model(*args)`` with ``sampler``'s settings; on geo panels with the
    Laplace start, after choosing each channel's geo centring (:mod:`mixcast.geo_centring`)."""
    laplace = sampler.uses_laplace(n_geos)
    seed = sampler.seed + seed_offset
    whitening = None
    if laplace and n_geos > 1:
        model, whitening = choose_geo_centring(model, args, chains=sampler.chains, seed=seed)
    return run_nuts(model, args, chains=sampler.chains, warmup=sampler.warmup,
                    draws=sampler.draws, seed=seed, target_accept=sampler.target_accept,
                    max_tree_depth=sampler.max_tree_depth, dense_mass=sampler.dense_mass,
                    laplace=laplace, whitening=whitening, progress=progress)


def build_model(data: Dataset, spec: ModelSpec) -> tuple[MMM, tuple]:
    """(NumPyro model, its arguments) for ``data`` under the resolved ``spec``: what
    :func:`fit` samples and :func:`~mixcast.inference.cost.estimate_cost` probes."""
    inputs = prepare(data, spec)
    structure = Structure.build(spec, data.channels, n_organic=len(data.organic_names),
                                mediator_names=data.mediator_names,
                                rf_channels=data.rf_channels)
    model = MMM(structure=structure, priors=resolve_priors(data, spec),
                likelihood=spec.likelihood, geo_pooling=spec.geo_pooling,
                national_time_effect=spec.uses_national_time_effect(data.n_geos))
    lifts = lift_data(data.lift_tests, data, inputs) if data.lift_tests else None
    return model, (inputs, lifts)


def fit(data: Dataset, spec: ModelSpec | None = None, *, sampler: SamplerConfig | None = None,
        progress: ProgressFn | None = None) -> Fit:
    """Fit the Bayesian MMM to ``data`` with NUTS.

    Parameters
    ----------
    data : a loaded :class:`~mixcast.data.dataset.Dataset`.
    spec : model options (defaults: geometric adstock, Hill saturation, ROI priors).
    sampler : chains, warm-up, draws, seed; chains run in parallel over CPU cores.
    progress : called as ``progress(done, total)`` with sampler iterations.

    Returns
    -------
    Fit : posterior draws with the data, spec and sampler that produced them.
    """
    configure()  # before the first JAX computation: one XLA device per core
    spec = (spec or ModelSpec()).resolved()
    sampler = sampler or SamplerConfig()
    model, args = build_model(data, spec)
    started = time.perf_counter()
    samples, extras = sample_posterior(model, args, sampler, data.n_geos, progress=progress)
    seconds = time.perf_counter() - started
    samples.pop("log_roi_raw", None)
    idata = build_inference_data(samples, extras, data, spec)
    fitted = Fit(data=data, spec=spec, sampler=sampler, idata=idata, fit_seconds=seconds)
    warn_if_unconverged(diagnose_fit(fitted))
    return fitted
