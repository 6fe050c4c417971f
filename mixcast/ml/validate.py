"""The validation suite on an ML run: the same questions, the same validation.json.

Checks (keys as in :mod:`mixcast.validation.suite`, so reports and the dashboard read
them unchanged):

- ``convergence``: skipped (no MCMC);
- ``fit``: in-sample MAPE and R² of the ensemble;
- ``backtest``: rolling-origin refits scored on the next 13 weeks (MAPE, 90% coverage);
- ``spend_shift``: the same after the largest spend-mix shifts;
- ``recovery``: a simulated twin drawn from the ensemble itself (its prediction plus
  resampled out-of-fold errors), refitted, and its ROI compared with the twin's true ROI;
- ``experiments``: lift tests beside the ensemble's implied lift;
- ``plausibility``: check 9 of the Bayesian suite without its prior rule (ROI beyond what
  any channel of its kind earns, media's share of the KPI, one channel taking media's
  outcome): a strong finding makes the channel and the run ``do_not_act``.

Refits reuse the run's tuned hyperparameters and ensemble weights with fewer bootstrap
replicates (re-tuning every fold would multiply the cost by the Optuna budget); the
hyperparameters were chosen by CV folds that overlap the backtest weeks, which the finding
says. Verdicts are never ``solid`` for a channel: the trees' ROI is a predictive
attribution (see ``LIMITS``); ``do_not_act`` when the checks say even that is unreliable.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from mixcast.formatting import counted, compact_number
from mixcast.posterior.intervals import interval
from mixcast.ml.attribution import channel_metrics, lift_test_checks
from mixcast.ml.ensemble import fit_replicates
from mixcast.ml.features import Scales
from mixcast.ml.fit import MLFit
from mixcast.ml.predict import predict_span, with_cv_noise
from mixcast.validation import backtest as bt
from mixcast.validation.accuracy import mape, r_squared
from mixcast.validation.plausibility import check_plausibility
from mixcast.validation.recovery import spend_weighted_error

REFIT_REPLICATES = 5
TWIN_ERROR_CARE = 0.5


def refit(fit: MLFit, y: np.ndarray | None = None, *, stop: int | None = None,
          replicates: int = REFIT_REPLICATES, seed: int = 0) -> MLFit:
    """The run's ensemble refitted on weeks [0, stop) (or on outcomes ``y``), tuned
    hyperparameters and weights kept."""
    from mixcast.ml.problem import build_problem

    data = fit.data if y is None else dataclasses.replace(fit.data, y=np.asarray(y, float))
    data = data if stop is None else data.window(0, stop)
    scales = Scales.from_data(data)
    config = fit.config
    reps = fit_replicates(build_problem(data, scales, config.features),
                          fit.search.candidates, spec=config.features, tuned=fit.tuned,
                          tree_media=config.tree_media, monotone=config.monotone,
                          n_replicates=replicates, block=config.block_weeks,
                          seed=config.seed + seed)
    return dataclasses.replace(fit, data=data, scales=scales, replicates=reps)


def score_fold(fit: MLFit, refitted: MLFit, origin: int, *, seed: int = 0) -> dict:
    """Out-of-sample scores (:func:`~mixcast.validation.backtest.fold_scores`) of
    ``refitted`` (trained on weeks < origin) on the next 13."""

    stop = min(origin + bt.HORIZON, fit.data.n_times)
    span = fit.data.window(0, stop)
    kpi = predict_span(refitted, span)[:, :, origin:].sum(axis=1)      # (S, H)
    draws = with_cv_noise(kpi, fit.cv, n_draws=200, seed=seed)
    total = fit.data.y.sum(axis=0)
    band = {**interval(draws), "mean": kpi.mean(axis=0)}
    return {"origin": str(fit.data.dates[origin])[:10], "train_weeks": int(origin),
            "test_weeks": int(stop - origin),
            **bt.fold_scores(total[origin:stop], band, bt.naive_forecast(total, origin)),
            "mix_shift": bt.mix_shift(fit.data, origin)}


def check_backtests(fit: MLFit, origins: list[int], *, kind: str) -> dict:
    """Rolling or spend-shift backtests, judged by the Bayesian suite's thresholds."""
    if not origins:
        return {"status": "skipped", "folds": [],
                "summary": f"not enough history for a {bt.HORIZON}-week backtest"}
    folds = [score_fold(fit, refit(fit, stop=k, seed=i), k, seed=i)
             for i, k in enumerate(origins)]
    return bt.judge_backtests(folds, kind=kind, note=(
        " (tuned hyperparameters reused; they were chosen on CV folds overlapping these weeks)"))


def check_recovery(fit: MLFit, *, seed: int = 0) -> dict:
    """A twin from the ensemble itself: can the procedure find the ROI it generated?"""
    rng = np.random.default_rng(seed + 101)
    truth_fit = dataclasses.replace(fit, replicates=fit.replicates[:1])
    expected = truth_fit.predict_kpi(fit.media[None])[0, 0]                # (G, T)
    residuals = np.asarray(fit.cv.get("oof_relative_residuals") or [0.0])
    y = expected * (1.0 + rng.choice(residuals, size=expected.shape))
    twin_truth = dataclasses.replace(truth_fit, data=dataclasses.replace(fit.data, y=y))
    truth = channel_metrics(twin_truth).roi[0]
    estimate = interval(channel_metrics(refit(fit, y, seed=seed + 7)).roi)
    per_channel, errors = {}, []
    for c, name in enumerate(fit.channels):
        error = abs(estimate["mean"][c] - truth[c]) / max(abs(truth[c]), 1e-9)
        errors.append(error)
        per_channel[name] = {
            "true": float(truth[c]), "estimate": float(estimate["mean"][c]),
            "lo90": float(estimate["lo90"][c]), "hi90": float(estimate["hi90"][c]),
            "relative_error": float(error),
            "covered": bool(estimate["lo90"][c] <= truth[c] <= estimate["hi90"][c])}
    missed = [n for n, e in per_channel.items()
              if not e["covered"] and e["relative_error"] > TWIN_ERROR_CARE]
    weighted = spend_weighted_error(estimate["mean"], truth, fit.data.spend.sum(axis=(0, 1)))
    summary = (f"on a twin drawn from the ensemble the ROI was recovered with spend-weighted "
               f"error {100 * weighted:.0f}%; "
               f"{sum(e['covered'] for e in per_channel.values())}/{len(per_channel)} true "
               "ROIs inside the 90% interval (the procedure on its own assumptions, not "
               "causal truth)")
    if missed:
        summary += f"; missed for {', '.join(missed)}"
    return {"status": "warn" if missed else "pass", "channels": per_channel, "twins": 1,
            "spend_weighted_error": weighted, "relative_error": float(np.mean(errors)),
            "summary": summary}


def check_fit(fit: MLFit) -> dict:
    fitted = fit.predict_kpi(fit.media[None]).mean(axis=0)[0]
    error = mape(fit.data.y.ravel(), fitted.ravel())
    r2 = r_squared(fit.data.y.ravel(), fitted.ravel())
    return {"status": "pass" if r2 >= 0.5 else "warn", "mape": error, "r2": r2,
            "summary": f"in-sample MAPE {100 * error:.1f}%, R² {r2:.2f} (trees fit their "
                       "training weeks closely; the backtests are the honest accuracy)"}


def check_experiments(fit: MLFit) -> dict:
    checks = lift_test_checks(fit)
    if not checks:
        return {"status": "skipped", "tests": [], "summary": "the data has no lift tests"}
    bad = [c for c in checks if c["contradicts"]]
    return {"status": "warn" if bad else "pass", "tests": checks,
            "summary": (f"{counted(len(checks), 'lift test')} beside the ensemble's implied "
                        f"lift (not used in the fit); {len(bad)} disagree beyond 3 standard "
                        "errors")}


def validate_ml(fit: MLFit, *, quick: bool = False, seed: int = 0) -> dict:
    """The validation.json document of an ML fit (see the module docstring)."""
    started = time.perf_counter()
    data = fit.data
    origins = bt.regular_origins(data.n_times, folds=2 if quick else 3)
    shifts = bt.shift_origins(data, folds=1 if quick else 2, exclude=origins)
    checks = {
        "convergence": {"status": "skipped",
                        "summary": "no MCMC: the ML challenger has no chains to converge"},
        "fit": check_fit(fit),
        "backtest": check_backtests(fit, origins, kind="rolling"),
        "spend_shift": check_backtests(fit, shifts, kind="spend_shift"),
        "recovery": check_recovery(fit, seed=seed),
        "experiments": check_experiments(fit),
    }
    metrics = channel_metrics(fit)
    checks["plausibility"] = check_plausibility(fit, data.issues, metrics, with_prior=False)
    roi = {c: {k: float(v[i]) for k, v in interval(metrics.roi).items()}
           for i, c in enumerate(fit.channels)}
    channels = channel_verdicts(fit, roi, checks)
    failed = [k for k, v in checks.items() if v["status"] == "fail"]
    overall = {"verdict": "do_not_act" if failed else "care",
               "reasons": ([f"{k} check failed" for k in failed]
                           + ["ML challenger: ROI is a predictive attribution, not a causal "
                              "estimate; act on it only where it agrees with experiments or "
                              "the Bayesian model"])}
    return {"overall": overall, "channels": channels, "checks": checks, "roi": roi,
            "data_issues": [{"code": i.code, "level": i.level, "message": i.message}
                            for i in data.issues],
            "mode": "quick" if quick else "full", "model": "ml",
            "refits": len(origins) + len(shifts) + 1,
            "seconds": time.perf_counter() - started}


def channel_verdicts(fit: MLFit, roi: dict, checks: dict) -> dict:
    """care at best; do_not_act when the twin misses the channel (outside its interval and
    off by more than half), its ROI interval spans zero, or a lift test contradicts it."""
    recovery = checks["recovery"].get("channels", {})
    contradicted = {t["channel"] for t in checks["experiments"].get("tests", [])
                    if t["contradicts"]}
    out = {}
    for channel in fit.channels:
        reasons = ["ML challenger: predictive attribution; collinear channels share credit "
                   "arbitrarily"]
        verdict = "care"
        twin = recovery.get(channel)
        if twin is not None and not twin["covered"] and twin["relative_error"] > TWIN_ERROR_CARE:
            verdict = "do_not_act"
            reasons.append(f"on its own simulated twin it estimated "
                           f"{compact_number(twin['estimate'])} for a true "
                           f"{compact_number(twin['true'])}, outside its 90% interval")
        if roi[channel]["lo90"] <= 0 <= roi[channel]["hi90"]:
            verdict = "do_not_act"
            reasons.append("the 90% ROI interval includes zero")
        if channel in contradicted:
            verdict = "do_not_act"
            reasons.append("a lift test contradicts the ensemble's implied lift")
        plausible = checks.get("plausibility", {}).get("channels", {}).get(channel)
        if plausible is not None and plausible["severity"] == "strong":
            verdict = "do_not_act"
            reasons.append("implausible: " + "; ".join(plausible["findings"]))
        out[channel] = {"verdict": verdict, "reasons": reasons}
    return out
