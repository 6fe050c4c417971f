"""The cheap checks on the session's small fit, and fold selection."""

from __future__ import annotations

import dataclasses

import numpy as np

from mixcast.posterior.diagnostics import diagnose_fit
from mixcast.validation import backtest as bt
from mixcast.validation.convergence import check_convergence
from mixcast.validation.fit_checks import autocorrelation, check_fit, drifting_channels
from mixcast.validation.priors import check_priors
from mixcast.validation.recovery import true_roi


def test_convergence_reports_every_parameter(small_fit):
    check = check_convergence(small_fit)
    # One rule: validation says what the fit's own diagnostics say (short test chains may
    # earn a "warn" for R-hat just above 1.01, never a "fail").
    assert check["status"] == diagnose_fit(small_fit).verdict.status != "fail", check["summary"]
    names = {row["parameter"] for row in check["parameters"]}
    assert {"roi[tv_spend]", "roi[social_spend]", "sigma[national]"} <= names
    assert set(check["roi_rhat"]) == set(small_fit.channels)
    assert check["divergences"] == 0 and 0.3 < check["bfmi_min"] < 5


def test_in_sample_fit_is_good_on_well_specified_data(small_fit):
    check = check_fit(small_fit)
    assert check["r2"] > 0.8
    assert check["mape"] < 0.05
    assert 0.8 <= check["coverage90"] <= 1.0


def test_autocorrelation_of_a_random_walk_is_high():
    walk = np.cumsum(np.random.default_rng(0).normal(size=200))
    assert autocorrelation(walk, lags=2)[0] > 0.8
    noise = np.random.default_rng(1).normal(size=200)
    assert abs(autocorrelation(noise, lags=1)[0]) < 0.2


def test_prior_contraction_is_high_for_a_well_measured_channel(small_fit):
    channels = check_priors(small_fit)["channels"]
    assert channels["tv_spend"]["contraction"] > 0.7  # flighting TV, ROI 2: data decides
    assert all(c["prior_log_sd"] == 0.9 for c in channels.values())


def test_true_roi_of_a_draw_equals_its_roi_parameter(small_fit):
    np.testing.assert_allclose(true_roi(small_fit, 3), small_fit.draws("roi")[3], rtol=2e-3)


def test_regular_origins_leave_a_year_of_training():
    assert bt.regular_origins(104, folds=3) == [91, 78, 65]
    assert bt.regular_origins(60, folds=3) == []


def test_shift_folds_find_the_week_the_mix_changed(small_sim):
    data = small_sim.data
    spend = np.ones_like(data.spend) * np.array([30_000.0, 20_000.0, 15_000.0])
    steady = dataclasses.replace(data, spend=spend.copy(), media=spend.copy())
    spend[:, 70:, 0] *= 4.0  # TV quadruples from week 70 on
    shifted = dataclasses.replace(data, spend=spend, media=spend)
    assert bt.mix_shift(steady, 70) < 1e-9
    assert bt.mix_shift(shifted, 70) > 0.3
    assert bt.shift_origins(shifted, folds=1, exclude=[91, 78]) == [70]


def test_the_naive_forecast_is_the_average_week_of_the_year_before_the_origin():
    kpi = np.arange(100, dtype=float)
    assert bt.naive_forecast(kpi, 80) == np.mean(kpi[28:80])
    assert bt.naive_forecast(kpi, 30) == np.mean(kpi[:30])   # less than a year: all of it


def _fold(actual, forecast, naive, *, width=0.2):
    band = {"mean": forecast, "lo90": forecast * (1 - width), "hi90": forecast * (1 + width)}
    return {**bt.fold_scores(actual, band, naive), "mix_shift": 0.1}


def test_backtests_warn_when_forecasts_do_not_beat_last_years_average_week():
    rng = np.random.default_rng(0)
    season = 100 + 30 * np.sin(np.arange(13) / 2)
    actual = season + rng.normal(0, 2, 13)
    # Forecasts that follow the season beat a flat average of 100 by far.
    good = bt.judge_backtests([_fold(actual, season, 100.0)], kind="rolling")
    assert good["status"] == "pass" and good["wape"] < 0.5 * good["naive_wape"]
    # Equally well covered (a wide band), but flat at the wrong level: worse than naive.
    flat = bt.judge_backtests([_fold(actual, np.full(13, 115.0), 100.0, width=0.5)],
                              kind="rolling")
    assert flat["coverage90"] >= bt.COVERAGE_WARN and flat["wape"] > flat["naive_wape"]
    assert flat["status"] == "warn" and "no better than the last year's average week" \
        in flat["summary"]
    # Poor coverage keeps its own rule, whatever the error.
    narrow = bt.judge_backtests([_fold(actual, np.full(13, 140.0), 100.0, width=0.01)],
                                kind="spend_shift")
    assert narrow["status"] == "fail" and "mix shift up to 0.10" in narrow["summary"]


def test_spend_weighted_twin_error_stays_finite_when_a_true_roi_is_near_zero():
    from mixcast.validation.recovery import spend_weighted_error

    spend = np.array([600.0, 300.0, 100.0])
    truth = np.array([2.0, 1.0, 0.01])      # a channel that barely works
    estimate = np.array([2.0, 1.0, 1.0])    # estimated at the prior's median
    # Per channel, the last is off by 9900%; weighted by spend it misattributes 99 of 1501.
    assert abs(spend_weighted_error(estimate, truth, spend) - 99.0 / 1501.0) < 1e-12
    assert spend_weighted_error(truth, truth, spend) == 0.0
    # The headline scales with the misattributed outcome: twice the miss, twice the error.
    doubled = spend_weighted_error(np.array([2.0, 1.0, 1.99]), truth, spend)
    assert abs(doubled - 2 * 99.0 / 1501.0) < 1e-12


def test_residuals_that_track_a_channel_name_it_as_drifting_and_a_baseline_wave_does_not(
        small_fit):
    """Planted residuals on the small fit: tv's weekly effect growing over the window (a
    drift in effectiveness) against a slow wave in the baseline of the same size."""
    from mixcast.analysis.decomposition import contributions

    effects = contributions(small_fit).groupby("date")[list(small_fit.channels)].sum()
    tv = effects["tv_spend"].to_numpy()
    t = np.linspace(-1.0, 1.0, len(tv))
    noise = np.random.default_rng(0).normal(0, 0.05 * tv.std(), len(tv))
    drift = 0.4 * t * tv + noise
    assert drifting_channels(small_fit, drift) == ["tv_spend"]
    shared = 0.4 * t * effects.sum(axis=1).to_numpy() + noise   # all media drift as one
    assert drifting_channels(small_fit, shared) == list(small_fit.channels)
    wave = 0.4 * tv.mean() * np.sin(np.pi * t) + noise
    assert drifting_channels(small_fit, wave) == []
    varying = dataclasses.replace(small_fit, spec=dataclasses.replace(
        small_fit.spec, time_varying=small_fit.channels))
    assert drifting_channels(varying, drift) == []           # already modelled
