"""lift_tests.csv: incrementality experiments (the DESIGN.md contract).

Columns ``channel, start_date, end_date, geo, spend_delta, lift, lift_se``: the total
change in the channel's spend over the window versus business as usual (negative for a
go-dark holdout; summed over the window's weeks, and over geos for a national test), the
measured incremental outcome (KPI units) and its standard error; ``geo`` may be empty or
absent for national tests. Optional: ``measure_end_date`` (the lift was measured until
then, to include the tail of carryover; default ``end_date``), ``bau_spend`` (the
channel's usual weekly spend in that geo, needed for a test outside the data's weeks),
``label`` and ``notes``.

A test *happened*: inside the data the observed spend already includes its change (see
:mod:`mixcast.data.lift_spend`). A test covers the weeks whose start date falls within
[start_date, end_date]; its window lies inside the data or wholly outside it (then with
``bau_spend``). Rows are numbered as in a spreadsheet (header = row 1).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from mixcast.data._common import (
    cell_text, check_header, closest, day_text, listing, parse_iso_dates, period_bounds,
    raise_problems, read_table, value_text,
)
from mixcast.data.dataset import Dataset, LiftTest
from mixcast.data.lift_spend import business_as_usual

REQUIRED = ("channel", "start_date", "end_date", "spend_delta", "lift", "lift_se")
OPTIONAL = ("geo", "measure_end_date", "bau_spend", "label", "notes")

__all__ = ["parse_lift_tests", "read_lift_tests"]


def read_lift_tests(path: str | Path, data: Dataset) -> tuple[LiftTest, ...]:
    """Read and check a lift-test file against ``data``.

    Raises
    ------
    DataError
        The file cannot be read, or lists every bad row: unknown channel or geo, a date
        that is not ISO, end before start, a measurement ending before the test, a window
        across the data's edge, a test outside the data without ``bau_spend``, a negative
        ``bau_spend``, a change larger than the spend it changed, lift_se <= 0.
    """
    return parse_lift_tests(read_table(path), data, source=Path(path).name)


def parse_lift_tests(frame: pd.DataFrame, data: Dataset, *,
                     source: str) -> tuple[LiftTest, ...]:
    """Lift tests from an already-read table (not modified); see :func:`read_lift_tests`."""
    check_header(frame, REQUIRED, OPTIONAL, source, "a lift-test file")
    frame = frame.reset_index(drop=True)
    dates = {key: parse_iso_dates(frame[key]) for key in ("start_date", "end_date")}
    if "measure_end_date" in frame.columns:
        dates["measure_end_date"] = parse_iso_dates(frame["measure_end_date"])
    problems: list[str] = []
    tests = []
    for position in range(len(frame)):
        found: list[str] = []
        row = frame.iloc[position]
        test = _parse_row(row, {k: v.iloc[position] for k, v in dates.items()}, data, found)
        problems += [f"{source}: row {position + 2}: {message}" for message in found]
        if test is not None and not found:
            tests.append(test)
    raise_problems(problems, source)
    return tuple(tests)


def _parse_row(row: pd.Series, dates: dict, data: Dataset,
               problems: list[str]) -> LiftTest | None:
    channel = cell_text(row["channel"])
    if channel not in data.channels:
        problems.append(f"channel {value_text(row['channel'])} is not one of the config's "
                        f"channels.{closest(channel, data.channels)} Channels: "
                        f"{', '.join(data.channels)}.")
    numbers = {key: _number(row, key, problems) for key in ("spend_delta", "lift", "lift_se")}
    if numbers["lift_se"] is not None and not numbers["lift_se"] > 0:
        problems.append(f"lift_se must be positive (the test's standard error). Got "
                        f"{numbers['lift_se']:g}. Use the standard error reported with the "
                        "test's result.")
    if numbers["spend_delta"] == 0:
        problems.append("spend_delta is 0: a test without a change in spend says nothing "
                        "about the channel. Give the spend added (or removed, negative).")
    bau = _bau_spend(row, problems)
    weeks = _weeks(row, dates, data, bau, problems)
    geo = geo_index(row.get("geo"), data, problems)
    if problems or weeks is None or geo == -1:
        return None
    start, end = dates["start_date"], dates["end_date"]
    label = cell_text(row.get("label")) or (
        f"{channel} {day_text(start)}" + (f" {data.geos[geo]}" if geo is not None else ""))
    first, last, measured = weeks
    test = LiftTest(channel=channel, start=first, end=last, geo=geo,
                    spend_delta=numbers["spend_delta"], lift=numbers["lift"],
                    lift_se=numbers["lift_se"], label=label,
                    measure_end=None if measured == last else measured,
                    bau_spend=bau)
    _check_change(test, data, problems)
    return None if problems else test


def _bau_spend(row: pd.Series, problems: list[str]) -> float | None:
    """The optional bau_spend cell: None when absent or empty, else a number >= 0."""
    if cell_text(row.get("bau_spend")) == "":
        return None
    value = _number(row, "bau_spend", problems)
    if value is not None and value < 0:
        problems.append(f"bau_spend must be 0 or more (the channel's usual weekly spend in "
                        f"that geo, in currency). Got {value:g}. Give the weekly spend "
                        "before the test.")
        return None
    return value


def _weeks(row: pd.Series, dates: dict, data: Dataset, bau: float | None,
           problems: list[str]) -> tuple[int, int, int] | None:
    """First and last week of the window and the last week measured, on the data's weekly
    grid (continued outside the data for a test dated there)."""
    start, end = dates["start_date"], dates["end_date"]
    for key, value in (("start_date", start), ("end_date", end)):
        if pd.isna(value):
            problems.append(f"{key} {value_text(row[key])} is not a date. Write dates as "
                            "YYYY-MM-DD, e.g. 2024-03-04.")
    measure = dates.get("measure_end_date")
    if measure is not None and pd.isna(measure) and cell_text(row["measure_end_date"]):
        problems.append(f"measure_end_date {value_text(row['measure_end_date'])} is not a "
                        "date. Write dates as YYYY-MM-DD, or leave it empty (the lift is "
                        "then measured until end_date).")
        return None
    if pd.isna(start) or pd.isna(end):
        return None
    if end < start:
        problems.append(f"end_date {day_text(end)} is before start_date {day_text(start)}. "
                        "Swap them.")
        return None
    measure = end if measure is None or pd.isna(measure) else measure
    if measure < end:
        problems.append(f"measure_end_date {day_text(measure)} is before end_date "
                        f"{day_text(end)}. Give the last day the lift was measured (on or "
                        "after end_date), or leave it empty.")
        return None
    period_starts, period_ends = period_bounds(data.dates)
    span = f"{day_text(period_starts[0])} … {day_text(period_ends[-1])}"
    window = f"the window {day_text(start)} … {day_text(end)}"
    if end < period_starts[0] or start > period_ends[-1]:
        return _outside_weeks(row, (start, end, measure), data, bau, window, span, problems)
    if start < period_starts[0] or end > period_ends[-1]:
        edge = "first" if start < period_starts[0] else "last"
        problems.append(f"{window} is not inside the data ({span}): it crosses the data's "
                        f"{edge} week. Trim it to the data's weeks, or drop the test.")
        return None
    if measure > period_ends[-1]:
        problems.append(f"measure_end_date {day_text(measure)} is after the data's last week "
                        f"(the data end on {day_text(period_ends[-1])}). Extend the data to "
                        "cover the measurement, or set measure_end_date to "
                        f"{day_text(period_ends[-1])} at the latest.")
        return None
    weeks = np.flatnonzero((period_starts >= start) & (period_starts <= end))
    if weeks.size == 0:
        near = listing([day_text(d) for d in period_starts[period_starts >= start][:2]])
        problems.append(f"{window} contains no week start (weeks start on {near}). Widen it "
                        "to cover at least one whole week.")
        return None
    measured = int(np.flatnonzero(period_starts <= measure)[-1])
    return int(weeks[0]), int(weeks[-1]), measured


def _outside_weeks(row: pd.Series, days: tuple, data: Dataset, bau: float | None,
                   window: str, span: str, problems: list[str]) -> tuple[int, int, int] | None:
    """Week indices of a test dated wholly outside the data: the data's weekly grid
    continued from its nearest edge."""
    if bau is None and cell_text(row.get("bau_spend")) != "":
        return None  # a bad bau_spend cell, already reported
    if bau is None:
        fill = ("fill bau_spend on this row" if "bau_spend" in row.index
                else "add a column bau_spend")
        problems.append(f"{window} is outside the data ({span}), so the data do not show "
                        f"the channel's spend then: {fill} with its usual weekly spend in "
                        "that geo before the test (all geos together for a national test), "
                        "or drop the test.")
        return None
    period_starts, _ = period_bounds(data.dates)
    step = (period_starts[1] - period_starts[0]) if len(period_starts) > 1 else pd.Timedelta(
        days=7)
    after = days[0] > period_starts[-1]
    anchor, index = (period_starts[-1], data.n_times - 1) if after else (period_starts[0], 0)
    start, end, measure = ((day - anchor) / step for day in days)
    first, last = index + math.ceil(start), index + math.floor(end)
    if first > last:
        problems.append(f"{window} contains no week start on the data's weekly grid. Widen "
                        "it to cover at least one whole week.")
        return None
    return first, last, index + math.floor(measure)


def _check_change(test: LiftTest, data: Dataset, problems: list[str]) -> None:
    """The spend at business as usual, or during the test, cannot be negative."""
    if test.inside(data.n_times):
        c = data.channels.index(test.channel)
        cells = data.spend[:, test.start:test.end + 1, c]
        observed = float(cells.sum() if test.geo is None else cells[test.geo].sum())
        if business_as_usual(test, data).min() < -1e-6 * max(abs(test.spend_delta), 1.0):
            where = "all geos" if test.geo is None else f"geo {data.geos[test.geo]}"
            problems.append(
                f"spend_delta {_amount(test.spend_delta)} is more than {test.channel}'s "
                f"observed spend in the window ({_amount(observed)}, {where}): the observed "
                "spend already includes the test's change, so business as usual would be "
                "negative. Check its sign (negative for a go-dark holdout) and that it is "
                "the total change over the window.")
    elif test.bau_spend * test.n_weeks + test.spend_delta < 0:
        usual = test.bau_spend * test.n_weeks
        problems.append(
            f"spend_delta {_amount(test.spend_delta)} removes more than the usual spend over "
            f"the window (bau_spend {_amount(test.bau_spend)} x {test.n_weeks} weeks = "
            f"{_amount(usual)}). Check both: a go-dark holdout removes exactly bau_spend x "
            "weeks.")


def _amount(value: float) -> str:
    """Currency as people write it: 50,000 or 2.5."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:g}"


def _number(row: pd.Series, key: str, problems: list[str]) -> float | None:
    value = pd.to_numeric(pd.Series([row[key]]), errors="coerce").iloc[0]
    if pd.isna(value) or not np.isfinite(value):
        problems.append(f"{key} must be a number. Got {value_text(row[key])}.")
        return None
    return float(value)


def geo_index(value: object, data: Dataset, problems: list[str]) -> int | None:
    """Index of a geo in ``data.geos``; None for an empty cell (all geos); -1 if unknown."""
    text = cell_text(value)
    if text == "":
        return None
    if not data.is_geo:
        problems.append(f"geo '{text}' given, but the data is national (no geo column). "
                        "Leave geo empty.")
        return -1
    if text not in data.geos:
        problems.append(f"geo '{text}' is not in the data.{closest(text, data.geos)} Geos: "
                        f"{listing(list(data.geos), 10)}.")
        return -1
    return data.geos.index(text)

