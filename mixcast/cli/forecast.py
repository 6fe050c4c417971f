"""The `forecast` verb: a run and a future spend plan -> forecast.csv."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import yaml

from mixcast.cli._app import app, console, err_console


@app.command()
def forecast(
    run: Annotated[Path, typer.Option("--run", help="A run directory written by `mixcast fit`.")],
    future: Annotated[Path, typer.Option("--future", help="Plan file (CSV/Parquet): the data's columns for the weeks after the data, without the target.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV to write: date, [geo,] mean, lo90, hi90.")] = Path("forecast.csv"),
    seed: Annotated[int, typer.Option(help="Seed of the simulated observation noise.")] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
) -> None:
    """Forecast the KPI for a future spend plan, with 90% predictive intervals.

    Example: mixcast forecast --run runs/q3 --future plan.csv --out forecast.csv
    """
    from contextlib import nullcontext

    from mixcast.analysis.forecast import forecast as make_forecast
    from mixcast.analysis.forecast import read_plan
    from mixcast.runs.directory import load_run
    from mixcast.storage import read_manifest

    read_manifest(run)
    from mixcast.ml.run import forecast_ml_file, is_ml_run

    if is_ml_run(run):  # the ML challenger: same plan file, same forecast.csv columns
        frame = forecast_ml_file(run, future)
        out.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(out, index=False)
        console.print(f"Forecast (ML challenger) over {frame['date'].nunique()} weeks: "
                      f"{frame['mean'].sum():,.0f} in total (weekly 90% intervals in {out}).")
        return
    fitted = load_run(run)
    config = _run_config(run)
    plan = read_plan(future, fitted, date_column=str(config.get("date") or "date"),
                     impressions=dict(config.get("impressions") or {}))
    status = nullcontext() if quiet else err_console.status(
        f"Forecasting {plan.n_weeks} weeks over every posterior draw")
    with status:
        result = make_forecast(fitted, plan, seed=seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    result.frame().to_csv(out, index=False)
    total = result.interval(total=True)
    console.print(f"Forecast of {fitted.data.target} over {plan.n_weeks} weeks: "
                  f"{total['mean'].sum():,.0f} in total (weekly 90% intervals in {out}).")


def _run_config(run: Path) -> dict:
    path = run / "config.yaml"
    if not path.exists():
        return {}
    return yaml.safe_load(path.read_text()) or {}
