"""Allocation actions: each channel's next unit against the right hurdle."""

from __future__ import annotations

import pytest

from mixcast.optimize.recommend import allocation_actions


def _summary(kpi_type: str, **extra) -> dict:
    """Two channels: a's mROI clearly 0.30-0.50, b's clearly 0.02-0.06 (spend 100 each)."""
    def entry(mean, lo, hi):
        band = {"mean": mean, "lo90": lo, "hi90": hi}
        return {"spend": 100.0, "roi": band, "mroi": band}

    return {"kpi_type": kpi_type, "channels": {"a": entry(0.4, 0.3, 0.5),
                                               "b": entry(0.04, 0.02, 0.06)}, **extra}


def _actions(summary: dict) -> dict[str, dict]:
    return {a["channel"]: a for a in allocation_actions(summary)}


def test_revenue_is_judged_against_break_even():
    actions = _actions(_summary("revenue", breakeven_roi=1.0))
    assert {a["action"] for a in actions.values()} == {"cut"}      # both below 1
    assert not actions["a"]["hurdle_relative"] and actions["a"]["hurdle"] == 1.0


def test_spend_in_thousands_of_the_kpi_s_unit_moves_break_even_to_1000():
    summary = _summary("revenue", breakeven_roi=1000.0)
    for entry in summary["channels"].values():         # the same run, spend in thousands
        entry["mroi"] = {k: v * 1000 for k, v in entry["mroi"].items()}
    actions = _actions(summary)
    assert actions["a"]["hurdle"] == 1000.0
    assert {a["action"] for a in actions.values()} == {"cut"}    # as in one unit


def test_conversions_without_a_value_are_judged_against_the_average():
    # Against 1, both would read "cut": a conversion per unit of spend is no break-even.
    actions = _actions(_summary("conversions", breakeven_roi=None))
    assert actions["a"]["hurdle"] == pytest.approx(0.22)
    assert actions["a"]["hurdle_relative"]
    assert (actions["a"]["action"], actions["b"]["action"]) == ("grow", "cut")


def test_runs_written_before_the_key_keep_their_old_hurdle():
    assert _actions(_summary("revenue"))["a"]["hurdle"] == 1.0
    assert _actions(_summary("conversions"))["a"]["hurdle"] == pytest.approx(0.22)
