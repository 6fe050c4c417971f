"""Terminal tables for the registry verbs: runs, ROI movement, a refresh's report."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from mixcast.formatting import compact_number, counted


def _band(band: dict | None) -> str:
    if not band:
        return "—"
    return (f"{compact_number(band['mean'])} ({compact_number(band['lo90'])}–"
            f"{compact_number(band['hi90'])})")


def runs_table(runs: list[dict]) -> Table:
    """One row per run: id, last week of data, weeks, model, verdict, created (fits 80
    columns: ids are copied into `mixcast diff`, so they never wrap)."""
    table = Table(title=f"Runs in the registry ({len(runs)})")
    for column in ("run", "data to", "weeks", "model", "verdict", "created"):
        table.add_column(column, no_wrap=column in ("run", "data to"))
    for run in runs:
        table.add_row(run["id"], run["data_end"], str(run["n_weeks"]), run["model"],
                      run["verdict"] or "—", run["created"][:10])
    return table


def movement_table(movement: list[dict], *, title: str = "ROI movement") -> Table:
    """Per channel: ROI before and after (mean, 90% interval), change, beyond noise."""
    table = Table(title=title)
    for column in ("channel", "before", "after", "change", "beyond noise"):
        table.add_column(column)
    for row in movement:
        change = "—" if row["change"] is None else f"{row['change']:+.2f} (±{2 * row['noise']:.2f})"
        table.add_row(row["channel"], _band(row["before"]), _band(row["after"]), change,
                      "[bold red]yes[/]" if row["beyond_noise"] else "no")
    return table


def refresh_report(result) -> Group:
    """What a refresh did: the run, ROI movement, stability, forecast check, alerts."""
    run = result.run
    if not result.created:
        return Group(Text(f"No new data: run {run['id']} already holds this data and config "
                          "(nothing stored)."))
    parts: list = [Text(f"Run {run['id']} stored ({run['data_start']} … {run['data_end']}, "
                        f"{run['n_weeks']} weeks; verdict {run['verdict'] or 'not validated'}).")]
    if result.movement:
        parts.append(movement_table(list(result.movement)))
    if result.stability is not None:
        parts.append(Text(f"Stability (mean overlap of ROI intervals over the last refreshes): "
                          f"{result.stability:.2f}"))
    if result.forecast_check:
        inside = sum(c["lo95"] <= c["actual"] <= c["hi95"] for c in result.forecast_check)
        weeks = counted(len(result.forecast_check), "new week")
        parts.append(Text(f"Previous forecast vs the {weeks}: "
                          f"{inside} inside the 95% interval."))
    for score in result.adoption_scores:
        parts.append(Text(f"Adopted plan {score['adoption_id']}: predicted "
                          f"{score['predicted_mean']:,.0f} ({score['predicted_lo90']:,.0f}–"
                          f"{score['predicted_hi90']:,.0f}), actual {score['actual']:,.0f} over "
                          f"{counted(score['weeks_scored'], 'week')}."))
    if not result.alerts:
        parts.append(Text("No alerts.", style="green"))
    for alert in result.alerts:
        style = "bold red" if alert.severity == "critical" else "bold yellow"
        parts.append(Text.assemble((f"ALERT {alert.kind}: ", style), alert.message,
                                   "\n  look at: ", alert.look_at))
    return Group(*parts)
