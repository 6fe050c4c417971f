"""Check 1, convergence: the one rule of :mod:`mixcast.posterior.diagnostics`, with the
per-parameter table and the per-channel ROI R-hat that validation shows."""

from __future__ import annotations

import arviz as az
import numpy as np

from mixcast.posterior.diagnostics import diagnose_fit, parameter_rows
from mixcast.posterior.fitted import Fit


def check_convergence(fit: Fit) -> dict:
    """Per-parameter R-hat and ESS plus sampler health, as the ``convergence`` check.

    Returns
    -------
    dict : ``status`` (pass | warn | fail), ``summary``, ``advice`` (list), worst figures,
        ``parameters`` (one row per scalar parameter) and ``roi_rhat`` per channel.
    """
    report = diagnose_fit(fit)
    verdict = report.verdict
    posterior = fit.idata.posterior
    roi_rhat = {}
    if "roi" in posterior:
        values = np.atleast_1d(np.asarray(az.rhat(posterior, var_names=["roi"])["roi"]))
        roi_rhat = {c: float(v) for c, v in zip(fit.channels, values)}
    return {
        "status": verdict.status,
        "summary": "; ".join(verdict.findings) if verdict.findings else
        f"chains agree (R-hat max {report.rhat_max:.3f}), ESS ≥ "
        f"{min(report.ess_bulk_min, report.ess_tail_min):.0f}, no divergences",
        "advice": list(verdict.advice), "rhat_max": report.rhat_max,
        "ess_bulk_min": report.ess_bulk_min, "ess_tail_min": report.ess_tail_min,
        "divergences": report.divergences, "n_draws": report.n_draws,
        "tree_depth_saturated": report.tree_depth_saturated, "bfmi_min": report.bfmi_min,
        "roi_rhat": roi_rhat, "parameters": parameter_rows(fit),
    }
