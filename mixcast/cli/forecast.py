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
        frame = model.forecast(future, seed=seed)
    from mixcast.storage import write_text_atomic

    write_text_atomic(out, frame.to_csv(index=False))
    weekly = frame.groupby("date")["mean"].sum()
    label = "" if model.kind == "bayes" else " (ML challenger)"
    console.print(f"Forecast{label} of {model.data.target} over {len(weekly)} weeks: "
                  f"{weekly.sum():,.0f} in total (weekly 90% intervals in {out}).")
