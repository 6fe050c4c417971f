"""Checks on the user's table. Every problem is collected, then raised together.

Messages follow one template: ``<file>: column 'tv_spend' has 3 NaN values (rows 14, 15,
52; dates 2024-04-07, …). <how to fix>``. Rows are numbered as in a spreadsheet: the
header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mixcast.config import Config
from mixcast.errors import DataError

MIN_PERIODS = 20
_SHOW = 5


@dataclass(frozen=True, slots=True)
class Cadence:
    """The spacing of the dates: 'weekly', 'daily' or 'monthly', in days."""

    kind: str
    days: int


def rows_text(index: pd.Index, dates: pd.Series | None = None) -> str:
    """'rows 14, 15, 52; dates 2024-04-07, …' for the first few offending rows."""
    rows = [int(i) + 2 for i in index[:_SHOW]]
    more = "…" if len(index) > _SHOW else ""
    text = f"row{'s' if len(index) > 1 else ''} {', '.join(map(str, rows))}{more}"
    if dates is not None:
        shown = [d.strftime("%Y-%m-%d") if not pd.isna(d) else "?" for d in dates.loc[index[:_SHOW]]]
        text += f"; date{'s' if len(index) > 1 else ''} {', '.join(shown)}{more}"
    return text


def check_columns(frame: pd.DataFrame, config: Config, source: str) -> None:
    """Raise one DataError listing every column the config names that the file lacks."""
    available = [str(c) for c in frame.columns]
    problems = []
    for column in config.columns():
        if column not in frame.columns:
            hint = difflib.get_close_matches(column, available, n=1, cutoff=0.5)
            fix = f" Did you mean '{hint[0]}'?" if hint else ""
            problems.append(f"{source}: column '{column}' not found.{fix} "
                            f"Available columns: {', '.join(available)}.")
    _raise(problems)


def parse_dates(frame: pd.DataFrame, column: str, source: str) -> pd.Series:
    raw = frame[column]
    parsed = pd.to_datetime(raw, errors="coerce", format="mixed") if raw.dtype == object \
        else pd.to_datetime(raw, errors="coerce")
    bad = parsed.index[parsed.isna()]
    if len(bad):
        values = ", ".join(repr(str(v)) for v in raw.loc[bad[:_SHOW]])
        raise DataError(f"{source}: column '{column}' has {len(bad)} value(s) that are not "
                        f"dates ({rows_text(bad)}: {values}). Use ISO dates like 2024-01-07.")
    return parsed.dt.normalize()


def coerce_numeric(frame: pd.DataFrame, columns: tuple[str, ...], dates: pd.Series,
                   source: str) -> tuple[pd.DataFrame, list[str]]:
    """Numbers as float; text that is not a number is reported with its value."""
    out = {}
    problems = []
    for column in columns:
        raw = frame[column]
        numbers = pd.to_numeric(raw, errors="coerce")
        bad = numbers.index[numbers.isna() & raw.notna()]
        if len(bad):
            values = ", ".join(repr(str(v)) for v in raw.loc[bad[:_SHOW]])
            problems.append(f"{source}: column '{column}' has {len(bad)} non-numeric "
                            f"value(s) ({rows_text(bad, dates)}: {values}). Use plain numbers "
                            "(no thousands separators or currency signs).")
        out[column] = numbers.astype(float)
    return pd.DataFrame(out, index=frame.index), problems


def fill_missing(values: pd.DataFrame, config: Config, group: pd.Series | None) -> pd.DataFrame:
    """Apply the explicit ``fill_missing`` options (never silently)."""
    values = values.copy()
    for column, method in config.fill_missing.items():
        if column not in values or method == "drop":
            continue
        series = values[column]
        grouped = series.groupby(group) if group is not None else None
        if method == "zero":
            values[column] = series.fillna(0.0)
        elif method == "ffill":
            values[column] = (grouped.ffill() if grouped is not None else series.ffill()).bfill()
        elif method == "interpolate":
            filled = grouped.transform(lambda s: s.interpolate(limit_direction="both")) \
                if grouped is not None else series.interpolate(limit_direction="both")
            values[column] = filled
    return values


def check_values(values: pd.DataFrame, config: Config, dates: pd.Series, source: str) -> list[str]:
    """NaNs, negative spend, all-zero channels, constant target."""
    problems = []
    for column in values.columns:
        missing = values.index[values[column].isna()]
        if len(missing):
            problems.append(f"{source}: column '{column}' has {len(missing)} NaN value(s) "
                            f"({rows_text(missing, dates)}). Fill or drop them, or set "
                            f"fill_missing: {{{column}: {_fill_hint(column, config)}}} in the "
                            "config.")
    non_negative = (*config.channels, *config.impressions.values(), *config.organic)
    for column in non_negative:
        negative = values.index[values[column] < 0]
        if len(negative):
            shown = ", ".join(f"{v:g}" for v in values.loc[negative[:_SHOW], column])
            problems.append(f"{source}: column '{column}' has {len(negative)} negative "
                            f"value(s) ({rows_text(negative, dates)}: {shown}). Spend and "
                            "media cannot be negative; correct them (refunds belong in a "
                            "control, not in spend).")
    for column in config.channels:
        if values[column].notna().any() and (values[column].fillna(0) == 0).all():
            problems.append(f"{source}: channel '{column}' is zero in every row. Remove it "
                            "from channels: nothing can be learned about it.")
    target = values[config.target]
    if target.notna().sum() > 1 and target.nunique(dropna=True) == 1:
        problems.append(f"{source}: target '{config.target}' has the same value "
                        f"({target.dropna().iloc[0]:g}) in every row; nothing to model.")
    return problems


def check_dates(dates: pd.Series, geo: pd.Series | None, source: str,
                config: Config) -> tuple[Cadence, list[str]]:
    """Duplicates and gaps per geo, a common cadence, and the same dates in every geo."""
    problems = []
    keys = geo if geo is not None else pd.Series("all", index=dates.index)
    duplicated = dates.index[pd.DataFrame({"g": keys, "d": dates}).duplicated(keep=False)]
    if len(duplicated):
        where = " within a geo" if geo is not None else ""
        problems.append(f"{source}: column '{config.date}' has duplicate dates{where} "
                        f"({rows_text(duplicated, dates)}). Keep one row per "
                        f"{'geo and ' if geo is not None else ''}period (sum or drop the "
                        "duplicates).")
        return Cadence("weekly", 7), problems
    cadence = _cadence(dates, keys)
    if cadence.kind == "daily" and not config.aggregate_daily:
        problems.append(f"{source}: the dates are daily. mixcast models weekly data; set "
                        "aggregate_daily: true in the config to sum days into weeks.")
    if cadence.kind == "irregular":
        problems.append(f"{source}: the spacing of '{config.date}' is irregular (neither "
                        "weekly, daily nor monthly). Provide one row per week.")
    if cadence.kind == "weekly":
        problems += _gaps(dates, keys, source)
    if geo is not None:
        problems += _same_dates_in_every_geo(dates, geo, source)
    n_periods = dates.nunique()
    if n_periods < MIN_PERIODS and cadence.kind != "daily":
        problems.append(f"{source}: only {n_periods} periods. At least {MIN_PERIODS} are "
                        "needed to fit anything (78+ weeks to trust it).")
    return cadence, problems


def _cadence(dates: pd.Series, keys: pd.Series) -> Cadence:
    steps = []
    for _, group in dates.groupby(keys):
        diffs = group.sort_values().diff().dropna().dt.days.to_numpy()
        steps.append(diffs)
    steps = np.concatenate(steps) if steps else np.array([7])
    if steps.size == 0:
        return Cadence("weekly", 7)
    if np.all(steps % 7 == 0):
        return Cadence("weekly", 7)
    if np.all(steps == 1):
        return Cadence("daily", 1)
    if np.all((steps >= 28) & (steps <= 31)) or np.all((steps >= 89) & (steps <= 92)):
        return Cadence("monthly", int(np.median(steps)))
    if np.median(steps) == 1 and np.all(steps >= 1):
        return Cadence("daily", 1)
    return Cadence("irregular", int(np.median(steps)))


def _gaps(dates: pd.Series, keys: pd.Series, source: str) -> list[str]:
    problems = []
    for key, group in dates.groupby(keys):
        ordered = group.sort_values()
        full = pd.date_range(ordered.iloc[0], ordered.iloc[-1], freq="7D")
        missing = full.difference(pd.DatetimeIndex(ordered))
        if len(missing):
            shown = ", ".join(d.strftime("%Y-%m-%d") for d in missing[:_SHOW])
            more = "…" if len(missing) > _SHOW else ""
            where = f" for geo '{key}'" if key != "all" else ""
            problems.append(f"{source}: {len(missing)} missing week(s){where} ({shown}{more}). "
                            "Add rows for them (spend 0 if nothing ran).")
    return problems


def _same_dates_in_every_geo(dates: pd.Series, geo: pd.Series, source: str) -> list[str]:
    per_geo = {g: frozenset(d) for g, d in dates.groupby(geo)}
    reference = max(per_geo.values(), key=len)
    odd = [str(g) for g, d in per_geo.items() if d != reference]
    if not odd:
        return []
    return [f"{source}: geos {', '.join(odd[:_SHOW])} do not cover the same dates as the "
            "others. Every geo needs a row for every week."]


def _fill_hint(column: str, config: Config) -> str:
    if column in config.channels or column in config.organic:
        return "zero"
    return "drop" if column == config.target else "interpolate"


def _raise(problems: list[str]) -> None:
    if problems:
        message = problems[0] if len(problems) == 1 else (
            f"{len(problems)} problems in the data:\n- " + "\n- ".join(problems))
        raise DataError(message, issues=tuple(problems))


raise_all = _raise
