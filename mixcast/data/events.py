"""events.csv: business events (launch, outage, price change) as 0/1 indicators.

Columns ``name, start_date[, end_date][, geo][, notes]``. An event switches on every week
that overlaps [start_date, end_date]; without an end date it marks the one week that
contains start_date. There is one indicator per distinct name (rows with the same name
are windows of the same event); an empty ``geo`` means every geo. Rows are numbered as in
a spreadsheet (header = row 1).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mixcast.data._common import (
    cell_text, check_header, day_text, parse_iso_dates, period_bounds, raise_problems,
    read_table, value_text,
)
from mixcast.data.dataset import Dataset
from mixcast.data.lift_tests import geo_index

REQUIRED = ("name", "start_date")
OPTIONAL = ("end_date", "geo", "notes")

__all__ = ["parse_events", "read_events"]


def read_events(path: str | Path, data: Dataset) -> tuple[tuple[str, ...], np.ndarray]:
    """Read an events file and turn it into indicators over ``data``'s weeks.

    Returns
    -------
    (names, indicators)
        ``names`` in order of first appearance; ``indicators`` of shape (G, T, E), 1.0
        in the weeks (and geos) an event is on, else 0.0.

    Raises
    ------
    DataError
        The file cannot be read, or lists every bad row: missing name, a date that is not
        ISO, end before start, an event outside the data, an unknown geo.
    """
    return parse_events(read_table(path), data, source=Path(path).name)


def parse_events(frame: pd.DataFrame, data: Dataset, *,
                 source: str) -> tuple[tuple[str, ...], np.ndarray]:
    """Events from an already-read table (not modified); see :func:`read_events`."""
    check_header(frame, REQUIRED, OPTIONAL, source, "an events file")
    frame = frame.reset_index(drop=True)
    starts = parse_iso_dates(frame["start_date"])
    has_end = frame["end_date"].map(cell_text) != "" if "end_date" in frame else \
        pd.Series(False, index=frame.index)
    ends = parse_iso_dates(frame["end_date"]).where(has_end, starts) if "end_date" in frame \
        else starts
    names = tuple(dict.fromkeys(n for n in frame["name"].map(cell_text) if n))
    indicators = np.zeros((data.n_geos, data.n_times, len(names)))
    problems: list[str] = []
    for position in range(len(frame)):
        found: list[str] = []
        row = frame.iloc[position]
        on, geos = _row_window(row, starts.iloc[position], ends.iloc[position], data, found)
        problems += [f"{source}: row {position + 2}: {message}" for message in found]
        if not found:
            column = names.index(cell_text(row["name"]))
            indicators[geos, :, column] = np.maximum(indicators[geos, :, column], on)
    raise_problems(problems, source)
    return names, indicators


def _row_window(row: pd.Series, start: pd.Timestamp, end: pd.Timestamp, data: Dataset,
                problems: list[str]) -> tuple[np.ndarray, slice | list[int]]:
    """The (T,) 0/1 weeks an event row covers and the geos it applies to."""
    on = np.zeros(data.n_times)
    if cell_text(row["name"]) == "":
        problems.append("name is empty. Give every event a name, e.g. product_launch.")
    if pd.isna(start) or pd.isna(end):
        key = "start_date" if pd.isna(start) else "end_date"
        problems.append(f"{key} {value_text(row[key])} is not a date. Write dates as "
                        "YYYY-MM-DD, e.g. 2024-03-04.")
    elif end < start:
        problems.append(f"end_date {day_text(end)} is before start_date {day_text(start)}. "
                        "Swap them.")
    else:
        period_starts, period_ends = period_bounds(data.dates)
        on = ((period_ends >= start) & (period_starts <= end)).astype(float)
        if not on.any():
            problems.append(f"the event {day_text(start)} … {day_text(end)} falls outside the "
                            f"data ({day_text(period_starts[0])} … "
                            f"{day_text(period_ends[-1])}). Remove the row.")
    geo = geo_index(row.get("geo"), data, problems)
    geos: slice | list[int] = slice(None) if geo is None else [max(geo, 0)]
    return on, geos
