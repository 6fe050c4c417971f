"""Read the user's file and build the immutable Dataset. No modelling here."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from mixcast.config import Config
from mixcast.data import validate as checks
from mixcast.data.dataset import Dataset, Issue
from mixcast.errors import DataError

READERS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV or Parquet file into a DataFrame (clear errors, no coercion)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: data file not found. Check 'data:' in the config (paths "
                        "are relative to the config file).")
    kind = READERS.get(path.suffix.lower())
    if kind is None:
        raise DataError(f"{path}: unsupported file type '{path.suffix}'. Use .csv or .parquet.")
    try:
        if kind == "csv":
            # 'na' is a real value in some exports (e.g. Robyn's events column).
            return pd.read_csv(path, keep_default_na=False,
                               na_values=["", "NA", "NaN", "nan", "null", "NULL", "#N/A"])
        return pd.read_parquet(path)
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, ValueError) as error:
        raise DataError(f"{path}: could not be read as {kind}: {error}. Check the file "
                        "is not corrupt and is saved as plain CSV (UTF-8) or Parquet.") from None


def load_dataset(config: Config) -> Dataset:
    """Load, validate and shape the data named by ``config``.

    Raises
    ------
    DataError
        Listing every problem found (missing columns, bad dates, NaNs, negative spend, …).
    """
    from mixcast.data.events import read_events
    from mixcast.data.guardrails import diagnose
    from mixcast.data.lift_tests import read_lift_tests

    source = config.data.name
    frame = read_table(config.data).reset_index(drop=True)
    if frame.empty:
        raise DataError(f"{source}: the file has no data rows.")
    checks.check_columns(frame, config, source)
    dates = checks.parse_dates(frame, config.date, source)
    geo = frame[config.geo].astype(str) if config.geo else None
    numeric_columns = tuple(c for c in config.columns() if c not in (config.date, config.geo))
    values, problems = checks.coerce_numeric(frame, numeric_columns, dates, source)
    values = checks.fill_missing(values, config, geo)
    values, dates, geo = _drop_edge_targets(values, dates, geo, config)
    problems += checks.check_values(values, config, dates, source)
    cadence, date_problems = checks.check_dates(dates, geo, source, config)
    problems += date_problems
    if config.geo and config.population:
        problems += _check_population(values[config.population], geo, dates, source,
                                      config.population)
    checks.raise_all(problems)
    table = pd.concat([values, dates.rename("__date"),
                       (geo if geo is not None else pd.Series("national", index=dates.index)
                        ).rename("__geo")], axis=1)
    issues: list[Issue] = []
    if cadence.kind == "daily":
        table, dropped = _aggregate_daily(table, config)
        if dropped:
            issues.append(Issue("partial_week_dropped", "warning",
                                f"The last {dropped} day(s) do not make a full week and were "
                                "left out of the weekly totals."))
    data = _build(table, config)
    data = dataclasses.replace(
        data, lift_tests=read_lift_tests(config.lift_tests, data) if config.lift_tests else (),
        **_events(config, data, read_events))
    issues += diagnose(data, cadence_days=cadence.days if cadence.kind != "daily" else 7)
    return dataclasses.replace(data, issues=tuple(issues))


def _events(config: Config, data: Dataset, read_events) -> dict:
    if config.events is None:
        return {}
    names, indicators = read_events(config.events, data)
    return {"event_names": names, "events": indicators}


def _drop_edge_targets(values, dates, geo, config: Config):
    """fill_missing: {target: drop} removes leading/trailing weeks with no KPI."""
    if config.fill_missing.get(config.target) != "drop":
        return values, dates, geo
    present = dates[values[config.target].notna()]
    if present.empty:
        return values, dates, geo
    keep = (dates >= present.min()) & (dates <= present.max())
    keep_index = dates.index[keep]
    return values.loc[keep_index], dates.loc[keep_index], \
        (geo.loc[keep_index] if geo is not None else None)


def _check_population(population: pd.Series, geo: pd.Series, dates, source, column) -> list[str]:
    problems = []
    bad = population.index[~(population > 0)]
    if len(bad):
        problems.append(f"{source}: column '{column}' must be positive; it is not in "
                        f"{checks.rows_text(bad, dates)}. Give each geo's population.")
    varying = [str(g) for g, p in population.groupby(geo) if p.nunique() > 1]
    if varying:
        problems.append(f"{source}: column '{column}' changes over time within geo(s) "
                        f"{', '.join(varying[:5])}. Use one population value per geo.")
    return problems


def _aggregate_daily(table: pd.DataFrame, config: Config) -> tuple[pd.DataFrame, int]:
    """Sum spend, media and KPI into weeks that start on the first date's weekday."""
    start = table["__date"].min()
    table = table.assign(__week=start + pd.to_timedelta(
        ((table["__date"] - start).dt.days // 7) * 7, unit="D"))
    counts = table.groupby(["__geo", "__week"])["__date"].transform("nunique")
    dropped = int(table.loc[counts < 7, "__date"].nunique())
    table = table[counts == 7]
    averaged = set(config.controls) | {config.population or ""}
    if isinstance(config.revenue_per_kpi, str):
        averaged.add(config.revenue_per_kpi)
    value_columns = [c for c in table.columns if not c.startswith("__")]
    agg = {c: ("mean" if c in averaged else "sum") for c in value_columns}
    weekly = table.groupby(["__geo", "__week"], as_index=False).agg(agg)
    return weekly.rename(columns={"__week": "__date"}), dropped


def _build(table: pd.DataFrame, config: Config) -> Dataset:
    table = table.sort_values(["__geo", "__date"])
    geos = tuple(sorted(table["__geo"].unique()))
    dates = np.array(sorted(table["__date"].unique()), dtype="datetime64[D]")

    def cube(columns) -> np.ndarray:
        columns = list(columns)
        if not columns:
            return np.zeros((len(geos), len(dates), 0))
        wide = table.set_index(["__geo", "__date"])[columns]
        return wide.to_numpy(dtype=float).reshape(len(geos), len(dates), len(columns))

    spend = cube(config.channels)
    media = cube(config.impressions.get(c, c) for c in config.channels)
    y = cube([config.target])[..., 0]
    value = _value_per_kpi(config, cube)
    population = cube([config.population])[:, 0, 0] if config.population else None
    platform = {c: cube([col])[..., 0] for c, col in config.platform_attributed.items()}
    return Dataset(
        dates=dates, geos=geos if config.geo else ("national",), channels=config.channels,
        y=y, spend=spend, media=media, control_names=config.controls,
        controls=cube(config.controls) if config.controls else None,
        organic_names=config.organic, organic=cube(config.organic) if config.organic else None,
        population=population, revenue_per_kpi=value, kpi_type=config.kpi_type,
        target=config.target, geo_column=config.geo, platform_attributed=platform,
        source=str(config.data))


def _value_per_kpi(config: Config, cube) -> np.ndarray | None:
    if config.revenue_per_kpi is None:
        return None
    if isinstance(config.revenue_per_kpi, str):
        return cube([config.revenue_per_kpi])[..., 0]
    shape = cube([config.target])[..., 0].shape
    return np.full(shape, float(config.revenue_per_kpi))
