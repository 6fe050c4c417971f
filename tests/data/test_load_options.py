"""load_dataset options: media sources, conversions, fill_missing, daily weeks, frame=."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mixcast.config import read_config
from mixcast.data import Dataset, load_dataset
from tests.data.helpers import weekly_frame, write_project


def load(folder: Path, frame: pd.DataFrame, **config: object) -> Dataset:
    return load_dataset(read_config(write_project(folder, frame, **config)))


def test_national_arrays_names_and_source(tmp_path):
    frame = weekly_frame(100, channels=("tv_spend", "search_spend", "social_spend"))
    data = load(tmp_path, frame, controls=["price"])
    assert data.geos == ("national",) and data.geo_column is None and not data.is_geo
    assert data.channels == ("tv_spend", "search_spend", "social_spend")
    assert data.y.shape == (1, 100) and data.spend.shape == (1, 100, 3)
    assert data.controls.shape == (1, 100, 1) and data.control_names == ("price",)
    assert data.dates.dtype == np.dtype("datetime64[D]")
    assert str(data.dates[0]) == "2023-01-01" and str(data.dates[-1]) == "2024-11-24"
    np.testing.assert_allclose(data.y[0], frame["revenue"])
    np.testing.assert_allclose(data.spend[0, :, 1], frame["search_spend"])
    np.testing.assert_array_equal(data.media, data.spend)  # no impressions: media is spend
    assert data.population is None and data.revenue_per_kpi is None
    assert data.source == str(tmp_path / "data.csv")


def test_impressions_and_reach_frequency_set_media(tmp_path):
    frame = weekly_frame(60).assign(tv_grps=lambda f: f["tv_spend"] / 10,
                                    reach=50.0, frequency=np.linspace(1, 3, 60))
    data = load(tmp_path, frame, impressions={"tv_spend": "tv_grps"},
                reach_frequency={"search_spend": {"reach": "reach", "frequency": "frequency"}})
    np.testing.assert_allclose(data.media[0, :, 0], frame["tv_grps"])
    # a reach & frequency channel is modelled on reach, its frequency kept beside it
    np.testing.assert_allclose(data.media[0, :, 1], 50.0)
    assert data.rf_channels == ("search_spend",)
    np.testing.assert_allclose(data.frequency[0, :, 0], frame["frequency"])
    np.testing.assert_allclose(data.spend[0, :, 0], frame["tv_spend"])


def test_conversions_with_a_value_and_platform_outcomes(tmp_path):
    frame = weekly_frame(40).assign(value=np.linspace(20, 30, 40), conv=3.0)
    data = load(tmp_path, frame, kpi_type="conversions", revenue_per_kpi="value",
                organic=["conv"], platform_attributed={"tv_spend": "price"})
    assert data.kpi_type == "conversions"
    np.testing.assert_allclose(data.value_per_kpi()[0], frame["value"])
    np.testing.assert_allclose(data.platform_attributed["tv_spend"][0], frame["price"])
    assert data.organic_names == ("conv",) and data.organic.shape == (1, 40, 1)
    fixed = load(tmp_path / "fixed", frame, kpi_type="conversions", revenue_per_kpi=12.5)
    assert np.all(fixed.value_per_kpi() == 12.5)


def test_fill_missing_methods_and_the_user_frame_is_untouched(tmp_path):
    frame = weekly_frame(40)
    frame.loc[[5, 6], "tv_spend"] = np.nan
    frame.loc[[0, 10, 11], "price"] = np.nan
    frame.loc[[0, 1, 39], "revenue"] = np.nan
    before = frame.copy(deep=True)
    path = write_project(tmp_path, frame, controls=["price"], fill_missing={
        "tv_spend": "zero", "price": "interpolate", "revenue": "drop"})
    data = load_dataset(read_config(path), frame=frame)
    pd.testing.assert_frame_equal(frame, before)
    assert data.n_times == 37 and str(data.dates[0]) == "2023-01-15"
    assert data.spend[0, 3, 0] == 0.0 and data.spend[0, 4, 0] == 0.0  # rows 5, 6
    price = frame["price"]
    assert data.controls[0, 8, 0] == pytest.approx(price[9] + (price[12] - price[9]) / 3)


def test_ffill_follows_date_order_within_each_geo(tmp_path):
    frame = weekly_frame(30, geos=("a", "b"))
    frame.loc[[10, 40], "price"] = np.nan
    data = load(tmp_path, frame.iloc[::-1], geo="geo", population="population",
                controls=["price"], fill_missing={"price": "ffill"})
    assert data.controls[0, 10, 0] == frame.loc[9, "price"]
    assert data.controls[1, 10, 0] == frame.loc[39, "price"]


def test_daily_weeks_start_on_the_first_weekday_and_weight_the_value(tmp_path):
    frame = weekly_frame(7 * 25 + 3, freq="D", start="2024-01-03")  # a Wednesday
    frame["value"] = 2.0
    frame.loc[:6, "value"] = 4.0
    data = load(tmp_path, frame, controls=["price"], aggregate_daily=True,
                kpi_type="conversions", revenue_per_kpi="value")
    assert data.n_times == 25
    assert str(data.dates[0]) == "2024-01-03" and str(data.dates[1]) == "2024-01-10"
    np.testing.assert_allclose(data.y[0, 0], frame["revenue"][:7].sum())
    np.testing.assert_allclose(data.spend[0, 1, 0], frame["tv_spend"][7:14].sum())
    np.testing.assert_allclose(data.controls[0, 2, 0], frame["price"][14:21].mean())
    np.testing.assert_allclose(data.value_per_kpi()[0, :2], [4.0, 2.0])
    partial = [i for i in data.issues if i.code == "partial_week_dropped"]
    assert partial and "The last 3 days of the daily data" in partial[0].message


def test_lift_tests_and_events_are_attached(tmp_path):
    frame = weekly_frame(30)
    (tmp_path / "lift.csv").write_text(
        "channel,start_date,end_date,geo,spend_delta,lift,lift_se\n"
        "tv_spend,2023-02-01,2023-02-28,,-5000,1200,300\n")
    (tmp_path / "events.csv").write_text("name,start_date\nlaunch,2023-03-08\n")
    data = load(tmp_path, frame, lift_tests="lift.csv", events="events.csv")
    assert len(data.lift_tests) == 1 and data.lift_tests[0].start == 5
    assert data.event_names == ("launch",) and data.events[0, :, 0].sum() == 1


def test_guardrail_issues_are_attached(tmp_path):
    data = load(tmp_path, weekly_frame(60))
    codes = [issue.code for issue in data.issues]
    assert "short_history" in codes and "no_controls" in codes


def test_sample_config_loads():
    root = Path(__file__).resolve().parents[2] / "mixcast" / "sample_data"
    data = load_dataset(read_config(root / "robyn_config.yaml"))
    assert data.spend.shape == (1, 208, 5) and data.event_names == ("event1", "event2")
    assert not np.array_equal(data.media[..., 3], data.spend[..., 3])  # facebook impressions
