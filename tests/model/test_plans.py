"""Counterfactual plans: channel off, channel scaled, the ROI/mROI batch and its layout."""

import numpy as np

from mixcast.model.plans import (channel_off_plans, channel_scaled_plans, channel_step_plans,
                                 distinct_channel_values, metric_effects, metric_plans)


def _media(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.5, 2.0, size=(2, 5, 3)).astype(np.float32)


def test_channel_off_plans_keep_the_current_plan_first_and_zero_one_channel_each():
    media = _media()
    plans = channel_off_plans(media)
    assert plans.shape == (4, 2, 5, 3) and plans.dtype == np.float32
    np.testing.assert_array_equal(plans[0], media)
    for c in range(3):
        assert not plans[1 + c, ..., c].any()
        others = [k for k in range(3) if k != c]
        np.testing.assert_array_equal(plans[1 + c][..., others], media[..., others])


def test_channel_off_plans_for_a_subset_of_channels_and_for_totals():
    media = _media()
    plans = channel_off_plans(media, (2,))
    assert plans.shape == (2, 2, 5, 3) and not plans[1, ..., 2].any()
    totals = np.array([[1.0, 2.0], [3.0, 4.0]])                    # (V, C)
    variants = channel_off_plans(totals)
    np.testing.assert_array_equal(variants[2], [[1.0, 0.0], [3.0, 0.0]])
    np.testing.assert_array_equal(totals, [[1.0, 2.0], [3.0, 4.0]])    # input untouched


def test_scaled_and_step_plans_are_channel_major():
    media = _media()
    plans = channel_scaled_plans(media, [0.0, 2.0])
    assert plans.shape == (6, 2, 5, 3)
    np.testing.assert_array_equal(plans[1 * 2 + 1][..., 1], media[..., 1] * np.float32(2.0))
    np.testing.assert_array_equal(plans[1 * 2 + 1][..., 0], media[..., 0])
    assert not plans[2 * 2 + 0][..., 2].any()
    step = channel_step_plans(media, 0.01)
    expected = media.copy()
    expected[..., 1] *= 1.0 + 0.01
    np.testing.assert_array_equal(step[0], media)
    np.testing.assert_array_equal(step[2], expected)
    x = np.array([10.0, 0.0, 5.0])                                 # channel totals (C,)
    np.testing.assert_allclose(channel_step_plans(x, 0.1)[3], [10.0, 0.0, 5.5])


def test_metric_plans_layout_and_effects():
    media = _media()
    plans = metric_plans(media, 0.01)
    n = media.shape[-1]
    assert plans.shape == (1 + 2 * n, 2, 5, 3)
    np.testing.assert_array_equal(plans[:1 + n], channel_off_plans(media))
    np.testing.assert_array_equal(plans[1 + n:], channel_step_plans(media, 0.01)[1:])
    # A linear "model": outcome = total media per channel -> increments are the channel's
    # total, marginals the step times it.
    outcomes = plans.sum(axis=(1, 2, 3))[None, :, None].astype(np.float64)   # (1, V, 1)
    incremental, marginal = metric_effects(outcomes)
    totals = media.sum(axis=(0, 1)).astype(np.float64)
    np.testing.assert_allclose(incremental[0, :, 0], totals, rtol=1e-5)
    np.testing.assert_allclose(marginal[0, :, 0], 0.01 * totals, rtol=1e-3)


def test_distinct_channel_values_rebuild_every_plan():
    media = np.random.default_rng(0).uniform(0.5, 2.0, (2, 6, 3)).astype(np.float32)
    plans = metric_plans(media, 0.01)                               # 1 + 2C plans
    columns, index = distinct_channel_values(plans)
    assert columns.shape == (3, 2, 6, 3)      # observed, off and up: three per channel
    for v in range(len(plans)):
        for c in range(3):
            np.testing.assert_array_equal(columns[index[v, c], ..., c], plans[v, ..., c])
    scaled = channel_scaled_plans(media, [0.5, 1.0, 2.0])
    assert distinct_channel_values(scaled)[0].shape[0] == 3   # x1 is the observed column
