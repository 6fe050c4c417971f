"""Every bad-input case: the message names the file, column, rows, values and the fix.

Rows are spreadsheet rows (the header is row 1), which for a CSV is the file's line.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mixcast.config import read_config
from mixcast.data import load_dataset
from mixcast.data.validate import validate_frame
from mixcast.errors import DataError
from tests.data.helpers import line_of, weekly_frame, write_project


def load_error(folder: Path, frame: pd.DataFrame, **config: object) -> DataError:
    path = write_project(folder, frame, **config)
    with pytest.raises(DataError) as info:
        load_dataset(read_config(path))
    return info.value


def only_issue(error: DataError) -> str:
    assert len(error.issues) == 1, error.issues
    return error.issues[0]


def test_message_header_states_the_row_convention(tmp_path):
    frame = weekly_frame()
    frame.loc[5, "tv_spend"] = -1.0
    error = load_error(tmp_path, frame)
    assert str(error).startswith("1 problem in data.csv (row numbers count the header as "
                                 "row 1, as in a spreadsheet):\n- data.csv: column")


def test_missing_column_lists_available_and_closest(tmp_path):
    frame = weekly_frame().rename(columns={"search_spend": "search_spnd"})
    message = only_issue(load_error(tmp_path, frame, channels=["tv_spend", "search_spend"]))
    assert message.startswith("data.csv: column 'search_spend' not found. Did you mean "
                              "'search_spnd'?")
    assert "Available columns: date, revenue, tv_spend, search_spnd, price." in message


def test_a_file_without_a_date_column_says_what_one_is(tmp_path):
    # ISLR's Advertising.csv: a row index with an empty header, no dates.
    frame = weekly_frame().drop(columns="date").reset_index().rename(columns={"index": ""})
    message = only_issue(load_error(tmp_path, frame))
    assert message.startswith("data.csv: column 'date' not found.")
    assert "Available columns: (unnamed), revenue," in message
    assert "one row per week (geo), dated by the week's first day" in message


def test_unparseable_dates_show_the_value(tmp_path):
    frame = weekly_frame()
    frame.loc[9, "date"] = "03/12/2023"
    frame.loc[20, "date"] = "soon"
    error = load_error(tmp_path, frame)
    message = only_issue(error)
    assert "column 'date' has 2 values that are not a date (rows 11, 22: '03/12/2023', " \
           "'soon'). Write dates as YYYY-MM-DD" in message
    assert line_of(tmp_path / "data.csv", 11).startswith("03/12/2023,")


def test_duplicate_dates(tmp_path):
    frame = weekly_frame()
    frame.loc[7, "date"] = frame.loc[6, "date"]
    message = load_error(tmp_path, frame).issues[0]
    assert "column 'date' has duplicate dates (rows 8, 9; dates 2023-02-12, 2023-02-12)" \
           in message
    assert "Keep one row per period: sum or drop the duplicates." in message


def test_duplicate_dates_within_a_geo(tmp_path):
    frame = weekly_frame(geos=("north", "south"))
    frame.loc[110, "date"] = frame.loc[109, "date"]  # south's rows start at 104
    error = load_error(tmp_path, frame, geo="geo", population="population")
    assert "duplicate dates within geo south (rows 111, 112; dates 2023-02-05, 2023-02-05)" \
           in error.issues[0]


def test_gaps_name_the_missing_weeks(tmp_path):
    frame = weekly_frame().drop(index=[10, 11, 40]).reset_index(drop=True)
    message = only_issue(load_error(tmp_path, frame))
    assert message == ("data.csv: 3 weeks missing from the series (2023-03-12, 2023-03-19, "
                       "2023-10-08). Add a row for each (spend 0 if nothing ran).")


def test_mixed_irregular_spacing_is_an_error(tmp_path):
    frame = weekly_frame()
    frame.loc[30, "date"] = "2023-07-31"  # a Monday among Sundays
    message = only_issue(load_error(tmp_path, frame))
    assert "the dates are weekly but irregularly spaced: 2023-07-31 (row 32) is 8 days " \
           "after 2023-07-23" in message
    assert "weeks starting on the same weekday" in message


def test_irregular_dates_that_are_not_weekly_at_all(tmp_path):
    dates = pd.Timestamp("2023-01-01") + pd.to_timedelta(np.cumsum([0] + [3, 10] * 15), "D")
    frame = weekly_frame(31)
    frame["date"] = dates.strftime("%Y-%m-%d")
    message = only_issue(load_error(tmp_path, frame))
    assert "the dates in 'date' are irregularly spaced (steps of 3 days, 10 days)" in message
    assert "Provide one row per week" in message


def test_monthly_data_loads_with_a_guardrail_warning(tmp_path):
    frame = weekly_frame(36, freq="MS")
    data = load_dataset(read_config(write_project(tmp_path, frame)))
    codes = {issue.code: issue for issue in data.issues}
    assert data.n_times == 36
    assert "The data is monthly" in codes["coarse_granularity"].message
    assert "short_history" not in codes  # 36 months is 156 weeks


def test_monthly_data_with_a_missing_month(tmp_path):
    frame = weekly_frame(36, freq="MS").drop(index=[5]).reset_index(drop=True)
    message = only_issue(load_error(tmp_path, frame))
    assert "1 period missing from the monthly series (2023-06)" in message


def test_daily_data_needs_aggregate_daily(tmp_path):
    message = only_issue(load_error(tmp_path, weekly_frame(200, freq="D")))
    assert "the dates in 'date' are daily" in message
    assert "set aggregate_daily: true in the config" in message


def test_negative_spend_shows_rows_and_values(tmp_path):
    frame = weekly_frame()
    frame.loc[[3, 50], "search_spend"] = [-120.0, -5.5]
    message = only_issue(load_error(tmp_path, frame))
    assert message.startswith("data.csv: column 'search_spend' has 2 negative values "
                              "(rows 5, 52; dates 2023-01-22, 2023-12-17: -120, -5.5).")
    assert "refunds or credits belong in a control" in message


def test_non_numeric_values_are_named(tmp_path):
    frame = weekly_frame().astype({"tv_spend": object})
    frame.loc[13, "tv_spend"] = "1,2OO"
    frame.loc[60, "tv_spend"] = "$300"
    message = only_issue(load_error(tmp_path, frame))
    assert ("data.csv: column 'tv_spend' has 2 values that are not a number (rows 15, 62; "
            "dates 2023-04-02, 2024-02-25: '1,2OO', '$300').") in message
    assert "no thousands separators, currency signs or letters" in message
    assert '"1,2OO"' in line_of(tmp_path / "data.csv", 15)


def test_infinite_values(tmp_path):
    frame = weekly_frame()
    frame.loc[4, "price"] = np.inf
    message = only_issue(load_error(tmp_path, frame, controls=["price"]))
    assert "column 'price' has 1 infinite value (row 6; date 2023-01-29)" in message


@pytest.mark.parametrize(("column", "role", "fix"), [
    ("revenue", {}, "drop"),
    ("tv_spend", {}, "zero"),
    ("price", {"controls": ["price"]}, "interpolate"),
])
def test_nans_are_errors_naming_the_fill_option(tmp_path, column, role, fix):
    frame = weekly_frame()
    frame.loc[[13, 14, 51], column] = np.nan
    message = only_issue(load_error(tmp_path, frame, **role))
    assert message == (f"data.csv: column '{column}' has 3 NaN values (rows 15, 16, 53; "
                       "dates 2023-04-02, 2023-04-09, 2023-12-24). Fill or drop them, or set "
                       f"fill_missing: {{{column}: {fix}}} in the config.")


def test_nan_shows_only_the_first_rows(tmp_path):
    frame = weekly_frame()
    frame.loc[range(10, 20), "tv_spend"] = np.nan
    message = only_issue(load_error(tmp_path, frame))
    assert "has 10 NaN values (rows 12, 13, 14, 15, 16, …; dates 2023-03-12" in message


def test_target_nan_inside_the_series_is_an_error_even_with_drop(tmp_path):
    frame = weekly_frame()
    frame.loc[[0, 1, 50], "revenue"] = np.nan
    message = only_issue(load_error(tmp_path, frame, fill_missing={"revenue": "drop"}))
    assert "column 'revenue' has 1 NaN value (row 52;" in message
    assert "fill_missing: {revenue: interpolate}" in message


def test_all_zero_channel(tmp_path):
    frame = weekly_frame(channels=("tv_spend", "radio_spend"))
    frame["radio_spend"] = 0.0
    message = only_issue(load_error(tmp_path, frame))
    assert message.startswith("data.csv: channel 'radio_spend' is zero in every row. Remove "
                              "it from channels")


def test_geo_with_different_dates(tmp_path):
    frame = weekly_frame(geos=("north", "south", "west"))
    frame = frame.drop(index=[104 + 3, 104 + 4]).reset_index(drop=True)
    message = only_issue(load_error(tmp_path, frame, geo="geo", population="population"))
    assert message == ("data.csv: geo 'south' has no rows for 2 dates that other geos have "
                       "(2023-01-22, 2023-01-29). Every geo needs a row for every period "
                       "(spend 0 if nothing ran).")


def test_empty_geo_cells(tmp_path):
    frame = weekly_frame(geos=("north", "south"))
    frame.loc[3, "geo"] = np.nan
    error = load_error(tmp_path, frame, geo="geo", population="population")
    assert "column 'geo' (the geo) is empty in row 5. Give every row its geo." in \
        error.issues[0]


def test_constant_target(tmp_path):
    frame = weekly_frame()
    frame["revenue"] = 100.0
    message = only_issue(load_error(tmp_path, frame))
    assert "column 'revenue' (the target) has the same value (100) in every row" in message
    assert "Check that 'target' names the KPI column." in message


def test_too_few_rows(tmp_path):
    message = only_issue(load_error(tmp_path, weekly_frame(12)))
    assert message == ("data.csv: only 12 periods of data (2023-01-01 … 2023-03-19). At "
                       "least 20 are needed to fit a model at all, and 78 weeks or more to "
                       "trust it. Provide a longer history.")


def test_too_few_weeks_after_daily_aggregation(tmp_path):
    error = load_error(tmp_path, weekly_frame(70, freq="D"), aggregate_daily=True)
    assert "only 10 periods of data" in only_issue(error)


def test_population_missing_non_positive_or_varying(tmp_path):
    frame = weekly_frame(geos=("north", "south"))
    frame.loc[2, "population"] = np.nan
    frame.loc[110, "population"] = 0.0
    frame.loc[111, "population"] = 2500.0
    error = load_error(tmp_path, frame, geo="geo", population="population")
    text = "\n".join(error.issues)
    assert "column 'population' has 1 NaN value (row 4; date 2023-01-15)" in text
    assert "column 'population' (population) must be positive but is not (row 112; date " \
           "2023-02-12: 0). Give each geo its population" in text
    assert "fill_missing: {population: ffill}" in text
    assert "column 'population' (population) changes within geo 'south' (values 2000, 0, " \
           "2500). Use one population value per geo." in text


def test_revenue_per_kpi_column_must_be_positive(tmp_path):
    frame = weekly_frame().assign(value=30.0)
    frame.loc[8, "value"] = -2.0
    error = load_error(tmp_path, frame, kpi_type="conversions", revenue_per_kpi="value")
    assert "column 'value' (revenue_per_kpi) must be positive but is not (row 10; date " \
           "2023-02-26: -2)" in only_issue(error)


def test_every_problem_is_reported_at_once(tmp_path):
    frame = weekly_frame().astype({"tv_spend": object})
    frame.loc[3, "tv_spend"] = "n/a!"
    frame.loc[4, "search_spend"] = -1.0
    frame.loc[5, "revenue"] = np.nan
    frame = frame.drop(columns="price")
    error = load_error(tmp_path, frame, controls=["price"])
    assert len(error.issues) == 4
    assert str(error).startswith("4 problems in data.csv")
    assert all(issue in str(error) for issue in error.issues)


def test_an_empty_file_with_a_header(tmp_path):
    frame = weekly_frame().iloc[:0]
    with pytest.raises(DataError, match="the file has a header but no data rows"):
        load_dataset(read_config(write_project(tmp_path, frame)))


def test_validate_frame_does_not_modify_its_input(tmp_path):
    frame = weekly_frame().astype({"tv_spend": object})
    frame.loc[3, "search_spend"] = np.nan
    before = frame.copy(deep=True)
    config = read_config(write_project(tmp_path, frame, fill_missing={"search_spend": "zero"}))
    checked = validate_frame(frame, config, source="data.csv")
    pd.testing.assert_frame_equal(frame, before)
    assert checked.table.loc[3, "search_spend"] == 0.0
    assert checked.cadence.kind == "weekly"
