"""parse_events on in-memory tables: indicator weeks and every row-level mistake."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mixcast.data.events import parse_events
from mixcast.errors import DataError
from tests.data.helpers import small_dataset


def parse(rows: list[dict], data=None):
    return parse_events(pd.DataFrame(rows), data or small_dataset(), source="events.csv")


def problems(rows: list[dict], data=None) -> tuple[str, ...]:
    with pytest.raises(DataError) as info:
        parse(rows, data)
    return info.value.issues


def test_without_end_date_one_week_is_on():
    names, on = parse([{"name": "outage", "start_date": "2024-01-17"}])  # a Wednesday
    assert names == ("outage",) and on.shape == (1, 30, 1)
    assert np.flatnonzero(on[0, :, 0]).tolist() == [2]  # the week of Monday 2024-01-15


def test_same_name_twice_is_one_indicator_and_windows_overlap_weeks():
    names, on = parse([
        {"name": "promo", "start_date": "2024-01-07", "end_date": "2024-01-08"},
        {"name": "promo", "start_date": "2024-03-04", "end_date": "2024-03-17"},
        {"name": "launch", "start_date": "2024-05-06", "end_date": ""}])
    assert names == ("promo", "launch")
    assert np.flatnonzero(on[0, :, 0]).tolist() == [0, 1, 9, 10]
    assert np.flatnonzero(on[0, :, 1]).tolist() == [18]


def test_an_event_partly_before_the_data_marks_the_weeks_inside():
    _, on = parse([{"name": "x", "start_date": "2023-12-01", "end_date": "2024-01-02"}])
    assert np.flatnonzero(on[0, :, 0]).tolist() == [0]


def test_monthly_periods():
    data = small_dataset(24, start="2022-01-01")
    data = type(data)(**{**{f: getattr(data, f) for f in data.__slots__},
                         "dates": np.array(pd.date_range("2022-01-01", periods=24, freq="MS"),
                                           dtype="datetime64[D]")})
    _, on = parse([{"name": "x", "start_date": "2022-03-20"}], data)
    assert np.flatnonzero(on[0, :, 0]).tolist() == [2]


def test_empty_name():
    (message,) = problems([{"name": "", "start_date": "2024-01-17"}])
    assert message == ("events.csv: row 2: name is empty. Give every event a name, e.g. "
                       "product_launch.")


def test_geo_on_national_data_and_unknown_geo():
    (message,) = problems([{"name": "x", "start_date": "2024-01-17", "geo": "north"}])
    assert "geo 'north' given, but the data is national" in message
    data = small_dataset(geos=("north", "south"))
    (message,) = problems([{"name": "x", "start_date": "2024-01-17", "geo": "nort"}], data)
    assert "geo 'nort' is not in the data. Did you mean 'north'?" in message


def test_misspelt_end_date_column_is_not_silently_ignored():
    with pytest.raises(DataError) as info:
        parse([{"name": "x", "start_date": "2024-01-17", "end": "2024-02-17"}])
    assert "unexpected column 'end'. Did you mean 'end_date'?" in info.value.issues[0]


def test_bad_end_date_names_the_value():
    (message,) = problems([{"name": "x", "start_date": "2024-01-17", "end_date": "31/01/2024"}])
    assert "end_date '31/01/2024' is not a date. Write dates as YYYY-MM-DD" in message
