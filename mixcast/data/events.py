"""events.csv: business events (launch, outage, price change) as 0/1 indicators.

Columns: ``name, start_date[, end_date][, geo]``. A week is on when it overlaps the event's
window; one indicator per distinct name; ``geo`` empty means every geo.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mixcast.data.dataset import Dataset
from mixcast.errors import DataError


def read_events(path: Path, data: Dataset) -> tuple[tuple[str, ...], np.ndarray]:
    """Return event names and a (G, T, E) indicator array."""
    from mixcast.data.load import read_table

    frame = read_table(path)
    source = Path(path).name
    missing = [c for c in ("name", "start_date") if c not in frame.columns]
    if missing:
        raise DataError(f"{source}: missing column(s) {', '.join(missing)}. An events file "
                        "needs name, start_date and optionally end_date and geo.")
    start = pd.to_datetime(frame["start_date"], errors="coerce")
    end = pd.to_datetime(frame["end_date"], errors="coerce") if "end_date" in frame else start
    end = end.fillna(start)
    problems = [f"{source}: row {i + 2} has start_date {frame['start_date'][i]!r}, which is "
                "not a date." for i in frame.index[start.isna()]]
    problems += [f"{source}: row {i + 2} ends before it starts." for i in
                 frame.index[(end < start) & start.notna()]]
    week_start = pd.DatetimeIndex(data.dates)
    week_end = week_start + pd.Timedelta(days=6)
    names = tuple(dict.fromkeys(str(n) for n in frame["name"]))
    indicators = np.zeros((data.n_geos, data.n_times, len(names)))
    for i, row in frame.iterrows():
        if pd.isna(start[i]):
            continue
        on = (week_end >= start[i]) & (week_start <= end[i])
        if not on.any():
            problems.append(f"{source}: row {i + 2} ('{row['name']}') falls outside the data "
                            f"({week_start[0]:%Y-%m-%d} … {week_end[-1]:%Y-%m-%d}).")
            continue
        geos = _geo_rows(row, data, source, i, problems)
        indicators[geos, :, names.index(str(row["name"]))] = np.maximum(
            indicators[geos, :, names.index(str(row["name"]))], on)
    if problems:
        raise DataError("\n".join(problems), issues=tuple(problems))
    return names, indicators


def _geo_rows(row, data: Dataset, source: str, i: int, problems: list[str]):
    geo = row.get("geo") if "geo" in row else None
    if geo is None or (isinstance(geo, float) and np.isnan(geo)) or str(geo) == "":
        return slice(None)
    if str(geo) not in data.geos:
        problems.append(f"{source}: row {i + 2} names geo '{geo}', which is not in the data.")
        return slice(0, 0)
    return [data.geos.index(str(geo))]
