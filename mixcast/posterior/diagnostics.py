"""Convergence diagnostics of a Fit: R-hat, effective sample size, divergences. Pure."""

from __future__ import annotations

from dataclasses import dataclass

import arviz as az
import numpy as np

from mixcast.posterior.fitted import SAMPLED_FOR_DIAGNOSTICS, Fit

RHAT_LIMIT = 1.05
ESS_MIN_PER_CHAIN = 50


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
    fit_seconds: float

    @property
    def converged(self) -> bool:
        return (self.rhat_max <= RHAT_LIMIT and self.divergences == 0
                and self.ess_bulk_min >= ESS_MIN_PER_CHAIN * max(1, self.n_draws // 1000))

    def problems(self) -> list[str]:
        """Plain-language problems and what to do about them (empty when converged)."""
        found = []
        if self.rhat_max > RHAT_LIMIT:
            found.append(f"R-hat reaches {self.rhat_max:.3f} on '{self.rhat_worst}' (should be "
                         f"<= {RHAT_LIMIT}): chains disagree. Run more warm-up and draws, or "
                         "tighten priors.")
        if self.divergences:
            found.append(f"{self.divergences} divergent transitions: the sampler hit difficult "
                         "geometry. Raise sampler.target_accept (e.g. 0.95) or simplify the "
                         "model.")
        if self.ess_bulk_min < ESS_MIN_PER_CHAIN:
            found.append(f"Bulk ESS is only {self.ess_bulk_min:.0f} on '{self.ess_worst}': "
                         "too few effective draws for stable intervals. Run more draws.")
        return found

    def as_dict(self) -> dict:
        return {
            "rhat_max": self.rhat_max, "ess_bulk_min": self.ess_bulk_min,
            "divergences": self.divergences, "fit_seconds": self.fit_seconds,
            "ess_tail_min": self.ess_tail_min, "rhat_worst": self.rhat_worst,
            "ess_worst": self.ess_worst, "tree_depth_saturated": self.tree_depth_saturated,
            "n_draws": self.n_draws, "converged": self.converged,
        }


def diagnose_fit(fit: Fit) -> DiagnosticsReport:
    """Worst R-hat and ESS over sampled parameters; divergences over all draws."""
    posterior = fit.idata.posterior
    names = [n for n in SAMPLED_FOR_DIAGNOSTICS if n in posterior]
    rhat = az.rhat(posterior, var_names=names)
    ess_bulk = az.ess(posterior, var_names=names, method="bulk")
    ess_tail = az.ess(posterior, var_names=names, method="tail")
    rhat_max, rhat_worst = _extreme(rhat, np.nanmax, np.nanargmax)
    ess_min, ess_worst = _extreme(ess_bulk, np.nanmin, np.nanargmin)
    tail_min, _ = _extreme(ess_tail, np.nanmin, np.nanargmin)
    stats = fit.idata.sample_stats
    steps = np.asarray(stats["n_steps"])
    saturated = float(np.mean(steps >= 2 ** fit.sampler.max_tree_depth - 1))
    return DiagnosticsReport(
        rhat_max=rhat_max, rhat_worst=rhat_worst, ess_bulk_min=ess_min, ess_tail_min=tail_min,
        ess_worst=ess_worst, divergences=int(np.asarray(stats["diverging"]).sum()),
        tree_depth_saturated=saturated, n_draws=int(steps.size), fit_seconds=fit.fit_seconds)


def _extreme(dataset, reduce, arg) -> tuple[float, str]:
    best_value, best_name = None, ""
    for name, values in dataset.data_vars.items():
        array = np.atleast_1d(np.asarray(values, dtype=float))
        if not np.isfinite(array).any():
            continue
        value = float(reduce(array))
        if best_value is None or reduce([best_value, value]) == value:
            index = np.unravel_index(int(arg(array)), array.shape)
            label = name if array.size == 1 else f"{name}{list(index)}"
            best_value, best_name = value, label
    return (float("nan") if best_value is None else best_value), best_name
