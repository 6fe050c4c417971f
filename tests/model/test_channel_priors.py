"""A channel's default priors by kind (mixcast.model.channel_priors): the ROI median, and the
carryover as the model samples it (the ML challenger's candidates: tests/ml/test_fit.py)."""

from __future__ import annotations

from dataclasses import replace

import jax
import numpy as np
from numpyro.infer import Predictive
from scipy import stats

from mixcast.inference.fit import build_model
from mixcast.model.channel_priors import (DECAY_BETA, KIND_DECAY_BETA, KIND_ROI_MEDIAN_FACTOR,
                                          decay_beta, kind_roi_prior)
from mixcast.spec import ModelSpec, RoiPrior

N_DRAWS = 20_000


def test_paid_search_gets_the_short_carryover_prior_and_others_the_common_one():
    assert decay_beta("search_spend") == decay_beta("mdsp_sem") == KIND_DECAY_BETA["search"]
    assert decay_beta("tv_spend") == decay_beta("seminar_tv") == DECAY_BETA
    assert stats.beta.mean(*decay_beta("search_spend")) < 0.3 < stats.beta.mean(*DECAY_BETA)


def test_paid_search_gets_a_higher_roi_median_at_the_same_width():
    default = RoiPrior(median=0.8, sigma=0.9)
    search = kind_roi_prior("mdsp_sem", default)
    assert search.median == 0.8 * KIND_ROI_MEDIAN_FACTOR["search"] > default.median
    assert search.sigma == default.sigma
    assert kind_roi_prior("tv_spend", default) is default
    assert kind_roi_prior("seminar_tv", default) is default


def test_the_model_samples_each_channels_decay_from_its_kinds_prior(small_sim):
    model, args = build_model(small_sim.data, ModelSpec())
    draws = Predictive(replace(model, observe=False), num_samples=N_DRAWS,
                       return_sites=["decay"])(jax.random.PRNGKey(0), *args)["decay"]
    for i, channel in enumerate(small_sim.data.channels):
        a, b = decay_beta(channel)
        sample = np.asarray(draws[:, i], dtype=np.float64)
        # A wrong prior (the common one for search, or the other way round) is rejected at
        # this size: their medians differ by 0.21.
        assert stats.kstest(sample, stats.beta(a, b).cdf).pvalue > 1e-3, channel
