"""Forecasts for future spend plans: feature extension, coverage under shifted spend, plan
files (bad plans raise one clear DataError)."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest

from mixcast.errors import DataError
from mixcast.analysis.forecast import (
    FuturePlan, extend_inputs, forecast, plan_from_data, read_plan,
)
from mixcast.model.inputs import prepare
from mixcast.model.mean import Structure, mean
from mixcast.analysis.simulate import simulate
from mixcast.spec import ModelSpec
from tests.conftest import SHORT, small_spec

TRAIN, HORIZON = 104, 26


def test_extend_inputs_keeps_history_and_continues_calendar(small_fit):
    """The extended inputs' history equals the fit's (so the fitted mean is unchanged over
    it) and the future weeks get seasonality of their own dates."""
    data = small_fit.data
    dates = data.dates[-1] + 7 * np.arange(1, 14).astype("timedelta64[D]")
    plan = FuturePlan(dates=dates, spend=data.spend[:, :13], controls=data.controls[:, :13])
    inputs, media = extend_inputs(small_fit, plan)
    assert media.shape == (1, 117, 3)
    np.testing.assert_allclose(inputs.media[:, :104], small_fit.inputs.media)
    np.testing.assert_allclose(inputs.season[:104], small_fit.inputs.season, atol=1e-6)
    np.testing.assert_array_equal(inputs.trend[:104], small_fit.inputs.trend)
    np.testing.assert_array_equal(inputs.time_basis[:104], small_fit.inputs.time_basis)
    # one year later, the calendar repeats (52.18-week period: within a week's phase)
    np.testing.assert_allclose(inputs.season[104:], inputs.season[52:65], atol=0.15)
    params = {k: v[0] for k, v in small_fit.param_draws().items() if k != "lift_implied"}
    history = np.asarray(mean(params, small_fit.inputs.media, small_fit.inputs,
                              small_fit.structure))
    extended = np.asarray(mean(params, media, inputs, small_fit.structure))
    np.testing.assert_allclose(extended[:, :104], history, rtol=1e-4, atol=1e-5)


def _truth_under(sim, spend: np.ndarray, seed: int) -> np.ndarray:
    """Realised KPI (G, T) of the simulated world under another spend, same noise model."""
    mu, scale = _true_mean_under(sim, spend)
    noise = np.random.default_rng(seed).normal(scale=0.04, size=mu.shape)
    return (mu + noise) * scale


def _true_mean_under(sim, spend: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The simulated world's noise-free mean (G, T) on the model scale, and the KPI scale
    (G, 1): the KPI is (mean + N(0, 0.04)) x scale."""
    spec = ModelSpec(l_max=8, fourier_order=2)
    inputs = dataclasses.replace(prepare(sim.data, spec), y_scale=sim.params["_y_scale"])
    structure = Structure.build(spec, sim.data.channels, n_organic=0)
    media = spend / inputs.media_scale[:, None, :]
    params = {k: v for k, v in sim.params.items() if not k.startswith("_")}
    mu = np.asarray(mean(params, media.astype(np.float32), inputs, structure))
    return mu, np.asarray(inputs.y_scale)[:, None]


@pytest.fixture(scope="module")
def shifted_world():
    from mixcast.inference.fit import fit

    sim = simulate(small_spec(seed=11, n_weeks=TRAIN + HORIZON))
    trained = fit(sim.data.window(0, TRAIN), sampler=SHORT)
    spend = sim.data.spend.copy()
    future = slice(TRAIN, None)
    # Shift the mix: TV off, its budget moved to social (3x its usual level) and search +50%.
    moved = spend[:, future, 0].copy()
    spend[:, future, 0] = 0.0
    spend[:, future, 2] += moved
    spend[:, future, 1] *= 1.5
    truth = _truth_under(sim, spend, seed=5)[:, future]
    plan = FuturePlan(dates=sim.data.dates[future], spend=spend[:, future],
                      controls=sim.data.controls[:, future])
    mu, scale = _true_mean_under(sim, spend)
    return trained, plan, truth, (mu[:, future], scale)


def test_forecast_under_shifted_spend_covers_truth(shifted_world):
    """Nominal 90% intervals; tolerance: at least 75% of the 26 future weeks covered
    (binomial 5th percentile at 90% is ~81%; 75% leaves room for estimation error)."""
    trained, plan, truth, _ = shifted_world
    result = forecast(trained, plan, seed=1)
    summary = result.interval()
    covered = (summary["lo90"] <= truth) & (truth <= summary["hi90"])
    assert covered.mean() >= 0.75, covered.mean()
    assert covered.mean() <= 1.0
    mape = np.mean(np.abs(summary["mean"] - truth) / truth)
    assert mape < 0.08, mape


def test_forecast_coverage_under_shifted_spend_is_near_nominal(shifted_world):
    """The same shifted plan in 200 realisations of the true world's noise (26 weeks
    each): the share of outcomes inside their 90% interval is about 90%. The fit is one
    draw of the data, so its estimation error is shared by all realisations; tolerance
    [0.82, 0.97] (under-coverage would mean overconfident forecasts, over-coverage
    uselessly wide ones). Also: the intervals are not wide, the spend shift is real."""
    trained, plan, _, (mu, scale) = shifted_world
    band = forecast(trained, plan, seed=2).interval()
    noise = np.random.default_rng(0).normal(scale=0.04, size=(200, *mu.shape))
    worlds = (mu[None] + noise) * scale[None]
    covered = (band["lo90"] <= worlds) & (worlds <= band["hi90"])
    assert 0.82 <= covered.mean() <= 0.97, covered.mean()
    assert covered.mean(axis=0).min() >= 0.5        # no week systematically missed
    width = np.mean((band["hi90"] - band["lo90"]) / (mu * scale))
    noise_only = 2 * 1.645 * 0.04                   # the 90% width of the noise alone
    assert 0.9 * noise_only <= width < 2 * noise_only, width


def test_forecast_frame_contract(shifted_world):
    trained, plan, _, _ = shifted_world
    frame = forecast(trained, plan).frame()
    assert list(frame.columns) == ["date", "mean", "lo90", "hi90"]
    assert len(frame) == HORIZON
    assert (frame["lo90"] < frame["mean"]).all() and (frame["mean"] < frame["hi90"]).all()
    assert frame["date"].iloc[0] == str(plan.dates[0])[:10]


def _plan_csv(tmp_path, fit, weeks=4, **edits) -> "Path":
    data = fit.data
    start = pd.Timestamp(data.dates[-1]) + pd.Timedelta(days=7)
    frame = pd.DataFrame({"date": pd.date_range(start, periods=weeks, freq="7D")
                          .strftime("%Y-%m-%d")})
    for c, channel in enumerate(data.channels):
        frame[channel] = data.spend[0, -weeks:, c]
    for k, control in enumerate(data.control_names):
        frame[control] = data.controls[0, -weeks:, k]
    for column, value in edits.items():
        if value is None:
            frame = frame.drop(columns=column)
        else:
            frame[column] = value
    path = tmp_path / "plan.csv"
    frame.to_csv(path, index=False)
    return path


def test_read_plan_round_trip(small_fit, tmp_path):
    plan = read_plan(_plan_csv(tmp_path, small_fit), small_fit)
    assert plan.spend.shape == (1, 4, 3)
    np.testing.assert_allclose(plan.spend[0], small_fit.data.spend[0, -4:])
    result = forecast(small_fit, plan)
    assert result.draws.shape[1:] == (1, 4)


@pytest.mark.parametrize("edit, words", [
    ({"tv_spend": None}, "column 'tv_spend' not found"),
    ({"search_spend": [1.0, np.nan, 2.0, 3.0]}, "'search_spend' has 1 empty"),
    ({"social_spend": [1.0, -5.0, 2.0, 3.0]}, "negative spend"),
    ({"date": ["2030-01-07", "2030-01-14", "2030-01-21", "2030-01-28"]}, "must be consecutive"),
    ({"date": ["2024-13-01", "x", "y", "z"]}, "has 4 values not written as dates"),
])
def test_bad_plans_raise_one_clear_error(small_fit, tmp_path, edit, words):
    with pytest.raises(DataError, match=words):
        read_plan(_plan_csv(tmp_path, small_fit, **edit), small_fit)


def test_forecast_cli_writes_the_contract_and_rejects_bad_plans(small_run, small_fit, tmp_path):
    from typer.testing import CliRunner

    from mixcast.cli import app

    runner = CliRunner()
    out = tmp_path / "forecast.csv"
    plan = _plan_csv(tmp_path, small_fit)
    result = runner.invoke(app, ["forecast", "--run", str(small_run), "--future", str(plan),
                                 "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["date", "mean", "lo90", "hi90"] and len(frame) == 4
    # The total with its own range, inside the weekly ranges added up.
    found = re.search(r"over 4 weeks: (\S+) in total \(90% range (\S+) to (\S+)\)",
                      result.output)
    assert found, result.output
    mean, lo, hi = (_number(x) for x in found.groups())
    assert mean == pytest.approx(frame["mean"].sum(), rel=0.01)
    assert frame["lo90"].sum() < lo < mean < hi < frame["hi90"].sum()
    bad = _plan_csv(tmp_path, small_fit, tv_spend=None)
    result = runner.invoke(app, ["forecast", "--run", str(small_run), "--future", str(bad),
                                 "--out", str(out)])
    assert result.exit_code != 0
    assert isinstance(result.exception, DataError)
    assert "column 'tv_spend' not found" in str(result.exception)


def test_recent_pace_plan_holds_the_last_13_weeks_average(small_fit):
    from mixcast.analysis.forecast import recent_pace_plan
    from mixcast.errors import UserError

    data = small_fit.data
    plan = recent_pace_plan(data, 8)
    assert plan.spend.shape == (data.n_geos, 8, data.n_channels)
    np.testing.assert_allclose(plan.spend[:, 3], data.spend[:, -13:].mean(axis=1))
    np.testing.assert_allclose(plan.controls[:, -1], data.controls[:, -13:].mean(axis=1))
    assert plan.dates[0] == np.datetime64(data.dates[-1], "D") + np.timedelta64(7, "D")
    assert np.all(np.diff(plan.dates) == np.timedelta64(7, "D"))
    predicted = forecast(small_fit, plan)              # a plan the forecast engine takes
    assert predicted.draws.shape[-1] == 8 and np.all(np.isfinite(predicted.draws))
    with pytest.raises(UserError, match="1 to 520 weeks"):
        recent_pace_plan(data, 0)


def _number(text: str) -> float:
    """A compact number back to a float: 1.23M, 45.6k, 0.87."""
    scale = {"B": 1e9, "M": 1e6, "k": 1e3}.get(text[-1], 1.0)
    return float(text.rstrip("BMk").replace(",", "")) * scale
