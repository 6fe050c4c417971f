"""Gradual shifts: a reallocation adopted in steps, judged step by step.

The treated geos (or the nation) move to the designed change in ``n_steps`` equal steps
of the design's duration each: step k applies k / n_steps of the change, so the model
predicts k / n_steps of the full change's lift for it. Each step's actual effect is the
time-based regression of :mod:`~mixcast.experiments.power` on the same pre-period (the
weeks before the first step). After each step the evidence so far is the cumulative
effect with its placebo-calibrated 90% interval, against the cumulative prediction:

- **stop** when the interval lies wholly on the wrong side of zero (the shift does harm);
- **pause** when it lies wholly short of the cumulative prediction (the shift works less
  than the model promised: refit with the step's result before going further);
- **continue** otherwise.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from mixcast.experiments.power import (
    placebo_noise, residual_autocorrelation, significant, tbr_estimate,
)

__all__ = ["StepResult", "judge_steps"]


@dataclass(frozen=True, slots=True)
class StepResult:
    """One step's actual vs predicted effect (KPI units) and the verdict after it."""

    step: int
    fraction: float
    actual: float
    predicted: float
    cumulative: float
    cumulative_lo90: float
    cumulative_hi90: float
    cumulative_predicted: float
    verdict: str

    def as_dict(self) -> dict:
        return asdict(self)


def judge_steps(x: np.ndarray, z: np.ndarray, *, first: int, step_weeks: int,
                n_steps: int, pre_weeks: int, history_weeks: int, full_lift: float
                ) -> tuple[StepResult, ...]:
    """Steps observed so far in (T,) reference and treated series ``x``, ``z``, the first
    step starting at week ``first``; ``full_lift`` the model's predicted lift of one
    step's length at the full change."""
    hist = slice(max(0, first - history_weeks), first)
    rho = residual_autocorrelation(x[hist], z[hist])
    x_pre, z_pre = x[first - pre_weeks:first], z[first - pre_weeks:first]
    sign = np.sign(full_lift) or 1.0
    results = []
    for k in range(1, n_steps + 1):
        stop = first + k * step_weeks
        if stop > len(x):
            break
        block = slice(stop - step_weeks, stop)
        actual = tbr_estimate(x_pre, z_pre, x[block], z[block], rho=rho)
        total = tbr_estimate(x_pre, z_pre, x[first:stop], z[first:stop], rho=rho)
        noise = placebo_noise(x[hist], z[hist], weeks=stop - first, pre_weeks=pre_weeks)
        half = float(noise.critical * total.se)
        predicted_total = full_lift * sum(j / n_steps for j in range(1, k + 1))
        lo, hi = float(total.effect) - half, float(total.effect) + half
        harm = sign * hi < 0 if significant(total.t, noise) else False
        short = (hi < predicted_total) if sign > 0 else (lo > predicted_total)
        results.append(StepResult(
            step=k, fraction=k / n_steps, actual=float(actual.effect),
            predicted=full_lift * k / n_steps, cumulative=float(total.effect),
            cumulative_lo90=lo, cumulative_hi90=hi, cumulative_predicted=predicted_total,
            verdict="stop" if harm else "pause" if short else "continue"))
    return tuple(results)
