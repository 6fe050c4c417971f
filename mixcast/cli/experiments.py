"""Experiment verbs: plan-tests (which channel to test), design-test, analyze-test."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mixcast.cli._app import app, console
from mixcast.errors import UserError
from mixcast.formatting import compact_number as fmt

RunOpt = Annotated[Path, typer.Option("--run", help="A run directory written by `mixcast fit`.")]
WeeksOpt = Annotated[str, typer.Option("--weeks", help="Test durations to compare, in "
                                                       "weeks, e.g. 4,6,8.")]
CooldownOpt = Annotated[int, typer.Option("--cooldown", help="Weeks measured after the test "
                                                             "ends (carryover's tail).")]
MaxCostOpt = Annotated[str | None, typer.Option(
    "--max-cost", help="Most the test may cost (spend added + outcome value expected to be "
                       "lost), e.g. 50k.")]


def _weeks(text: str) -> tuple[int, ...]:
    try:
        weeks = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        weeks = ()
    if not weeks or min(weeks) < 1 or max(weeks) > 26:
        raise UserError(f"--weeks takes whole numbers of weeks from 1 to 26 separated by "
                        f"commas, e.g. --weeks 4,6,8. Got '{text}' instead.")
    return weeks


def _bayes_fit(run: Path):
    from mixcast.runs.models import open_run

    model = open_run(run)
    if model.kind != "bayes":
        raise UserError(f"{run}: test design needs a Bayesian run (power and assurance come "
                        "from its posterior); fit one with mixcast fit --model bayes.")
    return model.fit


def _money(value: str | None, option: str) -> float | None:
    from mixcast.optimize.scenario import parse_money

    return None if value is None else parse_money(value, where=option)


@app.command("plan-tests")
def plan_tests(
    run: RunOpt,
    weeks: WeeksOpt = "4,6,8",
    cooldown: CooldownOpt = 2,
    max_cost: MaxCostOpt = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="plans.json to "
                                             "write.")] = None,
) -> None:
    """Which channel to test next: ranked by how much a feasible test would narrow its ROI
    interval and the money that moves; channels whose ROI is mostly the prior first.

    Example: mixcast plan-tests --run runs/q3
    """
    from mixcast.experiments.planning import plan_tests as plan, underpowered_advice
    from mixcast.report.terminal import numbers_table
    from mixcast.storage import write_json_atomic

    fit = _bayes_fit(run)
    plans = plan(fit, weeks=_weeks(weeks), cooldown=cooldown,
                 max_cost=_money(max_cost, "--max-cost"))
    # Without a value per conversion what a test settles is conversions, not money.
    settled = ("money moved" if not plans or plans[0].value_in == "currency"
               else f"{plans[0].value_in} at stake")
    table = numbers_table("Which test next (best first)",
                          ("channel", "ROI now (90%)", "after test (90%)", "narrows",
                           settled, "budget change", "weeks", "power", "cost"))
    for p in plans:
        name = p.channel + (" [yellow](mostly prior)[/]" if p.mostly_prior else "")
        table.add_row(name, f"{fmt(p.roi['lo90'])} – {fmt(p.roi['hi90'])}",
                      f"{fmt(p.roi_after['lo90'])} – {fmt(p.roi_after['hi90'])}",
                      f"{100 * p.narrowing:.0f}%", fmt(p.value), fmt(p.budget_change),
                      str(p.weeks), f"{100 * p.power:.0f}%", fmt(p.cost))
    console.print(table)
    advice = underpowered_advice(plans)
    if advice:
        console.print(f"[yellow]Underpowered:[/] {advice}")
    console.print(f"Next: mixcast design-test --run {run} --channel {plans[0].channel} "
                  "--out design.json")
    if out is not None:
        write_json_atomic(out, {"plans": [p.as_dict() for p in plans]})
        console.print(f"Plans written to [bold]{out}[/]")


@app.command("design-test")
def design_test(
    run: RunOpt,
    channel: Annotated[str, typer.Option("--channel", help="The channel to test.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="design.json to write.")],
    change: Annotated[str, typer.Option(
        "--change", help="go-dark (holdout), +X% / -X% (e.g. +30%), or a plan.csv from "
                         "`mixcast optimize`.")] = "go-dark",
    weeks: WeeksOpt = "4,6,8",
    cooldown: CooldownOpt = 2,
    max_cost: MaxCostOpt = None,
    exclude_geos: Annotated[str, typer.Option(
        "--exclude-geos", help="Geos to keep out of the test, comma-separated.")] = "",
) -> None:
    """Design a lift test: treatment and control geos (matched markets), and for each
    duration the minimum detectable lift, the power to detect the lift the model
    predicts, the Bayesian assurance and the cost. National data get a time-based design.

    Example: mixcast design-test --run runs/q3 --channel tv_spend --weeks 4,6,8 --out design.json
    """
    from mixcast.experiments.design import (
        design_test as design, parse_change, run_date_column,
    )
    from mixcast.report.terminal import numbers_table
    from mixcast.storage import write_json_atomic

    fit = _bayes_fit(run)
    label, factor = parse_change(change, channel)
    result = design(fit, channel, factor=factor, change=label, weeks=_weeks(weeks),
                    cooldown=cooldown, max_cost=_money(max_cost, "--max-cost"),
                    exclude=tuple(g.strip() for g in exclude_geos.split(",") if g.strip()),
                    date_column=run_date_column(run))
    _print_design(result)
    write_json_atomic(out, result.as_dict())
    console.print(f"Design written to [bold]{out}[/]. After the test: mixcast analyze-test "
                  f"--design {out} --data after.csv")


def _print_design(design) -> None:
    from mixcast.experiments.design import NATIONAL_METHOD, underpowered_note

    console.print(f"[bold]{design.channel}[/]: {design.change}, {design.method}, starting "
                  f"{design.start_date}")
    if design.geo_level:
        console.print(f"Treated ({len(design.treated)}): {', '.join(design.treated)}")
        console.print(f"Control ({len(design.control)}): {', '.join(design.control)}")
    table = Table(title="Durations", title_justify="left")
    for column in ("weeks", "+cool-down", "min. detectable", "predicted lift (90%)",
                   "power", "assurance", "spend change", "cost", ""):
        table.add_column(column, justify="right")
    for o in design.options:
        band = o.predicted_lift
        table.add_row(str(o.weeks), str(o.cooldown), fmt(o.mde),
                      f"{fmt(band['mean'])} ({fmt(band['lo90'])} – {fmt(band['hi90'])})",
                      f"{100 * o.power:.0f}%", f"{100 * o.assurance:.0f}%",
                      fmt(o.spend_change), fmt(o.cost),
                      "recommended" if o.weeks == design.recommended_weeks else
                      ("" if o.feasible else "over --max-cost"))
    console.print(table)
    if design.caveat:
        console.print(f"[yellow]Note:[/] {design.caveat}")
    if not design.kpi_valued:
        forgone = design.option(design.recommended_weeks).outcome_change["mean"]
        console.print(f"[yellow]Cost[/] is the extra spend only: the KPI has no value per "
                      f"conversion, so the {fmt(max(-forgone, 0.0))} conversions a "
                      f"{design.recommended_weeks}-week test forgoes are not priced (give "
                      "revenue_per_kpi to count them).")
    weak = underpowered_note(max(o.power for o in design.options),
                             national=design.method == NATIONAL_METHOD)
    if weak:
        console.print(f"[yellow]Underpowered:[/] {weak}")


@app.command("analyze-test")
def analyze_test(
    design: Annotated[Path, typer.Option("--design", help="design.json from "
                                                          "`mixcast design-test`.")],
    data: Annotated[Path, typer.Option("--data", help="The data file with the weeks before "
                                                      "and during the test.")],
    weeks: Annotated[int | None, typer.Option(
        "--weeks", help="The duration that ran (default: the design's recommended).")] = None,
    start: Annotated[str | None, typer.Option(
        "--start", help="The test's first day, YYYY-MM-DD (default: the design's).")] = None,
    steps: Annotated[int | None, typer.Option(
        "--steps", help="A change adopted in N steps: actual vs predicted per step.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="result.json to "
                                             "write.")] = None,
    lift_tests: Annotated[Path | None, typer.Option(
        "--lift-tests", help="lift_tests.csv to write (or append to) with the result's "
                             "row(s).")] = None,
) -> None:
    """Analyse a test that ran: the incremental effect with its 90% interval and p-value,
    a pre-period placebo check, the model's prediction, and the lift_tests.csv row(s).

    Example: mixcast analyze-test --design design.json --data after.csv --lift-tests lift_tests.csv
    """
    import json

    from mixcast.data._common import read_table
    from mixcast.experiments.analysis import analyze_steps, analyze_test as analyze
    from mixcast.experiments.design import TestDesign
    from mixcast.storage import write_json_atomic

    if not design.exists():
        raise UserError(f"--design {design}: no such file. Write one with mixcast "
                        "design-test.")
    try:
        doc = json.loads(design.read_text())
    except json.JSONDecodeError as error:
        raise UserError(f"{design}: not valid JSON ({error}).") from None
    plan = TestDesign.from_dict(doc, source=str(design))
    frame = read_table(data)
    if steps is not None:
        if steps < 1:
            raise UserError(f"--steps must be 1 or more. Got {steps} instead.")
        results = analyze_steps(plan, frame, n_steps=steps, start_date=start,
                                source=data.name)
        _print_steps(results)
        if out is not None:
            write_json_atomic(out, {"steps": [r.as_dict() for r in results]})
        return
    result = analyze(plan, frame, weeks=weeks, start_date=start, source=data.name)
    _print_result(result)
    if out is not None:
        write_json_atomic(out, result.as_dict())
        console.print(f"Result written to [bold]{out}[/]")
    if lift_tests is not None:
        _append_rows(lift_tests, result.rows_frame())


def _print_result(result) -> None:
    verdict = "[green]significant[/]" if result.significant else "[yellow]not significant[/]"
    console.print(f"[bold]{result.channel}[/] from {result.start_date}, {result.weeks} weeks"
                  f" + {result.cooldown} cool-down ({result.method})")
    console.print(f"Incremental effect: {fmt(result.effect)} (90%: {fmt(result.lo90)} – "
                  f"{fmt(result.hi90)}), p = {result.p_value:.3f}: {verdict}")
    p = result.predicted
    console.print(f"Model predicted: {fmt(p['mean'])} (90%: {fmt(p['lo90'])} – "
                  f"{fmt(p['hi90'])})")
    console.print(f"Pre-period placebo: p = {result.placebo_p_value:.2f} "
                  f"({'passed' if result.placebo_ok else '[red]failed[/]'})")
    for note in result.notes:
        console.print(f"[dim]{note}[/]")


def _print_steps(results) -> None:
    table = Table(title="Gradual shift, step by step", title_justify="left")
    for column in ("step", "share of change", "actual", "predicted", "so far (90%)",
                   "predicted so far", "verdict"):
        table.add_column(column, justify="right")
    for r in results:
        table.add_row(str(r.step), f"{100 * r.fraction:.0f}%", fmt(r.actual),
                      fmt(r.predicted), f"{fmt(r.cumulative)} ({fmt(r.cumulative_lo90)}"
                      f" – {fmt(r.cumulative_hi90)})", fmt(r.cumulative_predicted),
                      r.verdict)
    console.print(table)


def _append_rows(path: Path, rows) -> None:
    import pandas as pd

    if path.exists():
        rows = pd.concat([pd.read_csv(path), rows], ignore_index=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows.to_csv(path, index=False)
    console.print(f"Lift-test row(s) written to [bold]{path}[/]: add it to the config's "
                  "lift_tests and refit.")
