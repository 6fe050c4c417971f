from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mixcast.errors import DataError, RunError
from mixcast.ml import LIMITS, load_ml_run, predict_ml
from mixcast.ml.run import SUMMARY_KEYS
from mixcast.ml.attribution import channel_metrics


CONTRACT = {"channels": {"spend", "roi", "mroi", "contribution_share"},
            "diagnostics": {"rhat_max", "ess_bulk_min", "divergences", "fit_seconds"}}


def test_summary_has_the_contract_and_every_key_it_declares(ml_run):
    """DESIGN.md's keys, then every key the ML run declares it writes (SUMMARY_KEYS)."""
    ml = json.loads((ml_run / "summary.json").read_text())
    assert set(CONTRACT) | set(SUMMARY_KEYS) <= set(ml)
    assert set(CONTRACT["diagnostics"]) <= set(ml["diagnostics"])
    for channel, entry in ml["channels"].items():
        assert CONTRACT["channels"] <= set(entry), channel
        for key in ("roi", "mroi", "contribution_share"):
            assert set(entry[key]) == {"mean", "lo90", "hi90"}
            assert entry[key]["lo90"] <= entry[key]["mean"] <= entry[key]["hi90"]
    assert ml["diagnostics"]["rhat_max"] is None and ml["diagnostics"]["fit_seconds"] > 0
    assert ml["model"] == "ml" and ml["limits"] == list(LIMITS)
    assert 0 < ml["accuracy"]["cv_mape"] < 0.2
    assert ml["lift_tests"] == [] and "no lift tests" in ml["lift_tests_note"]


def test_shared_keys_have_the_bayesian_shape(ml_run, small_run):
    """Keys both runs write hold the same kind of value, so readers of one read the other.
    Keys only a Bayesian run writes (e.g. geos, mediation) are not required here: the ML
    run declares what it supports in SUMMARY_KEYS, and the first test holds it to that."""
    ml = json.loads((ml_run / "summary.json").read_text())
    bayes = json.loads((small_run / "summary.json").read_text())
    shared = (set(bayes) & set(ml)) - {"channels", "diagnostics"}
    assert {"lift_tests", "warnings", "date_range", "kpi_type"} <= shared
    for key in shared:
        assert type(ml[key]) is type(bayes[key]), key
    for channel, entry in bayes["channels"].items():
        common = set(entry) & set(ml["channels"][channel])
        assert {"spend", "roi", "mroi", "contribution_share", "incremental_outcome"} <= common
    assert set(bayes["diagnostics"]) <= set(ml["diagnostics"])


def test_lift_tests_are_set_beside_the_implied_lift(ml_fit, small_sim):
    """A go-dark test on TV (its spend 0 in the data's weeks 60-67): the model implies
    a loss; a measured lift far from what it implies is flagged in the summary and its
    warnings. A test dated outside the data is left out."""
    import dataclasses

    from mixcast.data.dataset import LiftTest
    from mixcast.ml.run import ml_summary

    data = small_sim.data
    c = data.channels.index("tv_spend")
    dark = -float(data.spend[0, 60:68, c].sum())
    assert dark < 0
    spend = data.spend.copy()
    spend[:, 60:68, c] = 0.0      # the test happened: the observed spend includes it
    tests = (LiftTest(channel="tv_spend", start=60, end=67, geo=None, spend_delta=dark,
                      lift=2.0 * dark, lift_se=0.05 * abs(dark), label="tv_dark"),
             LiftTest(channel="search_spend", start=70, end=73, geo=None, spend_delta=0.0,
                      lift=50.0 * abs(dark), lift_se=1.0, label="absurd"),
             LiftTest(channel="tv_spend", start=200, end=203, geo=None, spend_delta=dark,
                      lift=dark, lift_se=1.0, label="later", bau_spend=-dark / 4))
    data = dataclasses.replace(data, spend=spend, media=spend, lift_tests=tests)
    fitted = dataclasses.replace(ml_fit, data=data)
    summary = ml_summary(fitted)
    first, second = summary["lift_tests"]
    assert first["label"] == "tv_dark" and first["implied_mean"] < 0
    assert first["implied_lo90"] <= first["implied_mean"] <= first["implied_hi90"]
    assert first["used_in_fit"] and second["used_in_fit"]
    assert second["implied_mean"] == pytest.approx(0.0, abs=1e-6)   # no spend change
    assert second["contradicts"] and any("'absurd'" in w for w in summary["warnings"])
    assert "calibrated on lift tests" in summary["lift_tests_note"]
    assert "outside the data's weeks are not used" in summary["lift_tests_note"]


def test_manifest_and_files(ml_run, ml_fit):
    manifest = json.loads((ml_run / "manifest.json").read_text())
    assert manifest["model"] == "ml" and manifest["format_version"] == 1
    assert manifest["fingerprint"] == ml_fit.data.fingerprint()
    names = {p.name for p in (ml_run / "models").iterdir()}
    n = len(ml_fit.replicates)
    assert len(names) == 2 * n and sum(name.endswith(".txt") for name in names) == n
    assert any("random forest was left out" in note for note in ml_fit.notes)
    assert "trees do not extrapolate" in (ml_run / "limits.txt").read_text().lower()
    analysis = json.loads((ml_run / "ml_analysis.json").read_text())
    assert set(analysis) == {"response_curves", "permutation_importance", "shap_share"}


def test_loaded_run_gives_identical_numbers(ml_run, ml_fit):
    again = load_ml_run(ml_run)
    np.testing.assert_allclose(channel_metrics(again).roi, channel_metrics(ml_fit).roi,
                               rtol=1e-6)
    assert again.config == ml_fit.config


def test_the_other_loader_refuses_each_kind(ml_run, small_run):
    from mixcast.runs.directory import load_run

    with pytest.raises(RunError, match="load_ml_run"):
        load_run(ml_run)
    with pytest.raises(RunError, match="Bayesian"):
        load_ml_run(small_run)


def _plan(data, weeks, start):
    dates = pd.date_range(start, periods=weeks, freq="7D")
    frame = pd.DataFrame({"date": dates})
    for c, channel in enumerate(data.channels):
        frame[channel] = data.spend[0, -weeks:, c]
    frame["control_1"] = data.controls[0, -weeks:, 0]
    return frame


def test_predict_ml_forecasts_future_weeks(ml_run, small_sim):
    data = small_sim.data
    start = pd.Timestamp(data.dates[-1]) + pd.Timedelta(days=7)
    forecast = predict_ml(ml_run, _plan(data, 6, start))
    assert list(forecast.columns) == ["date", "mean", "lo90", "hi90"] and len(forecast) == 6
    assert np.all(forecast["lo90"] < forecast["mean"]) and np.all(forecast["mean"] < forecast["hi90"])
    level = data.y.mean()
    assert np.all(np.abs(forecast["mean"] / level - 1) < 0.5)


def test_predict_ml_on_known_weeks_is_close_and_spend_moves_it(ml_run, small_sim):
    data = small_sim.data
    plan = _plan(data, 8, pd.Timestamp(data.dates[-8]))
    forecast = predict_ml(ml_run, plan)
    error = np.abs(forecast["mean"].to_numpy() / data.y[0, -8:] - 1).mean()
    assert error < 0.06
    dark = plan.assign(**{c: 0.0 for c in data.channels})
    assert predict_ml(ml_run, dark)["mean"].sum() < forecast["mean"].sum()


def test_plan_with_missing_columns_names_them(ml_run, small_sim):
    plan = _plan(small_sim.data, 4, "2030-01-07").drop(columns=["tv_spend", "control_1"])
    with pytest.raises(DataError, match="'tv_spend', 'control_1'"):
        predict_ml(ml_run, plan)
