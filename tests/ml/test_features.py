from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mixcast.errors import SpecError
from mixcast.ml.features import (Baseline, FeatureSpec, Scales, baseline_block,
                                 channel_groups, design, feature_names, media_block)

CHANNELS = ("tv", "search")


def test_lag_and_adstock_columns_look_only_back():
    media = np.zeros((1, 20, 2))
    media[0, 5, 0] = 1.0
    spec = FeatureSpec(lags=(1, 3), decays=(0.5,), carryover_weeks=6)
    block = media_block(media, spec, CHANNELS)[0]           # (T, 2 * (1 + 2 + 1))
    current, lag1, lag3, adstock = block[:, 0], block[:, 1], block[:, 2], block[:, 3]
    assert current[5] == 1.0 and lag1[6] == 1.0 and lag3[8] == 1.0
    assert lag1[:6].sum() == 0 and lag3[:8].sum() == 0 and adstock[:5].sum() == 0
    weights = 0.5 ** np.arange(6) / (0.5 ** np.arange(6)).sum()
    np.testing.assert_allclose(adstock[5:11], weights, rtol=1e-6)
    assert block[:, 4:].sum() == 0                            # the other channel is untouched


def test_spend_in_one_week_never_changes_earlier_rows():
    rng = np.random.default_rng(0)
    media = rng.gamma(2.0, size=(2, 30, 2))
    changed = media.copy()
    changed[:, 17:, :] *= 3.0
    spec = FeatureSpec(interactions=(("tv", "search"),))
    a, b = media_block(media, spec, CHANNELS), media_block(changed, spec, CHANNELS)
    np.testing.assert_array_equal(a[:, :17], b[:, :17])
    assert not np.allclose(a[:, 17:], b[:, 17:])


def test_names_match_columns_and_groups(small_sim):
    spec = FeatureSpec(interactions=(("tv_spend", "search_spend"),))
    data = small_sim.data
    scales = Scales.from_data(data)
    x = design(data.media / scales.media_scale[:, None, :],
               baseline_block(Baseline.of(data), scales, spec), spec, data.channels)
    names = feature_names(spec, data)
    assert x.shape == (data.n_times, len(names))
    groups = channel_groups(names, data.channels)
    inter = names.index("tv_spend__x__search_spend")
    assert groups["tv_spend"][inter] == groups["search_spend"][inter] == 0.5
    assert groups["social_spend"][inter] == 0.0
    assert sum(g.sum() for g in groups.values()) == 3 * (1 + 4 + 2) + 1
    assert "trend_years" in names and "control_1" in names


def test_scales_come_from_training_weeks_only(small_sim):
    data = small_sim.data
    later = dataclasses.replace(data, y=np.where(np.arange(data.n_times) >= 80, data.y * 5,
                                                 data.y))
    a, b = Scales.from_data(data, stop=80), Scales.from_data(later, stop=80)
    np.testing.assert_array_equal(a.y_scale, b.y_scale)
    assert Scales.from_data(later).y_scale[0] > a.y_scale[0]


def test_scales_round_trip_through_json(small_sim):
    scales = Scales.from_data(small_sim.data)
    again = Scales.from_dict(scales.as_dict())
    np.testing.assert_allclose(again.media_scale, scales.media_scale)
    assert again.organic_scale.shape == scales.organic_scale.shape
    assert again.origin == scales.origin


@pytest.mark.parametrize("kwargs", [{"lags": (0,)}, {"decays": (1.0,)},
                                    {"carryover_weeks": 1}, {"fourier_order": 11}])
def test_invalid_feature_spec_names_the_parameter(kwargs):
    with pytest.raises(SpecError, match=next(iter(kwargs))):
        FeatureSpec(**kwargs)
