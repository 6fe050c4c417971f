"""events.csv: 0/1 indicators per event name, per geo; mistakes named by row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mixcast.config import read_config
from mixcast.data.load import load_dataset
from mixcast.errors import DataError
from tests.data.tables import geo_frame, weekly_frame


def load_with(project, rows: list[dict], frame=None):
    config = project(frame if frame is not None else weekly_frame(), events="events.csv")
    pd.DataFrame(rows).to_csv(config.parent / "events.csv", index=False)
    return load_dataset(read_config(config))


def test_events_become_weekly_indicators(project):
    data = load_with(project, [
        {"name": "launch", "start_date": "2023-03-01", "end_date": "2023-03-20"},
        {"name": "outage", "start_date": "2023-08-06", "end_date": ""},
        {"name": "launch", "start_date": "2024-03-03", "end_date": "2024-03-03"},
    ])
    assert data.event_names == ("launch", "outage")
    assert data.events.shape == (1, 104, 2)
    on = {name: [str(d) for d in data.dates[data.events[0, :, e] > 0]]
          for e, name in enumerate(data.event_names)}
    # weeks start on Sundays: 2023-02-26 (overlaps Mar 1) … 2023-03-19, and 2024-03-03
    assert on["launch"] == ["2023-02-26", "2023-03-05", "2023-03-12", "2023-03-19",
                            "2024-03-03"]
    assert on["outage"] == ["2023-08-06"]
    assert set(np.unique(data.events)) == {0.0, 1.0}


def test_geo_events_only_switch_on_their_geo(project):
    data = load_with(project, [{"name": "promo", "start_date": "2023-05-07",
                                "end_date": "2023-05-07", "geo": "west"}], geo_frame())
    week = list(data.dates.astype(str)).index("2023-05-07")
    assert data.events[:, week, 0].tolist() == [0.0, 0.0, 1.0]  # north, south, west


@pytest.mark.parametrize("row, fragments", [
    ({"name": "x", "start_date": "soon", "end_date": ""}, ("'soon'", "not a date")),
    ({"name": "x", "start_date": "2023-05-07", "end_date": "2023-05-01"},
     ("end_date 2023-05-01 is before start_date 2023-05-07",)),
    ({"name": "x", "start_date": "2030-01-06", "end_date": ""}, ("2030-01-06", "outside")),
], ids=["bad_date", "end_before_start", "outside_data"])
def test_event_mistakes_name_the_row(project, row, fragments):
    good = {"name": "launch", "start_date": "2023-03-01", "end_date": "2023-03-20"}
    with pytest.raises(DataError) as caught:
        load_with(project, [good, row])
    message = str(caught.value)
    assert "events.csv" in message and "row 3" in message
    for fragment in fragments:
        assert fragment in message


def test_event_with_unknown_geo(project):
    with pytest.raises(DataError, match="'wst'"):
        load_with(project, [{"name": "promo", "start_date": "2023-05-07", "end_date": "",
                             "geo": "wst"}], geo_frame())


def test_events_file_without_name_column(project):
    with pytest.raises(DataError, match=r"events\.csv.*name"):
        load_with(project, [{"event": "promo", "start_date": "2023-05-07"}])
