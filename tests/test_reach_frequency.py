"""Reach-and-frequency and impression channels: data, the frequency effect, reporting.

Fast tests check the pieces (loading, scaling, the frequency gain, linearity in reach);
slow ones fit simulated data with known truth (ROI and effective frequency recovered,
impressions channel's ROI on spend, optimiser and curves work) and Meridian's own R&F
data (tests/fixtures/meridian, Apache-2.0; see SOURCE.md there).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest

import mixcast
from mixcast.config import parse_config
from mixcast.data.load import load_dataset
from mixcast.errors import ConfigError, SpecError
from mixcast.model.inputs import prepare
from mixcast.model.mean import Structure, frequency_gain, with_frequency
from mixcast.analysis.simulate import ChannelTruth, SimulationSpec, simulate
from mixcast.spec import ModelSpec, SamplerConfig
from mixcast.analysis.summary import summarize

FIXTURE = Path(__file__).parent / "fixtures" / "meridian"


def rf_spec(seed: int = 1) -> SimulationSpec:
    """tv bought as impressions at a drifting CPM, video as reach x frequency."""
    channels = {
        "tv_spend": ChannelTruth(roi=1.5, decay=0.5, half_saturation=1.0, slope=1.5,
                                 pattern="flighting", weekly_spend=40_000,
                                 impressions=True, cost_per_impression=0.01),
        "search_spend": ChannelTruth(roi=2.5, decay=0.2, half_saturation=0.9, slope=1.2,
                                     pattern="always_on", weekly_spend=30_000),
        "video_spend": ChannelTruth(roi=2.0, decay=0.3, half_saturation=1.2, slope=1.3,
                                    pattern="always_on", weekly_spend=40_000, frequency=3.0,
                                    frequency_peak=1.2, frequency_slope=2.5,
                                    frequency_spread=0.4),
    }
    return SimulationSpec(channels=channels, n_weeks=156, seed=seed,
                          baseline_level=400_000.0, noise=0.04)


# -- fast: the pieces ----------------------------------------------------------------------

def _rf_frame(n: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    reach = rng.uniform(1e5, 2e5, n)
    reach[3] = 0.0
    frequency = rng.uniform(1.5, 4.0, n)
    return pd.DataFrame({
        "week": pd.date_range("2023-01-02", periods=n, freq="7D"),
        "revenue": rng.uniform(1e5, 2e5, n), "tv": rng.uniform(1e3, 2e3, n),
        "video": reach * frequency * 0.01, "video_reach": reach,
        "video_freq": frequency, "tv_imps": rng.uniform(1e5, 3e5, n)})


def _rf_config(tmp_path: Path):
    return parse_config({"data": "x.csv", "date": "week", "target": "revenue",
                         "channels": ["tv", "video"], "impressions": {"tv": "tv_imps"},
                         "reach_frequency": {"video": {"reach": "video_reach",
                                                       "frequency": "video_freq"}}},
                        path=tmp_path / "config.yaml")


def test_rf_channel_is_modelled_on_reach_with_its_frequency(tmp_path):
    frame = _rf_frame()
    data = load_dataset(_rf_config(tmp_path), frame=frame)
    assert data.rf_channels == ("video",)
    np.testing.assert_allclose(data.media[0, :, 1], frame["video_reach"])
    np.testing.assert_allclose(data.media[0, :, 0], frame["tv_imps"])     # impressions
    np.testing.assert_allclose(data.spend[0, :, 1], frame["video"])         # ROI on spend
    expected = np.where(frame["video_reach"] > 0, frame["video_freq"], 0.0)
    np.testing.assert_allclose(data.frequency[0, :, 0], expected)
    assert data.frequency[0, 3, 0] == 0.0  # no reach, no frequency


def test_frequency_is_scaled_by_impressions_per_reach(tmp_path):
    frame = _rf_frame()
    data = load_dataset(_rf_config(tmp_path), frame=frame)
    inputs = prepare(data, ModelSpec())
    reach, freq = frame["video_reach"].to_numpy(), frame["video_freq"].to_numpy()
    scale = (reach * freq).sum() / reach.sum()
    np.testing.assert_allclose(inputs.frequency_scale, [scale], rtol=1e-9)
    np.testing.assert_allclose(inputs.frequency[0, :, 0] * scale,
                               np.where(reach > 0, freq, 0.0), rtol=1e-5)
    assert inputs.frequency_lagged.shape == (1, ModelSpec().l_max, 1, len(frame))  # (R, L, G, T)


def test_window_and_fingerprint_carry_frequency(tmp_path):
    data = load_dataset(_rf_config(tmp_path), frame=_rf_frame())
    assert data.window(5, 20).frequency.shape == (1, 15, 1)
    changed = dataclasses.replace(data, frequency=data.frequency * 1.1)
    assert changed.fingerprint() != data.fingerprint()


def test_channel_in_both_impressions_and_reach_frequency_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="both 'impressions' and 'reach_frequency'"):
        parse_config({"data": "x.csv", "date": "week", "target": "revenue",
                      "channels": ["video"], "impressions": {"video": "imps"},
                      "reach_frequency": {"video": {"reach": "r", "frequency": "f"}}},
                     path=tmp_path / "config.yaml")


def _params(peak: float, slope: float) -> dict:
    slope_a = jnp.array([slope])
    return {"rf_slope": slope_a,
            "rf_half_freq": jnp.array([peak]) * (slope_a - 1.0) ** (-1.0 / slope_a)}


@pytest.mark.parametrize(("peak", "slope"), [(0.7, 1.5), (1.0, 2.0), (1.8, 3.0)])
def test_gain_is_one_at_typical_frequency_and_per_impression_peaks_at_rf_peak(peak, slope):
    params = _params(peak, slope)
    f = jnp.linspace(0.05, 5.0, 2000)[:, None]
    gain = np.asarray(frequency_gain(params, f))[:, 0]
    assert float(frequency_gain(params, jnp.ones((1, 1)))[0, 0]) == pytest.approx(1.0, 1e-5)
    assert np.all(np.diff(gain) > 0)                           # more exposures, more effect
    best = float(f[np.argmax(gain / np.asarray(f)[:, 0]), 0])
    assert best == pytest.approx(peak, rel=0.01)


def test_with_frequency_touches_only_rf_channels_and_is_linear_in_reach():
    structure = Structure(l_max=4, delayed=False, n_channels=3, rf=(1,))
    params = _params(1.0, 2.0)
    media = jnp.ones((2, 6, 3)) * jnp.arange(1.0, 4.0)
    frequency = jnp.full((2, 6, 1), 2.0)
    out = np.asarray(with_frequency(params, media, frequency, structure))
    np.testing.assert_allclose(out[..., [0, 2]], np.asarray(media)[..., [0, 2]])
    gain = float(frequency_gain(params, jnp.array([[2.0]]))[0, 0])
    np.testing.assert_allclose(out[..., 1], 2.0 * gain, rtol=1e-6)
    doubled = np.asarray(with_frequency(params, 2 * media, frequency, structure))
    np.testing.assert_allclose(doubled, 2 * out, rtol=1e-6)


def test_model_hot_path_applies_frequency_like_the_mean_function(tmp_path):
    from mixcast.model.mean import channel_major_response, saturation_response

    data = load_dataset(_rf_config(tmp_path), frame=_rf_frame())
    inputs = prepare(data, ModelSpec())
    structure = Structure.build(ModelSpec(), data.channels, n_organic=0,
                                rf_channels=data.rf_channels)
    n = data.n_channels
    params = {**_params(1.2, 2.5), "decay": jnp.full(n, 0.4), "half_sat": jnp.full(n, 0.8),
              "slope": jnp.full(n, 1.3)}
    hot = channel_major_response(params, jnp.asarray(inputs.media_lagged), structure,
                                 frequency_lagged=jnp.asarray(inputs.frequency_lagged))
    plain = saturation_response(params, jnp.asarray(inputs.media), structure,
                                frequency=jnp.asarray(inputs.frequency))
    np.testing.assert_allclose(np.moveaxis(np.asarray(hot), 0, -1), np.asarray(plain),
                               rtol=1e-5, atol=1e-7)
    import jax   # NUTS needs the hot path's gradient in the frequency parameters too

    grad = jax.grad(lambda p: channel_major_response(
        p, jnp.asarray(inputs.media_lagged), structure,
        frequency_lagged=jnp.asarray(inputs.frequency_lagged)).sum())(params)
    assert all(np.isfinite(np.asarray(g)).all() for g in grad.values())
    assert abs(float(grad["rf_slope"][0])) > 0


def test_interactions_with_an_rf_channel_are_a_clear_error():
    spec = ModelSpec(interactions=(("tv", "video"),))
    with pytest.raises(SpecError, match="reach-and-frequency"):
        Structure.build(spec, ("tv", "video"), n_organic=0, rf_channels=("video",))


def test_simulated_truth_has_an_interior_effective_frequency():
    sim = simulate(rf_spec())
    assert sim.data.rf_channels == ("video_spend",)
    effective = sim.effective_frequency["video_spend"]
    # g peaks per impression at 1.2 x the typical frequency; outer saturation pulls the
    # ROI-optimal frequency a little lower.
    typical = (sim.data.media[..., 2] * sim.data.frequency[..., 0]).sum() / \
        sim.data.media[..., 2].sum()
    assert 0.6 * typical < effective < 1.3 * typical


def _truth_fit(sim):
    """The simulator's truth as a one-draw Fit-like object (no sampling)."""
    import types

    spec = ModelSpec()
    inputs = dataclasses.replace(prepare(sim.data, spec),
                                 y_scale=np.asarray(sim.params["_y_scale"]))
    structure = Structure.build(spec, sim.data.channels, n_organic=0,
                                rf_channels=sim.data.rf_channels)
    draws = {k: np.asarray(v)[None] for k, v in sim.params.items() if not k.startswith("_")}
    fit = types.SimpleNamespace(data=sim.data, structure=structure,
                                channels=sim.data.channels, inputs=inputs,
                                param_draws=lambda: draws)
    return fit, draws


def test_plan_space_at_current_spend_gives_back_the_observed_media():
    """Reach (cost per reach moves with frequency) and impressions at a drifting cost are
    not proportional to spend week by week: today's plan must still be the observed media,
    in the data window and in the history weeks before a horizon."""
    from mixcast.analysis.plan_space import Granularity, plan_space

    sim = simulate(rf_spec())
    fit, _ = _truth_fit(sim)
    observed = fit.inputs.media
    for granularity in (Granularity.CHANNEL, Granularity.PERIOD):
        space = plan_space(fit, granularity=granularity, period_weeks=13)
        media = space.base_media + np.append(space.current, 0.0)[space.unit_index] \
            * space.media_pattern
        np.testing.assert_allclose(media, observed, rtol=1e-5, atol=1e-7)
    future = plan_space(fit, weeks=8)
    n_history = future.unit_index.shape[1] - 8
    np.testing.assert_allclose(future.base_media[:, :n_history],
                               observed[:, -n_history:], rtol=1e-6)


def test_truth_curves_at_current_spend_equal_the_counterfactual():
    """The plan-space evaluator at today's spend scores what channel_metrics'
    counterfactual scores (channel on minus off over the data), R&F channel included."""
    from mixcast.analysis.metrics import channel_metrics
    from mixcast.analysis.evaluator import evaluator_from_draws, plan_outcomes
    from mixcast.analysis.plan_space import Granularity, plan_space

    fit, draws = _truth_fit(simulate(rf_spec()))
    expected = channel_metrics(fit).incremental[0]                            # (C,)
    for granularity in (Granularity.CHANNEL, Granularity.PERIOD):
        space = plan_space(fit, granularity=granularity, period_weeks=13)
        got = plan_outcomes(evaluator_from_draws(draws, space), space.current[None],
                            per_channel=True)[0, 0, 0, :-1]
        np.testing.assert_allclose(got, expected, rtol=1e-4)


# -- slow: fits with known truth -----------------------------------------------------------

@pytest.fixture(scope="module")
def rf_case():
    sim = simulate(rf_spec())
    fit = mixcast.fit(sim.data, sampler=SamplerConfig(chains=2, warmup=300, draws=300,
                                                      seed=0, continue_unconverged=False))
    return sim, fit


@pytest.mark.slow
def test_rf_fit_recovers_roi_and_effective_frequency(rf_case):
    sim, fit = rf_case
    summary = summarize(fit)
    assert summary["diagnostics"]["rhat_max"] < 1.05
    for channel, truth in sim.roi.items():
        roi = summary["channels"][channel]["roi"]
        assert roi["lo90"] <= truth <= roi["hi90"], (channel, truth, roi)
    entry = summary["reach_frequency"]["video_spend"]
    truth = sim.effective_frequency["video_spend"]
    effective = entry["effective_frequency"]
    assert effective["lo90"] <= truth <= effective["hi90"], (truth, effective)
    assert abs(effective["mean"] - truth) / truth < 0.25
    assert entry["roi_at_effective_frequency"]["mean"] >= 0.9 * \
        summary["channels"]["video_spend"]["roi"]["mean"]


@pytest.mark.slow
def test_impression_channel_reports_roi_on_spend(rf_case):
    sim, fit = rf_case
    roi = summarize(fit)["channels"]["tv_spend"]["roi"]
    spend, impressions = fit.data.spend[..., 0], fit.data.media[..., 0]
    assert impressions.sum() / spend.sum() > 50       # modelled on impressions ...
    assert np.std(spend[spend > 0] / impressions[spend > 0]) > 0.001   # at a drifting CPM
    truth = sim.roi["tv_spend"]                       # ... ROI on spend (1.5), not ~0.015
    assert roi["lo90"] <= truth <= roi["hi90"]
    assert abs(roi["mean"] - truth) / truth < 0.2


@pytest.mark.slow
def test_curves_and_optimiser_work_for_rf_channels(rf_case):
    from mixcast.analysis.metrics import channel_metrics
    from mixcast.analysis.evaluator import evaluator, plan_outcomes
    from mixcast.analysis.curves import response_curves
    from mixcast.analysis.plan_space import plan_space

    _, fit = rf_case
    curves = response_curves(fit, search_draws=200)
    assert np.all(np.diff(curves.outcome["mean"][2]) > 0)   # more reach, more outcome
    future = plan_space(fit, weeks=8)
    ev = evaluator(fit, future, max_draws=50)
    out = plan_outcomes(ev, np.stack([future.current, 1.2 * future.current]))
    assert np.all(np.isfinite(out)) and out[:, 1, 0].mean() > out[:, 0, 0].mean()


@pytest.mark.slow
def test_rf_curves_at_current_spend_equal_the_counterfactual(rf_case):
    """At 1x today's spend the curve is the counterfactual, also for media not
    proportional to spend week by week: reach (cost per reach varies with frequency) and
    impressions at a drifting cost (tv)."""
    from mixcast.analysis.metrics import channel_metrics
    from mixcast.analysis.curves import response_curves

    _, fit = rf_case
    curves = response_curves(fit, search_draws=200)
    incremental = channel_metrics(fit).incremental.mean(axis=0)
    np.testing.assert_allclose(curves.outcome["mean"][:, curves.current_index], incremental,
                               rtol=1e-3)


@pytest.mark.slow
def test_meridian_rf_data_fits_and_reports_effective_frequency():
    project = mixcast.load(FIXTURE / "config.yaml")
    fit = mixcast.fit(project.data, project.spec,
                      sampler=SamplerConfig(chains=2, warmup=250, draws=250, seed=0,
                                            continue_unconverged=False))
    summary = summarize(fit)
    entry = summary["reach_frequency"]["Channel3_spend"]
    lo, hi = entry["frequency_grid"]
    assert lo <= entry["effective_frequency"]["lo90"] <= entry["effective_frequency"]["hi90"] <= hi
    assert entry["average_frequency"] == pytest.approx(
        (project.data.media[..., 3] * project.data.frequency[..., 0]).sum()
        / project.data.media[..., 3].sum())
    assert summary["diagnostics"]["rhat_max"] < 1.1
    for channel in project.data.channels:
        assert np.isfinite(summary["channels"][channel]["roi"]["mean"])
