from __future__ import annotations

import numpy as np
import pytest

from mixcast.ml.attribution import (channel_metrics, permutation_importance, plan_outcomes,
                                    response_curves, shap_contributions)


def test_metrics_have_one_row_per_replicate(ml_fit):
    metrics = channel_metrics(ml_fit)
    n = len(ml_fit.replicates)
    assert metrics.roi.shape == metrics.mroi.shape == (n, 3)
    np.testing.assert_allclose(metrics.contribution_share.sum(axis=1), 1.0)
    np.testing.assert_allclose(metrics.spend, ml_fit.data.spend.sum(axis=(0, 1)))
    assert np.all(np.isfinite(metrics.roi)) and metrics.roi.std(axis=0).max() > 0


def test_plan_outcomes_follow_the_counterfactual_contract(ml_fit):
    media = ml_fit.media
    off = np.zeros_like(media)
    out = plan_outcomes(ml_fit, np.stack([media, off]))
    assert out.shape == (len(ml_fit.replicates), 2, 2)
    np.testing.assert_allclose(out[:, 1], 0.0, atol=1e-6)     # no media, no media outcome
    np.testing.assert_allclose(out[:, 0, 0], out[:, 0, 1])    # revenue KPI: value == KPI


def test_shap_contributions_add_up_to_the_prediction(ml_fit):
    frame = shap_contributions(ml_fit)
    predicted = ml_fit.predict_kpi(ml_fit.media[None])[0, 0].ravel()
    np.testing.assert_allclose(frame["fitted"], predicted, rtol=1e-3)
    assert list(frame.columns[:2]) == ["date", "geo"]
    # SHAP is relative to the average week: channel sums are small next to the total.
    total = frame["fitted"].sum()
    assert abs(frame[list(ml_fit.channels)].to_numpy().sum()) < 0.05 * total


def test_response_curves_pass_through_actual_spend_and_flag_extrapolation(ml_fit):
    curves = response_curves(ml_fit, factors=(0.0, 1.0, 2.0))
    actual = plan_outcomes(ml_fit, ml_fit.media[None])[:, 0, 0].mean()
    for channel, curve in curves.items():
        assert curve["mean"][1] == pytest.approx(actual, rel=1e-9)
        assert curve["beyond_observed"] == [False, False, True]
        assert curve["lo90"][0] <= curve["mean"][0] <= curve["hi90"][0]


def test_biggest_channel_matters_most(ml_fit, small_sim):
    importance = permutation_importance(ml_fit, n_repeats=3)
    biggest = max(small_sim.contribution_share, key=small_sim.contribution_share.get)
    smallest = min(small_sim.contribution_share, key=small_sim.contribution_share.get)
    assert importance[biggest]["r2_drop_mean"] > importance[smallest]["r2_drop_mean"] > -0.05


def test_platform_comparison_of_an_ml_run_uses_the_ensembles_metrics(ml_fit):
    """The report's platform section of an ML run: the shared comparison, fed the ML
    counterfactual (incremental KPI per bootstrap replicate)."""
    import dataclasses

    from mixcast.analysis.totals import platform_comparison

    assert platform_comparison(ml_fit, channel_metrics=channel_metrics) is None
    claimed = {"search_spend": ml_fit.data.spend[..., 1] * 3.0, "not_a_channel": np.ones(3)}
    fit = dataclasses.replace(ml_fit, data=dataclasses.replace(ml_fit.data,
                                                               platform_attributed=claimed))
    frame = platform_comparison(fit, channel_metrics=channel_metrics)
    incremental = channel_metrics(ml_fit).incremental_kpi[:, 1]
    assert list(frame.index) == ["search_spend"]
    row = frame.loc["search_spend"]
    assert row["platform"] == pytest.approx(float(claimed["search_spend"].sum()))
    assert row["mmm_mean"] == pytest.approx(float(incremental.mean()))
    assert row["ratio"] == pytest.approx(row["platform"] / row["mmm_mean"])
