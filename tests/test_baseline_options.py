"""Organic channels, business events and a bending trend (trend_knots).

Fast: prior draws of the model (no NUTS) show that organic channels stay out of ROI and
contribution share, and that every term adds up in the decomposition. Slow: a short fit
on simulated data with an organic channel, a launch event and a +15% level step.
"""

from __future__ import annotations

import dataclasses

import jax
import numpy as np
import pytest

from mixcast.analysis.decomposition import contributions
from mixcast.analysis.metrics import channel_metrics
from mixcast.model.mean import Structure, organic_effects
from mixcast.analysis.simulate import simulate
from mixcast.spec import ModelSpec, SamplerConfig
from mixcast.analysis.summary import summarize
from tests.conftest import small_spec

EVENT_WEEK, STEP_WEEK = 60, 80
TRUE_ETA, TRUE_STEP = 0.15, 0.15          # on the simulation's baseline level
ORGANIC = {"organic_beta": 0.08, "organic_decay": 0.5, "organic_half_sat": 1.0,
           "organic_slope": 1.5}


def with_organic_event_and_step(seed: int = 3):
    """small_spec data plus an organic channel, a one-week launch and a level step, each
    added to the KPI through the model's own functions; returns (data, truth)."""
    sim = simulate(dataclasses.replace(small_spec(seed=seed), n_weeks=130))
    data = sim.data
    rng = np.random.default_rng(seed)
    organic = 50_000 * rng.lognormal(0.0, 0.4, size=data.y.shape)[..., None]
    events = np.zeros((*data.y.shape, 1))
    events[:, EVENT_WEEK, 0] = 1.0
    data = dataclasses.replace(data, organic=organic, organic_names=("newsletter_sends",),
                               events=events, event_names=("launch",))
    from mixcast.model.inputs import prepare

    inputs = prepare(data, ModelSpec())
    structure = Structure.build(ModelSpec(), data.channels, n_organic=1)
    params = {k: np.array([v], np.float32) for k, v in ORGANIC.items()}
    organic_part = np.asarray(organic_effects(params, inputs, structure))[..., 0]
    level = sim.params["_y_scale"][:, None]
    step = TRUE_STEP * (np.arange(data.n_times) >= STEP_WEEK)[None, :]
    added = level * (organic_part + TRUE_ETA * events[..., 0] + step)
    trend = sim.params["trend_coef"][0] * (np.arange(data.n_times) / (data.n_times - 1) - 0.5)
    truth = {"organic_total": float(added.sum() - (level * (TRUE_ETA * events[..., 0]
                                                            + step)).sum()),
             "event": float(TRUE_ETA * level.sum()),
             # intercept + the simulation's own linear trend + the step, per week
             "baseline": (level * (1.0 + trend[None, :] + step)).sum(axis=0)}
    return dataclasses.replace(data, y=data.y + added), truth


def prior_fit(data, spec: ModelSpec, *, n_draws: int = 40):
    """A Fit whose 'posterior' is prior draws: exercises the analysis without NUTS."""
    from numpyro.infer import Predictive

    from mixcast.model.inputs import prepare
    from mixcast.model.mmm import MMM, resolve_priors
    from mixcast.posterior.fitted import Fit, build_inference_data

    structure = Structure.build(spec, data.channels, n_organic=len(data.organic_names),
                                mediator_names=data.mediator_names)
    model = MMM(structure=structure, priors=resolve_priors(data, spec))
    draws = Predictive(model, num_samples=n_draws)(jax.random.PRNGKey(0),
                                                   prepare(data, spec), None)
    samples = {k: np.asarray(v)[None] for k, v in draws.items()
               if k not in ("y", "log_roi_raw", "mediator_obs")}
    zeros = np.zeros((1, n_draws))
    extras = {"diverging": zeros, "num_steps": zeros + 3, "energy": zeros,
              "accept_prob": zeros + 0.9}
    idata = build_inference_data(samples, extras, data, spec)
    return Fit(data=data, spec=spec, sampler=SamplerConfig(progress=False), idata=idata,
               fit_seconds=0.0)


def test_organic_channels_are_out_of_roi_and_share_but_in_the_decomposition():
    data, _ = with_organic_event_and_step()
    spec = ModelSpec(trend_knots=3)
    fit = prior_fit(data, spec)
    metrics = channel_metrics(fit)
    assert metrics.channels == data.channels                   # paid channels only
    np.testing.assert_allclose(np.nansum(metrics.contribution_share, axis=1), 1.0, rtol=1e-6)
    # Organic activity changes nothing in any paid channel's ROI, draw by draw.
    doubled = prior_fit(dataclasses.replace(data, organic=data.organic * 2), spec)
    np.testing.assert_allclose(channel_metrics(doubled).roi, metrics.roi, rtol=1e-6)
    summary = summarize(fit)
    assert set(summary["channels"]) == set(data.channels)
    frame = contributions(fit)
    assert {"organic", "events", "trend"} <= set(frame.columns)
    assert frame["organic"].abs().sum() > 0 and frame["events"].abs().sum() > 0
    parts = frame.drop(columns=["date", "geo", "fitted"]).sum(axis=1)
    np.testing.assert_allclose(parts, frame["fitted"], rtol=1e-9)


def test_trend_knots_give_a_bending_trend_basis():
    from mixcast.model.inputs import prepare

    data, _ = with_organic_event_and_step()
    assert prepare(data, ModelSpec(trend_knots=4)).trend.shape == (data.n_times, 5)
    assert prepare(data, ModelSpec()).trend.shape == (data.n_times, 1)


@pytest.mark.slow
def test_event_step_and_organic_are_recovered():
    from mixcast.inference.fit import fit

    data, truth = with_organic_event_and_step()
    result = fit(data, ModelSpec(trend_knots=4),
                 sampler=SamplerConfig(chains=2, warmup=300, draws=300, seed=3,
                                       progress=False))
    draws = result.param_draws()
    scale = result.inputs.y_scale.sum()
    event = draws["eta"][:, 0] * scale
    lo, hi = np.percentile(event, [5, 95])
    print("event truth", truth["event"], "fitted", event.mean(), lo, hi)
    assert lo <= truth["event"] <= hi and lo > 0
    frame = contributions(result)
    baseline = (frame["intercept"] + frame["trend"]).to_numpy()
    def rise(series):  # level after the step minus before it, away from the knee
        return series[STEP_WEEK + 10:].mean() - series[:STEP_WEEK - 10].mean()

    print("baseline rise truth", rise(truth["baseline"]), "fitted", rise(baseline))
    assert 0.75 * rise(truth["baseline"]) <= rise(baseline) <= 1.25 * rise(truth["baseline"])
    organic = frame["organic"].sum()
    print("organic truth", truth["organic_total"], "fitted", organic)
    assert 0.5 * truth["organic_total"] <= organic <= 1.5 * truth["organic_total"]
    summary = summarize(result)
    assert set(summary["channels"]) == set(data.channels)
