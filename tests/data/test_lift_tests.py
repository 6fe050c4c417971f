"""lift_tests.csv: parsed into LiftTest rows; each mistake named by file, row and fix."""

from __future__ import annotations

import pandas as pd
import pytest

from mixcast.config import read_config
from mixcast.data.load import load_dataset
from mixcast.errors import DataError
from tests.data.tables import geo_frame, weekly_frame

GOOD = {"channel": "tv_spend", "start_date": "2023-06-04", "end_date": "2023-07-02",
        "geo": "", "spend_delta": -50_000, "lift": -12_000, "lift_se": 3_000}


def load_with(project, rows: list[dict], frame=None):
    config = project(frame if frame is not None else weekly_frame(), lift_tests="lift.csv")
    pd.DataFrame(rows).to_csv(config.parent / "lift.csv", index=False)
    return load_dataset(read_config(config))


def error_for(project, changes: dict, frame=None) -> str:
    with pytest.raises(DataError) as caught:
        load_with(project, [GOOD, {**GOOD, **changes}], frame)
    message = str(caught.value)
    assert "lift.csv" in message and "row 3" in message  # the second data row
    assert "row 2:" not in message  # the good row is not blamed
    return message


def test_a_national_test_is_parsed_to_weeks(project):
    data = load_with(project, [GOOD])
    (test,) = data.lift_tests
    assert test.channel == "tv_spend" and test.geo is None
    assert str(data.dates[test.start]) == "2023-06-04"
    assert str(data.dates[test.end]) == "2023-07-02"
    assert (test.spend_delta, test.lift, test.lift_se) == (-50_000, -12_000, 3_000)


def test_a_geo_test_points_at_its_geo(project):
    data = load_with(project, [{**GOOD, "geo": "south"}], geo_frame())
    assert data.geos[data.lift_tests[0].geo] == "south"


def test_unknown_channel_suggests_the_closest(project):
    message = error_for(project, {"channel": "tv_spnd"})
    assert "'tv_spnd'" in message and "Did you mean 'tv_spend'" in message


@pytest.mark.parametrize("se", [0, -5])
def test_lift_se_must_be_positive(project, se):
    message = error_for(project, {"lift_se": se})
    assert "lift_se" in message and "positive" in message and f"{se:g}" in message


def test_window_outside_the_data(project):
    message = error_for(project, {"start_date": "2026-01-04", "end_date": "2026-02-01"})
    assert "2026-01-04" in message and "2023-01-01" in message  # the data's span


def test_end_before_start(project):
    message = error_for(project, {"start_date": "2023-07-02", "end_date": "2023-06-04"})
    assert "end_date 2023-06-04 is before start_date 2023-07-02" in message


def test_unknown_geo(project):
    message = error_for(project, {"geo": "sout"}, geo_frame())
    assert "'sout'" in message and "Did you mean 'south'" in message


def test_bad_date_and_number(project):
    message = error_for(project, {"start_date": "June 4th", "lift": "big"})
    assert "'June 4th'" in message and "'big'" in message


def test_missing_columns_are_listed(project):
    config = project(weekly_frame(), lift_tests="lift.csv")
    pd.DataFrame([GOOD]).drop(columns=["lift_se"]).to_csv(config.parent / "lift.csv",
                                                          index=False)
    with pytest.raises(DataError, match=r"lift\.csv.*lift_se"):
        load_dataset(read_config(config))


def test_missing_lift_test_file_names_the_key(project):
    config = project(weekly_frame(), lift_tests="nowhere.csv")
    with pytest.raises(DataError, match="nowhere.csv"):
        load_dataset(read_config(config))
