"""Read the user's file and build the immutable Dataset. No modelling here.

``load_dataset`` is the pipeline's first stage: read → validate (every problem at once)
→ aggregate daily rows into weeks when asked → arrays of shape (G, T, ...) → lift tests,
events → guardrail diagnostics attached as ``Dataset.issues``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import pandas as pd

from mixcast.config import Config
from mixcast.data._common import raise_problems, read_table
from mixcast.data.dataset import Dataset, Issue
from mixcast.data.events import read_events
from mixcast.data.guardrails import diagnose
from mixcast.data.lift_tests import read_lift_tests
from mixcast.data.validate import (
    DATE, GEO, MIN_PERIODS, Cadence, too_few_periods, validate_frame,
)
from mixcast.formatting import counted

__all__ = ["aggregate_daily", "build_dataset", "load_dataset", "read_table"]


def load_dataset(config: Config, *, frame: pd.DataFrame | None = None) -> Dataset:
    """Load, validate and shape the data named by ``config``.

    Parameters
    ----------
    config : a checked config (see :func:`mixcast.config.read_config`).
    frame : use this table instead of reading ``config.data`` (it is not modified).

    Returns
    -------
    Dataset
        National data has one geo, 'national'; geo data has its geos sorted. Guardrail
        findings are in ``issues``.

    Raises
    ------
    DataError
        Listing every problem found (missing columns, bad dates, NaNs, negative spend, …),
        or a problem in the lift-test or events file.
    """
    source = config.data.name
    if frame is None:
        frame = read_table(config.data)
    checked = validate_frame(frame, config, source=source)
    table = _with_media(checked.table, config)
    issues: list[Issue] = []
    cadence = checked.cadence
    if cadence.kind == "daily":
        table, dropped = aggregate_daily(table, config)
        cadence = Cadence("weekly", 7)
        if dropped:
            issues.append(_partial_week(dropped))
    data = build_dataset(table, config)
    if config.lift_tests is not None:
        data = replace(data, lift_tests=read_lift_tests(config.lift_tests, data))
    if config.events is not None:
        names, indicators = read_events(config.events, data)
        data = replace(data, event_names=names, events=indicators)
    priors = config.model.get("roi_priors")
    issues += diagnose(data, cadence_days=cadence.days, holidays=config.holidays,
                       roi_prior_given=isinstance(priors, Mapping) and "default" in priors)
    return replace(data, issues=tuple(issues))


def _media_name(channel: str) -> str:
    return f"__media__{channel}"


def _frequency_name(channel: str) -> str:
    return f"__frequency__{channel}"


def _with_media(table: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Add one media column per channel: impressions where mapped, reach for
    reach-and-frequency channels (with their frequency beside it), else the spend itself.

    Daily reach-and-frequency rows are summed into weeks by :func:`aggregate_daily` so
    that impressions (reach x frequency) are exact; weekly reach is then the sum of daily
    reach (an upper bound: people reached on two days count twice) and the weekly
    frequency is impressions / reach.
    """
    media = {}
    for channel in config.channels:
        if channel in config.impressions:
            media[_media_name(channel)] = table[config.impressions[channel]]
        elif channel in config.reach_frequency:
            pair = config.reach_frequency[channel]
            reach, frequency = table[pair["reach"]], table[pair["frequency"]]
            media[_media_name(channel)] = reach
            # Weeks without reach have no frequency to speak of: 0, whatever the file says.
            media[_frequency_name(channel)] = frequency.where(reach > 0, 0.0)
        else:
            media[_media_name(channel)] = table[channel]
    return table.assign(**media)


def aggregate_daily(table: pd.DataFrame, config: Config) -> tuple[pd.DataFrame, int]:
    """Sum daily rows into weeks that start on the first date's weekday.

    Spend, media, organic, platform-attributed outcomes and the KPI are summed; controls
    are averaged; ``revenue_per_kpi`` (a column) is averaged weighted by the KPI, so that
    weekly value = Σ daily KPI × value. A trailing partial week is dropped.

    Returns
    -------
    (weekly table, number of days dropped from a trailing partial week)
    """
    first = table[DATE].min()
    week = first + pd.to_timedelta((table[DATE] - first).dt.days // 7 * 7, unit="D")
    table = table.assign(__week=week)
    days = table.groupby([GEO, "__week"])[DATE].transform("nunique")
    dropped = int(table.loc[days < 7, DATE].nunique())
    table = table[days == 7]
    value = config.revenue_per_kpi if isinstance(config.revenue_per_kpi, str) else None
    if value is not None:
        table = table.assign(__value=table[value] * table[config.target])
    frequency = [c for c in table.columns if c.startswith("__frequency__")]
    table = table.assign(**{c: table[c] * table[_media_name(c[len("__frequency__"):])]
                            for c in frequency})  # frequency -> impressions, then back
    averaged = {*config.controls, *(c for c in (config.population, value) if c)}
    columns = [c for c in table.columns if c not in (DATE, GEO, "__week")]
    weekly = table.groupby([GEO, "__week"], as_index=False).agg(
        {c: ("mean" if c in averaged else "sum") for c in columns})
    if value is not None:
        kpi = weekly[config.target]
        weekly[value] = np.where(kpi > 0, weekly["__value"] / kpi.where(kpi > 0, 1.0),
                                 weekly[value])
    for column in frequency:
        reach = weekly[_media_name(column[len("__frequency__"):])]
        weekly[column] = np.where(reach > 0, weekly[column] / reach.where(reach > 0, 1.0), 0.0)
    weekly = weekly.rename(columns={"__week": DATE}).drop(columns="__value", errors="ignore")
    if weekly[DATE].nunique() < MIN_PERIODS:
        starts = pd.DatetimeIndex(sorted(weekly[DATE].unique()))
        if starts.empty:
            starts = pd.DatetimeIndex([first])
        raise_problems([too_few_periods(len(weekly[DATE].unique()), starts,
                                        config.data.name)], config.data.name)
    return weekly.sort_values([GEO, DATE], kind="stable"), dropped


def _partial_week(days: int) -> Issue:
    return Issue("partial_week_dropped", "warning",
                 f"The last {counted(days, 'day')} of the daily data do not "
                 "make a full week and were left out of the weekly totals.")


def build_dataset(table: pd.DataFrame, config: Config) -> Dataset:
    """Arrays of shape (G, T, ...) from a validated table with one row per (geo, week).

    Parameters
    ----------
    table : validated (and aggregated) rows, with ``__date``, ``__geo`` and the numeric
        columns, including one ``__media__<channel>`` column per channel.
    config : the config naming the roles of the columns.
    """
    table = table.sort_values([GEO, DATE], kind="stable")
    geos = tuple(sorted(table[GEO].unique()))
    dates = np.array(sorted(table[DATE].unique()), dtype="datetime64[D]")
    shape = (len(geos), len(dates))

    def cube(columns: list[str]) -> np.ndarray:
        values = table[columns].to_numpy(dtype=float)
        return values.reshape(*shape, len(columns))

    rf_channels = tuple(c for c in config.channels
                        if c in config.reach_frequency and c not in config.impressions)
    population = None
    if config.population:
        population = cube([config.population])[:, 0, 0].copy()
    value = None
    if isinstance(config.revenue_per_kpi, str):
        value = cube([config.revenue_per_kpi])[..., 0]
    elif config.revenue_per_kpi is not None:
        value = np.full(shape, float(config.revenue_per_kpi))
    return Dataset(
        dates=dates, geos=geos, channels=config.channels, y=cube([config.target])[..., 0],
        spend=cube(list(config.channels)),
        media=cube([_media_name(c) for c in config.channels]),
        control_names=config.controls,
        controls=cube(list(config.controls)) if config.controls else None,
        organic_names=config.organic,
        organic=cube(list(config.organic)) if config.organic else None,
        mediator_names=config.mediator_columns(),
        mediators=cube(list(config.mediator_columns())) if config.mediator_columns()
        else None,
        population=population, revenue_per_kpi=value, kpi_type=config.kpi_type,
        target=config.target, geo_column=config.geo,
        platform_attributed={c: cube([col])[..., 0]
                             for c, col in config.platform_attributed.items()},
        source=str(config.data), rf_channels=rf_channels,
        frequency=cube([_frequency_name(c) for c in rf_channels]) if rf_channels else None)

