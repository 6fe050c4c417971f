"""Core verbs: demo, check, fit, summary."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path
from typing import Annotated

import typer

from mixcast.cli._app import app, console, err_console, sampling_progress
from mixcast.errors import DataWarning, UserError
from mixcast.formatting import counted

ConfigOpt = Annotated[Path, typer.Option("--config", "-c", help="Path to config.yaml.")]
RunOpt = Annotated[Path, typer.Option("--run", help="A run directory written by `mixcast fit`.")]


@app.command()
def init(
    data: Annotated[Path, typer.Argument(help="The data file (CSV or Parquet).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="config.yaml to write.")] = Path(
        "config.yaml"),
    target: Annotated[str | None, typer.Option(help="The KPI column, if its name does not "
                                                    "say so.")] = None,
    channels: Annotated[str | None, typer.Option(help="Paid-media spend columns, comma "
                                                      "separated, if their names do not say "
                                                      "so.")] = None,
    force: Annotated[bool, typer.Option(help="Replace an existing config file.")] = False,
) -> None:
    """Propose a config.yaml for a data file: its date, geo, KPI, spend, impressions and
    control columns, guessed from their names and values, with a comment on each.

    Example: mixcast init data/sales.csv --out config.yaml
    """
    import os

    from mixcast.data._common import read_table
    from mixcast.data.propose import files_beside, propose_config
    from mixcast.storage import write_text_atomic

    if out.exists() and not force:
        raise UserError(f"{out} already exists; nothing was written. Choose another --out, or "
                        "add --force to replace it.")
    names = tuple(c.strip() for c in channels.split(",") if c.strip()) if channels else None
    proposal = propose_config(read_table(data), source=data.name, target=target,
                              channels=names)

    def as_seen(path: Path) -> str:           # as the config will find it: relative to it
        return Path(os.path.relpath(path.resolve(), out.resolve().parent)).as_posix()

    beside = {key: as_seen(path) for key, path in files_beside(data).items()}
    write_text_atomic(out, proposal.yaml(as_seen(data), source=data.name, beside=beside))
    console.print(f"[green]✓[/] {out}: date {proposal.date}"
                  + (f", geo {proposal.geo}" if proposal.geo else "")
                  + f", target {proposal.target} ({proposal.kpi_type}), "
                  f"{counted(len(proposal.channels), 'channel')}, "
                  f"{counted(len(proposal.controls), 'control')}"
                  + (", daily rows summed into weeks." if proposal.daily else "."))
    for column, why in proposal.left_out.items():
        console.print(f"  left out: {column or '(unnamed)'} ({why})")
    for key, path in beside.items():
        console.print(f"  {key}: {path} (found beside the data)")
    console.print(f"Review it, then: mixcast check --config {out}")


@app.command()
def check(config: ConfigOpt) -> None:
    """Validate and diagnose the data without fitting.

    Example: mixcast check --config config.yaml
    """
    from mixcast.project import load
    from mixcast.report.terminal import issues_table

    with warnings.catch_warnings():  # the table below shows every finding
        warnings.simplefilter("ignore", DataWarning)
        project = load(config)
    data = project.data
    import numpy as np

    # Monthly rows are counted as months (the coarse_granularity warning says why).
    gap = float(np.median(np.diff(data.dates).astype("timedelta64[D]").astype(float))) \
        if data.n_times > 1 else 7.0
    period = "week" if gap < 28 else ("month" if gap < 80 else "quarter")
    console.print(f"[green]✓[/] {config}: {counted(data.n_times, period)} "
                  f"({str(data.dates[0])[:10]} … {str(data.dates[-1])[:10]}), "
                  f"{counted(data.n_geos, 'geo')}, {counted(data.n_channels, 'channel')}, "
                  f"{counted(len(data.control_names), 'control')}, "
                  f"{counted(len(data.lift_tests), 'lift test')}.")
    if data.issues:
        console.print(issues_table(data.issues))
    else:
        console.print("No data warnings.")


@app.command()
def fit(
    config: ConfigOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="Run directory to write.")],
    model: Annotated[str, typer.Option(help="bayes (NUTS MMM) or ml (gradient-boosting challenger).")] = "bayes",
    chains: Annotated[int | None, typer.Option(help="Override sampler.chains.")] = None,
    warmup: Annotated[int | None, typer.Option(help="Override sampler.warmup.")] = None,
    draws: Annotated[int | None, typer.Option(help="Override sampler.draws.")] = None,
    seed: Annotated[int | None, typer.Option(help="Override sampler.seed.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    reproducible: Annotated[bool, typer.Option(help="Write summary.json without the wall time (diagnostics.fit_seconds = 0.0; the time stays in spec.json), so the same inputs and seed give a byte-identical file.")] = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Print the fit's expected peak memory and wall time, then stop.")] = False,
) -> None:
    """Fit a model and write a run directory (summary.json, posterior, spec, data fingerprint).

    Prints a cost estimate first (expected peak memory and wall time on this machine) and
    stops before sampling if the fit would not fit in memory (MIXCAST_MEMORY_LIMIT
    overrides the memory available).

    Example: mixcast fit --config config.yaml --out runs/q3 [--dry-run]
    """
    from mixcast.project import load

    project = load(config)
    family = model if model != "bayes" else str(project.config.model.get("type", "bayes"))
    if family not in ("bayes", "ml"):
        raise UserError(f"--model must be 'bayes' or 'ml'. Got {model!r} instead.")
    if family == "ml":
        if dry_run:
            raise UserError("--dry-run estimates the Bayesian model's cost only; the ML "
                            "challenger (--model ml) has no estimate. Drop --dry-run, or "
                            "use --model bayes.")
        fit_ml_command(project, out, quiet=quiet)
        return
    overrides = {k: v for k, v in dict(chains=chains, warmup=warmup, draws=draws,
                                       seed=seed).items() if v is not None}
    if dry_run:
        print_cost_estimate(project, overrides)
        return
    run_bayes_fit(project, out, overrides=overrides, quiet=quiet, reproducible=reproducible)


def print_cost_estimate(project, overrides: dict) -> None:
    """Print the fit's cost estimate; a UserError (exit 2) if it would not fit in memory."""
    import dataclasses

    from mixcast.inference.cost import check_memory, estimate_cost
    from mixcast.report.terminal import cost_table

    sampler = dataclasses.replace(project.sampler, **overrides)
    estimate = estimate_cost(project.data, project.spec, sampler)
    console.print(cost_table(estimate))
    check_memory(estimate)


def run_bayes_fit(project, out: Path, *, overrides: dict, quiet: bool,
                  reproducible: bool = False) -> dict:
    """Estimate the cost, fit, save and print; shared by `fit`, `demo` and `refresh`."""
    import dataclasses

    from mixcast.inference.fit import fit as fit_model
    from mixcast.report.terminal import channel_table, diagnostics_line
    from mixcast.runs.directory import save_run

    print_cost_estimate(project, overrides)
    sampler = dataclasses.replace(project.sampler, **overrides)
    with sampling_progress(f"Sampling {sampler.chains} chains", enabled=not quiet) as progress:
        fitted = fit_model(project.data, project.spec, sampler=sampler, progress=progress)
    save_run(fitted, out, config=project.config.as_dict(), reproducible=reproducible)
    summary = json.loads((out / "summary.json").read_text())
    console.print(channel_table(summary))
    console.print(diagnostics_line(summary["diagnostics"]))
    console.print(f"Run written to [bold]{out}[/]")
    return summary


def fit_ml_command(project, out: Path, *, quiet: bool) -> dict:
    """Fit the ML challenger, write its run directory and print a summary."""
    from mixcast.ml.fit import fit_ml
    from mixcast.ml.run import LIMITS, config_for, save_ml_run
    from mixcast.report.terminal import channel_table

    config = config_for(project)
    steps = len(config.learners) + config.n_bootstrap
    with sampling_progress("Tuning and fitting the ML ensemble", enabled=not quiet) as bar:
        def progress(stage: str, done: int, total: int) -> None:
            if bar is not None:
                bar(done if stage == "tuning" else len(config.learners) + done, steps)
        fitted = fit_ml(project.data, config, progress=progress)
    save_ml_run(fitted, out, config=project.config.as_dict())
    summary = json.loads((out / "summary.json").read_text())
    console.print(channel_table(summary, title="Channel returns (ML challenger: ensemble "
                                               "mean, 90% bootstrap interval)"))
    accuracy = summary["accuracy"]
    console.print(f"Out-of-sample (time-ordered CV): MAPE {100 * accuracy['cv_mape']:.1f}% · "
                  f"R² {accuracy['cv_r2']:.2f} · tuning {fitted.tuning_seconds:.1f}s · "
                  f"fit {fitted.fit_seconds:.1f}s")
    for limit in LIMITS:
        err_console.print(f"[yellow]limit:[/] {limit}", highlight=False)
    console.print(f"Run written to [bold]{out}[/]")
    return summary


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Run directory to write.")] = Path("runs/demo"),
    quick: Annotated[bool, typer.Option(help="Short chains (a smoke test, not for decisions).")] = False,
) -> None:
    """Fit the bundled sample data (Meta Robyn's simulated weekly data) and print ROI.

    Example: mixcast demo --out runs/demo
    """
    from mixcast.project import load, sample_config_path

    source = sample_config_path().parent
    workdir = out.parent / f"{out.name}-data"
    if workdir.exists():
        shutil.rmtree(workdir)
    shutil.copytree(source, workdir)
    console.print(f"Sample data copied to {workdir} (edit {workdir / 'robyn_config.yaml'} "
                  "to try options).")
    project = load(workdir / "robyn_config.yaml")
    overrides = dict(warmup=200, draws=200, chains=2) if quick else {}
    run_bayes_fit(project, out, overrides=overrides, quiet=False)


@app.command()
def summary(run: RunOpt,
            as_json: Annotated[bool, typer.Option("--json", help="Print summary.json.")] = False,
            narrative: Annotated[bool, typer.Option(
                "--narrative/--no-narrative",
                help="Also print the plain-language narrative (drivers, saturation, what to "
                     "test next, what is not yet trustworthy).")] = True) -> None:
    """Print a run's channel returns, diagnostics and plain-language summary.

    Example: mixcast summary --run runs/q3
    """
    from mixcast.report.terminal import channel_table, diagnostics_line
    from mixcast.storage import read_manifest, read_run_json

    read_manifest(run)
    document = read_run_json(run, "summary.json")
    if as_json:
        console.print_json(data=document)
        return
    console.print(channel_table(document))
    console.print(diagnostics_line(document["diagnostics"]))
    if narrative:
        from rich.markup import escape

        from mixcast.assist.narrative import run_narrative
        from mixcast.runs.models import open_run

        with err_console.status("Writing the narrative from the posterior"):
            text = run_narrative(open_run(run).fit, run).text()
        console.print(escape(text), highlight=False)
