"""Guardrails on synthetic data where the right answer is known by construction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mixcast.config import read_config
from mixcast.data.load import load_dataset
from tests.data.tables import weekly_frame


def codes(project, frame, **config) -> dict[str, list]:
    data = load_dataset(read_config(project(frame, **config)))
    found: dict[str, list] = {}
    for issue in data.issues:
        found.setdefault(issue.code, []).append(issue)
    return found


def test_clean_data_has_no_warnings(project):
    assert not {c for c, i in codes(project, weekly_frame()).items() if i[0].level == "warning"}


def test_channels_correlated_at_095_are_flagged_with_the_pair(project):
    frame = weekly_frame()
    rng = np.random.default_rng(5)
    tv = frame["tv_spend"].to_numpy()
    noise = rng.normal(0, 1, len(tv))
    noise -= np.polyval(np.polyfit(tv, noise, 1), tv)  # exactly uncorrelated with tv
    frame["search_spend"] = (2 * tv + noise * (2 * tv.std() * np.sqrt(1 / 0.95**2 - 1)
                                               / noise.std())).round(2)
    r = np.corrcoef(frame["tv_spend"], frame["search_spend"])[0, 1]
    assert r == pytest.approx(0.95, abs=0.005)
    found = codes(project, frame)
    pairs = [i for i in found.get("collinear_channels", []) if set(i.columns) ==
             {"tv_spend", "search_spend"}]
    assert len(pairs) == 1
    assert "0.95" in pairs[0].message
    assert "'tv_spend'" in pairs[0].message and "'search_spend'" in pairs[0].message
    assert not [i for i in found.get("collinear_channels", [])
                if "social_spend" in i.columns and len(i.columns) == 2]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_independent_channels_are_not_flagged(project, seed):
    assert "collinear_channels" not in codes(project, weekly_frame(seed=seed))


def test_60_weeks_is_flagged_short_and_104_is_not(project):
    short = codes(project, weekly_frame(60))
    assert "short_history" in short and "60 weeks" in short["short_history"][0].message
    assert "short_history" not in codes(project, weekly_frame(104))


def test_monthly_data_is_flagged_coarse(project):
    found = codes(project, weekly_frame(40, freq="MS"))
    assert "coarse_granularity" in found and "monthly" in found["coarse_granularity"][0].message
    assert "short_history" not in found  # 40 months is long enough
    assert "coarse_granularity" not in codes(project, weekly_frame())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_40_percent_step_in_the_kpi_is_flagged_at_its_date(project, seed):
    frame = weekly_frame(seed=seed)
    frame.loc[60:, "revenue"] *= 1.4
    shifts = codes(project, frame).get("kpi_level_shift", [])
    assert len(shifts) == 1
    message = shifts[0].message
    assert "+" in message and "2024-02-25" in message  # week 60 of the series


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_purely_seasonal_kpi_is_not_flagged(project, seed):
    found = codes(project, weekly_frame(156, seed=seed, seasonal=0.3))
    assert "kpi_level_shift" not in found
    assert "kpi_outliers" not in found


def test_one_outlier_week_is_flagged_with_its_date(project):
    frame = weekly_frame(seasonal=0.2)
    frame.loc[50, "revenue"] *= 1.6
    outliers = codes(project, frame).get("kpi_outliers", [])
    assert len(outliers) == 1 and "2023-12-17" in outliers[0].message
    assert "1 outlier" in outliers[0].message


def test_a_tiny_channel_is_flagged_low_share(project):
    frame = weekly_frame()
    frame["social_spend"] = (frame["social_spend"] / 200).round(2)
    low = codes(project, frame).get("low_spend_share", [])
    assert [i.columns for i in low] == [("social_spend",)]


def test_no_controls_is_an_info_not_a_warning(project):
    found = codes(project, weekly_frame(), controls=None)
    assert found["no_controls"][0].level == "info"


def test_guardrail_issues_are_stored_with_a_run(project, tmp_path):
    """dataset.json of a run carries the issues (written by mixcast.run)."""
    from mixcast.data.serialize import load_dataset as _load_dataset, save_dataset as _save_dataset

    data = load_dataset(read_config(project(weekly_frame(60))))
    folder = tmp_path / "run"
    folder.mkdir()
    _save_dataset(data, folder)
    assert _load_dataset(folder).issues == data.issues


def test_spend_in_thousands_of_a_revenue_kpi_is_flagged_as_a_unit_mismatch(project):
    frame = weekly_frame()
    for name in ("tv_spend", "search_spend", "social_spend"):
        frame[name] = (frame[name] / 1000).round(4)  # spend exported in thousands
    scale = codes(project, frame)["spend_kpi_scale"]
    assert len(scale) == 1 and scale[0].level == "warning"
    assert "spend is probably in thousands of the KPI's unit" in scale[0].message
    assert "centred on 1,000 (1 per currency unit spent)" in scale[0].message
    assert "roi_priors" in scale[0].message
    assert "spend_kpi_scale" not in codes(project, weekly_frame())  # same unit: ~26%


def test_a_kpi_in_thousands_is_flagged_the_other_way(project):
    frame = weekly_frame()
    frame["revenue"] = (frame["revenue"] / 1000).round(3)
    message = codes(project, frame)["spend_kpi_scale"][0].message
    assert "the KPI is probably in larger units than spend" in message
    assert "a count (then kpi_type: conversions)" in message


def test_a_conversions_kpi_is_scaled_by_its_value_and_skipped_without_one(project):
    frame = weekly_frame()
    frame["revenue"] = (frame["revenue"] / 1000).round(3)  # orders, not currency
    assert "spend_kpi_scale" not in codes(project, frame, kpi_type="conversions")
    assert "spend_kpi_scale" not in codes(project, frame, kpi_type="conversions",
                                          revenue_per_kpi=1000)
    assert "spend_kpi_scale" in codes(project, frame, kpi_type="conversions",
                                      revenue_per_kpi=1)


def test_a_stated_default_roi_prior_silences_the_unit_warning(project):
    frame = weekly_frame()
    frame["revenue"] = (frame["revenue"] / 1000).round(3)
    stated = {"roi_priors": {"default": {"lo90": 0.0005, "hi90": 0.005}}}
    assert "spend_kpi_scale" not in codes(project, frame, model=stated)
    per_channel = {"roi_priors": {"tv_spend": {"lo90": 0.0005, "hi90": 0.005}}}
    assert "spend_kpi_scale" in codes(project, frame, model=per_channel)


def test_a_week_index_given_as_a_control_is_flagged(project):
    frame = weekly_frame()
    frame["t"] = np.arange(len(frame))
    frame["month"] = pd.to_datetime(frame["date"]).dt.month
    found = codes(project, frame, controls=["price", "t", "month"])
    flagged = {i.columns: i.message for i in found["calendar_control"]}
    assert set(flagged) == {("t",), ("month",)}                      # price is kept
    assert "a time index or trend line" in flagged[("t",)]
    assert "the month" in flagged[("month",)] and "Remove it from controls" in flagged[("t",)]
