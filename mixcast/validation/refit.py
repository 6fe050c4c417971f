"""Refits for validation, all on the fitted data's shapes so they compile once.

A backtest or stability refit "without the last k weeks" keeps every array at its full
length and masks the held-out weeks' outcomes out of the likelihood; a leave-one-out
refit masks one lift test's observation; a simulated twin replaces the outcomes. The
spend, controls and calendar of held-out weeks stay in (they are the plan a forecast is
made for, known in advance); their outcomes never reach the model: the KPI scale is the
training weeks' mean (held-out outcomes are replaced by it before scaling). Every refit
therefore runs the same compiled NUTS program (see :mod:`mixcast.sampler`), and ROI is
defined over the same window as the original fit's, so estimates compare like with like.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpyro.primitives import Messenger

from mixcast.data.dataset import Dataset
from mixcast.inference.fit import sample_posterior
from mixcast.inference.geo_centring import (centred_laplace_start, choose_geo_centring,
                                             with_centring)
from mixcast.model.inputs import prepare
from mixcast.model.lift import lift_data
from mixcast.model.mmm import MMM, Priors, resolve_priors
from mixcast.posterior.fitted import Fit, build_inference_data
from mixcast.inference.sampler import run_nuts_batch
from mixcast.spec import SamplerConfig

ProgressFn = Callable[[int, int], None]


class _MaskSites(Messenger):
    """Mask named observation sites: masked entries add nothing to the log density."""

    def __init__(self, fn=None, masks: dict | None = None) -> None:
        self.masks = masks or {}
        super().__init__(fn)

    def process_message(self, msg) -> None:
        mask = self.masks.get(msg["name"]) if msg["type"] == "sample" else None
        if mask is not None:
            msg["fn"] = msg["fn"].mask(mask)


@dataclass(frozen=True, slots=True)
class MaskedMMM:
    """:class:`~mixcast.model.MMM` with per-observation masks passed as data (hashable)."""

    base: MMM

    def __call__(self, inputs, lifts, masks) -> None:
        with _MaskSites(masks=masks):
            self.base(inputs, lifts, observed=masks.get("y"))


def validation_sampler(fit: Fit, *, quick: bool) -> SamplerConfig:
    """Sampler settings for refits: the fit's chains with at most 500 warm-up and draws,
    or 2 chains of 200 + 200 in quick mode (never longer than the fit's own)."""
    own = fit.sampler.for_geos(fit.data.n_geos)
    if quick:
        return SamplerConfig(chains=2, warmup=min(own.warmup, 200),
                             draws=min(fit.sampler.draws, 200), seed=fit.sampler.seed + 1,
                             target_accept=fit.sampler.target_accept, progress=False)
    return SamplerConfig(chains=max(2, min(fit.sampler.chains, 4)),
                         warmup=min(own.warmup, 500), draws=min(fit.sampler.draws, 500),
                         seed=fit.sampler.seed + 1, target_accept=fit.sampler.target_accept,
                         max_tree_depth=fit.sampler.max_tree_depth, progress=False)


@dataclass(frozen=True, slots=True)
class RefitJob:
    """One refit: withhold the weeks from ``observed_weeks`` on, replace the outcomes with
    ``y`` (a simulated twin), or withhold lift test ``drop_lift_test``."""

    observed_weeks: int | None = None
    y: np.ndarray | None = None
    drop_lift_test: int | None = None


def refit(fit: Fit, *, sampler: SamplerConfig, observed_weeks: int | None = None,
          y: np.ndarray | None = None, drop_lift_test: int | None = None,
          seed: int = 0, progress: ProgressFn | None = None) -> Fit:
    """Refit ``fit``'s model with held-out outcomes, new outcomes or a held-out lift test.

    Parameters
    ----------
    observed_weeks : only weeks [0, observed_weeks) inform the fit (None: all).
    y : (G, T) outcomes replacing the data's (a simulated twin).
    drop_lift_test : index of a lift test whose result is withheld.
    seed : added to the sampler's seed.

    Returns
    -------
    Fit : over the full window (its ``data.y`` has held-out weeks set to the training
        mean, which is what the model was scaled by).
    """
    data, model, args = _prepare(fit, RefitJob(observed_weeks, y, drop_lift_test))
    started = time.perf_counter()
    samples, extras, _ = sample_posterior(model, args, sampler, data.n_geos,
                                          seed_offset=seed, progress=progress)
    return _as_fit(fit, data, sampler, samples, extras, time.perf_counter() - started)


def refit_many(fit: Fit, jobs: list[RefitJob], *, sampler: SamplerConfig,
               seeds: list[int], progress: ProgressFn | None = None) -> list[Fit]:
    """Run several refits side by side in one compiled program: their chains together are
    spread over every core (see :func:`mixcast.sampler.run_nuts_batch`). ``seeds[i]`` is
    added to the sampler's seed for job i. Same results as :func:`refit` up to the random
    streams; each returned Fit's ``fit_seconds`` is the whole batch's wall time."""
    prepared = [_prepare(fit, job) for job in jobs]
    if not prepared:
        return []
    model = prepared[0][1]
    started = time.perf_counter()
    sampler = sampler.for_geos(fit.data.n_geos)
    laplace = sampler.uses_laplace(fit.data.n_geos)
    batch = [args for _, _, args in prepared]
    whitenings = None
    if laplace and fit.data.n_geos > 1:   # one centring for the batch, from its first run
        chosen, first = choose_geo_centring(model, batch[0], chains=sampler.chains,
                                            seed=sampler.seed + seeds[0])
        batch = [with_centring(args, chosen[0].geo_centring) for args in batch]
        whitenings = [first] + [
            centred_laplace_start(model, args, chains=sampler.chains, seed=sampler.seed + s)
            for args, s in zip(batch[1:], seeds[1:])]
    runs = run_nuts_batch(model, batch, chains=sampler.chains,
                          warmup=sampler.warmup, draws=sampler.draws,
                          seeds=[sampler.seed + s for s in seeds],
                          target_accept=sampler.target_accept,
                          max_tree_depth=sampler.max_tree_depth,
                          dense_mass=sampler.dense_mass,
                          laplace=laplace, whitenings=whitenings, progress=progress)
    seconds = time.perf_counter() - started
    return [_as_fit(fit, data, sampler, samples, extras, seconds)
            for (data, _, _), (samples, extras) in zip(prepared, runs)]


def refit_job(fit: Fit, job: RefitJob, sampler: SamplerConfig, seed: int) -> Fit:
    """One refit as an executor's job (in a worker process); ``fit`` may come without its
    posterior (see :func:`without_posterior`): a refit needs only its data and spec."""
    return refit(fit, sampler=sampler, observed_weeks=job.observed_weeks, y=job.y,
                 drop_lift_test=job.drop_lift_test, seed=seed)


def without_posterior(fit: Fit) -> Fit:
    """``fit`` with an empty posterior: what refit jobs ship to their workers."""
    import arviz as az

    return dataclasses.replace(fit, idata=az.InferenceData())


def _prepare(fit: Fit, job: RefitJob) -> tuple[Dataset, MaskedMMM, tuple]:
    """The refit's data (outcomes masked or replaced), model and sampler arguments."""
    data = fit.data if job.y is None else dataclasses.replace(fit.data,
                                                              y=np.asarray(job.y, float))
    n_obs = data.n_times if job.observed_weeks is None else int(job.observed_weeks)
    if not 4 <= n_obs <= data.n_times:
        raise ValueError(f"observed_weeks must be in [4, {data.n_times}]; got {n_obs}.")
    data = _mask_outcomes(data, n_obs)
    inputs = prepare(data, fit.spec)
    model = MaskedMMM(MMM(structure=fit.structure, priors=_priors(fit),
                          likelihood=fit.spec.likelihood, geo_pooling=fit.spec.geo_pooling,
                          national_time_effect=fit.spec.uses_national_time_effect(
                              data.n_geos)))
    masks = {"y": np.broadcast_to(np.arange(data.n_times) < n_obs, data.y.shape).copy()}
    lifts = lift_data(data.lift_tests, data, inputs) if data.lift_tests else None
    if lifts is not None:
        keep = np.ones(lifts.n_tests, dtype=bool)
        # A test counts only when its measurement ended before the held-out weeks.
        keep &= np.array([t.last_week < n_obs for t in data.lift_tests])
        if job.drop_lift_test is not None:
            keep[job.drop_lift_test] = False
        masks["lift_obs"] = keep
    return data, model, (inputs, lifts, masks)


def _as_fit(fit: Fit, data: Dataset, sampler: SamplerConfig, samples: dict, extras: dict,
            seconds: float) -> Fit:
    samples.pop("log_roi_raw", None)
    idata = build_inference_data(samples, extras, data, fit.spec)
    return Fit(data=data, spec=fit.spec, sampler=sampler, idata=idata, fit_seconds=seconds)


def _priors(fit: Fit) -> Priors:
    """The original fit's priors (kept fixed, so that every refit shares one program)."""
    return resolve_priors(fit.data, fit.spec)


def _mask_outcomes(data: Dataset, n_obs: int) -> Dataset:
    """Held-out outcomes replaced by each geo's training mean (the scale the model uses)."""
    if n_obs == data.n_times:
        return data
    y = data.y.copy()
    y[:, n_obs:] = y[:, :n_obs].mean(axis=1, keepdims=True)
    return dataclasses.replace(data, y=y)
