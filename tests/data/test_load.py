"""Loading good data: CSV and Parquet, national and geo, daily aggregation, fill_missing."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from mixcast.config import read_config
from mixcast.data.load import load_dataset
from mixcast.errors import DataError
from tests.data.tables import geo_frame, weekly_frame, write_project


def load(config_path):
    return load_dataset(read_config(config_path))


def test_clean_national_data_loads_with_no_warnings(project):
    frame = weekly_frame()
    data = load(project(frame))
    assert data.y.shape == (1, 104)
    assert data.spend.shape == (1, 104, 3)
    assert data.channels == ("tv_spend", "search_spend", "social_spend")
    assert data.geos == ("national",)
    np.testing.assert_allclose(data.y[0], frame["revenue"])
    np.testing.assert_allclose(data.spend[0, :, 1], frame["search_spend"])
    np.testing.assert_allclose(data.controls[0, :, 0], frame["price"])
    assert str(data.dates[0]) == "2023-01-01" and str(data.dates[-1]) == "2024-12-22"
    assert [i for i in data.issues if i.level == "warning"] == []


def test_parquet_round_trip_gives_the_same_dataset(project):
    frame = weekly_frame()
    from_csv = load(project(frame))
    parquet_frame = frame.assign(date=pd.to_datetime(frame["date"]))  # real datetime column
    from_parquet = load(project(parquet_frame, data_name="data.parquet"))
    assert from_parquet.fingerprint() == from_csv.fingerprint()
    np.testing.assert_array_equal(from_parquet.dates, from_csv.dates)


def test_rows_in_any_order_are_sorted_by_date(project):
    frame = weekly_frame()
    shuffled = frame.sample(frac=1.0, random_state=1)
    assert load(project(shuffled)).fingerprint() == load(project(frame)).fingerprint()


def test_geo_data_is_shaped_geo_time_channel(project):
    frame = geo_frame(("west", "north", "south"), n_weeks=90)
    data = load(project(frame))
    assert data.geos == ("north", "south", "west")  # sorted
    assert data.spend.shape == (3, 90, 3) and data.y.shape == (3, 90)
    assert data.is_geo
    np.testing.assert_allclose(data.population, [2e6, 3e6, 1e6])
    north = frame[frame["geo"] == "north"]
    np.testing.assert_allclose(data.spend[0, :, 0], north["tv_spend"])
    np.testing.assert_allclose(data.y[0], north["revenue"])


def test_geos_with_different_dates_are_an_error(project):
    frame = geo_frame()
    west = frame.index[frame["geo"] == "west"]
    frame = frame.drop(index=west[-3:])  # west stops three weeks early
    with pytest.raises(DataError) as caught:
        load(project(frame))
    message = str(caught.value)
    assert "'west'" in message and "2024-09-01" in message


def test_population_changing_within_a_geo_is_an_error(project):
    frame = geo_frame()
    south = frame.index[frame["geo"] == "south"]
    frame.loc[south[50:], "population"] = 2_100_000
    with pytest.raises(DataError) as caught:
        load(project(frame))
    message = str(caught.value)
    assert "'population'" in message and "'south'" in message and "2.1e+06" in message


def test_numeric_geo_ids_are_one_geo_each(project):
    frame = geo_frame(("1", "2"), n_weeks=80)
    frame["geo"] = frame["geo"].astype(int)
    data = load(project(frame))
    assert data.geos == ("1", "2")


def daily_frame(n_days: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2023-01-02", periods=n_days, freq="D")
    return pd.DataFrame({
        "date": dates.strftime("%Y-%m-%d"),
        "tv_spend": rng.uniform(500, 2_000, n_days).round(2),
        "search_spend": rng.uniform(1_000, 3_000, n_days).round(2),
        "social_spend": rng.uniform(200, 900, n_days).round(2),
        "price": rng.uniform(9, 11, n_days).round(3),
        "revenue": rng.uniform(20_000, 40_000, n_days).round(2),
    })


def test_daily_rows_are_summed_into_weeks(project):
    frame = daily_frame(7 * 90)
    data = load(project(frame, aggregate_daily=True))
    assert data.n_times == 90
    first = frame.iloc[:7]
    np.testing.assert_allclose(data.spend[0, 0], first[["tv_spend", "search_spend",
                                                         "social_spend"]].sum())
    np.testing.assert_allclose(data.y[0, 0], first["revenue"].sum())
    np.testing.assert_allclose(data.controls[0, 0, 0], first["price"].mean())
    assert str(data.dates[0]) == "2023-01-02" and str(data.dates[1]) == "2023-01-09"
    assert not [i for i in data.issues if i.code == "partial_week_dropped"]


def test_trailing_partial_week_is_dropped_with_a_warning(project):
    frame = daily_frame(7 * 90 + 3)
    data = load(project(frame, aggregate_daily=True))
    assert data.n_times == 90
    dropped = [i for i in data.issues if i.code == "partial_week_dropped"]
    assert len(dropped) == 1 and dropped[0].level == "warning"
    assert "3 day" in dropped[0].message


def test_daily_data_without_the_option_says_how_to_aggregate(project):
    with pytest.raises(DataError, match="aggregate_daily: true"):
        load(project(daily_frame(7 * 90)))


def test_a_missing_day_inside_daily_data_is_named(project):
    frame = daily_frame(7 * 90).drop(index=100).reset_index(drop=True)
    with pytest.raises(DataError, match="2023-04-12"):
        load(project(frame, aggregate_daily=True))


@pytest.fixture
def gappy():
    frame = weekly_frame()
    frame.loc[[10, 11], "tv_spend"] = np.nan
    frame.loc[[30], "price"] = np.nan
    frame.loc[[0, 1, 60], "revenue"] = np.nan
    return frame


def test_fill_missing_zero(project, gappy):
    data = load(project(gappy.drop(columns="revenue").assign(revenue=weekly_frame()["revenue"]),
                        fill_missing={"tv_spend": "zero", "price": "zero"}))
    assert data.spend[0, 10, 0] == 0 and data.spend[0, 11, 0] == 0
    assert data.controls[0, 30, 0] == 0


def test_fill_missing_ffill_and_interpolate(project, gappy):
    frame = gappy.assign(revenue=weekly_frame()["revenue"])
    data = load(project(frame, fill_missing={"tv_spend": "ffill", "price": "interpolate"}))
    assert data.spend[0, 10, 0] == frame.loc[9, "tv_spend"]
    assert data.spend[0, 11, 0] == frame.loc[9, "tv_spend"]
    expected = (frame.loc[29, "price"] + frame.loc[31, "price"]) / 2
    assert data.controls[0, 30, 0] == pytest.approx(expected)


def test_fill_missing_drop_trims_leading_weeks_without_kpi(project, gappy):
    frame = gappy.assign(tv_spend=weekly_frame()["tv_spend"], price=weekly_frame()["price"])
    frame.loc[60, "revenue"] = frame.loc[59, "revenue"]
    data = load(project(frame, fill_missing={"revenue": "drop"}))
    assert data.n_times == 102 and str(data.dates[0]) == "2023-01-15"


def test_fill_missing_drop_does_not_hide_a_gap_inside_the_series(project, gappy):
    frame = gappy.assign(tv_spend=weekly_frame()["tv_spend"], price=weekly_frame()["price"])
    with pytest.raises(DataError) as caught:
        load(project(frame, fill_missing={"revenue": "drop"}))
    assert "row 62" in str(caught.value) and "interpolate" in str(caught.value)


def test_the_users_files_are_never_modified(project, gappy):
    config = project(gappy, fill_missing={"tv_spend": "zero", "price": "interpolate",
                                          "revenue": "interpolate"})
    files = sorted(config.parent.iterdir())
    before = {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
              for p in files}
    load(config)
    after = {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
             for p in sorted(config.parent.iterdir())}
    assert after == before


def test_impressions_become_the_media_and_spend_stays_spend(project):
    frame = weekly_frame()
    frame["tv_grps"] = (frame["tv_spend"] / 100).round(3)
    data = load(project(frame, impressions={"tv_spend": "tv_grps"}))
    np.testing.assert_allclose(data.media[0, :, 0], frame["tv_grps"])
    np.testing.assert_allclose(data.spend[0, :, 0], frame["tv_spend"])
