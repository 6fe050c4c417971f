"""Design a lift test of one channel: who is treated, for how long, with what power and cost.

Geo data: matched markets (:mod:`~mixcast.experiments.matching`) and a time-based
regression (TBR) of the treated geos on the controls. National data: a time-based step
change (the channel's spend changed nationally for the test weeks) judged against the
series' own trend; its identification is weaker, and the design says so.

For each duration the design reports the minimum detectable lift (80% power), the power
to detect the lift the model predicts (its posterior mean), the Bayesian assurance (the
power averaged over the posterior draws of the predicted lift), the spend withheld or
added and the outcome expected to be lost or gained. All power figures come from the
placebo simulation of :mod:`~mixcast.experiments.power` on the data's own history.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from mixcast.errors import UserError
from mixcast.experiments.matching import match_markets
from mixcast.experiments.power import (
    ALPHA, default_pre_weeks, minimum_detectable_lift, placebo_noise, power,
)
from mixcast.experiments.predict import (
    RECENT_WEEKS, future_tests, predicted_lift, usual_spend,
)
from mixcast.posterior.fitted import Fit
from mixcast.posterior.intervals import scalar_interval

GEO_METHOD = "time-based regression (matched markets)"
NATIONAL_METHOD = "time-based step change (national)"
SHARES = (0.5, 0.3, 0.2, 0.1)
TARGET_POWER = 0.8
Z90 = 1.6448536
NATIONAL_CAVEAT = (
    "National data have no control geos: the counterfactual is the series' own trend, so "
    "anything else that moves the outcome in the test weeks (season, promotions, "
    "competitors, news) is read as the channel's effect. The placebo windows measure how "
    "large such swings were in the past and the power accounts for them, but a geo test "
    "identifies the effect far better where geo data can be had.")

__all__ = ["DurationOption", "TestDesign", "design_test", "grouping_series", "parse_change",
           "reference_series", "run_date_column"]


# Below this power, a test is unlikely to detect the lift the model predicts.
LOW_POWER = 0.5


def underpowered_note(power: float, *, national: bool) -> str | None:
    """What to do when the best test on offer has ``power`` below :data:`LOW_POWER`
    (None otherwise); ``national``: the design has no control geos."""
    if power >= LOW_POWER:
        return None
    return (f"No test on offer is likely to detect its channel's effect (power at most "
            f"{100 * power:.0f}%): the lifts the model predicts are small against the KPI's "
            "week-to-week noise. Longer tests (--weeks 8,12,16) or "
            + ("per-geo data, for a geo split," if national else "more geos in the test")
            + " raise it; until then an experiment will not settle these ROIs.")


@dataclass(frozen=True, slots=True)
class DurationOption:
    """One candidate duration. Money in currency, outcome in KPI units; ``lift_se`` the
    standard error a typical test of this design will report (its 90% half-width over
    1.645). ``cost`` is the extra spend plus the value of the outcome forgone; for a KPI
    without a value in currency only the extra spend (``outcome_change`` then holds the
    conversions forgone, which cannot be added to money)."""

    weeks: int
    cooldown: int
    pre_weeks: int
    lift_se: float
    mde: float
    power: float
    assurance: float
    predicted_lift: dict
    spend_change: float
    outcome_change: dict
    cost: float
    feasible: bool


@dataclass(frozen=True)
class TestDesign:
    """A designed test, as written to design.json (:meth:`as_dict` / :meth:`from_dict`)."""

    __test__ = False  # not a pytest test class, despite its name

    channel: str
    method: str
    change: str
    factor: float
    geo_level: bool
    treated: tuple[str, ...]
    control: tuple[str, ...]
    excluded: tuple[str, ...]
    start_date: str
    history_weeks: int
    alpha: float
    options: tuple[DurationOption, ...]
    recommended_weeks: int
    usual_weekly_spend: dict
    lift_share: dict
    columns: dict
    match: dict = field(default_factory=dict)
    references: tuple[tuple[str, ...], ...] = ()
    caveat: str = ""
    kpi_type: str = "revenue"
    kpi_valued: bool = True          # False: conversions without a value per conversion

    def option(self, weeks: int) -> DurationOption:
        for option in self.options:
            if option.weeks == weeks:
                return option
        raise UserError(f"The design has no {weeks}-week option; it has "
                        f"{', '.join(str(o.weeks) for o in self.options)} weeks.")

    def as_dict(self) -> dict:
        doc = asdict(self)
        doc["options"] = [asdict(o) for o in self.options]
        return {"format": "mixcast.design/1", **doc}

    @classmethod
    def from_dict(cls, doc: dict, *, source: str = "design.json") -> "TestDesign":
        if doc.get("format") != "mixcast.design/1":
            raise UserError(f"{source} is not a design written by `mixcast design-test` "
                            "(no format 'mixcast.design/1'). Write one with mixcast "
                            "design-test --run RUN --channel C --out design.json.")
        doc = {k: v for k, v in doc.items() if k != "format"}
        try:
            options = tuple(DurationOption(**o) for o in doc.pop("options"))
            tuples = {k: tuple(doc.pop(k)) for k in ("treated", "control", "excluded")}
            tuples["references"] = tuple(tuple(r) for r in doc.pop("references", ()))
            return cls(options=options, **tuples, **doc)
        except (KeyError, TypeError) as error:
            raise UserError(f"{source}: the design is incomplete or edited ({error}). Write "
                            "it again with mixcast design-test.") from None


def parse_change(text: str, channel: str) -> tuple[str, float]:
    """``go-dark`` (factor 0), ``+20%`` / ``-30%`` (factor 1.2 / 0.7), or a plan.csv from
    ``mixcast optimize`` (the channel's recommended / current spend)."""
    text = text.strip()
    if text.lower() in ("go-dark", "godark", "holdout"):
        return "go-dark", 0.0
    found = re.fullmatch(r"([+-])\s*([0-9]+(?:\.[0-9]+)?)\s*%", text)
    if found:
        pct = float(found.group(2)) * (1 if found.group(1) == "+" else -1)
        if pct <= -100 or pct == 0:
            raise UserError(f"--change {text}: a change must be above -100% and not 0 "
                            "(use go-dark for -100%).")
        return text, 1.0 + pct / 100.0
    if text.lower().endswith(".csv"):
        return _plan_change(Path(text), channel)
    raise UserError(f"--change must be go-dark, +X% or -X% (e.g. +20%), or a plan.csv "
                    f"written by `mixcast optimize`. Got '{text}' instead.")


def _plan_change(path: Path, channel: str) -> tuple[str, float]:
    if not path.exists():
        raise UserError(f"--change {path}: no such file. Write one with mixcast optimize "
                        "--run RUN --out plan.csv.")
    plan = pd.read_csv(path)
    missing = {"channel", "current_spend", "recommended_spend"} - set(plan.columns)
    if missing:
        raise UserError(f"{path}: missing column(s) {', '.join(sorted(missing))}; a plan "
                        "from `mixcast optimize` has channel, current_spend, "
                        "recommended_spend.")
    row = plan[plan["channel"] == channel]
    if row.empty or not row["current_spend"].iloc[0] > 0:
        raise UserError(f"{path}: no row with channel '{channel}' and a current_spend above "
                        "0. Design the test for a channel the plan changes.")
    factor = float(row["recommended_spend"].iloc[0] / row["current_spend"].iloc[0])
    if abs(factor - 1.0) < 1e-3:
        raise UserError(f"{path}: the plan leaves {channel} unchanged; nothing to test.")
    return f"plan {path.name} ({100 * (factor - 1):+.0f}%)", factor


def reference_series(y: np.ndarray, treated: tuple[int, ...] | None,
                     control: tuple[int, ...] | None, weeks: np.ndarray) -> tuple:
    """(x, z): the reference and treated series of (G, T) outcomes. Geo tests: the control
    and treated sums; national tests: the week number and the national outcome."""
    if treated is None:
        return np.asarray(weeks, float), y.sum(axis=0)
    return y[list(control)].sum(axis=0), y[list(treated)].sum(axis=0)


def grouping_series(y: np.ndarray, groupings: tuple[tuple[int, ...], ...],
                    geos: tuple[int, ...]) -> tuple | None:
    """(xr, zr), (R, T) each: the control and treated sums of other groupings of the same
    ``geos`` (the placebo calibration's references); None without groupings."""
    if not groupings:
        return None
    masks = np.zeros((len(groupings), y.shape[0]))
    for r, treated in enumerate(groupings):
        masks[r, list(geos)] = 0.0
        masks[r, list(treated)] = 1.0
    inside = np.zeros(y.shape[0])
    inside[list(geos)] = 1.0
    return (inside - masks) @ y, masks @ y


def design_test(fit: Fit, channel: str, *, factor: float, change: str = "go-dark",
                weeks: tuple[int, ...] = (4, 6, 8), cooldown: int = 2,
                max_cost: float | None = None, exclude: tuple[str, ...] = (),
                date_column: str = "date", seed: int = 0) -> TestDesign:
    """The test design for ``channel``; see the module docstring."""
    data = fit.data
    if channel not in data.channels:
        raise UserError(f"--channel '{channel}' is not one of the run's channels: "
                        f"{', '.join(data.channels)}.")
    unknown = [g for g in exclude if g not in data.geos]
    if unknown:
        raise UserError(f"--exclude-geos: {', '.join(unknown)} not in the data's geos "
                        f"({', '.join(data.geos[:10])}{' ...' if data.n_geos > 10 else ''}).")
    if data.is_geo:
        shares = SHARES if max_cost is not None else SHARES[:1]
        for share in shares:
            design = _design(fit, channel, factor, change, weeks, cooldown, max_cost,
                             exclude, share, seed, date_column)
            if any(o.feasible for o in design.options):
                return design
        return design
    return _design(fit, channel, factor, change, weeks, cooldown, max_cost, (), None, seed,
                   date_column)


def _design(fit, channel, factor, change, weeks, cooldown, max_cost, exclude, share, seed,
            date_column):
    data = fit.data
    y = np.asarray(data.y, float)
    if share is None:
        treated = control = None
        history = data.n_times
        match: dict = {}
        groupings: tuple = ()
    else:
        skip = tuple(data.geos.index(g) for g in exclude)
        assignment = match_markets(y, share=share, exclude=skip, seed=seed)
        treated, control = assignment.treated, assignment.control
        history = data.n_times
        match = {"share": share, "fit_cv": assignment.fit_cv,
                 "balance": assignment.balance}
        groupings = assignment.references
    t0 = data.n_times - history
    x, z = reference_series(y[:, t0:], treated, control, np.arange(t0, data.n_times))
    others = grouping_series(y[:, t0:], groupings, (treated or ()) + (control or ()))
    usual = usual_spend(fit, channel)
    per_geo = {data.geos[g] if treated is not None else "national":
               float(usual[g] if treated is not None else usual.sum())
               for g in (treated if treated is not None else [0])}
    value = float(np.mean(data.value_per_kpi()[:, -RECENT_WEEKS:]))
    valued = data.kpi_in_currency
    options, share_of_lift = [], {}
    for w in sorted(set(weeks)):
        tests = future_tests(fit, channel, treated, weeks=w, cooldown=cooldown, factor=factor)
        draws = predicted_lift(fit, tests)               # (S, N)
        total = draws.sum(axis=1)
        if not share_of_lift:
            share_of_lift = _lift_shares(draws, list(per_geo))
        pre = default_pre_weeks(history, w + cooldown)
        noise = placebo_noise(x, z, weeks=w + cooldown, pre_weeks=pre, reference=others)
        sign = 1.0 if total.mean() >= 0 else -1.0
        spend_change = (factor - 1.0) * sum(per_geo.values()) * w
        outcome = scalar_interval(total * value)
        cost = max(spend_change, 0.0) + (max(-outcome["mean"], 0.0) if valued else 0.0)
        options.append(DurationOption(
            weeks=w, cooldown=cooldown, pre_weeks=pre,
            lift_se=float(noise.critical * np.median(noise.se)) / Z90,
            mde=minimum_detectable_lift(noise, target=TARGET_POWER, sign=sign),
            power=float(power(noise, total.mean())), assurance=float(power(noise, total)),
            predicted_lift=scalar_interval(total), spend_change=spend_change,
            outcome_change=outcome, cost=cost,
            feasible=max_cost is None or cost <= max_cost))
    return TestDesign(
        channel=channel, method=NATIONAL_METHOD if treated is None else GEO_METHOD,
        change=change, factor=factor, geo_level=treated is not None,
        treated=tuple(data.geos[g] for g in treated) if treated is not None else (),
        control=tuple(data.geos[g] for g in control) if control is not None else (),
        excluded=tuple(exclude), start_date=_next_week(data.dates), history_weeks=history,
        alpha=ALPHA, options=tuple(options), recommended_weeks=_recommend(options),
        usual_weekly_spend=per_geo, lift_share=share_of_lift,
        columns=_columns(fit, date_column), match=match,
        references=tuple(tuple(data.geos[g] for g in r) for r in groupings),
        caveat="" if treated is not None else NATIONAL_CAVEAT, kpi_type=data.kpi_type,
        kpi_valued=valued)


def _lift_shares(draws: np.ndarray, names: list[str]) -> dict:
    """Each treated geo's share of the predicted lift (posterior mean); even shares when
    the means disagree in sign."""
    means = draws.mean(axis=0)
    if len(means) > 1 and not (np.all(means > 0) or np.all(means < 0)):
        means = np.ones_like(means)
    return {n: float(m / means.sum()) for n, m in zip(names, means)}


def _recommend(options: list[DurationOption]) -> int:
    """The shortest feasible duration with 80% power for the predicted lift; else the
    feasible one with the highest assurance (else the highest assurance)."""
    feasible = [o for o in options if o.feasible] or options
    powered = [o for o in feasible if o.power >= TARGET_POWER]
    if powered:
        return min(powered, key=lambda o: o.weeks).weeks
    return max(feasible, key=lambda o: (o.assurance, -o.weeks)).weeks


def _next_week(dates: np.ndarray) -> str:
    dates = pd.DatetimeIndex(dates)
    step = dates[-1] - dates[-2] if len(dates) > 1 else pd.Timedelta(days=7)
    return (dates[-1] + step).strftime("%Y-%m-%d")


def _columns(fit: Fit, date_column: str) -> dict:
    """The data file's column names the analysis reads (as the run's config named them)."""
    data = fit.data
    return {"date": date_column, "geo": data.geo_column, "target": data.target}


def run_date_column(run: Path) -> str:
    """The date column the run's config named (``date`` when the run has no config)."""
    import yaml

    path = Path(run) / "config.yaml"
    config = (yaml.safe_load(path.read_text()) or {}) if path.exists() else {}
    return str(config.get("date") or "date")
