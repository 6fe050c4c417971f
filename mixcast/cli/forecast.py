"""The `forecast` verb: a run and a future spend plan -> forecast.csv."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mixcast.cli._app import app, console, err_console


@app.command()
def forecast(
    run: Annotated[Path, typer.Option("--run", help="A run directory written by `mixcast fit`.")],
    future: Annotated[Path, typer.Option("--future", help="Plan file (CSV/Parquet): the data's columns for the weeks after the data, without the target.")],
    # "\\[" keeps the bracket from Rich's markup, which would drop "[geo,]" from the help.
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="CSV to write: date, \\[geo,] mean, lo90, hi90.")] = Path("forecast.csv"),
    seed: Annotated[int, typer.Option(help="Seed of the simulated observation noise.")] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
) -> None:
    """Forecast the KPI for a future spend plan, with 90% predictive intervals.

    Example: mixcast forecast --run runs/q3 --future plan.csv --out forecast.csv
    """
    from contextlib import nullcontext

    from mixcast.runs.models import open_run

    model = open_run(run)
    status = nullcontext() if quiet else err_console.status(
        f"Forecasting over every {'posterior draw' if model.kind == 'bayes' else 'replicate'}")
    with status:
        predicted = model.forecast_plan(future, seed=seed)
    from mixcast.formatting import compact_number as fmt, counted
    from mixcast.posterior.intervals import scalar_interval
    from mixcast.storage import write_text_atomic

    write_text_atomic(out, predicted.frame().to_csv(index=False))
    # The total's own range: weekly errors partly cancel, so it is narrower than the
    # weekly intervals added up.
    total = scalar_interval(predicted.draws.sum(axis=(1, 2)))
    label = "" if model.kind == "bayes" else " (ML challenger)"
    console.print(f"Forecast{label} of {model.data.target} over "
                  f"{counted(len(predicted.dates), 'week')}: {fmt(total['mean'])} in total "
                  f"(90% range {fmt(total['lo90'])} to {fmt(total['hi90'])}); weekly 90% "
                  f"intervals in {out}.")
