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
