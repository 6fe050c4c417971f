"""Calendar columns: numbers that are only the date in another form (a week index, the
day of the year). As controls they duplicate the model's trend, or add a sawtooth where
the model has a smooth yearly season; `mixcast init` leaves them out and `check` warns."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["calendar_part", "date_parts"]


def date_parts(dates: pd.Series) -> pd.DataFrame:
    """Row by row, the parts of the date a calendar column can encode (NaN: no date)."""
    when = pd.to_datetime(dates, errors="coerce", format="mixed")
    return pd.DataFrame({
        "the day of the year": when.dt.day_of_year,
        "the week of the year": when.dt.isocalendar().week,
        "the month": when.dt.month, "the quarter": when.dt.quarter, "the year": when.dt.year,
        "days": (when - when.min()).dt.days}).astype(float)


def calendar_part(values: pd.Series, parts: pd.DataFrame) -> str | None:
    """What part of the calendar ``values`` encode, if they are one (``parts``: their
    rows' :func:`date_parts`): a date part up to a constant, or a straight line in time
    (a week index or trend).

    Examples
    --------
    >>> dates = pd.Series(pd.date_range("2024-01-01", periods=60, freq="7D"))
    >>> calendar_part(pd.Series(range(60)), date_parts(dates))
    'a time index or trend line'
    >>> calendar_part(dates.dt.day_of_year, date_parts(dates))
    'the day of the year'
    >>> calendar_part(pd.Series(range(60)) % 7 + 0.5, date_parts(dates)) is None
    True
    """
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(x) & parts["days"].notna().to_numpy()
    if ok.sum() < 8 or len(np.unique(x[ok])) < 3:
        return None
    x, known = x[ok], parts[ok]
    for name in known.columns.drop("days"):
        if np.ptp(x - known[name].to_numpy()) < 1e-9 * max(1.0, np.abs(x).max()):
            return name
    days = known["days"].to_numpy()
    if np.ptp(days) > 0:
        line = np.polyval(np.polyfit(days, x, 1), days)
        if np.abs(x - line).max() <= 1e-6 * max(np.ptp(x), 1e-12):
            return "a time index or trend line"
    return None
