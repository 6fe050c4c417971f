"""Weekly holiday columns: the right weeks for Monday- and Sunday-anchored data, constant
columns dropped, always-coinciding holidays merged, fitted columns carried to new weeks."""

from __future__ import annotations

import numpy as np
import pytest

from mixcast.data.calendars import holiday_indicators, weekly_holidays


def weeks(start: str, n: int) -> np.ndarray:
    return np.datetime64(start) + 7 * np.arange(n).astype("timedelta64[D]")


def flagged(found, name: str, dates: np.ndarray) -> list[str]:
    column = found.indicators[:, found.names.index(name)]
    return [str(d) for d in dates[column == 1.0]]


@pytest.mark.parametrize("start, thanksgiving, christmas", [
    # Monday weeks: Thanksgiving (Thu) and Black Friday share the Monday-Sunday week;
    # Christmas 2022 was a Sunday, the last day of the week starting Monday 19 December.
    ("2022-01-03", ["2022-11-21", "2023-11-20"], ["2022-12-19", "2023-12-25"]),
    # Sunday weeks: the same holidays in the Sunday-Saturday weeks that contain them.
    ("2022-01-02", ["2022-11-20", "2023-11-19"], ["2022-12-25", "2023-12-24"]),
])
def test_holidays_land_in_the_week_that_contains_them(start, thanksgiving, christmas):
    dates = weeks(start, 104)
    found = weekly_holidays(dates, ("US",))
    assert flagged(found, "Thanksgiving Day", dates) == thanksgiving
    assert flagged(found, "Christmas Day", dates) == christmas
    black_friday = np.datetime64("2023-11-24")
    week = dates[dates.searchsorted(black_friday, side="right") - 1]
    assert str(week) == thanksgiving[1]   # Black Friday's week is Thanksgiving's
    assert found.indicators.shape == (104, len(found.names))
    assert set(np.unique(found.indicators)) == {0.0, 1.0}


def test_holidays_outside_the_window_or_on_every_week_are_dropped():
    spring = weekly_holidays(weeks("2023-03-06", 10), ("US",))   # March to mid-May
    assert spring.names == ()
    assert spring.indicators.shape == (10, 0)
    assert weekly_holidays(weeks("2023-11-20", 1), ("US",)).names == ()   # constant: 1
    assert weekly_holidays(weeks("2023-01-02", 52), ()).names == ()


def test_holidays_that_always_share_a_week_are_one_column():
    # 2023 and 2024: Christmas (Mon, Wed) and Boxing Day (Tue, Thu) share Monday weeks.
    found = weekly_holidays(weeks("2023-01-02", 104), ("GB",))
    assert "Christmas Day + Boxing Day" in found.names
    assert "Boxing Day" not in found.names
    merged = found.members[found.names.index("Christmas Day + Boxing Day")]
    assert merged == (("GB", "Christmas Day"), ("GB", "Boxing Day"))
    # Every column differs from every other.
    assert len({found.indicators[:, h].tobytes() for h in range(len(found.names))}) \
        == len(found.names)


def test_several_countries_name_shared_and_own_holidays():
    found = weekly_holidays(weeks("2023-01-02", 52), ("US", "CA"))
    assert "Christmas Day (US/CA)" in found.names
    assert "Canada Day (CA)" in found.names and "Independence Day (US)" in found.names


def test_fitted_columns_carry_over_to_future_weeks():
    history = weekly_holidays(weeks("2022-01-03", 52), ("US",))
    future = weeks("2023-01-02", 52)
    carried = holiday_indicators(future, ("US",), history.members)
    assert carried.shape == (52, len(history.names))
    thanksgiving = carried[:, history.names.index("Thanksgiving Day")]
    assert [str(d) for d in future[thanksgiving == 1.0]] == ["2023-11-20"]
    # A column whose holiday does not fall in the new weeks is 0 there.
    assert holiday_indicators(weeks("2023-03-06", 4), ("US",), history.members).sum() == 0
