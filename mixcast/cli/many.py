"""The `fit-many` verb: fit every config a glob matches, on this machine's cores or Ray."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mixcast.cli._app import app, console, err_console

ExecutorOpt = Annotated[str, typer.Option(
    "--executor", help="local (processes over this machine's cores) or ray.")]
AddressOpt = Annotated[str | None, typer.Option(
    "--address", help="Ray cluster: auto (started here with `ray start --head`), "
                      "ray://HEAD:10001 or HEAD:6379. Without it --executor ray starts a "
                      "local Ray instance.")]
WorkersOpt = Annotated[int | None, typer.Option(
    "--workers", help="Jobs at a time (default: one per core; for a local Ray instance, "
                      "its CPUs).")]


def executor_option(name: str, workers: int | None, address: str | None):
    """The executor of a verb whose default is ``inline`` (validate, refresh): None for
    inline (this process, as before), else the local or Ray executor."""
    from mixcast.errors import UserError
    from mixcast.executor import make_executor

    if name != "inline":
        return make_executor(name, workers=workers, address=address)
    if address or workers:
        raise UserError("--address and --workers are for --executor local or ray; the "
                        "default (inline) runs in this process.")
    return None


_STYLE = {"ok": "green", "failed": "bold red", "skipped": "dim"}


@app.command("fit-many")
def fit_many(
    configs: Annotated[str, typer.Option("--configs", help="Glob of config files, quoted: 'brands/*/config.yaml'. Each run is named after its config's folder.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the run directories (OUT/<folder name>).")],
    executor: ExecutorOpt = "local",
    address: AddressOpt = None,
    workers: WorkersOpt = None,
    chains: Annotated[int | None, typer.Option(help="Override every config's sampler.chains.")] = None,
    warmup: Annotated[int | None, typer.Option(help="Override sampler.warmup.")] = None,
    draws: Annotated[int | None, typer.Option(help="Override sampler.draws.")] = None,
    seed: Annotated[int | None, typer.Option(help="Override sampler.seed.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Refit configs whose run is already complete.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Fit many configs as independent jobs, one run directory each; re-running resumes.

    A config that fails is reported and the others go on; the exit code is 1 when any
    failed. Complete runs already in OUT are skipped (--force refits them).

    Example: mixcast fit-many --configs 'brands/*/config.yaml' --executor ray --out runs/
    """
    from mixcast.executor import make_executor
    from mixcast.runs.many import fit_many as run_all
    from mixcast.runs.many import plan_fits

    pool = make_executor(executor, workers=workers, address=address)
    planned = plan_fits(configs, out, force=force)
    skipped = sum(p.done for p in planned)
    todo = len(planned) - skipped
    console.print(f"{len(planned)} configs: {todo} to fit on {pool.describe(todo)}, {skipped} already "
                  f"complete in {out} (skipped).")
    overrides = {k: v for k, v in dict(chains=chains, warmup=warmup, draws=draws,
                                       seed=seed).items() if v is not None}
    outcomes = []
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True, disable=quiet) as bar:
        task = bar.add_task("Fitting", total=todo)

        def update(outcome, done: int, total: int) -> None:
            failed = sum(o.status == "failed" for o in outcomes) + (outcome.status == "failed")
            bar.update(task, completed=done, description=f"Fitting ({outcome.name} "
                       f"{outcome.status}; {failed} failed so far)")

        for outcome in run_all(planned, pool, overrides=overrides, progress=update):
            outcomes.append(outcome)
    console.print(outcome_table(outcomes))
    for failed in (o for o in outcomes if o.status == "failed"):
        console.print(f"[bold red]✗ {escape(failed.name)}[/]: {escape(failed.error or '')}",
                      highlight=False)
    counts = {s: sum(o.status == s for o in outcomes) for s in ("ok", "failed", "skipped")}
    console.print(f"{counts['ok']} fitted, {counts['failed']} failed, {counts['skipped']} "
                  f"skipped; runs in [bold]{escape(str(out))}[/]")
    if counts["failed"]:
        err_console.print("[bold red]Some fits failed[/] (errors above). Fix them and run the "
                          "same command again: finished runs are skipped.")
        raise typer.Exit(1)   # failures are not user errors (2): the command did its job


def outcome_table(outcomes) -> Table:
    """One row per config: status, time, convergence, and the error of a failure."""
    table = Table(title="Fits", title_justify="left")
    for column in ("run", "status", "seconds", "R-hat max", "divergences", "note"):
        table.add_column(column)
    for o in sorted(outcomes, key=lambda o: (o.status != "failed", o.name)):
        diagnostics = o.diagnostics or {}
        rhat = diagnostics.get("rhat_max")
        note = ("error below" if o.status == "failed" else "") or "; ".join(_first_sentence(w) for w in o.warnings) or (
            "already complete" if o.status == "skipped" else "")
        table.add_row(o.name, f"[{_STYLE[o.status]}]{o.status}[/]",
                      f"{o.seconds:.1f}" if o.status != "skipped" else "",
                      f"{rhat:.3f}" if rhat is not None else "",
                      str(diagnostics.get("divergences", "")), escape(note))
    return table


def _first_sentence(message: str) -> str:
    """A warning's gist for the table (the run's summary.json holds the whole of it)."""
    head = message.split(": ", 1)[0] if message.startswith("The chains") else message
    return head.split(". ", 1)[0].rstrip(".")
