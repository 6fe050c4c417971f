"""The `compare` verb: the Bayesian model and the ML challenger side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mixcast.cli._app import app, console, sampling_progress


@app.command()
def compare(
    bayes: Annotated[Path, typer.Option("--bayes", help="Run directory of the Bayesian model.")],
    ml: Annotated[Path, typer.Option("--ml", help="Run directory of `mixcast fit --model ml`.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the comparison as JSON.")] = None,
    truth: Annotated[Path | None, typer.Option(help="Truth JSON of simulated data: scores ROI recovery of both models.")] = None,
    holdout: Annotated[int, typer.Option(help="Weeks held out at the end to refit and score both models (0 skips the refits).")] = 13,
    twin: Annotated[bool, typer.Option("--twin/--no-twin", help="Also refit both models on a simulated twin of the data drawn from the Bayesian posterior and score their ROI against it.")] = True,
    trials: Annotated[int | None, typer.Option(help="Optuna trials per learner when re-tuning the challenger (default: the run's).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Compare the Bayesian model and the ML challenger fitted on the same data: out-of-sample
    accuracy, ROI per channel with 90% intervals, and recovery of a known truth.

    Example: mixcast compare --bayes runs/q3 --ml runs/q3-ml --out compare.json
    """
    from mixcast.ml.compare import load_truth
    from mixcast.runs.compare import compare_runs
    from mixcast.storage import write_json_atomic

    truth_doc = load_truth(truth) if truth is not None else None
    with sampling_progress("Refitting both models (held-out weeks, simulated twin)",
                           enabled=not quiet and (holdout > 0 or twin)) as bar:
        document = compare_runs(bayes, ml, truth=truth_doc, holdout_weeks=holdout, twin=twin,
                                ml_trials=trials, progress=bar)
    console.print(comparison_table(document))
    for note in document["notes"]:
        console.print(f"• {note}", highlight=False)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(out, document)
        console.print(f"Comparison written to [bold]{out}[/]")


def comparison_table(document: dict):
    """ROI per channel for both models (and the truth when known), then accuracy rows."""
    from rich.table import Table

    from mixcast.report.terminal import fmt_number, numbers_table

    has_truth = any(e["truth"] is not None for e in document["channels"].values())
    table = numbers_table("Bayesian model vs ML challenger",
                          ("channel", "Bayes ROI (90%)", "ML ROI (90%)", "overlap",
                           *(["truth"] if has_truth else [])))

    def cell(roi: dict) -> str:
        return (f"{fmt_number(roi['mean'])} ({fmt_number(roi['lo90'])} – "
                f"{fmt_number(roi['hi90'])})")

    for channel, entry in document["channels"].items():
        row = [channel, cell(entry["bayes"]), cell(entry["ml"]),
               "yes" if entry["intervals_overlap"] else "[yellow]no[/]"]
        if has_truth:
            row.append(fmt_number(entry["truth"]))
        table.add_row(*row)
    accuracy = document["accuracy"]
    if "bayes" in accuracy:
        table.add_section()
        table.add_row(f"holdout MAPE ({accuracy['holdout_weeks']} wk)",
                      f"{100 * accuracy['bayes']['mape']:.1f}%",
                      f"{100 * accuracy['ml']['mape']:.1f}%", "", *([""] if has_truth else []))
    pad = [""] * (2 if has_truth else 1)
    for key, label in (("recovery", "vs truth"), ("twin", "on the twin")):
        if key in document:
            rec = document[key]
            for metric, name in (("roi_error", "ROI error, spend-weighted"),
                                 ("roi_mape", "ROI error, mean %")):
                if rec["bayes"][metric] is not None and rec["ml"][metric] is not None:
                    table.add_row(f"{name} {label}", f"{100 * rec['bayes'][metric]:.0f}%",
                                  f"{100 * rec['ml'][metric]:.0f}%", *pad)
            table.add_row(f"ROI rank correlation {label}",
                          *(fmt_number(rec[m]["rank_correlation"])
                            if rec[m]["rank_correlation"] is not None else "–"
                            for m in ("bayes", "ml")), *pad)
            table.add_row(f"truth inside 90% ({label})",
                          f"{rec['bayes']['coverage']}/{rec['bayes']['n_channels']}",
                          f"{rec['ml']['coverage']}/{rec['ml']['n_channels']}", *pad)
    return table
