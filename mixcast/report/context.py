"""Gather everything a report shows for one run: calls library functions, formats nothing.

Optional pieces (validation results, the decisions module's curves and optimised plan) come
from their own modules and files when they exist; when they do not, the field holds None
together with the reason, and the report says so instead of inventing numbers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from mixcast.analysis import extra
from mixcast.posterior.fitted import Fit

REPORT_MAX_CHANGE = 0.30   # the report's optimised plan moves each channel at most +-30%
NO_DECISIONS = "The decisions module (mixcast.optimize) is not available in this build."


@dataclass(frozen=True)
class Optional_:
    """A computed value, or None and why it is missing."""

    value: object | None
    missing: str = ""


@dataclass(frozen=True)
class ReportContext:
    """The numbers behind every section of a report (already computed)."""

    run_name: str
    summary: dict
    manifest: dict
    channels: tuple[str, ...]
    kpi_type: str
    target: str
    decomposition: pd.DataFrame
    last_year: pd.DataFrame
    rolling_dates: object
    rolling: dict
    curves: Optional_
    carryover: Optional_
    recommendations: Optional_
    allocation: Optional_
    validation: Optional_
    platform: Optional_
    actions: list = field(default_factory=list)
    media_total: object = None
    outcome_total: float = 0.0
    notes: dict = field(default_factory=dict)   # section key -> a model-specific caveat

    @property
    def is_ml(self) -> bool:
        """True for the ML challenger (no posterior: bootstrap replicates, no MCMC)."""
        return self.summary.get("model") == "ml"


def gather(run: str | Path, *, fit: Fit | None = None) -> ReportContext:
    """Load the run at ``run`` (or use ``fit``) and compute every report section's data."""
    from mixcast.runs.directory import load_run, read_manifest

    run = Path(run)
    manifest = read_manifest(run)
    if manifest.get("model", "bayes") == "ml":   # the challenger: same sections, its numbers
        from mixcast.ml.report import gather_ml

        return gather_ml(run)
    fit = fit if fit is not None else load_run(run)
    summary = json.loads((run / "summary.json").read_text())
    validation = load_validation(run)
    verdicts = (validation.value or {}).get("channels", {}) if validation.value else {}
    blocked = tuple(c for c, v in verdicts.items() if (v or {}).get("verdict") == "do_not_act")
    dates, rolling = extra.rolling_effectiveness(fit)
    platform = extra.platform_comparison(fit)
    return ReportContext(
        run_name=run.name, summary=summary, manifest=manifest, channels=fit.channels,
        kpi_type=fit.data.kpi_type, target=fit.data.target,
        decomposition=extra.decomposition(fit), last_year=extra.window_returns(fit),
        rolling_dates=dates, rolling=rolling,
        curves=_decision(lambda o: o.response_curves(fit)),
        carryover=_decision(lambda o: o.carryover_profile(fit)),
        recommendations=_decision(lambda o: extra.shift_recommendations(
            fit, exclude_targets=blocked)),
        allocation=_decision(lambda o: o.optimize(
            fit, o.BudgetScenario(max_change=REPORT_MAX_CHANGE))),
        validation=validation,
        platform=Optional_(platform, "" if platform is not None else
                           "The data has no platform-attributed conversions (optional "
                           "config key `platform_attributed`)."),
        actions=extra.allocation_actions(summary, verdicts),
        media_total=extra.media_total(fit), outcome_total=float(fit.data.y.sum()))


def _decision(compute: Callable) -> Optional_:
    """Run ``compute(mixcast.optimize)``; a missing module or its failure becomes a reason."""
    try:
        import mixcast.optimize as decisions
    except ImportError:
        return Optional_(None, NO_DECISIONS)
    try:
        return Optional_(compute(decisions))
    except Exception as error:  # the decisions module's own failure is shown, not hidden
        return Optional_(None, f"It could not be computed: {error}")


def load_validation(run: Path) -> Optional_:
    """RUN/validation.json when `mixcast validate` has been run, else why not."""
    path = Path(run) / "validation.json"
    if not path.exists():
        return Optional_(None, "Validation has not been run for this run. Run "
                               f"`mixcast validate --run {run}` and re-render the report.")
    try:
        return Optional_(json.loads(path.read_text()))
    except json.JSONDecodeError as error:
        return Optional_(None, f"{path} is not valid JSON ({error}); run validation again.")
