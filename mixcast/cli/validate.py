"""The `validate` verb: every trust check on a run, verdicts per channel, validation.json."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mixcast.cli._app import app, console, err_console
from mixcast.cli.many import AddressOpt, WorkersOpt, executor_option
from mixcast.formatting import compact_number as fmt

_STYLE = {"solid": "green", "care": "yellow", "do_not_act": "bold red", "pass": "green",
          "warn": "yellow", "fail": "bold red", "skipped": "dim"}
_CHECK_NAMES = {"convergence": "1 convergence", "fit": "2 in-sample fit",
                "backtest": "3 backtests", "spend_shift": "4 spend-shift backtests",
                "recovery": "5 simulated twin", "stability": "6 stability",
                "priors": "7 prior vs data", "experiments": "8 lift tests (held out)",
                "plausibility": "9 plausibility"}


@app.command()
def validate(
    run: Annotated[Path, typer.Option("--run", help="A run directory written by `mixcast fit`.")],
    quick: Annotated[bool, typer.Option("--quick", help="Fewer folds and twins, shorter refit chains (minutes, not tens of minutes).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    executor: Annotated[str, typer.Option("--executor", help="inline (default: every refit side by side in one batch here), local (one process per refit job) or ray.")] = "inline",
    address: AddressOpt = None,
    workers: WorkersOpt = None,
) -> None:
    """Check whether a run can be trusted, channel by channel; writes RUN/validation.json.

    Runs convergence, in-sample fit, rolling and spend-shift backtests, recovery on a
    simulated twin, stability, prior vs data, held-out lift tests and plausibility
    (implausible ROIs, prior-data conflict, media's share of the KPI), then gives each
    channel a verdict (solid / care / do_not_act) with its reasons, and an overall one.

    Example: mixcast validate --run runs/q3 --quick
    """
    from mixcast.runs.validate import validate_run
    from mixcast.storage import read_manifest

    read_manifest(run)
    pool = executor_option(executor, workers, address)
    if quiet:
        document = validate_run(run, quick=quick, executor=pool)
    else:
        columns = (TextColumn("[bold]{task.description}"), BarColumn(),
                   TextColumn("{task.completed:.1f}/{task.total:.0f} refits"),
                   TimeElapsedColumn())
        with Progress(*columns, console=err_console, transient=True) as bar:
            task = bar.add_task("Validating", total=1)

            def update(label: str, done: float, total: int) -> None:
                bar.update(task, description=label, completed=done, total=total)

            document = validate_run(run, quick=quick, progress=update, executor=pool)
    console.print(checks_table(document["checks"]))
    console.print(verdict_table(document))
    overall = document["overall"]
    style = _STYLE[overall["verdict"]]
    console.print(f"Overall: [{style}]{overall['verdict']}[/] — " + "; ".join(overall["reasons"]))
    console.print(f"Written to [bold]{run / 'validation.json'}[/] "
                  f"({document['refits']} refits, {document['seconds']:.0f}s).")


def checks_table(checks: dict) -> Table:
    """One row per check: status and its one-line finding."""
    table = Table(title="Validation checks", title_justify="left")
    table.add_column("check")
    table.add_column("status")
    table.add_column("finding")
    for key, check in checks.items():
        status = check["status"]
        table.add_row(_CHECK_NAMES.get(key, key), f"[{_STYLE[status]}]{status}[/]",
                      check["summary"])
    return table


def verdict_table(document: dict) -> Table:
    """One row per channel: ROI, verdict and the reasons in plain words."""
    table = Table(title="Can you move budget on it?", title_justify="left")
    for column in ("channel", "ROI (90%)", "verdict", "why"):
        table.add_column(column)
    for name, entry in document["channels"].items():
        roi = document["roi"][name]
        style = _STYLE[entry["verdict"]]
        table.add_row(name, f"{fmt(roi['mean'])} ({fmt(roi['lo90'])}–{fmt(roi['hi90'])})",
                      f"[{style}]{entry['verdict']}[/]", "\n".join(entry["reasons"]))
    return table
