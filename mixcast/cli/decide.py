"""Decision verbs: optimize (budget allocation) and scenario (what-if)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from mixcast.cli._app import app, console, err_console
from mixcast.errors import UserError
from mixcast.formatting import compact_number as fmt

RunOpt = Annotated[Path, typer.Option("--run", help="A run directory written by `mixcast fit`.")]
WeeksOpt = Annotated[int | None, typer.Option(
    "--weeks", help="Plan the next N weeks (future pattern: last 13 weeks' average) instead "
                    "of the data window.")]


@contextmanager
def _working(description: str) -> Iterator[None]:
    columns = (SpinnerColumn(), TextColumn("[bold]{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        bar.add_task(description, total=None)
        yield


def _bounds(values: list[str], option: str) -> tuple[dict[str, float], dict[str, float]]:
    """CHANNEL=AMOUNT (absolute: 100k, 2M) or CHANNEL=SHARE of today's spend (50%, 1.5x):
    (absolute bounds, share bounds)."""
    from mixcast.optimize.scenario import parse_money

    absolute, share = {}, {}
    for value in values:
        if "=" not in value:
            raise UserError(f"{option} takes CHANNEL=AMOUNT, e.g. {option} tv_spend=100k "
                            f"(absolute) or {option} tv_spend=80% / 1.2x (of today's spend). "
                            f"Got '{value}' instead.")
        name, amount = (part.strip() for part in value.split("=", 1))
        relative = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)\s*(%|x)", amount.lower())
        if relative:
            number = float(relative.group(1))
            share[name] = number / 100.0 if relative.group(2) == "%" else number
        else:
            absolute[name] = parse_money(amount, where=f"{option} {name}")
    return absolute, share


def _groups(values: list[str]) -> tuple:
    """--group NAME=CH1+CH2<=40% (share of the total) or NAME=CH1+CH2>=500k (absolute)."""
    from mixcast.optimize import ChannelGroup
    from mixcast.optimize.scenario import parse_money

    groups = []
    for value in values:
        found = re.fullmatch(r"\s*([^=]+?)\s*=\s*([^<>]+?)\s*(<=|>=)\s*(.+?)\s*", value)
        if not found:
            raise UserError("--group takes NAME=CHANNEL+CHANNEL<=AMOUNT or >=AMOUNT, e.g. "
                            "--group 'digital=search+social<=40%' (share of the total) or "
                            f"--group 'brand=tv+ooh>=500k'. Got '{value}' instead.")
        name, members, op, amount = found.groups()
        channels = tuple(m.strip() for m in members.split("+") if m.strip())
        key = "max" if op == "<=" else "min"
        if amount.endswith("%"):
            try:
                limit = {f"{key}_share": float(amount[:-1]) / 100.0}
            except ValueError:
                raise UserError(f"--group '{value}': could not read '{amount}' as a "
                                "percentage.") from None
        else:
            limit = {f"{key}_spend": parse_money(amount, where=f"--group {name}")}
        groups.append(ChannelGroup(name=name, channels=channels, **limit))
    return tuple(groups)


@app.command()
def optimize(
    run: RunOpt,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="plan.csv to write.")] = None,
    budget: Annotated[str | None, typer.Option(help="Total budget (e.g. 2M); default "
                                               "today's total.")] = None,
    weeks: WeeksOpt = None,
    max_change: Annotated[float | None, typer.Option(
        "--max-change", help="Largest change per channel, e.g. 0.15 for +-15%.")] = None,
    mode: Annotated[str, typer.Option(help="fixed_budget, target_roi, target_mroi, target_cpa, "
                                           "target_marginal_cpa or min_budget.")] = "fixed_budget",
    target: Annotated[float | None, typer.Option(help="ROI/mROI/CPA target, or the outcome "
                                                 "goal of min_budget.")] = None,
    lock: Annotated[list[str], typer.Option(help="Keep a channel at today's spend "
                                            "(repeatable).")] = [],  # noqa: B006
    minimum: Annotated[list[str], typer.Option("--min", help="Lower bound, CHANNEL=AMOUNT "
                                               "(100k) or CHANNEL=SHARE of today's (80%, "
                                               "0.8x); repeatable.")] = [],  # noqa: B006
    maximum: Annotated[list[str], typer.Option("--max", help="Upper bound, CHANNEL=AMOUNT "
                                               "or CHANNEL=SHARE of today's (150%, 1.5x); "
                                               "repeatable.")] = [],  # noqa: B006
    group: Annotated[list[str], typer.Option(help="Channel-group constraint, e.g. "
                                             "'digital=search+social<=40%' (share of the "
                                             "total) or 'brand=tv+ooh>=500k'; "
                                             "repeatable.")] = [],  # noqa: B006
    by: Annotated[str, typer.Option(help="Allocate per channel, geo (geo x channel) or "
                                         "period (blocks of --period-weeks within the "
                                         "plan).")] = "channel",
    period_weeks: Annotated[int, typer.Option("--period-weeks", help="Weeks per period with "
                                              "--by period (4: monthly).")] = 4,
    risk: Annotated[float | None, typer.Option(help="Maximise this lower quantile of the "
                                               "outcome (e.g. 0.1) instead of its mean.")] = None,
    ranking: Annotated[bool, typer.Option(help="Also print saturated / underfunded / "
                                          "cut-first channels.")] = False,
    move_weak: Annotated[bool, typer.Option("--move-weak", help="Also move channels whose "
                                            "ROI is mostly the prior's (held at today's "
                                            "spend by default: test them first).")] = False,
) -> None:
    """Recommend a budget allocation that maximises the expected outcome.

    Bounds are absolute (--min tv=100k) or a share of today's spend (--max tv=150%);
    --lock keeps a channel as it is; --group constrains channel groups; --mode picks
    fixed budget, a target ROI/CPA, or the least budget for today's outcome.

    Example: mixcast optimize --run runs/q3 --max-change 0.15 --out plan.csv
    """
    from mixcast.optimize import BudgetScenario, Granularity, Mode
    from mixcast.optimize.scenario import parse_money
    from mixcast.runs.models import open_run

    lower, lower_share = _bounds(minimum, "--min")
    upper, upper_share = _bounds(maximum, "--max")
    scenario = BudgetScenario(
        mode=_enum(Mode, mode, "--mode"), target=target,
        budget=None if budget is None else parse_money(budget, where="--budget"),
        weeks=weeks, max_change=max_change, locked=tuple(lock), lower=lower, upper=upper,
        lower_share=lower_share, upper_share=upper_share, groups=_groups(group),
        granularity=_enum(Granularity, by, "--by"), period_weeks=period_weeks,
        risk_quantile=risk, move_weak=move_weak)
    model = open_run(run)
    if ranking:
        _print_ranking(model)
    with _working(f"Optimising the budget ({_LABEL[model.kind]})"):
        plan = model.optimize(scenario)
    console.print(_plan_table(plan))
    _print_totals(plan)
    if out is not None:
        from mixcast.storage import write_text_atomic

        write_text_atomic(out, plan.to_frame().to_csv(index=False))
        if plan.units != plan.channels:
            write_text_atomic(out.with_name(out.stem + "_units.csv"),
                              plan.units_frame().to_csv(index=False))
        console.print(f"Plan written to [bold]{out}[/]")


_LABEL = {"bayes": "posterior draws", "ml": "ML challenger's replicates"}


def _enum(kind, value: str, option: str):
    try:
        return kind(value.strip().lower())
    except ValueError:
        choices = ", ".join(m.value for m in kind)
        raise UserError(f"{option} must be one of {choices}. Got '{value}' instead.") from None


def _plan_table(plan) -> Table:
    from mixcast.report.terminal import numbers_table

    unit = plan.outcome_unit
    table = numbers_table(f"Recommended allocation ({plan.mode.value})",
                          ("channel", "current spend", "recommended", "change",
                           f"{unit} (90%)", "mROI after"))
    frame = plan.to_frame()
    for row in frame.itertuples():
        change = "—" if np.isnan(row.change_pct) else f"{row.change_pct:+.0f}%"
        table.add_row(row.channel, fmt(row.current_spend), fmt(row.recommended_spend), change,
                      f"{fmt(row.expected_outcome_mean)} ({fmt(row.expected_outcome_lo90)} – "
                      f"{fmt(row.expected_outcome_hi90)})", fmt(row.marginal_roi))
    return table


def _print_totals(plan) -> None:
    unit = plan.outcome_unit
    for name, spend, band in (("current", plan.current_spend.sum(), plan.current_outcome),
                              ("recommended", plan.recommended_spend.sum(),
                               plan.recommended_outcome)):
        console.print(f"{name:>12}: spend {fmt(spend)} -> media-driven {unit} "
                      f"{fmt(band.mean)} (90%: {fmt(band.lo90)} – {fmt(band.hi90)})")
    gain = plan.gain
    console.print(f"{'change':>12}: {fmt(gain.mean)} (90%: {fmt(gain.lo90)} – "
                  f"{fmt(gain.hi90)})")
    achieved = _target_line(plan)
    if achieved:
        console.print(f"{'target':>12}: {achieved}")
    console.print(f"[dim]Window: {plan.note}.[/]")
    # Channel names are the user's column names: escaped, never read as Rich markup.
    for name, why in getattr(plan, "held", {}).items():
        console.print(f"[yellow]Held:[/] {escape(name)} {escape(why)}.")
    for name, note in plan.beyond_data_notes().items():
        console.print(f"[yellow]Beyond the data:[/] {escape(name)}'s {note} (bound it with "
                      f"--max {escape(name)}=... or --max-change, or test the higher level "
                      "first).")


def _target_line(plan) -> str | None:
    """The plan's ROI or CPA beside a target ROI / CPA (both over every draw's mean)."""
    spend, outcome = float(plan.recommended_spend.sum()), plan.recommended_outcome
    goal = plan.solver.get("goal")
    if goal is None or spend <= 0 or outcome.mean <= 0:
        return None
    if plan.mode.value == "target_roi" and plan.outcome_unit == "revenue":
        return (f"ROI {fmt(goal)} asked; the plan returns {fmt(outcome.mean / spend)} "
                f"(90%: {fmt(outcome.lo90 / spend)} – {fmt(outcome.hi90 / spend)})")
    if plan.mode.value == "target_cpa":
        return (f"CPA {fmt(1.0 / goal)} asked; the plan costs {fmt(spend / outcome.mean)} per "
                f"media-driven conversion (90%: {fmt(spend / outcome.hi90)} – "
                f"{fmt(spend / max(outcome.lo90, 1e-12))})")
    return None


def _print_ranking(model) -> None:
    from mixcast.report.terminal import numbers_table

    with _working("Computing response curves"):
        frame = model.channel_ranking()
    hurdle = float(frame["hurdle"].iloc[0]) if len(frame) else 1.0
    against = (f"status against the channels' spend-weighted average mROI {fmt(hurdle)} (the "
               "KPI has no value per unit: channels are compared with one another)"
               if len(frame) and frame["hurdle_basis"].iloc[0] != "breakeven" else
               f"status against break-even, mROI {fmt(hurdle)}: saturated = the next unit "
               "returns less than it costs, with 90% confidence")
    table = numbers_table("Where the money works (mROI at today's spend)",
                          ("cut rank", "channel", "status", "mROI", "mROI 90%",
                           "80% saturation at"), text_columns=("channel", "status"),
                          caption=against, caption_justify="left")
    for row in frame.itertuples():
        table.add_row(str(row.cut_rank), row.channel, row.status, fmt(row.mroi_mean),
                      f"{fmt(row.mroi_lo90)} – {fmt(row.mroi_hi90)}", fmt(row.saturation_spend))
    console.print(table)


@app.command()
def scenario(
    run: RunOpt,
    spec: Annotated[str | None, typer.Option(
        "--spec", help="e.g. 'shift 15% from tv_spend to social_spend', 'increase search by "
                       "10%', 'cut display to 0', 'total budget 2M', or a plan CSV path.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="scenario.json to "
                                             "write.")] = None,
    weeks: WeeksOpt = None,
    grid: Annotated[bool, typer.Option(help="Instead of --spec: score every shift of 5-50% "
                                            "between every pair of channels.")] = False,
) -> None:
    """Predict the outcome of a spend change against today's plan, with a 90% range.

    Example: mixcast scenario --run runs/q3 --spec "shift 15% from tv_spend to social_spend"
    """
    from mixcast.runs.models import open_run
    from mixcast.storage import write_json_atomic

    if (spec is None) == (not grid):
        raise UserError("Give either --spec \"...\" (e.g. --spec \"increase search_spend by "
                        "10%\") or --grid.")
    model = open_run(run)
    if grid:
        _run_grid(model, weeks, out)
        return
    with _working(f"Scoring the scenario ({_LABEL[model.kind]})"):
        result = model.scenario(spec, weeks=weeks)
    console.print(_scenario_table(result))
    for caution in getattr(result, "cautions", ()):
        console.print(f"[yellow]Caution:[/] {caution}.")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(out, result.as_dict())
        console.print(f"Scenario written to [bold]{out}[/]")


def _scenario_table(result) -> Table:
    from mixcast.report.terminal import numbers_table

    unit = result.outcome_unit
    table = numbers_table(f"Scenario: {result.scenario.label}",
                          ("channel", "baseline spend", "scenario spend", f"{unit} change (90%)"),
                          caption="; ".join(result.scenario.steps) + f".\nWindow: {result.note}.",
                          caption_justify="left")
    band = result.channel_change
    for i, channel in enumerate(result.channels):
        table.add_row(channel, fmt(result.baseline_spend[i]), fmt(result.scenario.spend[i]),
                      f"{fmt(band['mean'][i])} ({fmt(band['lo90'][i])} – "
                      f"{fmt(band['hi90'][i])})")
    change, base, new = result.change, result.baseline, result.outcome
    table.add_section()
    table.add_row("total", fmt(result.baseline_spend.sum()), fmt(result.scenario.spend.sum()),
                  f"{fmt(change['mean'])} ({fmt(change['lo90'])} – {fmt(change['hi90'])})")
    table.add_row(f"media-driven {unit}", fmt(base["mean"]), fmt(new["mean"]), "")
    return table


def _run_grid(model, weeks: int | None, out: Path | None) -> None:
    with _working("Scoring every budget shift over the posterior"):
        frame = model.shift_grid(np.round(np.arange(0.05, 0.51, 0.05), 2), weeks=weeks)
    best = frame.sort_values("change_mean", ascending=False).head(10)
    table = Table(title=f"Best of {len(frame):,} budget shifts", title_justify="left")
    for column in ("shift", "change (mean)", "90%", "P(better)"):
        table.add_column(column, justify="left" if column == "shift" else "right")
    for row in best.itertuples():
        table.add_row(row.plan, fmt(row.change_mean),
                      f"{fmt(row.change_lo90)} – {fmt(row.change_hi90)}",
                      f"{row.prob_better:.0%}")
    console.print(table)
    if out is not None:
        from mixcast.storage import write_text_atomic

        write_text_atomic(out, frame.to_csv(index=False))
        console.print(f"Grid written to [bold]{out}[/]")
