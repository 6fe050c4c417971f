"""analyze_test on a data file: the effect, its interval, the placebo check, the rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mixcast.errors import DataError
from mixcast.experiments.analysis import analyze_test
from mixcast.experiments.design import DurationOption, TestDesign
from mixcast.experiments.matching import match_markets

HISTORY, WEEKS, COOLDOWN, N_GEOS = 104, 6, 2, 20


def _panel(seed: int = 0) -> np.ndarray:
    """(G, T) geo outcomes: level x (trend + season) + noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(HISTORY + WEEKS + COOLDOWN)
    shape = 1.0 + 0.001 * t + 0.1 * np.sin(2 * np.pi * t / 52.0)
    level = rng.lognormal(9.0, 0.5, size=N_GEOS)
    return level[:, None] * shape[None] * (1 + rng.normal(0, 0.03, (N_GEOS, len(t))))


def _design(y: np.ndarray, geos: tuple[str, ...]) -> TestDesign:
    assignment = match_markets(y[:, :HISTORY], share=0.5)
    option = DurationOption(
        weeks=WEEKS, cooldown=COOLDOWN, pre_weeks=52, lift_se=1.0, mde=1.0, power=0.5,
        assurance=0.5, predicted_lift={"mean": -5e4, "lo90": -8e4, "hi90": -2e4},
        spend_change=-1e4, outcome_change={}, cost=0.0, feasible=True)
    treated = tuple(geos[g] for g in assignment.treated)
    return TestDesign(
        channel="search_spend", method="time-based regression (matched markets)",
        change="go-dark", factor=0.0, geo_level=True, treated=treated,
        control=tuple(geos[g] for g in assignment.control), excluded=(),
        start_date="2024-01-01", history_weeks=HISTORY, alpha=0.1, options=(option,),
        recommended_weeks=WEEKS, usual_weekly_spend={g: 1000.0 for g in treated},
        lift_share={g: 1.0 / len(treated) for g in treated},
        columns={"date": "date", "geo": "geo", "target": "revenue"},
        references=tuple(tuple(geos[g] for g in r) for r in assignment.references))


def _frame(y: np.ndarray, geos, design: TestDesign, lift: float) -> pd.DataFrame:
    dates = pd.date_range(end="2024-01-01", periods=HISTORY + 1, freq="7D")[:-1].append(
        pd.date_range("2024-01-01", periods=WEEKS + COOLDOWN, freq="7D"))
    y = y.copy()
    treated = [geos.index(g) for g in design.treated]
    y[treated, HISTORY:HISTORY + WEEKS] += lift / (len(treated) * WEEKS)
    spend = np.full(y.shape, 1000.0)
    spend[treated, HISTORY:HISTORY + WEEKS] = 0.0
    return pd.DataFrame({"date": np.tile(dates.strftime("%Y-%m-%d"), len(geos)),
                         "geo": np.repeat(np.array(geos), y.shape[1]),
                         "revenue": y.ravel(), "search_spend": spend.ravel()})


def test_a_planted_lift_is_found_and_written_as_rows():
    y = _panel()
    geos = tuple(f"g{g:02d}" for g in range(N_GEOS))
    design = _design(y, geos)
    lift = -0.05 * y[[geos.index(g) for g in design.treated], HISTORY:HISTORY + WEEKS].sum()
    result = analyze_test(design, _frame(y, geos, design, lift))
    assert result.lo90 <= lift <= result.hi90
    assert result.significant and result.p_value <= 0.1 and result.placebo_ok
    rows = result.rows_frame()
    assert len(rows) == len(design.treated)
    assert rows["lift"].sum() == pytest.approx(result.effect)
    assert np.sqrt((rows["lift_se"] ** 2).sum()) == pytest.approx(result.se)
    assert (rows["spend_delta"] == -WEEKS * 1000.0).all()
    assert rows["measure_end_date"].iloc[0] > rows["end_date"].iloc[0]


def test_the_placebo_check_catches_groups_drifting_apart_before_the_test():
    y = _panel(1)
    geos = tuple(f"g{g:02d}" for g in range(N_GEOS))
    design = _design(y, geos)
    treated = [geos.index(g) for g in design.treated]
    y[treated, HISTORY - WEEKS - COOLDOWN:HISTORY] *= 1.15   # a shock just before the test
    result = analyze_test(design, _frame(y, geos, design, 0.0))
    assert not result.placebo_ok
    assert any("drifted apart" in note for note in result.notes)


def test_too_few_weeks_after_the_start_is_a_data_error():
    y = _panel()
    geos = tuple(f"g{g:02d}" for g in range(N_GEOS))
    design = _design(y, geos)
    frame = _frame(y, geos, design, 0.0)
    frame = frame[frame["date"] < "2024-01-22"]
    with pytest.raises(DataError, match="needs 8 weeks of data"):
        analyze_test(design, frame)
