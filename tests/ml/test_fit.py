"""Fitting the challenger: the trees are chosen on the time-ordered folds, and the media
hyper-parameters are drawn from the Bayesian model's shape priors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mixcast.errors import SpecError
from mixcast.ml import MLConfig, fit_ml
from mixcast.ml.media import MediaParams
from mixcast.model.channel_priors import DECAY_BETA, KIND_DECAY_BETA, half_saturation

CHOOSE = MLConfig(n_trials=0, n_bootstrap=2, seed=3)      # tree_media=None: the folds decide


def test_the_folds_keep_the_trees_out_when_the_layer_explains_the_kpi(small_sim):
    """The simulator's KPI is what the linear layer models (adstock, Hill, Fourier season,
    trend): trees on its residuals fit noise and do not earn their place."""
    fit = fit_ml(small_sim.data, CHOOSE)
    assert set(fit.cv["tree_choice"]) == {"no trees", "baseline trees", "media trees"}
    assert fit.cv["trees"] == "no trees"
    assert fit.replicates[0].trees is None and fit.config.tree_media is False
    assert any("Trees chosen on the time-ordered folds: no trees" in n for n in fit.notes)


def test_the_folds_keep_baseline_trees_for_a_baseline_the_layer_cannot_shape(small_sim):
    """A sharp seasonal step (+25% of the KPI whenever the first seasonal wave is near its
    peak) is beyond a two-term Fourier season but easy for trees on the seasonal
    features; it has nothing to do with spend, so the media trees are not needed."""
    data = small_sim.data
    weeks = data.dates.astype("datetime64[D]").astype(np.int64) / 7.0
    peak = np.sin(2 * np.pi * weeks / 52.1775) > 0.6
    y = data.y * (1.0 + 0.25 * peak)[None, :]
    fit = fit_ml(dataclasses.replace(data, y=y), CHOOSE)
    mape = fit.cv["tree_choice"]
    assert fit.cv["trees"] in ("baseline trees", "media trees")
    assert min(mape["baseline trees"], mape["media trees"]) < 0.8 * mape["no trees"]
    assert fit.replicates[0].trees is not None


def test_forced_settings_skip_the_choice(small_sim):
    fit = fit_ml(small_sim.data, dataclasses.replace(CHOOSE, tree_media=True))
    assert "tree_choice" not in fit.cv and fit.replicates[0].trees is not None


def test_candidates_are_prior_draws_starting_at_the_prior_medians():
    default = MediaParams.default(2)
    assert default.decay[0] == pytest.approx(0.4356, abs=0.001)     # Beta(2, 2.5) median
    assert default.slope[0] == pytest.approx(np.exp(0.25))         # LogNormal median
    assert default.half[0] == pytest.approx(1.0)                   # half-way at a typical week
    q = np.array([0.05, 0.95])
    params = MediaParams.of_quantiles(q, q, q)
    assert params.decay[0] < default.decay[0] < params.decay[1] <= 0.9
    assert params.slope[0] < default.slope[0] < params.slope[1]
    # a higher saturation quantile means more of the ceiling reached at a typical week
    assert params.half[1] < 1.0 < params.half[0]
    assert params.half[1] == pytest.approx(float(half_saturation(_beta_ppf(0.95),
                                                                 params.slope[1])))


def test_unknown_search_is_refused():
    with pytest.raises(SpecError, match="'search'"):
        MLConfig(search="grid")


def _beta_ppf(q: float) -> float:
    from scipy import stats

    return float(stats.beta.ppf(q, 2.0, 2.0))


def test_candidates_follow_each_channels_kind_prior_as_the_bayesian_model_does():
    from scipy import stats

    named = MediaParams.default(("tv_spend", "search_spend"))
    np.testing.assert_allclose(named.decay, [stats.beta.median(*DECAY_BETA),
                                             stats.beta.median(*KIND_DECAY_BETA["search"])])
    assert MediaParams.default(2).decay == (named.decay[0],) * 2
    q = np.array([0.1, 0.9])
    drawn = MediaParams.of_quantiles(q, q, q, ("search_spend", "tv_spend"))
    np.testing.assert_allclose(drawn.decay, [stats.beta.ppf(0.1, *KIND_DECAY_BETA["search"]),
                                             stats.beta.ppf(0.9, *DECAY_BETA)])
