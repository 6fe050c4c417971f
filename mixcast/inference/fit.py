"""Fitting: the data and spec become the NumPyro model, the sampler draws from it, and the
draws become a :class:`~mixcast.posterior.fitted.Fit`. Only the inference package
(this module, :mod:`~mixcast.inference.sampler`, :mod:`~mixcast.inference.laplace`)
touches ``numpyro.infer``."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import replace

import numpy as np

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

# A fit with more than this share of divergent draws is sampled once more with smaller
# steps: divergences mean the sampler skipped a curved region (a funnel, a ridge between
# collinear channels), so its draws may miss part of the posterior. On the mmm-stan
# retailer data the default (0.85) gave 2-13% divergent draws, 0.95 gave 0.1-0.3%.
RETRY_DIVERGENT_SHARE = 0.005
RETRY_TARGET_ACCEPT = 0.95


def sample_posterior(model, args: tuple, sampler: SamplerConfig, n_geos: int, *,
                     seed_offset: int = 0, progress: ProgressFn | None = None):
    """NUTS draws of ``model(*args)`` with ``sampler``'s settings; on geo panels with the
    Laplace start, after choosing each channel's geo centring (:mod:`mixcast.geo_centring`)."""
    sampler = sampler.for_geos(n_geos)
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


def should_retry(sampler: SamplerConfig, divergent_share: float) -> bool:
    """Whether a fit with ``divergent_share`` of its draws divergent is sampled again with
    ``target_accept`` :data:`RETRY_TARGET_ACCEPT` (once: not when it is already that high)."""
    return (sampler.retry_divergent and divergent_share > RETRY_DIVERGENT_SHARE
            and sampler.target_accept < RETRY_TARGET_ACCEPT)


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
    Fit : posterior draws with the data, spec and sampler that produced them (with
    ``target_accept`` raised when the first draws were too often divergent: see
    :func:`should_retry`).
    """
    configure()  # before the first JAX computation: one XLA device per core
    spec = (spec or ModelSpec()).resolved()
    sampler = (sampler or SamplerConfig()).for_geos(data.n_geos)
    model, args = build_model(data, spec)
    started = time.perf_counter()
    samples, extras = sample_posterior(model, args, sampler, data.n_geos, progress=progress)
    share = float(np.mean(extras["diverging"]))
    if should_retry(sampler, share):
        sampler = replace(sampler, target_accept=RETRY_TARGET_ACCEPT)
        warnings.warn(f"{100 * share:.1f}% of draws were divergent: sampling again with "
                      f"smaller steps (sampler.target_accept: {RETRY_TARGET_ACCEPT}). Set "
                      "sampler.retry_divergent: false to keep the first draws.",
                      RuntimeWarning, stacklevel=2)
        samples, extras = sample_posterior(model, args, sampler, data.n_geos,
                                           progress=progress)
    seconds = time.perf_counter() - started
    samples.pop("log_roi_raw", None)
    idata = build_inference_data(samples, extras, data, spec)
    fitted = Fit(data=data, spec=spec, sampler=sampler, idata=idata, fit_seconds=seconds)
    warn_if_unconverged(diagnose_fit(fitted))
    return fitted
