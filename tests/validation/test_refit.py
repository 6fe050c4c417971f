"""Masked refits: held-out outcomes cannot influence the fit, and refits reuse shapes."""

from __future__ import annotations

import dataclasses

import numpy as np
from numpyro.infer.util import log_density

from mixcast.model.inputs import prepare
from mixcast.model.mmm import MMM, resolve_priors
from mixcast.validation.refit import MaskedMMM, _mask_outcomes, refit, validation_sampler


def _density(fit, y, mask):
    inputs = prepare(dataclasses.replace(fit.data, y=y), fit.spec)
    model = MaskedMMM(MMM(structure=fit.structure, priors=resolve_priors(fit.data, fit.spec)))
    params = {k: v[0] for k, v in fit.param_draws().items()}
    params["log_roi_raw"] = np.zeros(fit.data.n_channels, dtype=np.float32)
    params = {k: params[k] for k in ("log_roi_raw", "decay", "slope", "saturation_at_mean",
                                     "trend_coef", "season_coef", "gamma", "eta", "level",
                                     "sigma") if k in params}
    value, _ = log_density(model, (inputs, None, {"y": mask}), {}, params)
    return float(value), inputs


def test_masked_weeks_do_not_enter_the_likelihood(small_fit):
    mask = np.arange(small_fit.data.n_times)[None, :] < 80
    held = _mask_outcomes(small_fit.data, 80).y
    base, inputs = _density(small_fit, held, mask)
    garbage = held.copy()
    garbage[:, 80:] = garbage[:, 80:][:, ::-1]  # permuted held-out weeks: same mean
    other, inputs2 = _density(small_fit, garbage, mask)
    np.testing.assert_allclose(inputs.y_scale, inputs2.y_scale)
    assert base == other
    full, _ = _density(small_fit, garbage, np.ones_like(mask))
    assert full != other


def test_mask_outcomes_scales_by_training_weeks(small_fit):
    data = _mask_outcomes(small_fit.data, 60)
    np.testing.assert_allclose(data.y.mean(axis=1), small_fit.data.y[:, :60].mean(axis=1))
    np.testing.assert_array_equal(data.y[:, :60], small_fit.data.y[:, :60])


def test_quick_sampler_is_short(small_fit):
    sampler = validation_sampler(small_fit, quick=True)
    assert (sampler.chains, sampler.warmup, sampler.draws) == (2, 200, 200)


def test_refit_ignores_held_out_outcomes(small_fit):
    """Same seed, same training weeks, wildly different held-out weeks: same posterior."""
    sampler = validation_sampler(small_fit, quick=True)
    wild = small_fit.data.y.copy()
    wild[:, 90:] *= 3.0
    a = refit(small_fit, sampler=sampler, observed_weeks=90)
    b = refit(dataclasses.replace(small_fit, data=dataclasses.replace(small_fit.data, y=wild)),
              sampler=sampler, observed_weeks=90)
    np.testing.assert_allclose(a.draws("roi"), b.draws("roi"), rtol=1e-5)
    assert a.data.n_times == small_fit.data.n_times


def test_batched_refits_each_get_their_own_data(small_fit):
    """One batch, three refits: two identical jobs on different held-out outcomes give the
    same posterior (masking holds in the batch and each chain reads its own arguments);
    a job that sees 30 fewer weeks gives a different one."""
    from mixcast.validation.refit import RefitJob, refit_many

    sampler = validation_sampler(small_fit, quick=True)
    wild = small_fit.data.y.copy()
    wild[:, 90:] *= 3.0
    jobs = [RefitJob(observed_weeks=90), RefitJob(observed_weeks=90, y=wild),
            RefitJob(observed_weeks=60)]
    a, b, c = refit_many(small_fit, jobs, sampler=sampler, seeds=[0, 0, 0])
    np.testing.assert_allclose(a.draws("roi"), b.draws("roi"), rtol=1e-5)
    assert not np.allclose(a.draws("roi"), c.draws("roi"), rtol=1e-2)
    assert a.draws("roi").shape == (sampler.chains * sampler.draws, small_fit.data.n_channels)
    np.testing.assert_allclose(b.data.y[:, 90:], wild[:, :90].mean(axis=1, keepdims=True)
                               * np.ones((1, 14)))


def test_batched_geo_refits_never_climb_the_centred_model(monkeypatch):
    """Every run of a geo batch gets its Laplace start as a single fit does: the
    non-centred model's mode carried to the batch's centring. A climb of the centred
    density can fall into its singular 'mode' at tau -> 0 (every geo spread collapsed on
    two hard cases when it did), so no mode search may see a centred contrast."""
    import arviz as az

    from mixcast.analysis.simulate import simulate
    from mixcast.inference import sampler as sampler_module
    from mixcast.posterior.fitted import Fit
    from mixcast.spec import ModelSpec, SamplerConfig
    from mixcast.validation import refit as refit_module
    from mixcast.validation.refit import RefitJob, refit_many
    from tests.conftest import small_spec

    data = simulate(dataclasses.replace(small_spec(seed=5), n_geos=6, geo_effect_sd=0.4,
                                        noise=0.002)).data
    fit = Fit(data=data, spec=ModelSpec().resolved(),
              sampler=SamplerConfig(chains=2, warmup=60, draws=60, progress=False),
              idata=az.InferenceData(), fit_seconds=0.0)
    climbed = []
    original = sampler_module.laplace_whitening

    def spy(model, args, *rest):
        climbed.append(np.asarray(args[0].geo_centring).copy())
        return original(model, args, *rest)

    monkeypatch.setattr(sampler_module, "laplace_whitening", spy)
    batches = []
    run_batch = refit_module.run_nuts_batch

    def batch_spy(model, batch, **options):
        batches.append((batch, options["whitenings"]))
        return run_batch(model, batch, **options)

    monkeypatch.setattr(refit_module, "run_nuts_batch", batch_spy)
    sampler = SamplerConfig(chains=2, warmup=60, draws=60, seed=1, progress=False)
    jobs = [RefitJob(observed_weeks=90), RefitJob(observed_weeks=70)]
    first, second = refit_many(fit, jobs, sampler=sampler, seeds=[0, 1])
    assert len(climbed) == len(jobs)                  # one mode search per run
    assert not any(w.any() for w in climbed)          # each of the non-centred model
    # ... while the batch samples the precise panel's pinned contrasts centred, every
    # run from its own carried start.
    (batch, whitenings), = batches
    assert all(args[0].geo_centring.any() for args in batch)
    assert len(whitenings) == len(jobs) and all(w is not None for w in whitenings)
    for refitted in (first, second):
        assert np.isfinite(refitted.draws("roi")).all()
