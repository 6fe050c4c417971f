"""Checks on the user's table: every problem is collected, then raised in one DataError.

Messages follow one template: ``<file>: column 'tv_spend' has 3 NaN values (rows 14, 15,
52; dates 2024-04-07, …). <how to fix>``. Rows are numbered as in a spreadsheet: the
header is row 1 and the first data row is row 2 (for a CSV, the line number).

:func:`validate_frame` never modifies the frame it is given; it returns a new, sorted,
numeric table with the explicit ``fill_missing`` imputations applied.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mixcast.config import Config
from mixcast.data._common import (
    SHOW, closest, day_text, cell_text, listing, parse_iso_dates, raise_problems, rows_text,
    sheet_rows, value_text,
)
from mixcast.errors import DataError
from mixcast.formatting import counted

MIN_PERIODS = 20
# Larger magnitudes are typing or unit errors (a year of the world's GDP is about 1e14 USD);
# they would also overflow the squares of the scaling and guardrail statistics.
MAX_ABS = 1e15
DATE, GEO = "__date", "__geo"
NATIONAL = "national"


@dataclass(frozen=True, slots=True)
class Cadence:
    """The spacing of the dates.

    ``kind`` is 'daily', 'weekly', 'monthly', 'quarterly' or 'irregular'; ``days`` the
    typical number of days between rows (7 for weekly data).
    """

    kind: str
    days: int


@dataclass(frozen=True, slots=True)
class Checked:
    """A validated table: one row per (geo, period), sorted by geo then date.

    ``table`` holds the config's numeric columns as floats plus ``__date`` (Timestamp) and
    ``__geo`` (text, 'national' without a geo column); its index is each row's 0-based
    position in the user's file.
    """

    table: pd.DataFrame
    cadence: Cadence


def validate_frame(frame: pd.DataFrame, config: Config, *, source: str) -> Checked:
    """Check ``frame`` against ``config`` and return the numeric, sorted table.

    Parameters
    ----------
    frame : the user's table, as read (not modified).
    config : the checked config naming the columns.
    source : the file name used in messages.

    Raises
    ------
    DataError
        Listing every problem found; ``error.issues`` holds one message per problem.
    """
    frame = frame.reset_index(drop=True)
    if frame.empty:
        raise DataError(f"{source}: the file has a header but no data rows. Export the "
                        "data again, one row per week.")
    problems = check_columns(frame, config, source)
    dates = _parse_dates(frame, config.date, source, problems)
    geo = _geo_labels(frame, config.geo, source, problems)
    numeric = [c for c in config.columns()
               if c not in (config.date, config.geo) and c in frame.columns]
    values, unreadable, found = coerce_numeric(frame, numeric, dates, source)
    problems += found
    table = values.assign(**{DATE: dates, GEO: geo}).sort_values([GEO, DATE], kind="stable")
    table = fill_missing(table, config)
    table = drop_missing_target_edges(table, config)
    unreadable = unreadable.loc[table.index]
    problems += check_values(table, unreadable, config, source)
    cadence = Cadence("weekly", 7)
    if dates.notna().all():
        cadence, found = check_dates(table, config, source)
        problems += found
    raise_problems(problems, source)
    return Checked(table=table, cadence=cadence)


def check_columns(frame: pd.DataFrame, config: Config, source: str) -> list[str]:
    """One problem per column the config names that the file lacks."""
    available = [str(c) for c in frame.columns]
    shown = [name if name.strip() else "(unnamed)" for name in available]
    return [f"{source}: column '{column}' not found.{closest(column, available, 0.5)} "
            f"Available columns: {listing(shown, 30)}. Fix the name in the config or "
            "the file's header."
            + (" The data need a date column: one row per week (geo), dated by the week's "
               "first day, e.g. 2024-01-01." if column == config.date else "")
            for column in config.columns() if column not in frame.columns]


def _parse_dates(frame: pd.DataFrame, column: str, source: str,
                 problems: list[str]) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    raw = frame[column]
    parsed = parse_iso_dates(raw)
    bad = list(parsed.index[parsed.isna()])
    if bad:
        shown = listing([value_text(raw.iloc[p]) for p in bad[:SHOW + 1]])
        problems.append(f"{source}: column '{column}' has {counted(len(bad), 'value')} that "
                        f"{'is' if len(bad) == 1 else 'are'} not a date ({rows_text(bad)}: "
                        f"{shown}). Write dates as YYYY-MM-DD, e.g. 2024-01-07.")
    return parsed


def _geo_labels(frame: pd.DataFrame, column: str | None, source: str,
                problems: list[str]) -> pd.Series:
    if column is None or column not in frame.columns:
        return pd.Series(NATIONAL, index=frame.index, dtype=object)
    labels = frame[column].map(cell_text).astype(object)
    missing = list(labels.index[labels == ""])
    if missing:
        problems.append(f"{source}: column '{column}' (the geo) is empty in "
                        f"{rows_text(missing)}. Give every row its geo.")
    return labels


def coerce_numeric(frame: pd.DataFrame, columns: Sequence[str], dates: pd.Series,
                   source: str) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Numbers as float; text that is not a number, and infinities, are reported.

    Returns the numeric values (NaN where unreadable), a mask of the unreadable cells
    (so that they are not reported again as missing) and the problems.
    """
    out, unreadable, problems = {}, {}, []
    for column in columns:
        raw = frame[column]
        numbers = pd.to_numeric(raw, errors="coerce").astype(float)
        text = numbers.isna() & (raw.map(cell_text) != "")
        bad = list(raw.index[text])
        if bad:
            shown = listing([value_text(raw.iloc[p]) for p in bad[:SHOW + 1]])
            problems.append(f"{source}: column '{column}' has {counted(len(bad), 'value')} "
                            f"that {'is' if len(bad) == 1 else 'are'} not a number "
                            f"({rows_text(bad, dates)}: {shown}). Use plain numbers like "
                            "1200.50: no thousands separators, currency signs or letters.")
        infinite = list(raw.index[np.isinf(numbers)])
        if infinite:
            count = counted(len(infinite), "infinite value")
            problems.append(f"{source}: column '{column}' has {count} "
                            f"({rows_text(infinite, dates)}). Replace them with real numbers.")
        huge = list(raw.index[np.isfinite(numbers) & (numbers.abs() > MAX_ABS)])
        if huge:
            shown = listing([value_text(raw.iloc[p]) for p in huge[:SHOW + 1]])
            problems.append(f"{source}: column '{column}' has {counted(len(huge), 'value')} "
                            f"too large to be real ({rows_text(huge, dates)}: {shown}; the "
                            f"limit is {MAX_ABS:.0e}). Check for a misplaced decimal point "
                            "or a unit mix-up, and correct them.")
        bad_cells = np.isinf(numbers) | (numbers.abs() > MAX_ABS)
        out[column] = numbers.where(~bad_cells)
        unreadable[column] = text | bad_cells
    index = frame.index
    return (pd.DataFrame(out, index=index, dtype=float),
            pd.DataFrame(unreadable, index=index, dtype=bool), problems)


def fill_missing(table: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Apply the config's explicit ``fill_missing`` methods, within each geo, in date order.

    ``ffill`` carries the last value forward (and the first one back to the start);
    ``interpolate`` is linear in row order, holding the ends; ``drop`` is handled by
    :func:`drop_missing_target_edges`.
    """
    table = table.copy()
    groups = table.groupby(GEO, sort=False)
    for column, method in config.fill_missing.items():
        if column not in table.columns or method == "drop":
            continue
        if method == "zero":
            table[column] = table[column].fillna(0.0)
        elif method == "ffill":
            table[column] = groups[column].transform(lambda s: s.ffill().bfill())
        elif method == "interpolate":
            table[column] = groups[column].transform(
                lambda s: s.interpolate(limit_direction="both"))
    return table


def drop_missing_target_edges(table: pd.DataFrame, config: Config) -> pd.DataFrame:
    """With ``fill_missing: {<target>: drop}``, drop the leading and trailing periods in
    which any geo lacks the target. A missing target in between stays an error."""
    if config.fill_missing.get(config.target) != "drop" or config.target not in table:
        return table
    complete = table.groupby(DATE)[config.target].apply(lambda s: s.notna().all())
    kept = complete.index[complete.to_numpy()]
    if kept.empty:
        return table
    inside = (table[DATE] >= kept.min()) & (table[DATE] <= kept.max())
    return table[inside | table[DATE].isna()]


def check_values(table: pd.DataFrame, unreadable: pd.DataFrame, config: Config,
                 source: str) -> list[str]:
    """NaNs, negative spend or media, all-zero channels, a constant target, population."""
    dates = table[DATE]
    problems = []
    for column in unreadable.columns:
        missing = list(table.index[table[column].isna() & ~unreadable[column]])
        if missing:
            problems.append(f"{source}: column '{column}' has "
                            f"{counted(len(missing), 'NaN value')} "
                            f"({rows_text(missing, dates)}). Fill or drop them, or set "
                            f"fill_missing: {{{column}: {_fill_hint(column, config)}}} in the "
                            "config.")
    problems += _negative(table, config, source)
    for column in config.channels:
        if column in table and table[column].notna().any() and \
                (table[column].fillna(0.0) == 0).all():
            problems.append(f"{source}: channel '{column}' is zero in every row. Remove it "
                            "from channels: nothing can be learned about a channel that "
                            "never ran.")
    target = table[config.target] if config.target in table else pd.Series(dtype=float)
    if target.notna().sum() > 1 and target.nunique(dropna=True) == 1:
        problems.append(f"{source}: column '{config.target}' (the target) has the same value "
                        f"({target.dropna().iloc[0]:g}) in every row, so there is nothing to "
                        "model. Check that 'target' names the KPI column.")
    problems += _positive(table, config.population, "population", source,
                          "Give each geo its population (people, households or another "
                          "positive size)")
    if isinstance(config.revenue_per_kpi, str):
        problems += _positive(table, config.revenue_per_kpi, "revenue_per_kpi", source,
                              "Give the value of one conversion in every row")
    return problems


def _negative(table: pd.DataFrame, config: Config, source: str) -> list[str]:
    columns = [*config.channels, *config.impressions.values(), *config.organic]
    columns += [c for pair in config.reach_frequency.values() for c in pair.values()]
    problems = []
    for column in dict.fromkeys(c for c in columns if c in table):
        negative = list(table.index[table[column] < 0])
        if negative:
            shown = listing([f"{v:g}" for v in table.loc[negative[:SHOW + 1], column]])
            problems.append(f"{source}: column '{column}' has "
                            f"{counted(len(negative), 'negative value')} "
                            f"({rows_text(negative, table[DATE])}: {shown}). Spend and media "
                            "cannot be negative: correct them (refunds or credits belong in "
                            "a control, not in spend).")
    return problems


def _positive(table: pd.DataFrame, column: str | None, role: str, source: str,
              fix: str) -> list[str]:
    if column is None or column not in table:
        return []
    problems = []
    bad = list(table.index[table[column] <= 0])
    if bad:
        shown = listing([f"{v:g}" for v in table.loc[bad[:SHOW + 1], column]])
        problems.append(f"{source}: column '{column}' ({role}) must be positive but is not "
                        f"({rows_text(bad, table[DATE])}: {shown}). {fix}.")
    if role == "population":
        varying = [(g, s.dropna().unique()) for g, s in table.groupby(GEO)[column]
                   if s.nunique(dropna=True) > 1]
        for geo, values in varying[:SHOW]:
            problems.append(f"{source}: column '{column}' (population) changes within geo "
                            f"'{geo}' (values {listing([f'{v:g}' for v in values], 3)}). "
                            "Use one population value per geo.")
    return problems


def check_dates(table: pd.DataFrame, config: Config, source: str) -> tuple[Cadence, list[str]]:
    """Duplicates per geo, the spacing, gaps, the same dates in every geo, and length."""
    problems = _duplicates(table, config, source)
    starts = pd.DatetimeIndex(table[DATE].drop_duplicates().sort_values())
    first_row = table.reset_index().groupby(DATE)["index"].min()
    cadence, found = spacing_problems(starts, first_row, config, source)
    problems += found
    if config.geo:
        problems += _same_dates_in_every_geo(table, starts, config, source)
    if cadence.kind != "daily" and len(starts) < MIN_PERIODS:
        problems.append(too_few_periods(len(starts), starts, source))
    return cadence, problems


def too_few_periods(count: int, starts: pd.DatetimeIndex, source: str) -> str:
    """The message for a history too short to fit at all."""
    return (f"{source}: only {counted(count, 'period')} of data "
            f"({day_text(starts[0])} … {day_text(starts[-1])}). At least {MIN_PERIODS} "
            "are needed to fit a model at all, and 78 weeks or more to trust it. Provide a "
            "longer history.")


def _duplicates(table: pd.DataFrame, config: Config, source: str) -> list[str]:
    repeated = table.duplicated([GEO, DATE], keep=False)
    if not repeated.any():
        return []
    rows = sorted(table.index[repeated])
    where = ""
    if config.geo:
        geos = sorted(set(table.loc[rows, GEO]))
        where = f" within geo{'s' if len(geos) > 1 else ''} {listing(geos)}"
    return [f"{source}: column '{config.date}' has duplicate dates{where} "
            f"({rows_text(rows, table[DATE])}). Keep one row per "
            f"{'geo and ' if config.geo else ''}period: sum or drop the duplicates."]


def spacing_problems(starts: pd.DatetimeIndex, first_row: pd.Series, config: Config,
                     source: str) -> tuple[Cadence, list[str]]:
    """The cadence of the sorted unique dates, and any gaps or irregular steps in it.

    ``first_row`` maps each date to the position of its first row (for messages).
    """
    if len(starts) < 2:
        return Cadence("weekly", 7), []
    steps = np.diff(starts).astype("timedelta64[D]").astype(int)
    median = int(np.median(steps))
    if median == 7:
        return Cadence("weekly", 7), _regular(starts, steps, 7, "week", first_row, source)
    if median == 1:
        found = _regular(starts, steps, 1, "day", first_row, source)
        if not config.aggregate_daily:
            found.insert(0, f"{source}: the dates in '{config.date}' are daily. mixcast "
                            "models weekly data: set aggregate_daily: true in the config to "
                            "sum the days into weeks (spend and KPI summed, controls averaged).")
        return Cadence("daily", 1), found
    for kind, months, low, high in (("monthly", 1, 28, 31), ("quarterly", 3, 89, 92)):
        if low <= median <= high:
            months_apart = np.diff(starts.year * 12 + starts.month)
            return Cadence(kind, median), _monthly(starts, months_apart, months, kind,
                                                   first_row, source)
    sizes = listing([f"{s} days" for s in sorted(set(steps.tolist()))])
    return Cadence("irregular", median), [
        f"{source}: the dates in '{config.date}' are irregularly spaced (steps of {sizes}), "
        "neither weekly, daily nor monthly. Provide one row per week, each 7 days after the "
        "previous one."]


def _regular(starts: pd.DatetimeIndex, steps: np.ndarray, size: int, unit: str,
             first_row: pd.Series, source: str) -> list[str]:
    problems = []
    odd = np.flatnonzero(steps % size != 0)
    if odd.size:
        rows = sheet_rows(first_row[starts[i + 1]] for i in odd[:SHOW + 1])
        shown = listing([f"{day_text(starts[i + 1])} (row {row}) is {steps[i]} days after "
                         f"{day_text(starts[i])}" for i, row in zip(odd[:SHOW + 1], rows)])
        problems.append(f"{source}: the dates are {unit}ly but irregularly spaced: {shown}. "
                        f"Every date must be a whole number of {unit}s after the previous "
                        f"one{' (weeks starting on the same weekday)' if size == 7 else ''}.")
    missing = [starts[i] + pd.Timedelta(days=size * k) for i in np.flatnonzero(steps > size)
               if steps[i] % size == 0 for k in range(1, steps[i] // size)]
    if missing:
        problems.append(f"{source}: {counted(len(missing), f'{unit}')} missing from the "
                        f"series ({listing([day_text(d) for d in missing[:SHOW + 1]])}). Add "
                        f"a row for each (spend 0 if nothing ran).")
    return problems


def _monthly(starts: pd.DatetimeIndex, months_apart: np.ndarray, size: int, kind: str,
             first_row: pd.Series, source: str) -> list[str]:
    problems = []
    same = np.flatnonzero(months_apart < size)
    if same.size:
        shown = listing([f"{day_text(starts[i])} and {day_text(starts[i + 1])}"
                         for i in same[:SHOW + 1]])
        problems.append(f"{source}: the dates are {kind} but some fall in the same "
                        f"{'month' if size == 1 else 'quarter'} ({shown}). Provide one row "
                        "per period.")
    gaps = np.flatnonzero(months_apart > size)
    if gaps.size:
        missing = [(starts[i] + pd.DateOffset(months=size * k)).strftime("%Y-%m")
                   for i in gaps for k in range(1, int(months_apart[i]) // size)]
        problems.append(f"{source}: {counted(max(len(missing), 1), 'period')} missing from the "
                        f"{kind} series ({listing(missing or [day_text(starts[gaps[0]])])}). "
                        "Add a row for each (spend 0 if nothing ran).")
    return problems


def _same_dates_in_every_geo(table: pd.DataFrame, starts: pd.DatetimeIndex, config: Config,
                             source: str) -> list[str]:
    problems = []
    for geo, dates in table.groupby(GEO)[DATE]:
        missing = starts.difference(pd.DatetimeIndex(dates))
        if len(missing):
            problems.append(f"{source}: geo '{geo}' has no rows for "
                            f"{counted(len(missing), 'date')} that other geos have "
                            f"({listing([day_text(d) for d in missing[:SHOW + 1]])}). Every "
                            "geo needs a row for every period (spend 0 if nothing ran).")
    return problems


def _fill_hint(column: str, config: Config) -> str:
    if column == config.target:
        return "drop" if config.fill_missing.get(column) != "drop" else "interpolate"
    paid = {*config.channels, *config.organic, *config.impressions.values()}
    if column in paid:
        return "zero"
    return "ffill" if column == config.population else "interpolate"
