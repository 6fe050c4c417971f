"""The ``summary.json`` contract (DESIGN.md) of a Bayesian fit, plus added keys."""

from __future__ import annotations

import dataclasses

from mixcast._version import __version__
from mixcast.analysis.calibration import lift_test_checks
from mixcast.analysis.effects import effects_summary
from mixcast.analysis.metrics import ChannelMetrics, channel_metrics, geo_summary
from mixcast.analysis.reach_frequency import rf_summary
from mixcast.data.guardrails import breakeven_roi
from mixcast.posterior.diagnostics import diagnose_fit
from mixcast.posterior.fitted import Fit
from mixcast.posterior.intervals import scalar_interval


def channel_entries(metrics: ChannelMetrics) -> dict[str, dict]:
    """summary.json's ``channels``: spend, and mean with 90% interval of ROI, mROI,
    contribution share and the incremental outcome (its value, in currency where the KPI
    has one); for conversion KPIs also CPA and ``incremental_kpi``, the incremental
    outcome in conversions (the same as the value when a conversion has no price)."""
    channels = {}
    for c, name in enumerate(metrics.channels):
        entry = {"spend": float(metrics.spend[c])}
        for key in ("roi", "mroi", "contribution_share", "incremental"):
            entry[key if key != "incremental" else "incremental_outcome"] = scalar_interval(
                getattr(metrics, key)[:, c])
        if metrics.cpa is not None:
            entry["cpa"] = scalar_interval(metrics.cpa[:, c])
            entry["incremental_kpi"] = scalar_interval(metrics.incremental_kpi[:, c])
        channels[name] = entry
    return channels


def summarize(fit: Fit) -> dict:
    """The ``summary.json`` contract (DESIGN.md), plus added keys."""
    channels = channel_entries(channel_metrics(fit))
    report = diagnose_fit(fit)
    out = {
        "channels": channels,
        "diagnostics": report.as_dict(),
        "kpi_type": fit.data.kpi_type,
        "breakeven_roi": breakeven_roi(fit.data),
        "target": fit.data.target,
        "n_weeks": int(fit.data.n_times),
        "n_geos": int(fit.data.n_geos),
        "date_range": [str(fit.data.dates[0])[:10], str(fit.data.dates[-1])[:10]],
        "warnings": [issue.message for issue in fit.data.issues if issue.level == "warning"]
        + [check.message() for check in lift_test_checks(fit) if check.contradicts],
        "lift_tests": [dataclasses.asdict(check) | {"contradicts": check.contradicts}
                       for check in lift_test_checks(fit)],
        "mixcast_version": __version__,
    }
    if fit.data.n_geos > 1:
        out["geos"] = geo_summary(fit)
    if fit.data.rf_channels:
        out["reach_frequency"] = rf_summary(fit)
    out.update(effects_summary(fit))  # mediation, interactions, roi_by_quarter (opt-in)
    return out
