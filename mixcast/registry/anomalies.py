"""Anomalies in the weeks a refresh adds: spend spikes, channels gone missing, a KPI level
shift or a single week far off the previous run's forecast, late, missing and duplicated
weeks.

Pure functions over arrays; each finding is an :class:`~mixcast.registry.alerts.Alert`
that says what to look at. Thresholds are module constants, chosen to stay quiet on
ordinary week-to-week variation (the stream tests hold them to that).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mixcast.formatting import counted, compact_number as fmt
from mixcast.registry.alerts import Alert

SPIKE_RATIO = 2.5        # a week's spend above this times the recent 95th percentile
HISTORY_WEEKS = 52       # the recent history spikes and gaps are judged against
ACTIVE_SHARE = 0.75      # a channel "active" in >= 75% of the last 13 weeks ...
LEVEL_SHIFT = 0.15       # KPI off the forecast by >= 15% on average, every week one side
KPI_OUTLIER = 3.0        # a week's KPI this many half-widths of its 95% interval off the
                         # forecast (~6 sd for a normal predictive: never by chance)
WEEK = np.timedelta64(7, "D")


def _day(date) -> str:
    return str(np.datetime64(date, "D"))


def spend_anomalies(dates: np.ndarray, spend: np.ndarray, channels: tuple[str, ...],
                    start: int) -> list[Alert]:
    """Spikes and vanished channels in weeks ``start:`` of national spend (T, C)."""
    if start <= 0 or start >= len(dates):
        return []
    history, new = spend[max(0, start - HISTORY_WEEKS):start], spend[start:]
    alerts = []
    for c, channel in enumerate(channels):
        ceiling = np.percentile(history[:, c], 95)
        spikes = np.flatnonzero(new[:, c] > SPIKE_RATIO * ceiling) if ceiling > 0 else []
        if len(spikes):
            weeks = ", ".join(_day(dates[start + i]) for i in spikes)
            alerts.append(Alert(
                kind="spend_spike", channel=channel,
                message=f"{channel}: spend in week(s) {weeks} is more than {SPIKE_RATIO}x its "
                        f"recent 95th percentile ({ceiling:,.0f}).",
                look_at=f"Check {channel}'s spend for those weeks in the data file (a "
                        "duplicated booking, a currency or unit change).",
                details={"weeks": [_day(dates[start + i]) for i in spikes],
                         "values": new[spikes, c], "recent_p95": ceiling}))
        recent = history[-13:, c]
        if (recent > 0).mean() >= ACTIVE_SHARE and np.all(np.nan_to_num(new[:, c]) == 0):
            alerts.append(Alert(
                kind="channel_missing", channel=channel,
                message=f"{channel}: no spend in any of the "
                        f"{counted(len(new), 'new week')}, though it "
                        f"spent in {int((recent > 0).sum())} of the previous 13.",
                look_at=f"Was {channel} paused on purpose, or is its column missing from "
                        "this export?",
                details={"weeks": [_day(d) for d in dates[start:]]}))
    return alerts


def kpi_level_shift(dates: np.ndarray, actual: np.ndarray, mean: np.ndarray,
                    target: str) -> list[Alert]:
    """The new weeks' KPI (H,) off the forecast mean (H,) by >= LEVEL_SHIFT on average,
    with every week on the same side."""
    if len(actual) == 0 or mean.sum() <= 0:
        return []
    residual = actual - mean
    shift = float(residual.sum() / mean.sum())
    same_side = np.all(residual > 0) or np.all(residual < 0)
    if abs(shift) < LEVEL_SHIFT or not same_side:
        return []
    direction = "above" if shift > 0 else "below"
    return [Alert(
        kind="kpi_level_shift", severity="critical",
        message=f"{target}: every new week ({_day(dates[0])} … {_day(dates[-1])}) is "
                f"{direction} the forecast, by {abs(shift):.0%} on average.",
        look_at=f"A change in how {target} is measured or reported, a launch, an outage or a "
                "promotion the model does not know of (add it to events.csv).",
        details={"shift": shift, "weeks": [_day(d) for d in dates]})]


def kpi_outlier_weeks(dates: np.ndarray, actual: np.ndarray, weekly: dict[str, np.ndarray],
                      target: str) -> list[Alert]:
    """New weeks whose KPI (H,) lies :data:`KPI_OUTLIER` half-widths of the forecast's 95%
    interval (``weekly``: mean, lo95, hi95, each (H,)) or more from its mean: one such week
    is a data error or an event, however few weeks the count of misses has to go on."""
    half = (weekly["hi95"] - weekly["lo95"]) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        distance = np.abs(actual - weekly["mean"]) / np.where(half > 0, half, np.nan)
    far = np.flatnonzero(np.nan_to_num(distance) >= KPI_OUTLIER)
    if not len(far):
        return []
    weeks = [_day(dates[h]) for h in far]
    listed = "; ".join(
        f"{weeks[i]}: {fmt(actual[h])} against a forecast of {fmt(weekly['mean'][h])} "
        f"(95%: {fmt(weekly['lo95'][h])}–{fmt(weekly['hi95'][h])})" for i, h in enumerate(far))
    return [Alert(
        kind="kpi_outlier", severity="critical",
        message=f"{target}: {counted(len(far), 'new week')} far outside the previous run's "
                f"forecast, each {KPI_OUTLIER:.0f}+ times its interval's half-width away: "
                f"{listed}.",
        look_at=f"{target} for those weeks in the data file (a duplicated row, a unit or "
                "tracking change). If the weeks are real, add what happened to events.csv, "
                "or the refit learns from them.",
        details={"weeks": weeks, "actual": actual[far], "mean": weekly["mean"][far],
                 "half_widths": distance[far]})]


def week_anomalies(dates: np.ndarray, previous_end, previous_weeks: int) -> list[Alert]:
    """Late weeks (dated before the previous run's last week but not in it) and gaps
    (missing weeks) among the weeks since then. ``dates`` are the new data's weeks."""
    dates = np.asarray(dates, dtype="datetime64[D]")
    end = np.datetime64(previous_end, "D")
    alerts = []
    late = int((dates <= end).sum()) - previous_weeks
    if late > 0:
        alerts.append(Alert(
            kind="late_weeks",
            message=f"{counted(late, 'week')} dated on or before the previous refresh's last week "
                    f"({_day(end)}) arrived late.",
            look_at="Weeks filled in after the fact: check that they are final, and expect "
                    "earlier estimates to move.",
            details={"count": late}))
    new = dates[dates > end]
    expected = np.arange(end + WEEK, new[-1] + WEEK, WEEK) if len(new) else new
    missing = np.setdiff1d(expected, new)
    if len(missing):
        alerts.append(Alert(
            kind="missing_weeks",
            message=f"{counted(len(missing), 'week')} missing since the last refresh: "
                    f"{', '.join(_day(d) for d in missing)}.",
            look_at="Those weeks may arrive late; the data file skips them today.",
            details={"weeks": [_day(d) for d in missing]}))
    return alerts


def duplicated_weeks(frame: pd.DataFrame, *, date: str, geo: str | None,
                     source: str) -> list[Alert]:
    """Weeks that appear more than once (per geo) in the raw data table."""
    keys = [date] + ([geo] if geo else [])
    repeated = frame[frame.duplicated(keys, keep=False)]
    if repeated.empty:
        return []
    weeks = sorted({str(v)[:10] for v in repeated[date]})
    return [Alert(
        kind="duplicated_weeks", severity="critical",
        message=f"{source}: {counted(len(weeks), 'week')} "
                f"appear{'s' if len(weeks) == 1 else ''} more than once "
                f"({', '.join(weeks[:8])}{' …' if len(weeks) > 8 else ''}).",
        look_at=f"Remove the repeated rows from {source} (an export appended twice?), then "
                "refresh again.",
        details={"weeks": weeks})]
