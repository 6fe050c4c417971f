"""Rich tables for the terminal."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table

from mixcast.formatting import compact_number as fmt_number  # one format for text and tables
from mixcast.data.dataset import Issue


def numbers_table(title: str, columns: Iterable[str], *,
                  text_columns: tuple[str, ...] = ("channel",), **options) -> Table:
    """A table of numbers by channel: the ``text_columns`` left-aligned and never wrapped
    (a channel's name is what the reader looks for; an 80-column terminal cut it to
    "Chann…"), the numbers right-aligned, wrapped or folded when space runs out, never
    cut."""
    table = Table(title=title, title_justify="left", **options)
    for column in columns:
        text = column in text_columns
        # A number too wide for its column folds onto the next line rather than losing
        # its last digits to an ellipsis.
        table.add_column(column, justify="left" if text else "right", no_wrap=text,
                         overflow="ellipsis" if text else "fold")
    return table


def channel_table(summary: dict, *, title: str = "Channel returns (posterior mean, 90% interval)") -> Table:
    """ROI, mROI and contribution share per channel, ranked by ROI; for conversion KPIs
    also the CPA (spend per incremental conversion), the number such teams steer by."""
    has_cpa = any("cpa" in entry for entry in summary["channels"].values())
    unvalued = has_cpa and "breakeven_roi" in summary and summary["breakeven_roi"] is None
    what = summary.get("target") or "conversions"
    caption = (f"ROI and mROI are {what} per unit of spend, CPA spend per incremental {what} "
               "(no value per conversion: give revenue_per_kpi for ROI in currency)"
               if unvalued else None)
    table = numbers_table(title, ("channel", "spend", "ROI", "ROI 90%", "mROI", "share")
                          + (("CPA", "CPA 90%") if has_cpa else ()), caption=caption,
                          caption_justify="left")
    channels = sorted(summary["channels"].items(), key=lambda kv: -(kv[1]["roi"]["mean"] or 0))
    for name, entry in channels:
        roi, mroi, share = entry["roi"], entry["mroi"], entry["contribution_share"]
        cpa = entry.get("cpa") or {"mean": None, "lo90": None, "hi90": None}
        table.add_row(name, fmt_number(entry["spend"]), fmt_number(roi["mean"]),
                      f"{fmt_number(roi['lo90'])} – {fmt_number(roi['hi90'])}",
                      fmt_number(mroi["mean"]), f"{100 * (share['mean'] or 0):.0f}%",
                      *((fmt_number(cpa["mean"]),
                         f"{fmt_number(cpa['lo90'])} – {fmt_number(cpa['hi90'])}")
                        if has_cpa else ()))
    return table


def diagnostics_line(diagnostics: dict) -> str:
    if diagnostics.get("rhat_max") is None:  # the ML challenger has no MCMC diagnostics
        return f"no MCMC diagnostics (machine-learning run) · fit {diagnostics['fit_seconds']:.1f}s"
    status = {"pass": "converged", "warn": "converged with caveats",
              "fail": "NOT converged"}.get(diagnostics.get("status", ""), "")
    return (f"{status + ' · ' if status else ''}R-hat max {diagnostics['rhat_max']:.3f} · min bulk ESS "
            f"{diagnostics['ess_bulk_min']:.0f} · divergences {diagnostics['divergences']} · "
            f"fit {diagnostics['fit_seconds']:.1f}s")


def issues_table(issues: tuple[Issue, ...]) -> Table:
    table = Table(title="Data checks", title_justify="left")
    table.add_column("level")
    table.add_column("check")
    table.add_column("finding")
    for issue in issues:
        style = "yellow" if issue.level == "warning" else "cyan"
        table.add_row(f"[{style}]{issue.level}[/]", issue.code, issue.message)
    return table


def cost_table(estimate) -> Table:
    """A :class:`~mixcast.inference.cost.CostEstimate` as a two-column table."""
    table = Table(title="Cost estimate (this machine, before sampling)", title_justify="left")
    table.add_column("quantity")
    table.add_column("estimate", justify="right")
    for name, value in estimate.as_rows():
        table.add_row(name, value)
    if not estimate.fits_in_memory:
        table.add_row("[bold red]verdict[/]", "[bold red]exceeds available memory[/]")
    return table
