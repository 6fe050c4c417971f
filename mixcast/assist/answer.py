"""Run a structured :class:`~mixcast.assist.questions.Call` through mixcast's engines and
say what it found: the interpretation first, then the result with its range and verdict.

The numbers come only from the engines a notebook would call: spend changes from the
scenario engine (:meth:`RunModel.scenario`, i.e. :func:`mixcast.optimize.run_scenario`),
allocations from the optimiser, saturation and the next dollar from
:func:`mixcast.analysis.curves.channel_ranking`, returns over a window from
:func:`mixcast.analysis.over_time.window_returns`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from mixcast.analysis.forecast import recent_pace_plan
from mixcast.analysis.over_time import window_returns
from mixcast.analysis.plan_space import PATTERN_WEEKS
from mixcast.assist.advice import (held_channels, spend_advice, test_candidates,
                                   test_first_reason)
from mixcast.assist.format import band, money
from mixcast.assist.narrative import ranking_rows
from mixcast.assist.questions import FORECAST_WEEKS, Call, UnknownQuestion, parse_question
from mixcast.assist.taxonomy import run_aliases
from mixcast.assist.trust import ChannelTrust, channel_trust
from mixcast.errors import UserError
from mixcast.formatting import counted
from mixcast.experiments.planning import plan_tests, underpowered_advice
from mixcast.optimize.problem import BudgetScenario
from mixcast.posterior.intervals import scalar_interval
from mixcast.runs.models import RunModel
from mixcast.storage import jsonable

Translator = Callable[[str, tuple[str, ...]], Call | None]


@dataclass(frozen=True)
class Answer:
    """An answer: how the question was read, what the model says, and the numbers."""

    question: str
    call: Call | None
    interpretation: str
    lines: tuple[str, ...]
    data: dict = field(default_factory=dict)
    trust: dict = field(default_factory=dict)       # channel -> verdict, reasons, movable

    def text(self) -> str:
        return "\n".join((self.interpretation, *self.lines))

    def as_dict(self) -> dict:
        return {"question": self.question,
                "call": None if self.call is None else self.call.as_dict(),
                "interpretation": self.interpretation, "lines": list(self.lines),
                "text": self.text(), "data": self.data, "trust": self.trust}


def ask(model: RunModel, question: str, *, translate: Translator | None = None) -> Answer:
    """Answer ``question`` about the run ``model``.

    The built-in forms are tried first; when none matches and ``translate`` is given (the
    optional language model, :func:`mixcast.assist.llm.translator`), it may map the text
    to a call. A question nobody can read gets the list of what can be asked.
    """
    aliases = run_aliases(model.path)
    try:
        call = parse_question(question, model.channels, aliases=aliases)
    except UnknownQuestion as unknown:
        call = translate(question, model.channels) if translate is not None else None
        if call is None:
            return Answer(question=question, call=None,
                          interpretation="I could not read this as a question about the model.",
                          lines=(str(unknown),))
    return answer_call(model, call, question=question)


def answer_call(model: RunModel, call: Call, *, question: str = "") -> Answer:
    """Compute ``call`` on ``model`` and phrase the result."""
    for name in (call.channel, call.target):
        if name is not None and name not in model.channels:
            raise UserError(f"Unknown channel {name!r}; this run's channels are "
                            f"{', '.join(model.channels)}.")
    trust = channel_trust(model.fit, model.path)
    lines, data = _HANDLERS[call.kind](model, call, trust)
    return Answer(question=question or call.describe(), call=call,
                  interpretation=f"I read this as: {call.describe()}.", lines=tuple(lines),
                  data=jsonable(data), trust={k: v.as_dict() for k, v in trust.items()})


def _verdict(trust: ChannelTrust) -> str:
    label = trust.verdict.replace("_", " ")
    if trust.movable:
        return f"verdict: {label}"
    return f"verdict: {label}; test it before moving its budget ({test_first_reason(trust)})"


def _scenario(model, call, trust):
    result = model.scenario(call.scenario_spec())
    unit = result.outcome_unit
    lines = [f"Media-driven {unit} would change by {band(result.change, signed=True)} "
             f"against today's plan ({'; '.join(result.scenario.steps)})."]
    moved = [c for i, c in enumerate(result.channels)
             if abs(result.scenario.spend[i] - result.baseline_spend[i]) > 1e-6]
    for i, name in enumerate(result.channels):
        if name in moved:
            change = {k: float(v[i]) for k, v in result.channel_change.items()}
            lines.append(f"{name}: spend {money(result.baseline_spend[i])} -> "
                         f"{money(result.scenario.spend[i])}, its {unit} "
                         f"{band(change, signed=True)}; {_verdict(trust[name])}.")
    lines += [f"Caution: {c}." for c in result.cautions]
    return lines, {"scenario": result.as_dict(), "moved": moved}


def _ranking(model):
    if model.kind != "bayes":
        raise UserError("Saturation and the next dollar need a Bayesian run's response "
                        "curves; this run holds the ML challenger. Ask a scenario instead "
                        "(e.g. 'increase search by 10%'), or ask the Bayesian run.")
    return model.channel_ranking()


def _next_dollar(model, call, trust):
    rows = ranking_rows(_ranking(model))
    movable = [r for r in rows if trust[r["channel"]].movable]
    lines = []
    best = movable[0] if movable else None
    if best is not None:
        lines.append(f"The next unit of spend is expected to return most in {best['channel']}: "
                     f"mROI {band(best['mroi'])}; {_verdict(trust[best['channel']])}.")
    else:
        lines.append("No channel can be acted on yet: every one needs a test first.")
    for row in rows:
        if best is None or row["channel"] != best["channel"]:
            lines.append(f"{row['next_dollar_rank']}. {row['channel']}: mROI {band(row['mroi'])}"
                         f"; {_verdict(trust[row['channel']])}.")
    # The other end of the same ranking answers "which channel should we cut".
    worst = movable[-1] if len(movable) > 1 else None
    if worst is not None:
        lines.append(f"A cut would cost least in {worst['channel']}: the last unit of its spend "
                     f"returns {band(worst['mroi'])}.")
    return lines, {"ranking": rows, "best": None if best is None else best["channel"],
                   "cut_first": None if worst is None else worst["channel"]}


def _saturation(model, call, trust):
    rows = ranking_rows(_ranking(model))
    lines = []
    for status, words in (("saturated", "Saturated"), ("underfunded", "Underfunded"),
                          ("hold", "Neither (the data cannot tell)")):
        picked = [r for r in rows if r["status"] == status]
        if picked:
            lines.append(f"{words}: " + "; ".join(
                f"{r['channel']} (mROI {band(r['mroi'])}: "
                f"{spend_advice(status, trust[r['channel']], relative=r.get('relative', False))})"
                for r in picked) + ".")
    return lines, {"ranking": rows}


def _returns(model, weeks: int | None):
    if model.kind != "bayes":
        raise UserError("Returns over a window need a Bayesian run (counterfactuals over "
                        "posterior draws); this run holds the ML challenger.")
    table = window_returns(model.fit, weeks=weeks or model.data.n_times)
    rows = {name: {"spend": float(r.spend), "weeks": int(r.weeks),
                   "incremental": {"mean": float(r.incremental_mean),
                                   "lo90": float(r.incremental_lo90),
                                   "hi90": float(r.incremental_hi90)},
                   "roi": {"mean": float(r.roi_mean), "lo90": float(r.roi_lo90),
                           "hi90": float(r.roi_hi90)}}
            for name, r in zip(table.index, table.itertuples())}
    return rows


def _spend_vs_return(model, call, trust):
    rows = _returns(model, call.weeks)
    unit = _unit(model)
    lines = [f"{name}: spent {money(r['spend'])}, drove {band(r['incremental'])} of {unit}, "
             f"ROI {band(r['roi'])}; {_verdict(trust[name])}." for name, r in rows.items()]
    return lines, {"channels": rows}


def _drove(model, call, trust):
    row = _returns(model, call.weeks)[call.channel]
    span = f"the last {row['weeks']} weeks"
    lines = [f"{call.channel} drove {band(row['incremental'])} of {_unit(model)} over {span} "
             f"(spend {money(row['spend'])}, ROI {band(row['roi'])}).",
             f"{call.channel}: {_verdict(trust[call.channel])}."]
    return lines, {"channel": call.channel, **row}


def _certainty(model, call, trust):
    entry = _summary(model)["channels"][call.channel]
    who = trust[call.channel]
    lines = [f"{call.channel}: ROI {band(entry['roi'])}, mROI {band(entry['mroi'])}.",
             f"Trust {_verdict(who)}."]
    lines += [f"- {reason}" for reason in who.reasons]
    if who.mostly_prior:
        lines.append(f"- mostly the prior: {who.mostly_prior}")
    return lines, {"channel": call.channel, "roi": entry["roi"], "mroi": entry["mroi"],
                   "trust": who.as_dict()}


def _test_next(model, call, trust):
    picks = test_candidates(_summary(model), trust)
    plans = plan_tests(model.fit, budget_moves=False) if model.kind == "bayes" else ()
    designs = {p.channel: p.as_dict() for p in plans}
    if plans and all(t.movable for t in trust.values()):
        # Every channel may move: the test planner's own first choice, so that `ask` and
        # `mixcast plan-tests` name the same channel.
        best = plans[0]
        picks = [{"channel": best.channel, "command": f"mixcast design-test --channel "
                  f"{best.channel}", "reason": f"its ROI, {band(best.roi)}, is the one a "
                  f"feasible test would settle most: `mixcast plan-tests` ranks it first"}]
    lines = []
    for pick in picks:
        lines.append(f"Test {pick['channel']} next: {pick['reason']} ({pick['command']} "
                     f"--run {model.path}).")
        design = designs.get(pick["channel"])
        if design is not None:
            pick["design"] = design
            lines.append(f"  A {design['method']} test of {design['weeks']} weeks has power "
                         f"{design['power']:.0%} and is expected to narrow its ROI range by "
                         f"{design['narrowing']:.0%} (cost {money(design['cost'])}).")
    advice = underpowered_advice(plans)
    if advice:
        lines.append(advice)
    return lines, {"tests": picks, "underpowered": advice}


def optimise_scenario(trust) -> BudgetScenario:
    """The optimiser's problem for "optimise the budget": today's total, with every channel
    that is not movable held at today's spend (test it first)."""
    return BudgetScenario(locked=held_channels(trust))


def _optimise(model, call, trust):
    plan = model.optimize(optimise_scenario(trust))
    unit = plan.outcome_unit
    lines = [f"Best allocation of today's total ({money(plan.current_spend.sum())}): media-driven "
             f"{unit} {band(plan.gain.as_dict(), signed=True)} against today's plan."]
    for row in plan.to_frame().itertuples():
        change = "" if np.isnan(row.change_pct) else f" ({row.change_pct:+.0f}%)"
        outcome = {"mean": row.expected_outcome_mean, "lo90": row.expected_outcome_lo90,
                   "hi90": row.expected_outcome_hi90}
        lines.append(f"{row.channel}: {money(row.current_spend)} -> "
                     f"{money(row.recommended_spend)}{change}, its {unit} {band(outcome)}; "
                     f"{_verdict(trust[row.channel])}.")
    held = {**{n: f"kept at today's spend: {test_first_reason(trust[n])}"
                for n in held_channels(trust)}, **plan.held}
    lines += [f"Held: {name} {why}." for name, why in held.items()]
    lines += [f"Beyond the data: {name}'s {note}."
              for name, note in plan.beyond_data_notes().items()]
    return lines, {"plan": plan.as_dict(), "held": held}


def _summary(model) -> dict:
    return json.loads((model.path / "summary.json").read_text())


def _forecast(model, call, trust):
    data, weeks = model.data, int(call.weeks or FORECAST_WEEKS)
    plan = recent_pace_plan(data, weeks)
    predicted = model.forecast_ahead(weeks)
    total = scalar_interval(predicted.draws.sum(axis=(1, 2)))
    recent = float(data.y[:, -weeks:].sum()) if data.n_times >= weeks else None
    span = f"{str(plan.dates[0])[:10]} to {str(plan.dates[-1])[:10]}"
    lines = [f"{_unit(model)} over the next {counted(weeks, 'week')} ({span}): {band(total)}, "
             f"if spend and the controls stay at their average of the last {PATTERN_WEEKS} weeks "
             f"({money(float(plan.spend.sum()))} of media).",
             "Seasonality and the trend are the model's; events you know of (a launch, a "
             "promotion) are not in it: `mixcast forecast --future plan.csv` takes a plan "
             "with them."]
    if recent is not None:
        lines.insert(1, f"The last {counted(weeks, 'week')} of the data: {money(recent)}.")
    return lines, {"weeks": weeks, "dates": [str(d)[:10] for d in plan.dates],
                   "total": total, "weekly": predicted.interval(total=True),
                   "planned_spend": float(plan.spend.sum()), "last_weeks_actual": recent}


def _unit(model) -> str:
    return "conversions" if model.data.kpi_type == "conversions" else model.data.target


_HANDLERS = {"shift": _scenario, "change": _scenario, "total_budget": _scenario,
             "next_dollar": _next_dollar, "saturation": _saturation,
             "spend_vs_return": _spend_vs_return, "drove": _drove,
             "certainty": _certainty, "test_next": _test_next, "optimise": _optimise,
             "forecast": _forecast}
