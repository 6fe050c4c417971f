"""lift_tests.csv: incrementality experiments (the DESIGN.md contract).

Columns ``channel, start_date, end_date, geo, spend_delta, lift, lift_se``: the change in
the channel's spend during the window (negative for a go-dark holdout), the measured
incremental outcome (KPI units) and its standard error; ``geo`` may be empty or absent
for national tests. Optional ``label`` and ``notes`` columns are allowed.

A test covers the data's weeks whose start date falls within [start_date, end_date]; the
window must lie inside the data. Rows are numbered as in a spreadsheet (header = row 1).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mixcast.data._common import (
    cell_text, check_header, closest, day_text, listing, parse_iso_dates, period_bounds,
    raise_problems, read_table, value_text,
)
from mixcast.data.dataset import Dataset, LiftTest

REQUIRED = ("channel", "start_date", "end_date", "spend_delta", "lift", "lift_se")
OPTIONAL = ("geo", "label", "notes")

__all__ = ["parse_lift_tests", "read_lift_tests"]


def read_lift_tests(path: str | Path, data: Dataset) -> tuple[LiftTest, ...]:
    """Read and check a lift-test file against ``data``.

    Raises
    ------
    DataError
        The file cannot be read, or lists every bad row: unknown channel or geo, a date
        that is not ISO, end before start, a window outside the data, lift_se <= 0.
    """
    return parse_lift_tests(read_table(path), data, source=Path(path).name)


def parse_lift_tests(frame: pd.DataFrame, data: Dataset, *,
                     source: str) -> tuple[LiftTest, ...]:
    """Lift tests from an already-read table (not modified); see :func:`read_lift_tests`."""
    check_header(frame, REQUIRED, OPTIONAL, source, "a lift-test file")
    frame = frame.reset_index(drop=True)
    starts = parse_iso_dates(frame["start_date"])
    ends = parse_iso_dates(frame["end_date"])
    problems: list[str] = []
    tests = []
    for position in range(len(frame)):
        found: list[str] = []
        test = _parse_row(frame.iloc[position], starts.iloc[position], ends.iloc[position],
                          data, found)
        row = position + 2
        problems += [f"{source}: row {row}: {message}" for message in found]
        if test is not None and not found:
            tests.append(test)
    raise_problems(problems, source)
    return tuple(tests)


def _parse_row(row: pd.Series, start: pd.Timestamp, end: pd.Timestamp, data: Dataset,
               problems: list[str]) -> LiftTest | None:
    channel = cell_text(row["channel"])
    if channel not in data.channels:
        problems.append(f"channel {value_text(row['channel'])} is not one of the config's "
                        f"channels.{closest(channel, data.channels)} Channels: "
                        f"{', '.join(data.channels)}.")
    weeks = _weeks(row, start, end, data, problems)
    numbers = {key: _number(row, key, problems) for key in ("spend_delta", "lift", "lift_se")}
    if numbers["lift_se"] is not None and not numbers["lift_se"] > 0:
        problems.append(f"lift_se must be positive (the test's standard error). Got "
                        f"{numbers['lift_se']:g}. Use the standard error reported with the "
                        "test's result.")
    if numbers["spend_delta"] == 0:
        problems.append("spend_delta is 0: a test without a change in spend says nothing "
                        "about the channel. Give the spend added (or removed, negative).")
    geo = geo_index(row.get("geo"), data, problems)
    if problems or weeks is None or geo == -1:
        return None
    label = cell_text(row.get("label")) or (
        f"{channel} {day_text(start)}" + (f" {data.geos[geo]}" if geo is not None else ""))
    return LiftTest(channel=channel, start=int(weeks[0]), end=int(weeks[-1]), geo=geo,
                    spend_delta=numbers["spend_delta"], lift=numbers["lift"],
                    lift_se=numbers["lift_se"], label=label)


def _weeks(row: pd.Series, start: pd.Timestamp, end: pd.Timestamp, data: Dataset,
           problems: list[str]) -> np.ndarray | None:
    """Indices of the periods whose start falls in [start, end]."""
    for key, value in (("start_date", start), ("end_date", end)):
        if pd.isna(value):
            problems.append(f"{key} {value_text(row[key])} is not a date. Write dates as "
                            "YYYY-MM-DD, e.g. 2024-03-04.")
    if pd.isna(start) or pd.isna(end):
        return None
    if end < start:
        problems.append(f"end_date {day_text(end)} is before start_date {day_text(start)}. "
                        "Swap them.")
        return None
    period_starts, period_ends = period_bounds(data.dates)
    span = f"{day_text(period_starts[0])} … {day_text(period_ends[-1])}"
    if start < period_starts[0] or end > period_ends[-1]:
        problems.append(f"the window {day_text(start)} … {day_text(end)} is not inside the "
                        f"data ({span}). Drop the test, or extend the data to cover it.")
        return None
    weeks = np.flatnonzero((period_starts >= start) & (period_starts <= end))
    if weeks.size == 0:
        near = listing([day_text(d) for d in period_starts[period_starts >= start][:2]])
        problems.append(f"the window {day_text(start)} … {day_text(end)} contains no week "
                        f"start (weeks start on {near}). Widen it to cover at least one "
                        "whole week.")
        return None
    return weeks


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

