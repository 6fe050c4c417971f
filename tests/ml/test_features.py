from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mixcast.errors import SpecError
from mixcast.ml.features import (Baseline, FeatureSpec, Scales, baseline_block,
                                 channel_groups, design, feature_names, media_block)
from mixcast.ml.media import MediaParams, saturated

CHANNELS = ("tv", "search")


def test_spend_in_one_week_never_changes_earlier_rows():
    rng = np.random.default_rng(0)
    media = rng.gamma(2.0, size=(2, 30, 2))
    changed = media.copy()
    changed[:, 17:, :] *= 3.0
    spec = FeatureSpec(interactions=(("tv", "search"),))
    params = MediaParams.default(2)

    def block(m):
        return media_block(saturated(m, params, spec.carryover_weeks), spec, CHANNELS)

    a, b = block(media), block(changed)
    np.testing.assert_array_equal(a[:, :17], b[:, :17])
    assert not np.allclose(a[:, 17:], b[:, 17:])


def test_names_match_columns_and_groups(small_sim):
    spec = FeatureSpec(interactions=(("tv_spend", "search_spend"),))
    data = small_sim.data
    scales = Scales.from_data(data)
    sat = saturated(data.media / scales.media_scale[:, None, :], MediaParams.default(3), 13)
    x = design(sat, baseline_block(Baseline.of(data), scales, spec), spec, data.channels)
    names = feature_names(spec, data)
    assert x.shape == (data.n_times, len(names))
    groups = channel_groups(names, data.channels)
    inter = names.index("tv_spend__x__search_spend")
    assert groups["tv_spend"][inter] == groups["search_spend"][inter] == 0.5
    assert groups["social_spend"][inter] == 0.0
    assert sum(g.sum() for g in groups.values()) == 3 + 1
    assert names[:3] == ("tv_spend__sat", "search_spend__sat", "social_spend__sat")
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


@pytest.mark.parametrize("kwargs", [{"carryover_weeks": 1}, {"fourier_order": 11}])
def test_invalid_feature_spec_names_the_parameter(kwargs):
    with pytest.raises(SpecError, match=next(iter(kwargs))):
        FeatureSpec(**kwargs)
