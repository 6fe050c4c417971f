"""Opt-in effects without MCMC: mediators (config, spec, data, counterfactual identities),
quarterly ROI plumbing and the prior of time-varying effectiveness."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import yaml

from mixcast.config import read_config
from mixcast.model.counterfactual import plan_outcomes
from mixcast.analysis.effects import indirect_outcomes, interaction_outcomes, quarter_masks, quarterly_roi
from mixcast.errors import ConfigError, SpecError
from mixcast.model.inputs import prepare
from mixcast.model.mean import Structure, mean, mediator_term
from mixcast.analysis.simulate import MediatorTruth, simulate
from mixcast.spec import ModelSpec
from mixcast.transforms.time_basis import bump_basis
from tests.conftest import small_spec

CHANNELS = ("tv_spend", "search_spend", "social_spend")


def mediated_spec(**changes):
    spec = small_spec()
    return dataclasses.replace(spec, mediators=(MediatorTruth(
        "brand_search", (("tv_spend", 0.6),), kpi_share=0.3),), **changes)


def truth_view(spec):
    """Simulated data, truth params, and inputs on the simulation's own KPI scale."""
    sim = simulate(spec)
    model_spec = spec.model_spec()
    inputs = dataclasses.replace(prepare(sim.data, model_spec), y_scale=sim.params["_y_scale"])
    structure = Structure.build(model_spec, sim.data.channels, n_organic=0,
                                mediator_names=sim.data.mediator_names)
    params = {k: np.asarray(v)[None] for k, v in sim.params.items() if not k.startswith("_")}
    return sim, inputs, structure, params


# -- spec and config ------------------------------------------------------------------

def test_mediators_parse_and_round_trip():
    spec = ModelSpec.from_options({"mediators": {"brand_search": ["tv_spend", "social_spend"]}},
                                  channels=CHANNELS)
    assert spec.mediators == (("brand_search", ("tv_spend", "social_spend")),)
    assert ModelSpec.from_options(spec.as_options(), channels=CHANNELS) == spec
    single = ModelSpec.from_options({"mediators": {"brand_search": "tv_spend"}}, channels=CHANNELS)
    assert single.mediators == (("brand_search", ("tv_spend",)),)
    assert "mediators" not in ModelSpec().as_options()


@pytest.mark.parametrize("value, words", [
    (["brand_search"], ["model.mediators must be a mapping", "branded_search_volume"]),
    ({"brand_search": []}, ["model.mediators.brand_search", "at least one upstream"]),
    ({"brand_search": ["tv_spnd"]}, ["'tv_spnd'", "Did you mean 'tv_spend'"]),
    ({"search_spend": ["tv_spend"]}, ["'search_spend' is a paid channel"]),
    ({"brand_search": ["tv_spend", "tv_spend"]}, ["more than once"]),
])
def test_bad_mediators_name_the_key_and_the_fix(value, words):
    with pytest.raises(SpecError) as error:
        ModelSpec.from_options({"mediators": value}, channels=CHANNELS)
    for word in words:
        assert word in str(error.value)


def test_spec_mediator_missing_from_the_data_is_a_spec_error():
    spec = ModelSpec(mediators=(("brand_search", ("tv_spend",)),))
    with pytest.raises(SpecError, match="no such mediator column"):
        Structure.build(spec, CHANNELS, n_organic=0)


def write_project(tmp_path, model, *, extra=None):
    sim = simulate(mediated_spec())
    frame = pd.DataFrame({"date": pd.to_datetime(sim.data.dates), "revenue": sim.data.y[0]})
    for c, name in enumerate(sim.data.channels):
        frame[name] = sim.data.spend[0, :, c]
    frame["price"] = sim.data.controls[0, :, 0]
    frame["brand_search"] = sim.data.mediators[0, :, 0]
    frame.to_csv(tmp_path / "data.csv", index=False)
    config = {"data": "data.csv", "date": "date", "target": "revenue",
              "channels": list(sim.data.channels), "controls": ["price"], "model": model,
              **(extra or {})}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    return sim, tmp_path / "config.yaml"


def test_config_loads_the_mediator_column(tmp_path):
    from mixcast.project import load

    sim, path = write_project(tmp_path, {"mediators": {"brand_search": ["tv_spend"]}})
    project = load(path)
    assert project.config.mediator_columns() == ("brand_search",)
    assert "brand_search" in project.config.columns()
    assert project.data.mediator_names == ("brand_search",)
    np.testing.assert_allclose(project.data.mediators, sim.data.mediators, rtol=1e-6)
    assert project.spec.mediators == (("brand_search", ("tv_spend",)),)
    other = dataclasses.replace(project.data, mediators=project.data.mediators * 2)
    assert other.fingerprint() != project.data.fingerprint()


def test_mediator_that_is_also_a_control_is_a_config_error(tmp_path):
    _, path = write_project(tmp_path, {"mediators": {"price": ["tv_spend"]}})
    with pytest.raises(ConfigError, match="model.mediators names 'price', which is also a "
                                          "control"):
        read_config(path)


def test_missing_mediator_column_is_reported_by_the_loader(tmp_path):
    from mixcast.errors import DataError
    from mixcast.project import load

    _, path = write_project(tmp_path, {"mediators": {"brand_serch": ["tv_spend"]}})
    with pytest.raises(DataError, match="column 'brand_serch' not found"):
        load(path)


# -- counterfactual identities on the truth -------------------------------------------

def test_total_roi_is_direct_plus_indirect_on_the_truth():
    spec = mediated_spec()
    sim, inputs, structure, params = truth_view(spec)
    spend = sim.data.spend.sum(axis=(0, 1))
    indirect = indirect_outcomes(params, inputs, structure)[0, :, 0]   # one link: tv
    direct_roi = spec.channels["tv_spend"].roi
    assert indirect[0] > 0
    np.testing.assert_allclose(sim.roi["tv_spend"], direct_roi + indirect[0] / spend[0],
                               rtol=1e-4)
    # Channels without a path to the mediator keep their direct ROI.
    np.testing.assert_allclose(sim.roi["search_spend"], spec.channels["search_spend"].roi,
                               rtol=1e-4)


def test_mean_reproduces_the_observed_mediator_and_counterfactuals_move_only_its_media_part():
    sim, inputs, structure, params = truth_view(mediated_spec())
    p = {k: v[0] for k, v in params.items()}
    observed = np.asarray(mediator_term(p, inputs.media, inputs, structure))[..., 0]
    np.testing.assert_allclose(observed, p["kappa"][0] * inputs.mediators[..., 0], rtol=1e-5)
    off = inputs.media.copy()
    off[..., 0] = 0.0
    drop = np.asarray(mean(p, inputs.media, inputs, structure) - mean(p, off, inputs, structure))
    outcomes = plan_outcomes(params, np.stack([inputs.media, off]), inputs, structure)
    value = inputs.y_scale[:, None] * inputs.value
    np.testing.assert_allclose((drop * value).sum(), outcomes[0, 0, 0] - outcomes[0, 1, 0],
                               rtol=1e-4)
    # Unobserved (future) weeks use the modelled mediator instead of failing.
    future = dataclasses.replace(inputs, mediators=np.full_like(inputs.mediators, np.nan))
    assert np.isfinite(np.asarray(mediator_term(p, inputs.media, future, structure))).all()


def test_interaction_outcome_is_the_counterfactual_of_the_term():
    spec = dataclasses.replace(small_spec(), interactions=(("tv_spend", "search_spend", 0.1),))
    sim, inputs, structure, params = truth_view(spec)
    term = interaction_outcomes(params, inputs, structure)[0, 0, 0]
    without = dict(params, interaction=np.zeros_like(params["interaction"]))
    with_term = plan_outcomes(params, inputs.media[None], inputs, structure)[0, 0, 0]
    without_term = plan_outcomes(without, inputs.media[None], inputs, structure)[0, 0, 0]
    assert term > 0
    np.testing.assert_allclose(term, with_term - without_term, rtol=1e-4)


# -- quarters and time-varying effectiveness ------------------------------------------

def test_quarter_masks_label_calendar_quarters():
    dates = np.datetime64("2022-12-26") + 7 * np.arange(20).astype("timedelta64[D]")
    labels, masks = quarter_masks(dates)
    assert labels == ["2022Q4", "2023Q1", "2023Q2"]
    np.testing.assert_array_equal(masks.sum(axis=0), 1.0)
    assert masks[0].sum() == 1 and masks[1].sum() == 13


def test_drifting_truth_has_rising_quarterly_roi():
    spec = dataclasses.replace(small_spec(n_weeks=156), drift=(("search_spend", 1.2),))
    sim, inputs, structure, params = truth_view(spec)
    labels, roi, _ = quarterly_roi(params, inputs, structure, sim.data.spend, sim.data.dates,
                                   structure.time_varying)
    series = roi[0, :, 0]
    assert len(labels) >= 12
    slope = np.polyfit(np.arange(len(series)), series, 1)[0]
    assert slope > 0
    assert series[-4:].mean() > 1.5 * series[:4].mean()  # exp(1.2 * 0.8) ~ 2.6 in truth
    # The window's ROI is still the channel's stated ROI.
    assert sim.roi["search_spend"] == pytest.approx(spec.channels["search_spend"].roi, rel=1e-4)


def test_time_varying_prior_is_centred_on_a_constant_effect_and_smooth():
    """exp(basis @ coef), coef ~ N(0, 0.3): a low-rank squared-exponential (GP-like) prior
    on the log-multiplier with mean 0 at every week and near-stationary spread."""
    basis = bump_basis(156).astype(np.float64)
    coef = np.random.default_rng(0).normal(0.0, 0.3, size=(20_000, basis.shape[1]))
    log_mult = coef @ basis.T                                   # (S, T)
    assert np.abs(log_mult.mean(axis=0)).max() < 0.02
    sd = log_mult.std(axis=0)
    assert sd.max() / sd.min() < 1.3 and 0.3 < sd.mean() < 0.5
    corr = np.corrcoef(log_mult[:, [0, 1, 52, 104]].T)
    assert corr[0, 1] > 0.99          # neighbouring weeks move together (smooth)
    assert corr[0, 3] < 0.2           # two years apart: nearly independent


def test_optimiser_and_counterfactual_agree_on_a_mediated_model():
    """The optimiser's fast evaluator includes the indirect path (as ROI does)."""
    from mixcast.analysis.metrics import channel_metrics
    from mixcast.model.counterfactual import media_params
    from mixcast.optimize import plan_space
    from mixcast.analysis.evaluator import evaluator, plan_outcomes as evaluate
    from tests.test_baseline_options import prior_fit

    sim = simulate(mediated_spec())
    fit = prior_fit(sim.data, mediated_spec().model_spec(), n_draws=8)
    assert fit.structure.n_mediators == 1
    space = plan_space(fit)
    fast = evaluate(evaluator(fit, space), space.current[None], per_channel=True)
    inputs = fit.inputs
    total = plan_outcomes(media_params(fit.param_draws()),
                          np.stack([inputs.media, np.zeros_like(inputs.media)]), inputs,
                          fit.structure)
    np.testing.assert_allclose(fast[:, 0, 0].sum(-1), total[:, 0, 0] - total[:, 1, 0],
                               rtol=1e-3)
    # Without interactions, each channel's term is its counterfactual incremental outcome.
    np.testing.assert_allclose(fast[:, 0, 0, :-1], channel_metrics(fit).incremental, rtol=1e-3)


def test_forecast_of_a_mediated_model_uses_the_modelled_mediator():
    from mixcast.analysis.forecast import forecast, plan_from_data
    from tests.test_baseline_options import prior_fit

    spec = mediated_spec()
    sim = simulate(spec)
    history = sim.data.window(0, 90)
    fit = prior_fit(history, spec.model_spec(), n_draws=8)
    result = forecast(fit, plan_from_data(sim.data, 90, 104))
    assert result.draws.shape == (8, 1, 14)
    assert np.isfinite(result.draws).all() and np.isfinite(result.expected).all()
