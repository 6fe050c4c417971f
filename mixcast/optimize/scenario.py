"""Scenarios: plain-language spend changes, plan CSVs, and batches of thousands of what-ifs.

A scenario is a vector of channel totals over the plan weeks; each channel keeps its
weekly pattern (see :mod:`mixcast.optimize.space`). Forms understood by
:func:`parse_scenario` (case-insensitive; clauses may be joined with ``;`` or ``then``)::

    shift 15% of budget from tv_spend to social_spend   (15% of tv_spend's spend)
    shift 50k from tv to social
    increase search_spend by 10%        decrease tv by 20k      raise social by 5%
    cut display_spend to 0              cut tv by 30%           set tv to 1.2M
    total budget 2M                     scale budget by -10%
    plans/next_quarter.csv              (a plan CSV: see :func:`read_plan_csv`)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from mixcast.errors import UserError
from mixcast.formatting import compact_number as fmt
from mixcast.analysis.evaluator import Evaluator, evaluator, plan_outcomes
from mixcast.analysis.identification import identification, lift_test_advice
from mixcast.optimize.names import match_channel
from mixcast.analysis.plan_space import beyond_data_note, plan_space
from mixcast.posterior.fitted import Fit
from mixcast.posterior.intervals import interval, prob_positive, scalar_interval

_MONEY = r"\$?\s*(?P<num>-?[0-9][0-9,]*(?:\.[0-9]+)?)\s*(?P<unit>k|thousand|mm|m|million|bn|b|billion)?"
_AMOUNT = rf"(?:(?P<pct>-?[0-9]+(?:\.[0-9]+)?)\s*%|{_MONEY})"
_UNITS = {None: 1.0, "k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "million": 1e6,
          "b": 1e9, "bn": 1e9, "billion": 1e9}
_FORMS = (
    ("shift", rf"^(?:shift|move|reallocate)\s+{_AMOUNT}\s*(?:of\s+(?:the\s+)?(?:budget|spend)\s+)?"
              r"from\s+(?P<src>.+?)\s+(?:to|into)\s+(?P<dst>.+)$"),
    ("up", rf"^(?:increase|raise|boost|grow|add)\s+(?P<ch>.+?)\s+by\s+{_AMOUNT}$"),
    ("down", rf"^(?:decrease|reduce|lower|cut|trim)\s+(?P<ch>.+?)\s+by\s+{_AMOUNT}$"),
    ("set", rf"^(?:cut|set|change|put|reduce|increase)\s+(?P<ch>.+?)\s+to\s+{_AMOUNT}$"),
    ("off", r"^(?:pause|stop|turn\s+off|switch\s+off|drop)\s+(?P<ch>.+)$"),
    ("total", rf"^(?:set\s+)?(?:the\s+)?(?:total\s+)?budget\s+(?:to\s+|of\s+|=\s*)?{_MONEY}$"),
    ("scale", rf"^scale\s+(?:the\s+)?(?:total\s+)?budget\s+by\s+{_AMOUNT}$"),
)


@dataclass(frozen=True, slots=True)
class Scenario:
    """A named spend plan: channel totals (C,) over the plan weeks."""

    label: str
    spend: np.ndarray
    steps: tuple[str, ...] = ()        # what each clause did, in words


def parse_scenario(text: str, *, channels: tuple[str, ...], current: np.ndarray) -> Scenario:
    """Turn a plain-language spec (or a plan CSV path) into channel totals.

    Raises
    ------
    UserError
        When a clause is not understood (the message lists the accepted forms) or a
        channel name matches nothing (the message lists the channels).

    Examples
    --------
    >>> import numpy as np
    >>> s = parse_scenario("shift 10% from tv to social", channels=("tv_spend", "social_spend"),
    ...                    current=np.array([100.0, 50.0]))
    >>> s.spend.tolist()
    [90.0, 60.0]
    """
    spend = np.asarray(current, dtype=float).copy()
    text = text.strip()
    if text.lower().endswith((".csv", ".tsv")):
        totals, steps = read_plan_csv(Path(text), channels=channels, current=spend)
        return Scenario(label=text, spend=totals, steps=steps)
    steps = []
    for clause in re.split(r"\s*(?:;|\bthen\b)\s*", text, flags=re.IGNORECASE):
        if clause:
            steps.append(_apply(clause, spend, channels))
    if not steps:
        raise UserError("The scenario spec is empty. " + _HELP)
    return Scenario(label=text, spend=spend, steps=tuple(steps))


_HELP = ("Accepted forms: 'shift 15% from tv_spend to social_spend', 'increase search_spend by "
         "10%', 'cut display_spend to 0', 'total budget 2M', 'scale budget by -10%', or the "
         "path of a plan CSV.")


def _apply(clause: str, spend: np.ndarray, channels: tuple[str, ...]) -> str:
    """Apply one clause to ``spend`` in place and describe what it did."""
    lowered = " ".join(clause.lower().split())
    for kind, pattern in _FORMS:
        found = re.match(pattern, lowered)
        if found:
            return _CLAUSES[kind](found, spend, channels, clause)
    raise UserError(f"Scenario: could not read '{clause}'. {_HELP}")


def _channel(found, group, channels, clause) -> int:
    name = found.group(group).strip().strip("'\"")
    return channels.index(match_channel(name, channels, where=f"scenario '{clause}'"))


def _amount(found, base: float) -> float:
    if found.group("pct") is not None:
        return float(found.group("pct")) / 100.0 * base
    return _money(found)


def parse_money(text: str, *, where: str = "amount") -> float:
    """'2M', '250k', '$1,500,000', '1.5 million' -> a number.

    Examples
    --------
    >>> parse_money("2.5M")
    2500000.0
    """
    found = re.fullmatch(_MONEY, " ".join(str(text).lower().split()))
    if not found:
        raise UserError(f"{where}: could not read '{text}' as an amount. Write e.g. 2000000, "
                        "2M, 250k or $1,500,000.")
    return _money(found)


def _money(found) -> float:
    return float(found.group("num").replace(",", "")) * _UNITS[found.group("unit")]


def _shift(found, spend, channels, clause) -> str:
    src, dst = _channel(found, "src", channels, clause), _channel(found, "dst", channels, clause)
    amount = _amount(found, spend[src])
    if amount < 0 or amount > spend[src] * (1 + 1e-9):
        raise UserError(f"Scenario '{clause}': cannot move {amount:,.0f} out of "
                        f"{channels[src]}, which spends {spend[src]:,.0f} in the plan window.")
    spend[src] -= amount
    spend[dst] += amount
    return f"moved {fmt(amount)} from {channels[src]} to {channels[dst]}"


def _change(sign):
    def apply(found, spend, channels, clause) -> str:
        c = _channel(found, "ch", channels, clause)
        before = spend[c]
        spend[c] = max(before + sign * _amount(found, before), 0.0)
        return f"{channels[c]}: {fmt(before)} -> {fmt(spend[c])}"
    return apply


def _set(found, spend, channels, clause) -> str:
    c = _channel(found, "ch", channels, clause)
    before = spend[c]
    spend[c] = max(_amount(found, before), 0.0)
    return f"{channels[c]}: {fmt(before)} -> {fmt(spend[c])}"


def _off(found, spend, channels, clause) -> str:
    c = _channel(found, "ch", channels, clause)
    before, spend[c] = spend[c], 0.0
    return f"{channels[c]}: {fmt(before)} -> 0"


def _scale_to(total: float, spend: np.ndarray, clause: str) -> str:
    before = spend.sum()
    if before <= 0:
        raise UserError(f"Scenario '{clause}': today's plan spends nothing, so it cannot be "
                        "scaled; give channel amounts instead.")
    if total < 0:
        raise UserError(f"Scenario '{clause}': a budget cannot be negative.")
    spend *= total / before
    return f"total budget: {fmt(before)} -> {fmt(total)} (every channel scaled alike)"


def _total(found, spend, channels, clause) -> str:
    return _scale_to(_money(found), spend, clause)


def _scale(found, spend, channels, clause) -> str:
    return _scale_to(spend.sum() + _amount(found, spend.sum()), spend, clause)


_CLAUSES = {"shift": _shift, "up": _change(+1), "down": _change(-1), "set": _set,
            "off": _off, "total": _total, "scale": _scale}


def read_plan_csv(path: Path, *, channels: tuple[str, ...], current: np.ndarray
                  ) -> tuple[np.ndarray, tuple[str, ...]]:
    """Channel totals from a plan CSV.

    Two layouts: long (a ``channel`` column and a ``recommended_spend``, ``spend`` or
    ``planned_spend`` column, as ``mixcast optimize`` writes), or wide (one column per
    channel, one row per week and geo, as the data file; other columns are ignored).
    Channels the file does not mention keep today's spend.
    """
    if not path.exists():
        raise UserError(f"Scenario plan file {path} does not exist. Give the path of a CSV "
                        "with 'channel' and 'spend' columns, or one column per channel.")
    frame = pd.read_csv(path)
    totals = np.asarray(current, dtype=float).copy()
    lower = {c.lower(): c for c in frame.columns}
    amount_col = next((lower[k] for k in ("recommended_spend", "spend", "planned_spend")
                       if k in lower), None)
    if "channel" in lower and amount_col is not None:
        for name, value in frame.groupby(lower["channel"])[amount_col].sum().items():
            totals[channels.index(match_channel(str(name), channels, where=str(path)))] = value
        return totals, (f"plan from {path} ({len(frame)} rows, long layout)",)
    matched = {}
    for column in frame.columns:
        try:
            matched[column] = match_channel(str(column), channels, where=str(path))
        except UserError:
            continue
    matched = {k: v for k, v in matched.items() if pd.api.types.is_numeric_dtype(frame[k])}
    if not matched:
        raise UserError(f"{path}: found no spend columns. Use a 'channel' column with "
                        f"'spend', or one column per channel: {', '.join(channels)}.")
    for column, name in matched.items():
        totals[channels.index(name)] = float(frame[column].sum())
    return totals, (f"plan from {path} ({len(frame)} rows, columns {', '.join(matched)})",)


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    """A scenario's predicted media-driven outcome vs the baseline (today's) plan."""

    scenario: Scenario
    channels: tuple[str, ...]
    baseline_spend: np.ndarray                 # (C,)
    outcome: dict[str, float]                  # the scenario's total, mean/lo90/hi90
    baseline: dict[str, float]
    change: dict[str, float]                   # scenario minus baseline, draw by draw
    channel_change: dict[str, np.ndarray] = field(repr=False)   # (C,) bands
    outcome_unit: str = "revenue"
    note: str = ""
    cautions: tuple[str, ...] = ()   # e.g. moves of weakly identified channels

    def as_dict(self) -> dict:
        """The scenario.json document."""
        per_channel = {
            c: {"baseline_spend": float(self.baseline_spend[i]),
                "scenario_spend": float(self.scenario.spend[i]),
                "outcome_change": {k: float(v[i]) for k, v in self.channel_change.items()}}
            for i, c in enumerate(self.channels)}
        return {"spec": self.scenario.label, "steps": list(self.scenario.steps),
                "window": self.note, "outcome_unit": self.outcome_unit,
                "baseline": {"spend": float(self.baseline_spend.sum()), "outcome": self.baseline},
                "scenario": {"spend": float(self.scenario.spend.sum()), "outcome": self.outcome},
                "change": self.change, "channels": per_channel,
                "cautions": list(self.cautions)}


def run_scenario(fit: Fit, spec: str, *, weeks: int | None = None) -> ScenarioResult:
    """Parse ``spec`` and predict its outcome against today's plan over the posterior."""
    space = plan_space(fit, weeks=weeks)
    scenario = parse_scenario(spec, channels=space.channels, current=space.current)
    result = evaluate_scenarios(evaluator(fit, space), [scenario])[0]
    beyond = tuple(f"{name}: the scenario's {beyond_data_note(ratio)}" for name, ratio
                   in space.beyond_data(scenario.spend, fit.data.spend).items())
    return replace(result, cautions=weak_cautions(fit, space.current, scenario.spend) + beyond)


def weak_cautions(fit, current: np.ndarray, spend: np.ndarray) -> tuple[str, ...]:
    """A caution for every weakly identified channel whose spend the scenario changes:
    its predicted change restates the prior, so it is no basis for the move."""
    moved = np.abs(spend - current) > 1e-6 * np.maximum(np.abs(current), 1.0)
    return tuple(f"{lift_test_advice(entry)}: this scenario's prediction for it restates "
                 "the prior" for c, (name, entry) in enumerate(identification(fit).items())
                 if moved[c] and entry.mostly_prior)


def evaluate_scenarios(ev: Evaluator, scenarios: list[Scenario]) -> list[ScenarioResult]:
    """Score scenarios (channel-granularity space) against today's plan, one JAX call."""
    space = ev.space
    plans = np.stack([space.current, *(s.spend for s in scenarios)])
    out = plan_outcomes(ev, plans, per_channel=True)[:, :, space.metric]   # (S, V, C + 1)
    totals = out.sum(-1)
    results = []
    for v, scenario in enumerate(scenarios, start=1):
        results.append(ScenarioResult(
            scenario=scenario, channels=space.channels, baseline_spend=space.current,
            outcome=scalar_interval(totals[:, v]), baseline=scalar_interval(totals[:, 0]),
            change=scalar_interval(totals[:, v] - totals[:, 0]),
            channel_change=interval(out[:, v, :-1] - out[:, 0, :-1]),
            outcome_unit="conversions" if space.metric == 1 else "revenue", note=space.note))
    return results


def shift_grid(current: np.ndarray, channels: tuple[str, ...], *,
               shares: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Every shift of ``share`` of one channel's spend to another: (V, C) plans and labels.

    V = C (C - 1) len(shares); e.g. 20 channels x 26 shares = 9,880 plans.
    """
    plans, labels = [], []
    for a, source in enumerate(channels):
        for b, target in enumerate(channels):
            if a == b:
                continue
            for share in shares:
                plan = np.asarray(current, dtype=float).copy()
                plan[a] -= share * current[a]
                plan[b] += share * current[a]
                plans.append(plan)
                labels.append(f"shift {share:.0%} from {source} to {target}")
    return np.array(plans).reshape(len(plans), len(current)), labels


def what_if(ev: Evaluator, plans: np.ndarray, labels: list[str] | None = None) -> pd.DataFrame:
    """Thousands of plans (V, U) scored over every draw (see :func:`plan_outcomes`: many
    plans on an additive space are interpolated from tabulated unit curves, within
    ``CURVE_TOL`` of the exact kernel; 10,000 plans x 1,000 draws take seconds).

    Returns one row per plan: spend, mean change vs today's plan with its 90% interval,
    and the posterior probability that the plan beats today's.
    """
    plans = np.asarray(plans, dtype=float)
    out = plan_outcomes(ev, np.vstack([ev.space.current[None], plans]))[:, :, ev.space.metric]
    return change_table(out, plans, labels)


def change_table(outcomes: np.ndarray, plans: np.ndarray,
                 labels: list[str] | None = None) -> pd.DataFrame:
    """The :func:`what_if` table from outcomes (S, 1 + V) of today's plan then ``plans``
    (V, U), under any model's draws (posterior draws, or the ML challenger's replicates)."""
    change = outcomes[:, 1:] - outcomes[:, :1]                        # (S, V)
    band = interval(change)
    return pd.DataFrame({
        "plan": labels if labels is not None else [f"plan_{i}" for i in range(len(plans))],
        "spend": plans.sum(axis=1), "change_mean": band["mean"],
        "change_lo90": band["lo90"], "change_hi90": band["hi90"],
        "prob_better": prob_positive(change)})
