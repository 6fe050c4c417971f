"""parse_lift_tests on in-memory tables: week snapping and every row-level mistake."""

from __future__ import annotations

import pandas as pd
import pytest

from mixcast.data.lift_tests import parse_lift_tests
from mixcast.errors import DataError
from tests.data.helpers import small_dataset

GOOD = {"channel": "tv_spend", "start_date": "2024-01-10", "end_date": "2024-02-06",
        "geo": "", "spend_delta": -5000.0, "lift": -900.0, "lift_se": 250.0}


def parse(rows: list[dict], data=None):
    return parse_lift_tests(pd.DataFrame(rows), data or small_dataset(), source="lift.csv")


def problems(rows: list[dict], data=None) -> tuple[str, ...]:
    with pytest.raises(DataError) as info:
        parse(rows, data)
    return info.value.issues


def test_window_snaps_to_the_weeks_starting_inside_it():
    (test,) = parse([GOOD])  # weeks start on Mondays: Jan 15, 22, 29, Feb 5
    assert (test.start, test.end) == (2, 5)
    assert test.geo is None and test.label == "tv_spend 2024-01-10"


def test_label_column_and_geo_index():
    data = small_dataset(geos=("north", "south"))
    (test,) = parse([{**GOOD, "geo": "south", "label": "Q1 holdout"}], data)
    assert test.geo == 1 and test.label == "Q1 holdout"


def test_window_without_a_week_start():
    (message,) = problems([{**GOOD, "start_date": "2024-01-09", "end_date": "2024-01-12"}])
    assert message.startswith("lift.csv: row 2: the window 2024-01-09 … 2024-01-12 contains "
                              "no week start (weeks start on 2024-01-15")
    assert "Widen it to cover at least one whole week" in message


def test_window_past_the_end_of_the_data():
    (message,) = problems([{**GOOD, "end_date": "2024-08-01"}])
    assert "the window 2024-01-10 … 2024-08-01 is not inside the data (2024-01-01 … " \
           "2024-07-28)" in message


def test_geo_on_national_data():
    (message,) = problems([{**GOOD, "geo": "north"}])
    assert "geo 'north' given, but the data is national (no geo column). Leave geo empty." \
        in message


def test_zero_spend_delta():
    (message,) = problems([{**GOOD, "spend_delta": 0}])
    assert "spend_delta is 0" in message


def test_non_numeric_lift():
    (message,) = problems([{**GOOD, "lift": "lots"}])
    assert message == "lift.csv: row 2: lift must be a number. Got 'lots'."


def test_every_bad_row_is_reported_with_its_row():
    found = problems([GOOD, {**GOOD, "channel": "tv_spnd"}, {**GOOD, "lift_se": -1},
                      {**GOOD, "end_date": "2024-01-01"}])
    assert [m.split(":")[1] for m in found] == [" row 3", " row 4", " row 5"]
    assert "Did you mean 'tv_spend'?" in found[0]
    assert "lift_se must be positive (the test's standard error). Got -1." in found[1]
    assert "end_date 2024-01-01 is before start_date 2024-01-10. Swap them." in found[2]


def test_unexpected_column_suggests_the_expected_one():
    frame = pd.DataFrame([GOOD]).rename(columns={"geo": "region", "lift_se": "lift_sd"})
    with pytest.raises(DataError) as info:
        parse_lift_tests(frame, small_dataset(), source="lift.csv")
    text = "\n".join(info.value.issues)
    assert "column 'lift_se' not found. Did you mean 'lift_sd'?" in text
    assert "unexpected column 'region'." in text


def test_an_empty_file_has_no_tests():
    assert parse_lift_tests(pd.DataFrame(columns=list(GOOD)), small_dataset(),
                            source="lift.csv") == ()
