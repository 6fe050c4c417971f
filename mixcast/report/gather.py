"""Gather a run's report data: every section computed once, for the HTML, PDF and
terminal renderers and the dashboard (a Bayesian run here, the ML challenger's in
:mod:`mixcast.report.ml`)."""

from __future__ import annotations

import json
from pathlib import Path

from mixcast.analysis.curves import carryover_profile, channel_ranking, response_curves
from mixcast.analysis.decomposition import decomposition
from mixcast.analysis.over_time import rolling_effectiveness, window_returns
from mixcast.analysis.totals import media_total, platform_comparison
from mixcast.assist.narrative import run_narrative
from mixcast.optimize.optimizer import optimize
from mixcast.optimize.problem import BudgetScenario
from mixcast.optimize.recommend import (allocation_actions, shift_recommendations,
                                        weak_reasons)
from mixcast.posterior.fitted import Fit
from mixcast.report.context import (REPORT_MAX_CHANGE, Optional_, ReportContext, attempt,
                                    load_verdicts)
from mixcast.ml.fit import MLFit
from mixcast.report.ml import gather_ml
from mixcast.runs.models import RunModel, open_run
from mixcast.storage import read_manifest


def gather(run: str | Path, *, fit: Fit | MLFit | None = None,
           model: RunModel | None = None) -> ReportContext:
    """Load the run at ``run`` (or use the ``fit`` or ``model`` already loaded from it) and
    compute every report section's data; each kind of model fills the same sections."""
    run = Path(run)
    fit = fit if fit is not None else (model if model is not None else open_run(run)).fit
    return {"bayes": gather_bayes, "ml": gather_ml}[fit.kind](run, fit=fit)


def gather_bayes(run: Path, *, fit: Fit) -> ReportContext:
    """The report's data for a Bayesian run."""
    manifest = read_manifest(run)
    summary = json.loads((run / "summary.json").read_text())
    validation, verdicts, blocked = load_verdicts(run)
    dates, rolling = rolling_effectiveness(fit)
    platform = platform_comparison(fit)
    curves = attempt(lambda: response_curves(fit))
    return ReportContext(
        run_name=run.name, summary=summary, manifest=manifest, channels=fit.channels,
        kpi_type=fit.data.kpi_type, target=fit.data.target,
        decomposition=decomposition(fit), last_year=window_returns(fit),
        rolling_dates=dates, rolling=rolling,
        curves=curves,
        narrative=attempt(lambda: run_narrative(fit, run, ranking=None if curves.value is None
                                                else channel_ranking(fit, curves.value))),
        carryover=attempt(lambda: carryover_profile(fit)),
        recommendations=attempt(lambda: shift_recommendations(
            fit, exclude_targets=blocked)),
        allocation=attempt(lambda: optimize(
            fit, BudgetScenario(max_change=REPORT_MAX_CHANGE))),
        validation=validation,
        platform=Optional_(platform, "" if platform is not None else
                           "The data has no platform-attributed conversions (optional "
                           "config key `platform_attributed`)."),
        actions=allocation_actions(summary, verdicts, weak_reasons(fit)),
        media_total=media_total(fit), outcome_total=float(fit.data.y.sum()))
