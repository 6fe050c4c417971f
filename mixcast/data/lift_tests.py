"""lift_tests.csv: incrementality experiments (DESIGN.md contract).

``channel, start_date, end_date, geo, spend_delta, lift, lift_se``: the change in the
channel's spend during the window (negative for a go-dark holdout), the measured
incremental outcome (KPI units) and its standard error; ``geo`` empty for national tests.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import numpy as np
import pandas as pd

from mixcast.data.dataset import Dataset, LiftTest
from mixcast.errors import DataError

COLUMNS = ("channel", "start_date", "end_date", "geo", "spend_delta", "lift", "lift_se")


def read_lift_tests(path: Path, data: Dataset) -> tuple[LiftTest, ...]:
    """Parse and check every row; weeks are those whose start falls in the window."""
    from mixcast.data.load import read_table

    frame = read_table(path)
    source = Path(path).name
    missing = [c for c in COLUMNS if c not in frame.columns and c != "geo"]
    if missing:
        raise DataError(f"{source}: missing column(s) {', '.join(missing)}. Expected "
                        f"{', '.join(COLUMNS)} (geo may be empty).")
    problems: list[str] = []
    tests = []
    week_start = pd.DatetimeIndex(data.dates)
    for i, row in frame.iterrows():
        test = _parse_row(row, i + 2, data, week_start, source, problems)
        if test is not None:
            tests.append(test)
    if problems:
        raise DataError("\n".join(problems), issues=tuple(problems))
    return tuple(tests)


def _parse_row(row, line, data, week_start, source, problems) -> LiftTest | None:
    where = f"{source}: row {line}"
    channel = str(row["channel"])
    if channel not in data.channels:
        hint = difflib.get_close_matches(channel, data.channels, n=1)
        fix = f" Did you mean '{hint[0]}'?" if hint else f" Channels: {', '.join(data.channels)}."
        problems.append(f"{where}: channel '{channel}' is not in the config's channels.{fix}")
        return None
    start, end = pd.to_datetime(row["start_date"], errors="coerce"), \
        pd.to_datetime(row["end_date"], errors="coerce")
    if pd.isna(start) or pd.isna(end):
        problems.append(f"{where}: start_date/end_date must be dates like 2024-03-04; got "
                        f"{row['start_date']!r}, {row['end_date']!r}.")
        return None
    if end < start:
        problems.append(f"{where}: end_date {end:%Y-%m-%d} is before start_date {start:%Y-%m-%d}.")
        return None
    weeks = np.flatnonzero((week_start >= start) & (week_start <= end))
    if weeks.size == 0:
        problems.append(f"{where}: the window {start:%Y-%m-%d} … {end:%Y-%m-%d} contains no "
                        f"week of the data ({week_start[0]:%Y-%m-%d} … {week_start[-1]:%Y-%m-%d}).")
        return None
    numbers = {}
    for key in ("spend_delta", "lift", "lift_se"):
        value = pd.to_numeric(row[key], errors="coerce")
        if pd.isna(value):
            problems.append(f"{where}: {key} must be a number; got {row[key]!r}.")
            return None
        numbers[key] = float(value)
    if numbers["lift_se"] <= 0:
        problems.append(f"{where}: lift_se must be positive (the test's standard error); "
                        f"got {numbers['lift_se']:g}.")
        return None
    geo = _geo_index(row.get("geo"), data, where, problems)
    if geo == -1:
        return None
    return LiftTest(channel=channel, start=int(weeks[0]), end=int(weeks[-1]), geo=geo,
                    label=f"{channel} {start:%Y-%m-%d}" + (f" {data.geos[geo]}" if geo is not None else ""),
                    **numbers)


def _geo_index(value, data: Dataset, where: str, problems: list[str]) -> int | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() == "":
        return None
    if str(value) not in data.geos:
        problems.append(f"{where}: geo '{value}' is not in the data's geos.")
        return -1
    return data.geos.index(str(value))
