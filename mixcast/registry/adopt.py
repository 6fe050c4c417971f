"""Adopted plans: record what was done, then score the advice against what happened.

``mixcast adopt --run RUN --plan plan.csv`` records the plan (one row per channel, with
``recommended_spend`` over ``weeks`` weeks, as ``mixcast optimize`` writes it), starting
the week after the run's data. Every later refresh whose data reaches into those weeks
scores it: the adopted run's predicted KPI under the plan's weekly spend (mean and 90%
interval of the total) against the KPI observed, and how closely spend followed the plan
(adherence: actual / planned spend over the weeks scored).

``mixcast adopt --run RUN --scenario SPEC`` records a scenario instead: the spend plan it
implies over the next ``weeks`` weeks, read by ``mixcast scenario``'s own parser and
engine on the saved run (:func:`scenario_plan`), then scored like any plan.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mixcast.data._common import read_table
from mixcast.data.dataset import Dataset
from mixcast.errors import UserError

if TYPE_CHECKING:  # the registry and fitter are passed in; only their types are named
    from mixcast.registry.fitter import Fitter
    from mixcast.registry.store import Registry

REQUIRED = ("channel", "recommended_spend")


def read_adopted_plan(path: Path, channels: list[str]) -> dict[str, float]:
    """``channel -> recommended_spend`` from a plan file, checked against the run."""
    frame = read_table(path)
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise UserError(f"{path}: missing column(s) {', '.join(missing)}. Give the plan.csv "
                        "written by `mixcast optimize --run RUN --out plan.csv`.")
    unknown = sorted(set(frame["channel"].astype(str)) - set(channels))
    if unknown:
        raise UserError(f"{path}: channel(s) {', '.join(unknown)} are not in the run "
                        f"(its channels: {', '.join(channels)}). Use the plan made from it.")
    spend = pd.to_numeric(frame["recommended_spend"], errors="coerce")
    bad = [int(i) + 2 for i in np.flatnonzero(~np.isfinite(spend) | (spend < 0))]
    if bad:
        raise UserError(f"{path}: column 'recommended_spend' must be numbers >= 0 (rows "
                        f"{', '.join(map(str, bad))}). Fix those rows.")
    return dict(zip(frame["channel"].astype(str), spend.astype(float)))


def adopt(registry: Registry, run_id: str, plan_path: str | Path, *,
          weeks: int | None = None) -> dict:
    """Record that the plan in ``plan_path`` (made from run ``run_id``) was adopted.

    ``weeks`` is the plan's window (default: the run's own number of weeks, the
    optimiser's default window). Returns the adoption row.
    """
    run = registry.run(run_id)
    channels = [m["channel"] for m in registry.table("channel_metrics", run_id=run["id"])
                if m["metric"] == "roi"]
    plan = read_adopted_plan(Path(plan_path), channels)
    return _record(registry, run, plan, _weeks(weeks, run), source=str(plan_path))


def scenario_plan(run: Path, spec: str, weeks: int) -> tuple[dict[str, float], dict]:
    """The spend plan (channel -> total over the next ``weeks`` weeks) that scenario
    ``spec`` implies for the saved run, and its predicted outcome (mean, 90% interval),
    exactly as ``mixcast scenario --run RUN --spec SPEC --weeks WEEKS`` computes them."""
    from mixcast.runs.models import open_run

    result = open_run(run).scenario(spec, weeks=weeks)
    plan = {c: float(v) for c, v in zip(result.channels, result.scenario.spend)}
    return plan, {k: float(v) for k, v in result.outcome.items()}


def adopt_scenario(registry: Registry, run_id: str, spec: str, *, weeks: int | None = None,
                   plan_of=scenario_plan) -> dict:
    """Record that scenario ``spec`` (e.g. 'shift 20% from tv_spend to social_spend'),
    scored on run ``run_id``, was adopted: its implied plan is stored and scored by later
    refreshes like a plan file's. ``plan_of`` turns (run path, spec, weeks) into that plan
    and the scenario's predicted outcome (default :func:`scenario_plan`)."""
    run = registry.run(run_id)
    weeks = _weeks(weeks, run)
    plan, outcome = plan_of(Path(run["path"]), spec, weeks)
    return _record(registry, run, plan, weeks, source=f"scenario: {spec}",
                   extra={"scenario": spec, "scenario_outcome": outcome})


def _weeks(weeks: int | None, run: dict) -> int:
    weeks = int(weeks or run["n_weeks"])
    if weeks < 1:
        raise UserError(f"--weeks must be an int >= 1. Got {weeks} instead.")
    return weeks


def _record(registry: Registry, run: dict, plan: dict[str, float], weeks: int, *,
            source: str, extra: dict | None = None) -> dict:
    """Store the adoption of ``plan`` (channel totals over ``weeks`` weeks starting the
    week after the run's data); the same plan adopted twice is stored once."""
    start = str(np.datetime64(run["data_end"], "D") + np.timedelta64(7, "D"))
    digest = hashlib.sha256(f"{run['id']}|{sorted(plan.items())}|{weeks}".encode())
    row = {"id": f"adopt-{digest.hexdigest()[:10]}", "run_id": run["id"],
           "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
           "start_date": start, "weeks": weeks, "source": source,
           "plan": {"recommended_spend": plan, **(extra or {})}}
    if any(a["id"] == row["id"] for a in registry.table("adoptions")):
        return row  # adopting the same plan twice records it once
    registry.record({"adoptions": [row]})
    return row


def score_adoptions(data: Dataset, run_id: str, past: dict[str, list[dict]],
                    fitter: Fitter) -> list[dict]:
    """Score every adopted plan (in the registry's ``past`` snapshot) whose weeks ``data``
    reaches into and has more of than when last scored: rows for the refresh ``run_id``."""
    dates = data.dates.astype("datetime64[D]")
    paths = {r["id"]: Path(r["path"]) for r in past["runs"]}
    done = {(s["adoption_id"], s["weeks_scored"]) for s in past["adoption_scores"]}
    scores = []
    for adoption in past["adoptions"]:
        first = np.datetime64(adoption["start_date"], "D")
        inside = (dates >= first) & (dates < first + np.timedelta64(7 * adoption["weeks"], "D"))
        if not inside.any():
            continue
        start, stop = int(np.argmax(inside)), int(len(inside) - np.argmax(inside[::-1]))
        if (adoption["id"], stop - start) in done:
            continue  # no week of the plan's window observed since the last score
        plan = adoption["plan"]["recommended_spend"]
        weekly = np.array([plan.get(c, 0.0) for c in data.channels]) / adoption["weeks"]
        if adoption["run_id"] not in paths:
            continue
        prediction = fitter.predict(paths[adoption["run_id"]], data, start, stop,
                                    weekly_spend=weekly)
        planned = weekly.sum() * (stop - start)
        actual_spend = float(data.spend[:, start:stop].sum())
        scores.append({"adoption_id": adoption["id"], "run_id": run_id,
                       "weeks_scored": stop - start,
                       "predicted_mean": prediction.total["mean"],
                       "predicted_lo90": prediction.total["lo90"],
                       "predicted_hi90": prediction.total["hi90"],
                       "actual": float(data.y[:, start:stop].sum()),
                       "adherence": actual_spend / planned if planned > 0 else None})
    return scores
