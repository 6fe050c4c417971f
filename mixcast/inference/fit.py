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
from mixcast.posterior.diagnostics import RHAT_WARN, diagnose_fit, warn_if_unconverged
from mixcast.posterior.fitted import Fit, build_inference_data
from mixcast.inference.memory import available_memory, format_bytes, memory_source
from mixcast.inference.sampler import StoppedChains, continue_nuts, run_nuts
from mixcast.runtime import configure
from mixcast.spec import ModelSpec, SamplerConfig

ProgressFn = Callable[[int, int], None]

# A fit with more than this share of divergent draws is sampled once more with smaller
# steps: divergences mean the sampler skipped a curved region (a funnel, a ridge between
# collinear channels), so its draws may miss part of the posterior. On the mmm-stan
# retailer data the default (0.85) gave 2-13% divergent draws, 0.95 gave 0.1-0.7%, the
# divergences all in one chain whose step size warm-up had left too long; 0.95 with twice
# the warm-up gave 0.1-0.4% (2 x 500 draws: 2.1% -> 0.1%, seeds 0 and 1; 4 x 1000: 0.5-0.7%
# -> 0.4%). A retry therefore also warms up twice as long.
# If 0.95 still leaves more than the share divergent, one more try at 0.99 (same doubled
# warm-up): the retailer data at 4 x 1000 gave 39 of 4000 divergent draws (1.0%) after the
# 0.95 retry in one process and 2 of 4000 in another, the compiled program differing.
RETRY_DIVERGENT_SHARE = 0.005
RETRY_TARGET_ACCEPTS = (0.95, 0.99)
RETRY_WARMUP_FACTOR = 2
# Chains still disagreeing (R-hat above the warn threshold) are continued at most this
# many times, each by the draws asked for.
MAX_CONTINUATIONS = 2


def sample_posterior(model, args: tuple, sampler: SamplerConfig, n_geos: int, *,
                     seed_offset: int = 0, progress: ProgressFn | None = None,
                     again: StoppedChains | None = None):
    """NUTS draws of ``model(*args)`` with ``sampler``'s settings; on geo panels with the
    Laplace start, after choosing each geo contrast's centring
    (:mod:`mixcast.inference.geo_centring`).
    ``again``, chains a first call stopped, reuses that call's centring and Laplace start
    (sampling again with other settings needs neither found twice).

    Returns
    -------
    (samples, extras, stopped) as :func:`~mixcast.inference.sampler.run_nuts` returns them.
    """
    sampler = sampler.for_geos(n_geos)
    laplace = sampler.uses_laplace(n_geos)
    seed = sampler.seed + seed_offset
    whitening = None
    if again is not None:
        model, args, whitening = again.model, again.args, again.whitening
    elif laplace and n_geos > 1:
        args, whitening = choose_geo_centring(model, args, chains=sampler.chains, seed=seed)
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


def retry_target_accept(sampler: SamplerConfig, divergent_share: float) -> float | None:
    """The ``target_accept`` at which a fit with ``divergent_share`` of its draws divergent
    is sampled again: the next rung of :data:`RETRY_TARGET_ACCEPTS` above the sampler's,
    or None (few enough divergent, the ladder's top reached, or retries turned off)."""
    if not sampler.retry_divergent or divergent_share <= RETRY_DIVERGENT_SHARE:
        return None
    return next((t for t in RETRY_TARGET_ACCEPTS if t > sampler.target_accept), None)


def should_continue(sampler: SamplerConfig, rhat_max: float, continued: int) -> bool:
    """Whether chains whose worst R-hat is ``rhat_max``, already continued ``continued``
    times, run for another ``sampler.draws`` draws (at most :data:`MAX_CONTINUATIONS`)."""
    return (sampler.continue_unconverged and continued < MAX_CONTINUATIONS
            and bool(np.isfinite(rhat_max)) and rhat_max > RHAT_WARN)


def continuation_bytes(samples: dict, extras: dict, more_draws: int) -> int:
    """Memory that continuing every chain by ``more_draws`` draws needs beyond what the fit
    already holds: the new draws, the old and new joined while both are still held, and
    the Fit built on the joined draws (counted as a second copy: the safe side)."""
    held = sum(np.asarray(v).nbytes for v in (*samples.values(), *extras.values()))
    draws = next(iter(extras.values())).shape[1]
    new = held * more_draws / max(draws, 1)
    return int(new + 2 * (held + new))


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
    Fit : posterior draws with the data, spec and sampler that produced them: with
    ``target_accept`` raised and ``warmup`` doubled when the first draws were too often
    divergent (see :func:`retry_target_accept`), and ``draws`` counting every draw kept when the
    chains were continued (see :func:`should_continue`; not when the extra draws would
    exceed the memory available, :func:`continuation_bytes`).
    """
    configure()  # before the first JAX computation: one XLA device per core
    spec = (spec or ModelSpec()).resolved()
    sampler = (sampler or SamplerConfig()).for_geos(data.n_geos)
    model, args = build_model(data, spec)
    started = time.perf_counter()
    samples, extras, stopped = sample_posterior(model, args, sampler, data.n_geos,
                                                progress=progress)
    share = float(np.mean(extras["diverging"]))
    warmup = RETRY_WARMUP_FACTOR * sampler.warmup
    while (target := retry_target_accept(sampler, share)) is not None:
        sampler = replace(sampler, target_accept=target, warmup=warmup)
        warnings.warn(f"{100 * share:.1f}% of draws were divergent: sampling again with "
                      f"smaller steps (sampler.target_accept: {target}) and a "
                      f"warm-up of {sampler.warmup} iterations. Set "
                      "sampler.retry_divergent: false to keep the first draws.",
                      RuntimeWarning, stacklevel=2)
        samples, extras, stopped = sample_posterior(model, args, sampler, data.n_geos,
                                                    progress=progress, again=stopped)
        share = float(np.mean(extras["diverging"]))
    per_call = sampler.draws
    checking = 0.0   # seconds spent building and diagnosing fits that were then continued
    for continued in range(MAX_CONTINUATIONS + 1):
        round_started = time.perf_counter()
        fitted = _as_fit(data, spec, sampler, samples, extras,
                         round_started - started - checking)
        report = diagnose_fit(fitted)
        if not should_continue(sampler, report.rhat_max, continued):
            break
        need, available = continuation_bytes(samples, extras, per_call), available_memory()
        if available is not None and need > available:
            warnings.warn(f"R-hat reaches {report.rhat_max:.3f} on {report.rhat_worst}, but "
                          f"the chains were not continued: {per_call} more draws each would "
                          f"need about {format_bytes(need)} of memory and "
                          f"{format_bytes(available)} is available ({memory_source()}). "
                          "Fit again with a longer warm-up (sampler.warmup) on a machine "
                          "with more memory, or with fewer geos per config.",
                          RuntimeWarning, stacklevel=2)
            break
        # Chains that disagree at the end of their draws mix slowly: more draws from
        # the adapted chains settle it (12-geo collinear panel, 4 x (1000 + 1000): R-hat
        # 1.020 and 1.016 -> 1.007 and 1.005 with 1000 more draws kept with the first).
        warnings.warn(f"R-hat reaches {report.rhat_max:.3f} on {report.rhat_worst}: "
                      f"continuing the chains for {per_call} more draws each. Set "
                      "sampler.continue_unconverged: false to keep the first draws.",
                      RuntimeWarning, stacklevel=2)
        checking += time.perf_counter() - round_started
        more, more_extras, stopped = continue_nuts(stopped, per_call, progress=progress)
        samples = {k: np.concatenate([v, more[k]], axis=1) for k, v in samples.items()}
        extras = {k: np.concatenate([v, more_extras[k]], axis=1) for k, v in extras.items()}
        sampler = replace(sampler, draws=sampler.draws + per_call)
    warn_if_unconverged(report)
    return fitted


def _as_fit(data: Dataset, spec: ModelSpec, sampler: SamplerConfig, samples: dict,
            extras: dict, seconds: float) -> Fit:
    samples = {k: v for k, v in samples.items() if k != "log_roi_raw"}
    idata = build_inference_data(samples, extras, data, spec)
    return Fit(data=data, spec=spec, sampler=sampler, idata=idata, fit_seconds=seconds)
