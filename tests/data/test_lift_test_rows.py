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


# measure_end_date and bau_spend (weeks start Mondays 2024-01-01 … 2024-07-22, spend 1 a week)

def test_measure_end_date_extends_the_measurement():
    (test,) = parse([{**GOOD, "measure_end_date": "2024-02-20"}])
    assert (test.start, test.end, test.measure_end, test.last_week) == (2, 5, 7, 7)
    (plain,) = parse([{**GOOD, "measure_end_date": ""}])
    assert plain.measure_end is None and plain.last_week == 5


def test_measure_end_date_before_end_date():
    (message,) = problems([{**GOOD, "measure_end_date": "2024-02-01"}])
    assert message == ("lift.csv: row 2: measure_end_date 2024-02-01 is before end_date "
                       "2024-02-06. Give the last day the lift was measured (on or after "
                       "end_date), or leave it empty.")


def test_measure_end_date_past_the_data_or_not_a_date():
    late, bad = problems([{**GOOD, "measure_end_date": "2024-09-01"},
                          {**GOOD, "measure_end_date": "soon"}])
    assert late.startswith("lift.csv: row 2: measure_end_date 2024-09-01 is after the data's "
                           "last week (the data end on 2024-07-28)")
    assert "set measure_end_date to 2024-07-28 at the latest" in late
    assert bad.startswith("lift.csv: row 3: measure_end_date 'soon' is not a date.")


def test_a_test_outside_the_data_needs_bau_spend():
    outside = {**GOOD, "start_date": "2024-09-02", "end_date": "2024-09-29"}
    (message,) = problems([outside])
    assert message.startswith("lift.csv: row 2: the window 2024-09-02 … 2024-09-29 is outside "
                              "the data (2024-01-01 … 2024-07-28)")
    assert "add a column bau_spend with its usual weekly spend in that geo" in message
    (message,) = problems([{**GOOD, "bau_spend": 3.0}, {**outside, "bau_spend": ""}])
    assert message.startswith("lift.csv: row 3:") and "fill bau_spend on this row" in message


def test_tests_outside_the_data_continue_the_weekly_grid():
    after, before = parse([
        {**GOOD, "start_date": "2024-09-02", "end_date": "2024-09-29", "bau_spend": 2.0,
         "spend_delta": -8.0, "measure_end_date": "2024-10-14"},
        {**GOOD, "start_date": "2023-11-06", "end_date": "2023-11-26", "bau_spend": 2.0,
         "spend_delta": 3.0}])
    assert (after.start, after.end, after.last_week, after.bau_spend) == (35, 38, 41, 2.0)
    assert (before.start, before.end, before.last_week) == (-8, -6, -6)
    assert not after.inside(30) and not before.inside(30)


@pytest.mark.parametrize("value, expected", [
    (-5, "bau_spend must be 0 or more (the channel's usual weekly spend in that geo, in "
         "currency). Got -5. Give the weekly spend before the test."),
    ("lots", "bau_spend must be a number. Got 'lots'.")])
def test_bad_bau_spend(value, expected):
    (message,) = problems([{**GOOD, "start_date": "2024-09-02", "end_date": "2024-09-29",
                            "bau_spend": value}])
    assert message == f"lift.csv: row 2: {expected}"


def test_a_window_across_the_data_edge():
    (message,) = problems([{**GOOD, "start_date": "2023-12-18", "end_date": "2024-01-14",
                            "bau_spend": 1.0}])
    assert "the window 2023-12-18 … 2024-01-14 is not inside the data (2024-01-01 … " \
           "2024-07-28): it crosses the data's first week" in message


def test_a_spend_up_larger_than_the_observed_spend():
    """Observed spend in the window is 4 (1 a week): the change cannot be more."""
    (message,) = problems([{**GOOD, "spend_delta": 10.0}])
    assert message.startswith("lift.csv: row 2: spend_delta 10 is more than tv_spend's "
                              "observed spend in the window (4, all geos)")
    assert "negative for a go-dark holdout" in message
    (launch,) = parse([{**GOOD, "spend_delta": 4.0}])   # from 0 to the observed: a launch
    assert launch.spend_delta == 4.0


def test_a_go_dark_outside_the_data_cannot_remove_more_than_the_usual_spend():
    (message,) = problems([{**GOOD, "start_date": "2024-09-02", "end_date": "2024-09-29",
                            "bau_spend": 2.0, "spend_delta": -10.0}])
    assert "spend_delta -10 removes more than the usual spend over the window (bau_spend 2 " \
           "x 4 weeks = 8)" in message
