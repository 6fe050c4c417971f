"""Registry verbs: refresh, runs, diff, adopt."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mixcast.cli._app import app, console, err_console
from mixcast.cli.many import AddressOpt, WorkersOpt, executor_option

RegistryOpt = Annotated[str | None, typer.Option(
    "--registry", "-r", help="DuckDB file or postgresql:// URL (default $MIXCAST_REGISTRY or "
                             "runs/registry.duckdb).")]
RunsDirOpt = Annotated[Path | None, typer.Option(
    "--runs-dir", help="Where run directories go (default: beside a DuckDB registry; "
                       "./runs for PostgreSQL).")]


def _open(registry: str | None, runs_dir: Path | None = None):
    from mixcast.registry.store import Registry

    return Registry.at(registry, runs_root=runs_dir)


@app.command()
def refresh(
    config: Annotated[Path, typer.Option("--config", "-c", help="Path to config.yaml.")],
    registry: RegistryOpt = None,
    runs_dir: RunsDirOpt = None,
    webhook: Annotated[str | None, typer.Option(help="POST the alerts as JSON to this URL.")] = None,
    skip_validation: Annotated[bool, typer.Option("--skip-validation", help="Store the run without the quick validation.")] = False,
    executor: Annotated[str, typer.Option("--executor", help="inline (default: fit and refits in this process), local or ray (the fit and each validation refit as jobs).")] = "inline",
    address: AddressOpt = None,
    workers: WorkersOpt = None,
) -> None:
    """Fit the data's new weeks into the registry and report what moved, with alerts.

    Idempotent: the same data and config twice stores one run. Alerts go to the console,
    alerts.json (in the run and beside the registry's runs) and --webhook.

    Example: mixcast refresh --config config.yaml --registry runs/registry.duckdb
    """
    from mixcast.registry.alerts import deliver
    from mixcast.registry.fitter import BayesFitter
    from mixcast.registry.refresh import refresh as run_refresh
    from mixcast.report.registry import refresh_report

    store = _open(registry, runs_dir)
    with err_console.status("Refreshing (fit, validate, compare)"):
        result = run_refresh(config, store, validate=not skip_validation,
                             fitter=BayesFitter(executor=executor_option(executor, workers,
                                                                         address)))
    console.print(refresh_report(result))
    problem = deliver(list(result.alerts), webhook=webhook, context={"run": result.run["id"]})
    if problem:
        err_console.print(f"[yellow]warning:[/] {problem}", highlight=False)


@app.command()
def runs(registry: RegistryOpt = None) -> None:
    """List the runs in the registry, oldest data first.

    Example: mixcast runs --registry runs/registry.duckdb
    """
    from mixcast.report.registry import runs_table

    console.print(runs_table(_open(registry).runs()))


@app.command()
def diff(
    run_a: Annotated[str, typer.Argument(help="The earlier run's id (or a unique prefix).")],
    run_b: Annotated[str, typer.Argument(help="The later run's id (or a unique prefix).")],
    registry: RegistryOpt = None,
) -> None:
    """Show per channel how ROI moved between two runs, and whether beyond noise.

    Example: mixcast diff 2025-01-20-656d57fc 2025-02-17-c55952f2
    """
    from mixcast.registry.movement import roi_movement
    from mixcast.report.registry import movement_table

    store = _open(registry)
    rois, ids = [], []
    for run_id in (run_a, run_b):
        run = store.run(run_id)
        ids.append(run["id"])       # the full id, though a prefix was given
        rois.append({m["channel"]: m for m in store.table("channel_metrics", run_id=run["id"])
                     if m["metric"] == "roi"})
    console.print(movement_table(roi_movement(*rois), title=f"ROI: {ids[0]} → {ids[1]}"))


@app.command()
def adopt(
    run: Annotated[str, typer.Option("--run", help="The run the plan was made from (id or prefix).")],
    plan: Annotated[Path | None, typer.Option("--plan", help="plan.csv from `mixcast optimize` (channel, recommended_spend).")] = None,
    scenario: Annotated[str | None, typer.Option("--scenario", help="Instead of --plan: a `mixcast scenario` spec, e.g. 'shift 20% from tv_spend to social_spend'; its plan over --weeks is recorded.")] = None,
    weeks: Annotated[int | None, typer.Option(help="Weeks the plan covers (default: the run's own).")] = None,
    registry: RegistryOpt = None,
) -> None:
    """Record that a plan (or a scenario) was adopted; later refreshes score it against
    what happened.

    Example: mixcast adopt --run 2025-01-20-656d57fc --plan plan.csv
    """
    from mixcast.errors import UserError
    from mixcast.registry.adopt import adopt as record, adopt_scenario

    if (plan is None) == (scenario is None):
        raise UserError("Give either --plan plan.csv or --scenario \"...\" (e.g. --scenario "
                        "\"shift 20% from tv_spend to social_spend\"), not both or neither.")
    store = _open(registry)
    if plan is not None:
        row = record(store, run, plan, weeks=weeks)
        what = str(plan)
    else:
        row = adopt_scenario(store, run, scenario, weeks=weeks)
        what = f"scenario '{scenario}'"
        spend = row["plan"]["recommended_spend"]
        console.print("Implied plan: " + ", ".join(f"{c} {v:,.0f}" for c, v in spend.items()))
    console.print(f"Adopted {what} from run {row['run_id']} ({row['id']}): {row['weeks']} "
                  f"weeks from {row['start_date']}. Refreshes will score it.")
