"""Terminal tables: what a narrow terminal may squeeze and what it may not."""

from __future__ import annotations

import io

from rich.console import Console

from mixcast.report.terminal import numbers_table


def _render(table, width: int) -> str:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(table)
    return out.getvalue()


def test_a_narrow_terminal_keeps_channel_names_and_every_digit():
    table = numbers_table("Which test next", ("channel", "ROI now (90%)", "after test (90%)",
                                             "narrows", "money moved", "budget change",
                                             "weeks", "power", "cost"))
    table.add_row("Channel2_spend", "1.96 – 5.19", "2.06 – 4.90", "11%", "9.83M", "-8.75M",
                  "8", "43%", "2.23M")
    narrow = _render(table, 80)
    assert "Channel2_spend" in narrow and "…" not in narrow
    # Each body column's text, its lines joined: a folded number reads whole again.
    rows = [line.split("│")[1:-1] for line in narrow.splitlines() if line.startswith("│")]
    columns = ["".join(row[k].strip() for row in rows) for k in range(len(rows[0]))]
    for number in ("-8.75M", "2.23M", "9.83M"):
        assert number in columns        # folded onto two lines at worst, never cut
    wide = _render(table, 140)
    assert "-8.75M" in wide and "2.23M" in wide and "budget change" in wide


def test_a_conversions_kpi_shows_its_cpa_and_says_what_its_roi_counts():
    from mixcast.report.terminal import channel_table

    band = {"mean": 0.2, "lo90": 0.1, "hi90": 0.3}
    entry = {"spend": 1000.0, "roi": band, "mroi": band, "contribution_share": band,
             "cpa": {"mean": 5.5, "lo90": 3.3, "hi90": 10.0}}
    unvalued = _render(channel_table({"channels": {"tv_spend": entry}, "target": "orders",
                                      "kpi_type": "conversions", "breakeven_roi": None}), 160)
    assert "CPA 90%" in unvalued and "5.50" in unvalued and "3.30 – 10.00" in unvalued
    assert "ROI and mROI are orders per unit of spend" in unvalued
    valued = _render(channel_table({"channels": {"tv_spend": entry}, "target": "orders",
                                    "kpi_type": "conversions", "breakeven_roi": 1.0}), 160)
    assert "CPA 90%" in valued and "per unit of spend" not in valued
    revenue = dict(entry)
    del revenue["cpa"]
    assert "CPA" not in _render(channel_table({"channels": {"tv_spend": revenue}}), 160)
