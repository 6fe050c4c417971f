"""Check 5, recovery on a simulated twin: "could this model, on data like yours, find the
truth?"

A twin keeps the user's spend, dates, geos, controls and lift-test design, and draws its
outcomes from one posterior draw of the fitted model (its parameters, the model's mean
function and its fitted noise level). Refitting the twin and comparing the estimated ROI
with that draw's ROI tells how well ROI is recoverable from data shaped like the user's.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mixcast.analysis.metrics import channel_metrics
from mixcast.formatting import counted
from mixcast.posterior.intervals import interval
from mixcast.model.counterfactual import media_params, plan_outcomes
from mixcast.model.plans import channel_off_plans
from mixcast.analysis.forecast import predictive_draws
from mixcast.posterior.fitted import Fit

ERROR_CARE = 0.5
RefitTwin = Callable[[np.ndarray, int], Fit]


def twin_seed(seed: int, twin: int) -> int:
    """The seed of twin number ``twin`` (shared by the suite's batch and the check)."""
    return seed + 101 * (twin + 1)


def twin_outcomes(fit: Fit, *, seed: int) -> tuple[np.ndarray, int]:
    """(G, T) simulated KPI from one posterior draw (chosen by ``seed``), and its index."""
    _, draws = predictive_draws(fit, fit.inputs, fit.inputs.media, seed=seed)
    index = int(np.random.default_rng(seed).integers(draws.shape[0]))
    return draws[index], index


def true_roi(fit: Fit, index: int) -> np.ndarray:
    """(C,) the counterfactual ROI of draw ``index`` over the data window."""
    one = {k: v[index:index + 1] for k, v in fit.param_draws().items()}
    out = plan_outcomes(media_params(one), channel_off_plans(fit.inputs.media), fit.inputs,
                        fit.structure)[0, :, 0]
    spend = fit.data.spend.sum(axis=(0, 1))
    return (out[0] - out[1:]) / np.where(spend > 0, spend, np.nan)


def spend_weighted_error(estimate: np.ndarray, truth: np.ndarray, spend: np.ndarray) -> float:
    """Error of ROI estimates across channels, each weighted by its spend: the outcome
    misattributed (sum of spend x |estimate - truth|) over the outcome media drove. Unlike
    a mean of per-channel relative errors it stays finite when a channel's true ROI is
    near zero (the recovery benchmark's headline metric).

    Examples
    --------
    >>> round(spend_weighted_error(np.array([1.5, 1.0]), np.array([1.0, 0.01]),
    ...                            np.array([100.0, 10.0])), 3)
    0.598
    """
    misattributed = float(np.sum(spend * np.abs(estimate - truth)))
    return misattributed / max(float(np.sum(spend * np.abs(truth))), 1e-12)


def check_recovery(fit: Fit, refit_twin: RefitTwin, *, twins: int, seed: int = 0) -> dict:
    """Refit ``twins`` simulated twins and report ROI error and 90% coverage per channel."""
    per_channel = {c: {"true": [], "estimate": [], "lo90": [], "hi90": []}
                   for c in fit.channels}
    spend, weighted = fit.data.spend.sum(axis=(0, 1)), []
    for t in range(twins):
        y, index = twin_outcomes(fit, seed=twin_seed(seed, t))
        truth = true_roi(fit, index)
        estimate = interval(channel_metrics(refit_twin(y, t)).roi)
        weighted.append(spend_weighted_error(estimate["mean"], truth, spend))
        for c, name in enumerate(fit.channels):
            entry = per_channel[name]
            entry["true"].append(float(truth[c]))
            for key in ("mean", "lo90", "hi90"):
                entry["estimate" if key == "mean" else key].append(float(estimate[key][c]))
    channels, covered_all, errors = {}, [], []
    for name, entry in per_channel.items():
        true, est = np.array(entry["true"]), np.array(entry["estimate"])
        covered = (np.array(entry["lo90"]) <= true) & (true <= np.array(entry["hi90"]))
        error = float(np.mean(np.abs(est - true) / np.maximum(np.abs(true), 1e-9)))
        channels[name] = {**entry, "relative_error": error, "coverage90": float(covered.mean())}
        covered_all += covered.tolist()
        errors.append(error)
    coverage = float(np.mean(covered_all))
    missed = [n for n, e in channels.items() if e["coverage90"] == 0
              and e["relative_error"] > ERROR_CARE]
    status = "warn" if missed else "pass"
    summary = (f"on {counted(twins, 'simulated twin')} the ROI was recovered with spend-weighted "
               f"error {100 * float(np.mean(weighted)):.0f}%; {100 * coverage:.0f}% of true "
               "ROIs inside the 90% interval")
    if missed:
        summary += f"; missed for {', '.join(missed)}"
    return {"status": status, "summary": summary, "twins": twins, "coverage90": coverage,
            "spend_weighted_error": float(np.mean(weighted)),
            "relative_error": float(np.mean(errors)), "channels": channels}
