"""`mixcast init`: a first config proposed from a data file's names and values, which
`mixcast check` then reads like any other."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mixcast.config import read_config
from mixcast.data._common import read_table
from mixcast.data.load import load_dataset
from mixcast.data.propose import propose_config
from mixcast.errors import DataError
from mixcast.project import sample_config_path

ROBYN = sample_config_path().parent / "robyn_weekly.csv"


def _written(tmp_path, proposal, data_name: str):
    path = tmp_path / "config.yaml"
    path.write_text(proposal.yaml(data_name, source=data_name))
    return read_config(path)


def test_robyns_data_gets_its_roles_and_the_config_loads(tmp_path):
    frame = read_table(ROBYN)
    proposal = propose_config(frame, source="robyn_weekly.csv")
    assert proposal.date == "DATE" and proposal.target == "revenue"
    assert proposal.kpi_type == "revenue" and proposal.geo is None
    assert set(proposal.channels) == {"tv_S", "ooh_S", "print_S", "facebook_S", "search_S"}
    assert proposal.impressions == {"facebook_S": "facebook_I"}
    assert set(proposal.controls) == {"competitor_sales_B", "newsletter"}
    assert set(proposal.left_out) == {"events", "search_clicks_P"}     # text; clicks
    (tmp_path / "robyn_weekly.csv").write_bytes(ROBYN.read_bytes())
    data = load_dataset(_written(tmp_path, proposal, "robyn_weekly.csv"))
    assert data.n_times == 208 and data.channels == proposal.channels


def _geo_panel() -> pd.DataFrame:
    """Meridian's layout: a nameless row number, geo x week, conversions valued by a
    revenue-per-conversion column, spend with its impressions, organic impressions."""
    rng = np.random.default_rng(0)
    weeks = pd.date_range("2023-01-02", periods=60, freq="7D").strftime("%Y-%m-%d")
    rows = [(g, w) for g in ("north", "south", "east") for w in weeks]
    n = len(rows)
    return pd.DataFrame({
        "": np.arange(n), "geo": [g for g, _ in rows], "time": [w for _, w in rows],
        "population": np.repeat([1e6, 2e6, 5e5], 60),
        "Channel0_impression": rng.uniform(1e5, 2e5, n),
        "Channel0_spend": rng.uniform(1e3, 2e3, n), "Promo": rng.uniform(0, 1, n),
        "Organic_channel0_impression": rng.uniform(1e4, 2e4, n),
        "conversions": rng.uniform(100, 200, n), "revenue_per_conversion": np.full(n, 25.0),
    })


def test_a_geo_panel_of_conversions_gets_geo_population_and_value_per_conversion(tmp_path):
    frame = _geo_panel()
    proposal = propose_config(frame, source="panel.csv")
    assert (proposal.date, proposal.geo, proposal.target) == ("time", "geo", "conversions")
    assert proposal.kpi_type == "conversions"
    assert proposal.revenue_per_kpi == "revenue_per_conversion"
    assert proposal.population == "population"
    assert proposal.channels == ("Channel0_spend",)
    assert proposal.impressions == {"Channel0_spend": "Channel0_impression"}
    assert proposal.controls == ("Promo",)
    assert proposal.organic == ("Organic_channel0_impression",)
    assert "" in proposal.left_out                     # the row number
    frame.to_csv(tmp_path / "panel.csv", index=False)
    data = load_dataset(_written(tmp_path, proposal, "panel.csv"))
    assert data.n_geos == 3 and data.n_times == 60 and data.kpi_type == "conversions"


def test_what_cannot_be_guessed_is_asked_for_by_name():
    frame = read_table(ROBYN)
    with pytest.raises(DataError, match="no column of dates found"):
        propose_config(frame.drop(columns="DATE"), source="x.csv")
    with pytest.raises(DataError, match="--target COLUMN"):
        propose_config(frame.rename(columns={"revenue": "amount"}), source="x.csv")
    renamed = frame.rename(columns={c: c.replace("_S", "") for c in frame.columns})
    by_medium = propose_config(renamed, source="x.csv")     # named for their media
    assert set(by_medium.channels) == {"tv", "ooh", "print", "facebook", "search"}
    assert "check they are spend in currency" in by_medium.notes["channels"]
    anonymous = renamed.rename(columns={"tv": "a1", "ooh": "a2", "print": "a3",
                                        "facebook": "a4", "search": "a5"})
    with pytest.raises(DataError, match="--channels tv,search"):
        propose_config(anonymous, source="x.csv")
    impressions_only = anonymous.drop(columns=["a1", "a2", "a3", "a4", "a5"])
    with pytest.raises(DataError, match="search_clicks_P look like impressions or clicks: each "
                                        "channel also needs its spend"):
        propose_config(impressions_only, source="x.csv")
    chosen = propose_config(renamed, source="x.csv", channels=("tv", "ooh"))
    assert chosen.channels == ("tv", "ooh") and "tv" not in chosen.controls
    with pytest.raises(DataError, match="not numeric spend columns"):
        propose_config(renamed, source="x.csv", channels=("tv", "DATE"))


@pytest.mark.parametrize("name", ["tv_S", "Yes", "null", "2024", "hldy_Black Friday",
                                  "Father's Day", "a: b", "x,y", "../data/x.csv"])
def test_every_column_name_survives_the_yaml_round_trip(name):
    import yaml

    from mixcast.data.propose import _quoted

    assert yaml.safe_load(f"k: {_quoted(name)}\nl: [{_quoted(name)}]") == {"k": name,
                                                                             "l": [name]}


def test_daily_rows_are_proposed_summed_into_weeks(tmp_path):
    rng = np.random.default_rng(1)
    n = 600
    frame = pd.DataFrame({
        "date": pd.date_range("2023-01-02", periods=n, freq="D").strftime("%Y-%m-%d"),
        "sales": rng.uniform(1e4, 2e4, n), "tv_spend": rng.uniform(0, 1e3, n),
        "search_spend": rng.uniform(100, 200, n), "price": rng.uniform(9, 11, n)})
    proposal = propose_config(frame, source="daily.csv")
    assert proposal.daily and proposal.controls == ("price",)
    assert not propose_config(read_table(ROBYN), source="robyn_weekly.csv").daily
    frame.to_csv(tmp_path / "daily.csv", index=False)
    data = load_dataset(_written(tmp_path, proposal, "daily.csv"))
    assert data.n_times == n // 7


def test_calendar_and_constant_columns_are_left_out_and_a_near_linear_control_is_kept():
    """PyMC-Marketing's example data carry `t` (the week number) and `dayofyear`: as
    linear controls they would duplicate the trend and add a sawtooth, not seasonality."""
    frame = _geo_panel()
    when = pd.to_datetime(frame["time"])
    frame["t"] = (when - when.min()).dt.days // 7
    frame["dayofyear"] = when.dt.day_of_year
    frame["week_no"] = when.dt.isocalendar().week.astype(int) - 1     # 0-based
    frame["cpi"] = 100 + 0.2 * frame["t"] + np.random.default_rng(1).normal(0, 0.05, len(frame))
    frame["intercept"] = 6.0
    proposal = propose_config(frame, source="panel.csv")
    assert set(proposal.controls) == {"Promo", "cpi"}
    assert "the same value in every row" in proposal.left_out["intercept"]
    assert "time index" in proposal.left_out["t"]
    assert "the day of the year" in proposal.left_out["dayofyear"]
    assert "the week of the year" in proposal.left_out["week_no"]
    assert "own trend and yearly seasonality" in proposal.left_out["t"]


def test_other_outcome_columns_are_not_proposed_as_controls():
    """PyMC-Marketing's mock data: four targets, media named for themselves."""
    rng = np.random.default_rng(0)
    n = 80
    frame = pd.DataFrame({
        "Weeks": pd.date_range("2022-01-03", periods=n, freq="7D").strftime("%Y-%m-%d"),
        "Google Search": rng.uniform(1, 3, n), "TV": rng.uniform(0, 10, n),
        "Radio": rng.uniform(0, 2, n), "Promotion": rng.uniform(0, 1, n),
        "target1": rng.uniform(5, 9, n), "target2": rng.uniform(5, 9, n),
        "target_upwards": rng.uniform(5, 9, n)})
    proposal = propose_config(frame, source="mock.csv")
    assert proposal.target == "target1"
    assert proposal.channels == ("Google Search", "TV", "Radio")
    assert proposal.controls == ("Promotion",)
    assert set(proposal.left_out) == {"target2", "target_upwards"}
    assert "not a driver" in proposal.left_out["target2"]
    chosen = propose_config(frame, source="mock.csv", target="target2")
    assert "target1" in chosen.left_out and chosen.controls == ("Promotion",)
