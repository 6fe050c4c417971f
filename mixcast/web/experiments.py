"""REST endpoints of the test planner: which test next, its design, and its analysis.

The same library calls as ``mixcast plan-tests``, ``design-test`` and ``analyze-test``;
bodies and results are the CLI's JSON documents.
"""

from __future__ import annotations

from typing import Annotated

import pandas as pd
from fastapi import FastAPI, Query

from mixcast.errors import UserError
from mixcast.web import schemas
from mixcast.web.store import RunStore

ERRORS = {404: {"model": schemas.Problem}, 422: {"model": schemas.Problem}}
WEEKS_LIST = r"^[0-9]{1,2}(,[0-9]{1,2}){0,5}$"
CACHED_PLANS = 16

__all__ = ["install_experiment_routes"]


def install_experiment_routes(app: FastAPI, store: RunStore) -> None:
    """Add the test-planner endpoints to ``app``."""

    cache: dict[tuple, dict] = {}

    @app.get("/api/runs/{run}/tests/plan", tags=["experiments"], responses=ERRORS)
    def plan_tests(run: str,
                   weeks: Annotated[str, Query(pattern=WEEKS_LIST)] = "4,6,8",
                   cooldown: Annotated[int, Query(ge=0, le=13)] = 2) -> dict:
        """Every channel's case for a lift test, best first (mostly-prior channels, then
        by the money a feasible test's answer would move)."""
        from mixcast.experiments.planning import plan_tests as plan, underpowered_advice

        fit = _bayes(store, run)
        # A design per channel and an optimisation: computed once per run state.
        key = (run, store.load(run).stamp, _weeks(weeks), cooldown)
        if key not in cache:
            plans = plan(fit, weeks=key[2], cooldown=cooldown)
            if len(cache) >= CACHED_PLANS:
                cache.pop(next(iter(cache)))
            cache[key] = {"run": run, "plans": [p.as_dict() for p in plans],
                          "underpowered": underpowered_advice(plans)}
        return cache[key]

    @app.post("/api/runs/{run}/tests/design", tags=["experiments"], responses=ERRORS)
    def design_test(run: str, body: schemas.DesignRequest) -> dict:
        """A test design (design.json): treated and control geos, and per duration the
        minimum detectable lift, power, Bayesian assurance and cost."""
        from mixcast.experiments.design import (
            design_test as design, parse_change, run_date_column,
        )

        fit = _bayes(store, run)
        if body.change.lower().endswith(".csv"):
            raise UserError("change: a plan file is read by the command line only; give "
                            "go-dark or +X% / -X% here.")
        label, factor = parse_change(body.change, body.channel)
        result = design(fit, body.channel, factor=factor, change=label,
                        weeks=tuple(body.weeks), cooldown=body.cooldown,
                        max_cost=body.max_cost, exclude=tuple(body.exclude_geos),
                        date_column=run_date_column(store.path(run)))
        return result.as_dict()

    @app.post("/api/tests/analyze", tags=["experiments"], responses=ERRORS)
    def analyze_test(body: schemas.AnalyzeRequest) -> dict:
        """The measured effect of a test that ran (data rows with the run's columns), its
        interval, p-value, placebo check and lift_tests.csv rows."""
        from mixcast.experiments.analysis import analyze_test as analyze
        from mixcast.experiments.design import TestDesign

        design = TestDesign.from_dict(body.design, source="design")
        frame = pd.DataFrame(body.rows)
        return analyze(design, frame, weeks=body.weeks, start_date=body.start_date,
                       source="rows").as_dict()


def _bayes(store: RunStore, run: str):
    loaded = store.load(run)
    if loaded.model.kind != "bayes":
        raise UserError(f"Run {run!r} holds an ML challenger; test design needs a Bayesian "
                        "run (power and assurance come from its posterior).")
    return loaded.fit


def _weeks(text: str) -> tuple[int, ...]:
    try:
        weeks = tuple(int(p) for p in text.split(",") if p.strip())
    except ValueError:
        weeks = ()
    if not weeks or min(weeks) < 1 or max(weeks) > 26:
        raise UserError(f"weeks takes whole numbers from 1 to 26 separated by commas, e.g. "
                        f"4,6,8. Got '{text}' instead.")
    return weeks
