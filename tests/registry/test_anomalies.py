"""Data anomalies in a refresh's new weeks, each planted once and checked to stay quiet
on ordinary weeks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mixcast.registry.anomalies import (
    duplicated_weeks, kpi_level_shift, kpi_outlier_weeks, spend_anomalies, week_anomalies,
)

DATES = np.arange(np.datetime64("2024-01-01"), np.datetime64("2025-07-01"),
                  np.timedelta64(7, "D"))
CHANNELS = ("tv", "search")


def spend(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(5e3, 15e3, len(DATES)),
                            rng.uniform(1e3, 3e3, len(DATES))])


def test_ordinary_weeks_raise_nothing():
    assert spend_anomalies(DATES, spend(), CHANNELS, start=len(DATES) - 4) == []
    mean = np.full(4, 100.0)
    assert kpi_level_shift(DATES[-4:], mean * [1.1, 0.95, 1.2, 1.05], mean, "sales") == []
    assert week_anomalies(DATES, DATES[-5], previous_weeks=len(DATES) - 4) == []
    assert kpi_outlier_weeks(DATES[-4:], mean * [1.1, 0.95, 1.2, 0.8], forecast(mean),
                             "sales") == []


def test_spike_and_missing_channel_are_named():
    data = spend()
    data[-2, 0] = 100_000.0
    data[-4:, 1] = 0.0
    alerts = spend_anomalies(DATES, data, CHANNELS, start=len(DATES) - 4)
    assert [(a.kind, a.channel) for a in alerts] == [("spend_spike", "tv"),
                                                     ("channel_missing", "search")]
    assert str(DATES[-2]) in alerts[0].message and alerts[0].look_at


def test_kpi_level_shift_needs_size_and_one_side():
    mean = np.full(4, 100.0)
    [alert] = kpi_level_shift(DATES[-4:], mean * 1.3, mean, "sales")
    assert alert.kind == "kpi_level_shift" and "30%" in alert.message
    assert kpi_level_shift(DATES[-4:], mean * [1.6, 0.9, 1.3, 1.3], mean, "sales") == []


def test_late_and_missing_weeks():
    previous_end = DATES[-6]
    arrived = np.delete(DATES, -3)           # one new week missing
    kinds = [a.kind for a in week_anomalies(arrived, previous_end, len(DATES) - 7)]
    assert kinds == ["late_weeks", "missing_weeks"]


def test_duplicated_weeks_in_the_raw_table():
    frame = pd.DataFrame({"date": ["2025-01-06", "2025-01-13", "2025-01-13"], "y": [1, 2, 3]})
    [alert] = duplicated_weeks(frame, date="date", geo=None, source="data.csv")
    assert alert.details["weeks"] == ["2025-01-13"]
    assert duplicated_weeks(frame.iloc[:2], date="date", geo=None, source="data.csv") == []


def forecast(mean: np.ndarray, half: float = 20.0) -> dict[str, np.ndarray]:
    return {"mean": mean, "lo95": mean - half, "hi95": mean + half}


def test_one_week_far_off_the_forecast_is_named_with_its_numbers():
    # A refresh's 13 new weeks, one KPI doubled by an export glitch: one miss in 13 is
    # what a 95% interval lets through by chance, but not 5 half-widths away.
    mean = np.full(13, 1e6)
    actual = mean + np.linspace(-15, 15, 13) * 1e4
    actual[6] = 2e6
    [alert] = kpi_outlier_weeks(DATES[-13:], actual, forecast(mean, 2e5), "sales")
    assert alert.kind == "kpi_outlier" and alert.severity == "critical"
    assert (f"{str(DATES[-7])}: 2.00M against a forecast of 1.00M (95%: 800.0k–1.20M)"
            in alert.message)
    assert alert.details["weeks"] == [str(DATES[-7])] and "events.csv" in alert.look_at
    just_inside = actual.copy()
    just_inside[6] = 1e6 + 2.9 * 2e5
    assert kpi_outlier_weeks(DATES[-13:], just_inside, forecast(mean, 2e5), "sales") == []
