"""Response curves, saturation points, carryover profiles and the operator ranking."""

from __future__ import annotations

import numpy as np
import pytest

from mixcast.analysis.metrics import channel_metrics
from mixcast.optimize import carryover_profile, channel_ranking, response_curves


@pytest.fixture(scope="module")
def curves(small_fit):
    return response_curves(small_fit)


def test_curve_matches_the_counterfactual_roi_at_current_spend(small_fit, curves):
    metrics = channel_metrics(small_fit)
    i = curves.current_index
    assert curves.multipliers[i] == 1.0
    # the same draws and the same mean function (the optimiser's kernel vs the core
    # counterfactual): equal up to float32 rounding, bands included
    np.testing.assert_allclose(curves.outcome["mean"][:, i], metrics.incremental.mean(0),
                               rtol=1e-3)
    for key in ("lo90", "hi90"):
        np.testing.assert_allclose(curves.outcome[key][:, i],
                                   np.percentile(metrics.incremental, 5 if key == "lo90"
                                                 else 95, axis=0), rtol=1e-3)
    np.testing.assert_allclose(curves.mroi["mean"][:, i], metrics.mroi.mean(0), rtol=1e-2)


def test_curves_start_at_zero_rise_and_bands_bracket_the_mean(curves):
    assert np.allclose(curves.outcome["mean"][:, 0], 0.0)
    assert np.all(np.diff(curves.outcome["mean"], axis=1) >= -1e-6)
    assert curves.spend[:, -1].min() >= 2 * curves.current_spend.min()
    assert np.all(curves.outcome["lo90"] <= curves.outcome["mean"] + 1e-6)
    assert np.all(curves.outcome["hi90"] >= curves.outcome["mean"] - 1e-6)
    assert np.all(curves.asymptote >= curves.outcome["mean"][:, -1])
    assert curves.cpa is None          # revenue KPI
    assert len(curves.to_frame()) == len(curves.channels) * len(curves.multipliers)


def test_saturation_points_are_consistent(curves):
    for c in range(len(curves.channels)):
        point = curves.saturation_spend[c]
        assert np.isnan(point) or point > 0
        beyond = curves.spend[c] > curves.breakeven_spend[c] * 1.05
        if np.isfinite(curves.breakeven_spend[c]) and curves.breakeven_spend[c] > 0 \
                and beyond.any():
            assert np.all(curves.mroi["mean"][c, beyond] < 1.0 + 1e-6)


def test_ranking_matches_the_known_truth(small_fit, small_sim, curves):
    """Truth mROI: tv 1.65 (underfunded), search 0.59 and social 0.29 (below break-even)."""
    table = channel_ranking(small_fit, curves).set_index("channel")
    assert table.loc["tv_spend", "status"] == "underfunded"
    assert table.loc["tv_spend", "next_dollar_rank"] == 1
    assert set(table.loc[["search_spend", "social_spend"], "status"]) <= {"saturated", "hold"}
    truth_order = sorted(small_sim.mroi, key=small_sim.mroi.get)
    assert table.loc[truth_order[-1], "cut_rank"] == 3
    assert table["cut_first"].sum() <= 1


def test_carryover_profile_rows_are_shares(small_fit, small_sim):
    profile = carryover_profile(small_fit)
    assert profile.share["mean"].shape == (3, small_fit.structure.l_max)
    np.testing.assert_allclose(profile.share["mean"].sum(axis=1), 1.0, rtol=1e-5)
    assert np.all(np.diff(profile.share["mean"], axis=1) <= 1e-9)      # geometric decays
    assert np.all(profile.weeks_to_90pct >= 1)


def test_conversion_kpi_curves_carry_cpa(small_fit):
    """A conversions KPI worth 50 per unit: the curves' CPA at today's spend is the
    counterfactual CPA of channel_metrics (same draws), and KPI units x 50 = value."""
    import dataclasses

    data = dataclasses.replace(small_fit.data, kpi_type="conversions",
                               revenue_per_kpi=np.full_like(small_fit.data.y, 50.0))
    conv = dataclasses.replace(small_fit, data=data)
    curves = response_curves(conv)
    i = curves.current_index
    metrics = channel_metrics(conv)
    assert curves.cpa is not None and metrics.cpa is not None
    np.testing.assert_allclose(curves.cpa["mean"][:, i], metrics.cpa.mean(0), rtol=1e-3)
    np.testing.assert_allclose(curves.outcome_kpi[:, i] * 50.0, curves.outcome["mean"][:, i],
                               rtol=1e-4)
    assert not np.isfinite(curves.cpa["mean"][:, 0]).any()     # no spend, no CPA
    frame = curves.to_frame()
    assert {"cpa_mean", "cpa_lo90", "cpa_hi90"} <= set(frame.columns)


def test_with_spend_in_thousands_of_the_kpi_s_unit_break_even_is_an_mroi_of_1000(
        small_fit, curves):
    """The same fit read with spend in thousands: every mROI is x1,000, and the statuses,
    the first cut and the breakeven spend must not change (at 1 they all read
    'underfunded')."""
    import dataclasses

    from mixcast.analysis.curves import _breakeven
    from mixcast.analysis.hurdle import Hurdle, mroi_hurdle
    from mixcast.data.guardrails import breakeven_roi

    data = small_fit.data
    thousands = dataclasses.replace(small_fit, data=dataclasses.replace(
        data, spend=data.spend / 1000, media=data.media / 1000))
    scaled = dataclasses.replace(
        curves, spend=curves.spend / 1000, current_spend=curves.current_spend / 1000,
        mroi={k: v * 1000 for k, v in curves.mroi.items()},
        breakeven_spend=curves.breakeven_spend / 1000,
        saturation_spend=curves.saturation_spend / 1000,
        hurdle=mroi_hurdle(breakeven_roi(thousands.data), None, None))
    assert curves.hurdle == Hurdle(1.0, relative=False)     # as response_curves set it
    assert scaled.hurdle == Hurdle(1000.0, relative=False)
    one_unit = channel_ranking(small_fit, curves)
    in_thousands = channel_ranking(thousands, scaled)
    assert list(in_thousands["status"]) == list(one_unit["status"])
    assert list(in_thousands["cut_first"]) == list(one_unit["cut_first"])
    assert set(one_unit["status"]) != {"underfunded"}
    grid = np.geomspace(0.01, 10.0, 200)
    curve = np.log1p(3 * grid)[:, None] * np.array([[2.0, 0.5]])    # concave, two channels
    reference = np.array([1.0, 1.0])
    np.testing.assert_allclose(_breakeven(curve, grid, reference / 1000, 1000.0),
                               _breakeven(curve, grid, reference, 1.0) / 1000)


def test_conversions_without_a_value_are_judged_against_the_channels_average(small_fit):
    """Conversions with no value per conversion have no break-even: an mROI of 0.02
    conversions per unit spent says nothing by itself, and against 1 every channel had
    read 'saturated' and 'never pays back 1:1'. The hurdle is then the spend-weighted
    average mROI, and it does not depend on the unit conversions are counted in."""
    import dataclasses

    from mixcast.analysis.hurdle import Hurdle

    data = dataclasses.replace(small_fit.data, kpi_type="conversions", revenue_per_kpi=None)
    conv = dataclasses.replace(small_fit, data=data)
    curves = response_curves(conv)
    metrics = channel_metrics(conv)
    average = float(metrics.spend @ metrics.mroi.mean(0) / metrics.spend.sum())
    assert curves.hurdle.relative
    assert curves.hurdle.value == pytest.approx(average, rel=1e-2)
    ranking = channel_ranking(conv, curves).set_index("channel")
    assert set(ranking["hurdle_basis"]) == {"channel average"}
    lo, hi = ranking["mroi_lo90"], ranking["mroi_hi90"]
    past_knee = ranking["spend"] >= ranking["saturation_spend"].fillna(np.inf)
    expected = np.where(lo > average, "underfunded",
                        np.where((hi < average) | past_knee, "saturated", "hold"))
    assert list(ranking["status"]) == list(expected)
    # The break-even spend is where the channel's next unit falls to that average: at
    # today's spend a channel above the average has it further out, below it nearer in.
    above = ranking["mroi_mean"] > average
    assert (ranking.loc[above, "breakeven_spend"] > ranking.loc[above, "spend"]).all()
    assert (ranking.loc[~above, "breakeven_spend"] < ranking.loc[~above, "spend"]).all()
    # Counted in dozens (every mROI / 12): the same statuses, the hurdle / 12.
    dozens = dataclasses.replace(curves, mroi={k: v / 12 for k, v in curves.mroi.items()},
                                 hurdle=Hurdle(curves.hurdle.value / 12, relative=True))
    assert list(channel_ranking(conv, dozens)["status"]) == list(
        channel_ranking(conv, curves)["status"])
    # A value per conversion restores break-even (an mROI of 1 in currency).
    valued = dataclasses.replace(data, revenue_per_kpi=np.full_like(data.y, 50.0))
    assert response_curves(dataclasses.replace(small_fit, data=valued)).hurdle == Hurdle(
        1.0, relative=False)
