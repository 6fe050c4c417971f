"""Analyse a test that ran: its effect, how sure, whether the groups were alike before,
what the model predicted, and the lift_tests.csv row(s) that feed it back to the model.

The effect is the time-based regression of the design (:mod:`~mixcast.experiments.power`):
the pre-period is every week of the data before the test (up to the design's history),
the measured weeks are the test's plus its cool-down. The p-value and the 90% interval
come from the placebo distribution of the same statistic on pre-period windows.

The lift_tests.csv rows follow DESIGN.md. A geo test covering several geos is written as
one row per treated geo, the measured lift split in proportion to the model's predicted
lift per geo (``w_g``) and each row's standard error ``sqrt(w_g) x se``: as independent
rows they carry exactly the information of the one measurement (the sum of the rows has
variance se^2, and their likelihood equals the total's when the model's per-geo lifts
keep those proportions).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from mixcast.errors import DataError
from mixcast.experiments.design import TestDesign, grouping_series, reference_series
from mixcast.experiments.power import (
    p_value, placebo_noise, residual_autocorrelation, significant, tbr_estimate,
)
from mixcast.experiments.shifts import judge_steps

Z90 = 1.6448536

__all__ = ["TestResult", "analyze_steps", "analyze_test", "outcome_panel"]


@dataclass(frozen=True, slots=True)
class TestResult:
    """The measured effect of a test (KPI units) and what goes with it."""

    __test__ = False  # not a pytest test class, despite its name

    channel: str
    method: str
    start_date: str
    weeks: int
    cooldown: int
    effect: float
    lo90: float
    hi90: float
    se: float
    p_value: float
    significant: bool
    placebo_p_value: float
    placebo_ok: bool
    predicted: dict
    agrees_with_model: bool
    pre_weeks: int
    placebo_windows: int
    rows: tuple[dict, ...]
    notes: tuple[str, ...]

    def as_dict(self) -> dict:
        return asdict(self)

    def rows_frame(self) -> pd.DataFrame:
        """The lift_tests.csv rows (DESIGN.md columns)."""
        return pd.DataFrame(list(self.rows))


def outcome_panel(frame: pd.DataFrame, design: TestDesign, *, source: str
                  ) -> tuple[pd.DatetimeIndex, tuple[str, ...], np.ndarray, np.ndarray | None]:
    """(dates, geos, y (G, T), channel spend (G, T) or None) from an after-test data
    file with the run's columns; only the design's geos are read."""
    cols = design.columns
    needed = [cols["date"], cols["target"]] + ([cols["geo"]] if design.geo_level else [])
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DataError(f"{source}: missing column(s) {', '.join(missing)}. The data must "
                        f"have the run's columns ({', '.join(needed)}), with the weeks "
                        "before and during the test.")
    dates = pd.to_datetime(frame[cols["date"]], errors="coerce")
    if dates.isna().any():
        rows = list(np.flatnonzero(dates.isna().to_numpy())[:5] + 2)
        raise DataError(f"{source}: column '{cols['date']}' has dates that are not ISO "
                        f"(rows {rows}). Write dates as YYYY-MM-DD.")
    geo_names = design.treated + design.control if design.geo_level else ("national",)
    geo = frame[cols["geo"]].astype(str) if design.geo_level else pd.Series(
        "national", index=frame.index)
    present = set(geo.unique())
    absent = [g for g in geo_names if g not in present]
    if absent:
        raise DataError(f"{source}: geo(s) {', '.join(absent[:10])} of the design have no "
                        f"rows in column '{cols['geo']}'. Include every treated and control "
                        "geo.")
    table = pd.DataFrame({"date": dates, "geo": geo})
    values = {"y": cols["target"]}
    if design.channel in frame.columns:
        values["spend"] = design.channel
    for key, column in values.items():
        table[key] = pd.to_numeric(frame[column], errors="coerce")
        if table[key].isna().any():
            rows = list(np.flatnonzero(table[key].isna().to_numpy())[:5] + 2)
            raise DataError(f"{source}: column '{column}' has values that are not numbers "
                            f"(rows {rows}). Fill them in.")
    table = table[table["geo"].isin(geo_names)]
    wide = table.pivot_table(index="geo", columns="date", values=list(values), aggfunc="sum")
    wide = wide.reindex(index=list(geo_names))
    if wide.isna().any().any():
        raise DataError(f"{source}: some design geos lack some weeks. Every treated and "
                        "control geo needs a row for every week.")
    y = wide["y"].to_numpy(float)
    spend = wide["spend"].to_numpy(float) if "spend" in values else None
    return pd.DatetimeIndex(wide["y"].columns), geo_names, y, spend


def analyze_test(design: TestDesign, frame: pd.DataFrame, *, weeks: int | None = None,
                 start_date: str | None = None, source: str = "data") -> TestResult:
    """The result of the test ``design`` describes, read from the data ``frame``."""
    option = design.option(weeks or design.recommended_weeks)
    dates, geo_names, y, spend = outcome_panel(frame, design, source=source)
    start = pd.Timestamp(start_date or design.start_date)
    first = int(np.searchsorted(dates.values, start.to_datetime64()))
    m = option.weeks + option.cooldown
    if first + m > len(dates):
        raise DataError(f"{source}: the test from {start.date()} needs {m} weeks of data "
                        f"({option.weeks} test + {option.cooldown} cool-down); the data "
                        f"have {len(dates) - first} from then. Analyse when the "
                        "cool-down is over, or give --start.")
    pre0 = max(0, first - design.history_weeks)
    n_treated = len(design.treated)
    treated = tuple(range(n_treated)) if design.geo_level else None
    control = tuple(range(n_treated, len(geo_names))) if design.geo_level else None
    x, z = reference_series(y, treated, control, np.arange(len(dates)))
    index = {name: g for g, name in enumerate(geo_names)}
    groupings = tuple(tuple(index[n] for n in r) for r in design.references)
    others = grouping_series(y[:, pre0:first], groupings, tuple(range(len(geo_names))))
    x_hist, z_hist = x[pre0:first], z[pre0:first]
    pre = option.pre_weeks
    noise = placebo_noise(x_hist, z_hist, weeks=m, pre_weeks=pre, alpha=design.alpha,
                          reference=others)
    rho = residual_autocorrelation(x_hist, z_hist)
    est = tbr_estimate(x_hist[-pre:], z_hist[-pre:], x[first:first + m], z[first:first + m],
                       rho=rho)
    effect, se = float(est.effect), float(est.se)
    half = float(noise.critical) * se
    p = float(p_value(est.t, noise))
    pre_check = tbr_estimate(x_hist[-pre - m:-m], z_hist[-pre - m:-m], x_hist[-m:],
                             z_hist[-m:], rho=rho)
    placebo_p = float(p_value(pre_check.t, noise))
    predicted = option.predicted_lift
    pred_half = max(predicted["hi90"] - predicted["mean"], predicted["mean"] - predicted["lo90"])
    agrees = abs(effect - predicted["mean"]) <= np.hypot(half, pred_half)
    notes = _notes(bool(significant(est.t, noise)), not bool(significant(pre_check.t, noise)),
                   agrees, design)
    rows = _rows(design, option, dates, first, effect, half / Z90, spend, geo_names)
    return TestResult(
        channel=design.channel, method=design.method,
        start_date=str(dates[first].date()), weeks=option.weeks, cooldown=option.cooldown,
        effect=effect, lo90=effect - half, hi90=effect + half, se=half / Z90, p_value=p,
        significant=bool(significant(est.t, noise)), placebo_p_value=placebo_p,
        placebo_ok=not bool(significant(pre_check.t, noise)), predicted=predicted,
        agrees_with_model=bool(agrees), pre_weeks=first - pre0,
        placebo_windows=noise.n_windows, rows=tuple(rows), notes=tuple(notes))


def _notes(significant: bool, placebo_ok: bool, agrees: bool, design: TestDesign) -> list:
    notes = []
    if not placebo_ok:
        notes.append("The pre-period placebo is significant: treated and control geos "
                     "drifted apart just before the test, so part of the effect may be that "
                     "drift. Check for events in either group before trusting the result.")
    if not significant:
        notes.append("Not significant at the 10% level: the interval includes no effect.")
    notes.append("The result agrees with the model's prediction." if agrees else
                 "The result and the model's prediction disagree: add the row to "
                 "lift_tests.csv and refit so the model learns from the test.")
    if design.caveat:
        notes.append(design.caveat)
    return notes


def _rows(design: TestDesign, option, dates: pd.DatetimeIndex, first: int, effect: float,
          se: float, spend: np.ndarray | None, geo_names: tuple[str, ...]) -> list[dict]:
    """lift_tests.csv rows: one per treated geo (see the module docstring), or one
    national row."""
    last = first + option.weeks - 1
    measured = last + option.cooldown
    day = pd.Timedelta(days=6)
    common = {"channel": design.channel, "start_date": str(dates[first].date()),
              "end_date": str((dates[last] + day).date())}
    if option.cooldown:
        common["measure_end_date"] = str((dates[measured] + day).date())
    rows = []
    names = design.treated if design.geo_level else ("national",)
    for g, name in enumerate(names):
        share = design.lift_share.get(name, 1.0 / len(names))
        usual = design.usual_weekly_spend[name]
        if spend is not None:
            delta = float(spend[g, first:last + 1].sum() - usual * option.weeks)
        else:
            delta = (design.factor - 1.0) * usual * option.weeks
        rows.append({**common, "geo": name if design.geo_level else "",
                     "spend_delta": round(delta, 2), "lift": effect * share,
                     "lift_se": se * np.sqrt(share), "bau_spend": usual,
                     "label": f"{design.channel} test {common['start_date']}"})
    return rows


def analyze_steps(design: TestDesign, frame: pd.DataFrame, *, n_steps: int,
                  start_date: str | None = None, source: str = "data"):
    """A change adopted in ``n_steps`` steps of the design's recommended duration each:
    actual vs predicted per step observed so far, and the verdict after each
    (:func:`mixcast.experiments.shifts.judge_steps`)."""
    option = design.option(design.recommended_weeks)
    dates, geo_names, y, _ = outcome_panel(frame, design, source=source)
    first = int(np.searchsorted(dates.values, pd.Timestamp(
        start_date or design.start_date).to_datetime64()))
    if first + option.weeks > len(dates):
        raise DataError(f"{source}: no complete step yet: a step is {option.weeks} weeks "
                        f"from {dates[min(first, len(dates) - 1)].date()}; the data have "
                        f"{len(dates) - first}.")
    n_treated = len(design.treated)
    treated = tuple(range(n_treated)) if design.geo_level else None
    control = tuple(range(n_treated, len(geo_names))) if design.geo_level else None
    x, z = reference_series(y, treated, control, np.arange(len(dates)))
    # The predicted lift of one full-change step without its cool-down tail.
    full = option.predicted_lift["mean"]
    return judge_steps(x, z, first=first, step_weeks=option.weeks, n_steps=n_steps,
                       pre_weeks=option.pre_weeks, history_weeks=design.history_weeks,
                       full_lift=full)
