"""Convergence of a Fit, judged by one rule that every output uses.

The rule (thresholds after Vehtari et al. 2021, "Rank-normalization, folding, and
localization: an improved R-hat"):

========================  ======================  =====================
figure                    warn (usable, say so)   fail (not converged)
========================  ======================  =====================
R-hat (rank-normalised)   > 1.01                  > 1.05
divergences               any                     > 1% of draws
bulk / tail ESS           < 100 per chain          < 20 per chain
max tree depth reached    > 5% of draws           —
E-BFMI (any chain)        < 0.3                   —
========================  ======================  =====================

``converged`` is "no fail"; ``status`` is pass | warn | fail. The console, summary.json,
validation and the report all read :func:`judge`'s verdict, so a run never prints "fine"
in one place and "not converged" in another. :func:`warn_if_unconverged` issues it as a
:class:`~mixcast.errors.ConvergenceWarning` for notebook users.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import arviz as az
import numpy as np

from mixcast.errors import ConvergenceWarning
from mixcast.formatting import counted
from mixcast.posterior.fitted import SAMPLED_FOR_DIAGNOSTICS, Fit
from mixcast.spec import GEO_WARMUP, NATIONAL_WARMUP

RHAT_WARN, RHAT_FAIL = 1.01, 1.05
DIVERGENCE_FAIL_SHARE = 0.01
ESS_WARN_PER_CHAIN, ESS_FAIL_PER_CHAIN = 100, 20
SATURATION_WARN = 0.05
BFMI_WARN = 0.3


@dataclass(frozen=True, slots=True)
class Verdict:
    """The rule's outcome: status, what was found, and what to do about it."""

    status: str                     # pass | warn | fail
    findings: tuple[str, ...] = ()
    advice: tuple[str, ...] = ()

    @property
    def converged(self) -> bool:
        return self.status != "fail"


@dataclass(frozen=True, slots=True)
class DiagnosticsReport:
    """Worst-case convergence figures over the model's parameters."""

    rhat_max: float
    rhat_worst: str
    ess_bulk_min: float
    ess_tail_min: float
    ess_worst: str
    divergences: int
    tree_depth_saturated: float
    n_draws: int
    n_chains: int
    fit_seconds: float
    bfmi_min: float = float("nan")
    verdict: Verdict = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "verdict", judge(self))

    @property
    def converged(self) -> bool:
        return self.verdict.converged

    def problems(self) -> list[str]:
        """Plain-language problems, each with what to do (empty when the status is pass)."""
        return [f"{finding}. {advice}" for finding, advice
                in zip(self.verdict.findings, self.verdict.advice)]

    def as_dict(self) -> dict:
        return {
            "rhat_max": self.rhat_max, "ess_bulk_min": self.ess_bulk_min,
            "divergences": self.divergences, "fit_seconds": self.fit_seconds,
            "ess_tail_min": self.ess_tail_min, "rhat_worst": self.rhat_worst,
            "ess_worst": self.ess_worst, "tree_depth_saturated": self.tree_depth_saturated,
            "bfmi_min": self.bfmi_min, "n_draws": self.n_draws, "n_chains": self.n_chains,
            "converged": self.converged, "status": self.verdict.status,
            "problems": self.problems(),
        }


def judge(report: DiagnosticsReport) -> Verdict:
    """The one convergence rule (see the module docstring)."""
    findings, advice, status = [], [], "pass"

    def flag(level: str, finding: str, fix: str) -> None:
        nonlocal status
        if level == "fail" or status == "pass":
            status = level
        findings.append(finding)
        advice.append(fix)

    if np.isfinite(report.rhat_max) and report.rhat_max > RHAT_WARN:
        flag("fail" if report.rhat_max > RHAT_FAIL else "warn",
             f"R-hat reaches {report.rhat_max:.3f} on {report.rhat_worst} (should be <= "
             f"{RHAT_WARN}): chains disagree",
             f"Run a longer warm-up (sampler.warmup: twice the default, {2 * NATIONAL_WARMUP} "
             f"for national data, {2 * GEO_WARMUP} for geo panels) and more draws; if it "
             "persists, tighten the priors of the parameter named.")
    chains = max(report.n_chains, 1)
    ess = min(report.ess_bulk_min, report.ess_tail_min)
    if np.isfinite(ess) and ess < ESS_WARN_PER_CHAIN * chains:
        flag("fail" if ess < ESS_FAIL_PER_CHAIN * chains else "warn",
             f"effective sample size only {ess:.0f} on {report.ess_worst}",
             "Run more draws (sampler.draws) so that intervals are stable.")
    if report.divergences:
        share = report.divergences / max(report.n_draws, 1)
        flag("fail" if share > DIVERGENCE_FAIL_SHARE else "warn",
             f"{counted(report.divergences, 'divergent transition')} ({100 * share:.2f}% of "
             "draws)",
             "Raise sampler.target_accept to 0.95; if they remain, simplify the model "
             "(fewer trend knots, no time-varying effects) or tighten priors.")
    if report.tree_depth_saturated > SATURATION_WARN:
        flag("warn", f"{100 * report.tree_depth_saturated:.0f}% of draws hit the maximum "
                     "tree depth",
             "Raise sampler.max_tree_depth to 12, or tighten weakly identified priors.")
    if np.isfinite(report.bfmi_min) and report.bfmi_min < BFMI_WARN:
        flag("warn", f"low energy E-BFMI {report.bfmi_min:.2f} (< {BFMI_WARN})",
             "Longer warm-up helps the sampler adapt; heavy-tailed posteriors may need "
             "tighter priors.")
    return Verdict(status=status, findings=tuple(findings), advice=tuple(advice))


def diagnose_fit(fit: Fit) -> DiagnosticsReport:
    """Worst R-hat and ESS over sampled parameters; divergences over all draws."""
    rows = parameter_rows(fit)
    finite = lambda key: [r for r in rows if np.isfinite(r[key])]  # noqa: E731
    worst_rhat = max(finite("rhat"), key=lambda r: r["rhat"], default=None)
    worst_ess = min(finite("ess_bulk"), key=lambda r: r["ess_bulk"], default=None)
    tail = min((r["ess_tail"] for r in finite("ess_tail")), default=float("nan"))
    stats = fit.idata.sample_stats
    steps = np.asarray(stats["n_steps"])
    saturated = float(np.mean(steps >= 2 ** fit.sampler.max_tree_depth - 1))
    return DiagnosticsReport(
        rhat_max=worst_rhat["rhat"] if worst_rhat else float("nan"),
        rhat_worst=worst_rhat["parameter"] if worst_rhat else "",
        ess_bulk_min=worst_ess["ess_bulk"] if worst_ess else float("nan"),
        ess_tail_min=tail, ess_worst=worst_ess["parameter"] if worst_ess else "",
        divergences=int(np.asarray(stats["diverging"]).sum()),
        tree_depth_saturated=saturated, n_draws=int(steps.size),
        n_chains=int(fit.idata.posterior.sizes["chain"]), fit_seconds=fit.fit_seconds,
        bfmi_min=_bfmi_min(fit))


def parameter_rows(fit: Fit) -> list[dict]:
    """One row per scalar sampled parameter: its readable label (``roi[tv_spend]``),
    rank-normalised R-hat and bulk and tail ESS."""
    posterior = fit.idata.posterior
    names = [n for n in SAMPLED_FOR_DIAGNOSTICS if n in posterior]
    rhat = az.rhat(posterior, var_names=names)
    bulk = az.ess(posterior, var_names=names, method="bulk")
    tail = az.ess(posterior, var_names=names, method="tail")
    rows = []
    for name in names:
        values = np.atleast_1d(np.asarray(rhat[name], dtype=float)).ravel()
        b = np.atleast_1d(np.asarray(bulk[name], dtype=float)).ravel()
        t = np.atleast_1d(np.asarray(tail[name], dtype=float)).ravel()
        for i, label in enumerate(_labels(posterior[name], name)):
            rows.append({"parameter": label, "rhat": float(values[i]),
                         "ess_bulk": float(b[i]), "ess_tail": float(t[i])})
    return rows


def warn_if_unconverged(report: DiagnosticsReport) -> None:
    """Issue the rule's findings as one ConvergenceWarning (nothing when the status is pass)."""
    if report.verdict.status != "pass":
        state = "did not converge" if not report.converged else "converged with caveats"
        warnings.warn(f"The chains {state}: " + " ".join(report.problems()),
                      ConvergenceWarning, stacklevel=3)


def _labels(variable, name: str) -> list[str]:
    dims = [d for d in variable.dims if d not in ("chain", "draw")]
    if not dims:
        return [name]
    coords = [list(map(str, variable.coords[d].values)) for d in dims]
    grid = np.array(np.meshgrid(*coords, indexing="ij")).reshape(len(dims), -1).T
    return [f"{name}[{', '.join(cell)}]" for cell in grid]


def _bfmi_min(fit: Fit) -> float:
    try:
        values = np.atleast_1d(az.bfmi(fit.idata))
    except (KeyError, ValueError):  # no energy recorded
        return float("nan")
    return float(np.nanmin(values)) if values.size else float("nan")
