"""diagnose() called directly on Datasets built in memory: each rule at its threshold."""

from __future__ import annotations

import re

import numpy as np
import pytest

from mixcast.data import Dataset, diagnose
from mixcast.data.guardrails import variance_inflation

RNG_SEED = 11


def dataset(spend: np.ndarray, *, y: np.ndarray | None = None, controls: bool = True,
            start: str = "2022-01-02", step_days: int = 7) -> Dataset:
    """A national dataset from (T, C) spend; the KPI is noisy and flat unless given."""
    n, k = spend.shape
    rng = np.random.default_rng(RNG_SEED)
    dates = np.datetime64(start) + np.arange(n) * np.timedelta64(step_days, "D")
    kpi = 10_000 + rng.normal(0, 100, n) if y is None else y
    extra = {"control_names": ("price",), "controls": rng.normal(10, 1, (1, n, 1))} \
        if controls else {}
    return Dataset(dates=dates, geos=("national",), channels=tuple(f"c{i}" for i in range(k)),
                   y=kpi[None], spend=spend[None], media=spend[None], **extra)


def independent(n: int = 104, k: int = 3, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).gamma(4.0, 250.0, (n, k))


def by_code(data: Dataset, **options) -> dict[str, list]:
    found: dict[str, list] = {}
    for issue in diagnose(data, **options):
        found.setdefault(issue.code, []).append(issue)
    return found


def test_clean_data_has_no_findings():
    assert diagnose(dataset(independent())) == ()


def test_diagnose_is_pure_and_repeatable():
    data = dataset(independent())
    before = data.spend.copy()
    assert diagnose(data) == diagnose(data)
    np.testing.assert_array_equal(data.spend, before)


def test_a_channel_explained_by_two_others_is_flagged_by_vif_alone():
    spend = independent(k=2)
    mix = spend.sum(axis=1) + np.random.default_rng(3).normal(0, 60, len(spend))
    spend = np.column_stack([spend, mix])
    corr = np.corrcoef(spend, rowvar=False)
    assert np.all(np.abs(corr[np.triu_indices(3, 1)]) < 0.8)  # no pair is collinear
    flagged = by_code(dataset(spend))["collinear_channels"]
    assert {issue.columns for issue in flagged} == {("c0",), ("c1",), ("c2",)}
    assert all("variance inflation factor" in issue.message for issue in flagged)


def test_vif_is_one_for_unrelated_and_large_for_dependent_columns():
    spend = independent(k=3)
    assert np.all(variance_inflation(spend) < 1.2)
    dependent = np.column_stack([spend, spend[:, 0] + spend[:, 1] + 1e-3])
    assert variance_inflation(dependent)[3] > 1e6


def test_a_pair_is_not_reported_again_by_vif():
    spend = independent()
    spend[:, 1] = spend[:, 0] * 2 + np.random.default_rng(1).normal(0, 500, len(spend))
    r = np.corrcoef(spend[:, 0], spend[:, 1])[0, 1]
    flagged = by_code(dataset(spend))["collinear_channels"]
    assert [issue.columns for issue in flagged] == [("c0", "c1")]
    assert f"r = {r:.2f}" in flagged[0].message and 0.85 < r < 0.95


def test_low_spend_share_names_the_share():
    spend = independent()
    spend[:, 2] /= 100
    (issue,) = by_code(dataset(spend))["low_spend_share"]
    assert issue.columns == ("c2",) and "'c2' is only 0.5% of total spend" in issue.message


@pytest.mark.parametrize(("cv", "flagged"), [(0.05, True), (0.3, False)])
def test_low_spend_variation(cv, flagged):
    spend = independent()
    rng = np.random.default_rng(2)
    spend[:, 1] = 1000 * (1 + cv * rng.standard_normal(len(spend)))
    found = by_code(dataset(spend)).get("low_spend_variation", [])
    assert bool(found) is flagged
    if flagged:
        measured = spend[:, 1].std() / spend[:, 1].mean()
        assert "'c1' barely varies" in found[0].message
        assert f"coefficient of variation {measured:.3g} < 0.1" in found[0].message


def test_a_variation_just_under_the_limit_is_not_printed_as_the_limit():
    spend = independent()
    wiggle = np.tile([1.0, -1.0], len(spend) // 2 + 1)[:len(spend)]
    spend[:, 1] = 1000 * (1 + 0.0996 * wiggle / wiggle.std())
    (issue,) = by_code(dataset(spend))["low_spend_variation"]
    assert "coefficient of variation 0.0996 < 0.1" in issue.message


def test_history_and_granularity_follow_the_cadence():
    monthly = by_code(dataset(independent(30), step_days=30), cadence_days=30)
    assert "one row every ~30 days" in monthly["coarse_granularity"][0].message
    assert "short_history" not in monthly  # 30 months ≈ 129 weeks
    short = by_code(dataset(independent(50)))
    assert "Only 50 weeks of history (2022-01-02 … 2022-12-11)" in \
        short["short_history"][0].message


def test_step_and_outlier_are_found_where_they_were_put():
    rng = np.random.default_rng(4)
    y = 10_000 + rng.normal(0, 100, 104)
    y[70:] += 3_000
    y[30] += 2_500
    found = by_code(dataset(independent(), y=y))
    assert re.search(r"shifts level by \+(29|30|31)% around 2023-05-07",
                     found["kpi_level_shift"][0].message)
    assert "2022-07-31" in found["kpi_outliers"][0].message


def test_spend_driven_peaks_are_not_outliers():
    spend = independent()
    spend[[20, 60], 0] *= 8  # two big bursts that the KPI follows
    y = 10_000 + 2.0 * spend[:, 0] + np.random.default_rng(5).normal(0, 100, 104)
    assert "kpi_outliers" not in by_code(dataset(spend, y=y))


def test_no_controls_is_an_info():
    (issue,) = diagnose(dataset(independent(), controls=False))
    assert (issue.code, issue.level) == ("no_controls", "info")
    assert "price, promotions, competitor" in issue.message


def _holiday_spikes(n: int = 156, start: str = "2022-01-03") -> tuple[np.ndarray, np.ndarray]:
    """Monday-dated weeks whose KPI jumps 30% in the weeks of US Thanksgiving and
    Independence Day (US-only holidays), the same each year: spend, KPI."""
    from mixcast.data.calendars import weekly_holidays

    dates = np.datetime64(start) + np.arange(n) * np.timedelta64(7, "D")
    found = weekly_holidays(dates, ("US",))
    picked = [h for h, name in enumerate(found.names)
              if name in ("Thanksgiving Day", "Independence Day")]
    spike = found.indicators[:, picked].max(axis=1)
    y = (10_000 + np.random.default_rng(RNG_SEED + 1).normal(0, 100, n)) * (1 + 0.3 * spike)
    return independent(n), y


def test_outliers_on_one_countrys_holidays_suggest_its_calendar():
    spend, y = _holiday_spikes()
    (issue,) = by_code(dataset(spend, y=y, start="2022-01-03"))["kpi_outliers"]
    assert "6 of them hold public holidays in US (US: Independence Day, Thanksgiving Day)" \
        in issue.message
    assert "add holidays: US to the config" in issue.message


def test_configured_holidays_are_drivers_not_outliers():
    spend, y = _holiday_spikes()
    assert "kpi_outliers" not in by_code(dataset(spend, y=y, start="2022-01-03"),
                                         holidays=("US",))


def test_outliers_off_every_calendar_get_no_holiday_hint():
    spend, y = _holiday_spikes()
    y = 10_000 + np.random.default_rng(RNG_SEED + 1).normal(0, 100, len(y))
    y[[20, 70, 120]] *= 1.3             # weeks 2022-05-23, 2023-05-08, 2024-04-22
    (issue,) = by_code(dataset(spend, y=y, start="2022-01-03"))["kpi_outliers"]
    assert "3 outlier weeks" in issue.message and "public holidays" not in issue.message
