"""Weekly holiday regressors from the ``holidays`` package's public-holiday calendars.

A row of mixcast data is the week that *starts* on its date (the data's own anchoring:
Monday-dated rows are Monday-Sunday weeks, Sunday-dated rows Sunday-Saturday weeks), so
a holiday lands in the row whose date ``d`` has ``d <= holiday <= d + 6``. Each holiday
(by name, on its actual date, not the "observed" day off) is one 0/1 column; columns
that are constant over the data window (the holiday never falls in it) are dropped, and
holidays that always fall in the same weeks are merged into one column (``"Christmas Day
+ Boxing Day"``), since the data cannot tell them apart.

Examples
--------
>>> weeks = np.arange("2023-11-20", "2024-01-08", 7, dtype="datetime64[D]")  # Mondays
>>> found = weekly_holidays(weeks, ("US",))
>>> found.names
('Thanksgiving Day', 'Christmas Day', "New Year's Day")
>>> found.indicators[:, 0].tolist()                     # the week of 2023-11-20
[1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

Member = tuple[str, str]   # (country code, holiday name)


@dataclass(frozen=True, slots=True)
class WeeklyHolidays:
    """Holiday columns of a run of weeks.

    Attributes
    ----------
    names : (H,) column names: the holiday's name (``"Thanksgiving Day"``), with its
        country when several are given (``"Thanksgiving Day (CA)"``), merged holidays
        joined by ``" + "``.
    members : per column, the (country, holiday name) pairs it stands for.
    indicators : (T, H) 1.0 in the weeks that contain one of the column's holidays.
    """

    names: tuple[str, ...]
    members: tuple[tuple[Member, ...], ...]
    indicators: np.ndarray


def weekly_holidays(week_starts: np.ndarray, countries: tuple[str, ...]) -> WeeklyHolidays:
    """The holiday columns of a data window: one per holiday that falls in it.

    Parameters
    ----------
    week_starts : (T,) dates of the data's rows, each the first day of its week.
    countries : country codes of the ``holidays`` package (ISO 3166, e.g. US); ()
        gives no columns.

    Returns
    -------
    WeeklyHolidays with only the columns that vary over the window, identical columns
    merged, in order of each holiday's first week in the window (then name).
    """
    starts = _days(week_starts)
    calendars = {country: _calendar(country, _years(starts)) for country in countries}
    every = tuple((country, name) for country, calendar in calendars.items()
                  for name in sorted(calendar, key=lambda n: (calendar[n][0], n)))
    columns = holiday_indicators(starts, countries, tuple((m,) for m in every))
    groups: dict[bytes, list[int]] = {}
    for h in range(columns.shape[1]):
        column = columns[:, h]
        if column.min() < column.max():      # constant columns carry no information
            groups.setdefault(column.tobytes(), []).append(h)
    order = sorted(groups.values(), key=lambda hs: (int(np.argmax(columns[:, hs[0]])),
                                                    every[hs[0]][1]))
    members = tuple(tuple(every[h] for h in hs) for hs in order)
    return WeeklyHolidays(
        names=tuple(_label(m, several=len(countries) > 1) for m in members),
        members=members,
        indicators=(np.stack([columns[:, hs[0]] for hs in order], axis=1) if order
                    else np.zeros((len(starts), 0))))


def holiday_indicators(week_starts: np.ndarray, countries: tuple[str, ...],
                       members: tuple[tuple[Member, ...], ...]) -> np.ndarray:
    """(T, H) 0/1: whether each week contains one of each column's holidays.

    Used to carry a fit's columns (``WeeklyHolidays.members``) over other weeks, e.g. a
    forecast's: future weeks get their own holidays' indicators, and a column whose
    holiday does not fall in them is 0.
    """
    starts = _days(week_starts)
    out = np.zeros((len(starts), len(members)))
    if not len(starts) or not members:
        return out
    years = _years(starts)
    calendars = {c: _calendar(c, years) for c in countries}
    for h, column in enumerate(members):
        days = [day for country, name in column
                for day in calendars.get(country, {}).get(name, ())]
        if days:
            offset = np.asarray(days, dtype="datetime64[D]")[None, :] - starts[:, None]
            hit = (offset >= np.timedelta64(0, "D")) & (offset <= np.timedelta64(6, "D"))
            out[:, h] = hit.any(axis=1)
    return out


def _days(week_starts) -> np.ndarray:
    return np.asarray(week_starts).astype("datetime64[D]")


def _years(starts: np.ndarray) -> tuple[int, ...]:
    if not len(starts):
        return ()
    first = starts.min().astype(object).year
    last = (starts.max() + np.timedelta64(6, "D")).astype(object).year
    return tuple(range(first, last + 1))


def _label(members: tuple[Member, ...], *, several: bool) -> str:
    names = list(dict.fromkeys(name for _, name in members))
    if not several:
        return " + ".join(names)
    if len(names) == 1:   # the same holiday in several countries, on the same days
        return f"{names[0]} ({'/'.join(c for c, _ in members)})"
    return " + ".join(f"{name} ({country})" for country, name in members)


@lru_cache(maxsize=64)
def _calendar(country: str, years: tuple[int, ...]) -> dict[str, tuple[np.datetime64, ...]]:
    """Holiday name -> its dates in ``years``, actual dates (not observed days off), in
    English where the calendar has it."""
    import holidays

    language = "en_US"
    probe = holidays.country_holidays(country, years=years[:1] or None, observed=False)
    if language not in getattr(probe, "supported_languages", ()):
        language = None
    calendar = holidays.country_holidays(country, years=years, observed=False,
                                         language=language)
    out: dict[str, list] = {}
    for day, names in sorted(calendar.items()):
        for name in str(names).split("; "):
            out.setdefault(name.strip(), []).append(np.datetime64(_iso(day), "D"))
    return {name: tuple(days) for name, days in out.items()}


def _iso(day: datetime.date) -> str:
    return day.isoformat()
