"""Bayesian model and ML challenger side by side, on the same data and the same tests.

Three questions, each answered for both models with the same numbers:

1. **Out-of-sample accuracy**: both are refitted on all but the last ``holdout_weeks`` and
   scored on those weeks (MAPE, R²); the challenger is re-tuned on the shorter window, so
   no hyperparameter ever saw the held-out weeks.
2. **ROI per channel** with 90% intervals (posterior for the Bayesian model, bootstrap
   replicates for the challenger), whether the intervals overlap, and how far the two
   rankings agree.
3. **Recovery** against a known truth: for simulated data, the truth given with
   ``truth``; and, with ``twin=True``, on a simulated twin of the user's data (same spend,
   dates and controls; outcomes drawn from one Bayesian posterior draw, whose ROI is the
   truth), refitted by both models. The twin is drawn from the Bayesian model's own
   structure, which favours it; the document says so.

Good prediction does not imply correct ROI: a model can forecast well while splitting
credit between channels wrongly. The document says which model did better on each
question; it never infers causal accuracy from predictive accuracy.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from mixcast.analysis.forecast import extend_inputs, plan_from_data
from mixcast.analysis.summary import summarize
from mixcast.data.dataset import Dataset
from mixcast.errors import UserError
from mixcast.ml.fit import MLConfig, MLFit, fit_ml
from mixcast.ml.predict import predict_span
from mixcast.posterior.fitted import Fit
from mixcast.spec import SamplerConfig
from mixcast.validation.accuracy import mape, r_squared

ProgressFn = Callable[[int, int], None]
_MAX_DRAWS = 200


def compare_fits(bayes: Fit, ml: MLFit, *, truth: dict | None = None,
                 holdout_weeks: int = 13, twin: bool = False, ml_trials: int | None = None,
                 sampler: SamplerConfig | None = None,
                 progress: ProgressFn | None = None) -> dict:
    """:func:`compare_runs` for in-memory fits of the same data."""
    from mixcast.ml.run import ml_summary

    bayes_summary, ml_summary_doc = summarize(bayes), ml_summary(ml)
    accuracy = {"ml_cv": {"mape": ml.cv["mape"], "r2": ml.cv["r2"]}}
    if holdout_weeks:
        accuracy.update(holdout_accuracy(
            bayes, ml, holdout_weeks=holdout_weeks, sampler=sampler,
            ml_config=dataclasses.replace(ml.config, n_trials=ml_trials if ml_trials
                                          is not None else ml.config.n_trials),
            progress=progress))
    document = {"accuracy": accuracy,
                "channels": roi_side_by_side(bayes_summary, ml_summary_doc, truth),
                "roi_rank_correlation": _rank_correlation(
                    _means(bayes_summary), _means(ml_summary_doc)),
                "fit_seconds": {"bayes": bayes.fit_seconds, "ml": ml.fit_seconds}}
    if truth is not None:
        roi = truth_roi(truth)
        document["recovery"] = {"bayes": score_against_truth(bayes_summary, roi),
                                "ml": score_against_truth(ml_summary_doc, roi)}
    if twin:
        document["twin"] = twin_recovery(bayes, ml, sampler=sampler, progress=progress)
    document["notes"] = _notes(document)
    return document


def holdout_accuracy(bayes: Fit, ml: MLFit, *, holdout_weeks: int, ml_config: MLConfig,
                     sampler: SamplerConfig | None = None,
                     progress: ProgressFn | None = None) -> dict:
    """Refit both models on all but the last ``holdout_weeks`` and score them there."""
    from mixcast.inference.fit import fit as fit_bayes

    data = bayes.data
    cut = data.n_times - holdout_weeks
    if holdout_weeks < 1 or cut < 52:
        raise UserError(f"compare: --holdout {holdout_weeks} leaves {cut} training weeks; "
                        "keep at least 52 (use a shorter holdout, or 0 to skip the refits).")
    train = data.window(0, cut)
    sampler = dataclasses.replace(sampler or bayes.sampler, progress=False)
    refit = fit_bayes(train, bayes.spec, sampler=sampler, progress=progress)
    bayes_kpi = bayes_predict(refit, data)[:, :, cut:]                   # (S, G, H)
    ml_refit = fit_ml(train, dataclasses.replace(ml_config, n_bootstrap=min(
        ml_config.n_bootstrap, 5)))
    ml_kpi = predict_span(ml_refit, data)[:, :, cut:]
    actual = data.y[:, cut:].ravel()
    scores = {}
    for name, kpi in (("bayes", bayes_kpi), ("ml", ml_kpi)):
        predicted = kpi.mean(axis=0).ravel()
        scores[name] = {"mape": mape(actual, predicted), "r2": r_squared(actual, predicted)}
    return {"holdout_weeks": holdout_weeks, "holdout_start": str(data.dates[cut])[:10],
            **scores}


def twin_recovery(bayes: Fit, ml: MLFit, *, seed: int = 0,
                  sampler: SamplerConfig | None = None,
                  progress: ProgressFn | None = None) -> dict:
    """Both models refitted on one simulated twin of the data and scored against its ROI.

    The twin keeps the data's spend, dates and controls; its outcomes come from one
    posterior draw of the Bayesian model (:func:`mixcast.validation.recovery.twin_outcomes`)
    and that draw's counterfactual ROI is the truth. The challenger is refitted with its
    tuned hyperparameters (:func:`mixcast.ml.validate.refit`).
    """
    from mixcast.inference.fit import fit as fit_bayes
    from mixcast.ml.run import ml_summary
    from mixcast.ml.validate import refit
    from mixcast.validation.recovery import true_roi, twin_outcomes, twin_seed

    y, index = twin_outcomes(bayes, seed=twin_seed(seed, 0))
    truth = dict(zip(bayes.channels, (float(v) for v in true_roi(bayes, index))))
    data = dataclasses.replace(bayes.data, y=np.asarray(y, dtype=float))
    sampler = dataclasses.replace(sampler or bayes.sampler, progress=False)
    bayes_twin = fit_bayes(data, bayes.spec, sampler=sampler, progress=progress)
    ml_twin = refit(ml, y, seed=seed + 7)
    return {"truth": truth, "draw": index,
            "bayes": score_against_truth(summarize(bayes_twin), truth),
            "ml": score_against_truth(ml_summary(ml_twin), truth),
            "caveat": "The twin is drawn from the Bayesian model's own structure (adstock, "
                      "saturation), so it favours that model; real data need not."}


def bayes_predict(fit: Fit, data: Dataset) -> np.ndarray:
    """Expected KPI (S', G, T) of a Bayesian fit over ``data``'s weeks, which start with
    the fitted weeks and run past them: the later weeks are forecast as a plan
    (:func:`mixcast.analysis.forecast.extend_inputs`: the fit's scales, trend and time
    basis continued; S' <= 200 evenly thinned draws)."""
    from mixcast.model.mean import mean

    inputs, media = extend_inputs(fit, plan_from_data(data, fit.data.n_times, data.n_times))
    params = {k: jnp.asarray(v, jnp.float32) for k, v in fit.param_draws(_MAX_DRAWS).items()}
    media = jnp.asarray(media)
    scaled = jax.vmap(lambda p: mean(p, media, inputs, fit.structure))(params)
    return np.asarray(scaled, dtype=np.float64) * inputs.y_scale[None, :, None]


def roi_side_by_side(bayes_summary: dict, ml_summary: dict, truth: dict | None) -> dict:
    """Per channel: spend, both ROI intervals, whether they overlap, and the truth."""
    roi = truth_roi(truth) if truth is not None else {}
    out = {}
    for channel, entry in bayes_summary["channels"].items():
        b, m = entry["roi"], ml_summary["channels"][channel]["roi"]
        out[channel] = {"spend": entry["spend"], "bayes": b, "ml": m,
                        "intervals_overlap": bool(b["lo90"] <= m["hi90"]
                                                  and m["lo90"] <= b["hi90"]),
                        "truth": roi.get(channel)}
    return out


def truth_roi(truth: dict) -> dict[str, float]:
    """``{channel: roi}`` from either that form or a truth JSON document."""
    if "channels" in truth:
        return {c: float(v["roi"]) for c, v in truth["channels"].items()}
    return {c: float(v) for c, v in truth.items()}


def score_against_truth(summary: dict, roi: dict[str, float]) -> dict:
    """ROI error against the truth: the spend-weighted error (the recovery benchmark's
    headline, ``sum_c spend_c |est_c - true_c| / sum_c spend_c true_c``: the misplaced
    incremental outcome over the true one, zero-effect channels included; None without
    spends), MAPE over channels with a non-zero truth, mean absolute error, 90% coverage,
    rank correlation, and the per-channel estimate."""
    channels = [c for c in summary["channels"] if c in roi]
    if not channels:
        raise UserError("compare: the truth names none of the runs' channels. Give true ROI "
                        f"for some of: {', '.join(summary['channels'])}.")
    est = np.array([summary["channels"][c]["roi"]["mean"] for c in channels])
    true = np.array([roi[c] for c in channels])
    covered = [summary["channels"][c]["roi"]["lo90"] <= roi[c]
               <= summary["channels"][c]["roi"]["hi90"] for c in channels]
    spend = np.array([summary["channels"][c].get("spend", np.nan) for c in channels])
    weighted = (float((spend * np.abs(est - true)).sum() / (spend * true).sum())
                if np.all(np.isfinite(spend)) and (spend * true).sum() > 0 else None)
    nonzero = true != 0
    return {"roi_error": weighted,
            "roi_mape": (float(np.mean(np.abs(est - true)[nonzero] / np.abs(true[nonzero])))
                         if nonzero.any() else None),
            "roi_mae": float(np.mean(np.abs(est - true))),
            "coverage": int(sum(covered)), "n_channels": len(channels),
            "rank_correlation": _rank_correlation(dict(zip(channels, est)), roi),
            "per_channel": {c: {"estimate": float(e), "truth": float(t),
                                "covered": bool(k)}
                            for c, e, t, k in zip(channels, est, true, covered)}}


def load_truth(path: str | Path) -> dict:
    """Read a truth JSON file (bench/data/*.truth.json style, or ``{channel: roi}``)."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"--truth {path}: no such file. Give the truth JSON written beside "
                        "simulated data (e.g. bench/data/national_5ch_156w.truth.json).")
    return json.loads(path.read_text())


def _means(summary: dict) -> dict[str, float]:
    return {c: e["roi"]["mean"] for c, e in summary["channels"].items()}


def _rank_correlation(a: dict[str, float], b: dict[str, float]) -> float | None:
    from scipy.stats import spearmanr

    common = [c for c in a if c in b]
    if len(common) < 3:
        return None
    rho = spearmanr([a[c] for c in common], [b[c] for c in common]).statistic
    return None if not np.isfinite(rho) else float(rho)


def _recovery_note(where: str, rec: dict) -> str:
    """Which model recovers ROI better, with both errors and coverages (no full stop):
    spend-weighted errors when both have them, else MAPE."""
    b, m = rec["bayes"], rec["ml"]
    key, label = (("roi_error", "spend-weighted error")
                  if b["roi_error"] is not None and m["roi_error"] is not None
                  else ("roi_mape", "error"))
    if b[key] is None or m[key] is None:
        return f"{where} the ROI errors cannot be compared (every true ROI is zero)"
    better = "ML challenger" if m[key] < b[key] else "Bayesian model"
    return (f"{where} the {better} recovers ROI better: {label} {100 * b[key]:.0f}% "
            f"(Bayesian, {b['coverage']}/{b['n_channels']} covered) vs "
            f"{100 * m[key]:.0f}% (ML, {m['coverage']}/{m['n_channels']} covered)")


# Held-out MAPEs within this share of each other are a tie: over a quarter's weeks, the
# error of a MAPE is larger than that (8.7% against 8.4% had read "ML predicts better").
MAPE_TIE = 0.15


def _notes(document: dict) -> list[str]:
    """Plain statements drawn from the numbers (no verdict the numbers do not support)."""
    notes = []
    acc = document["accuracy"]
    if "bayes" in acc:
        bayes, ml = acc["bayes"]["mape"], acc["ml"]["mape"]
        if abs(ml - bayes) <= MAPE_TIE * max(min(ml, bayes), 1e-12):
            verdict = "the two models predict about as well"
        else:
            verdict = (f"the {'ML challenger' if ml < bayes else 'Bayesian model'} "
                       "predicts better")
        notes.append(f"Out of sample ({acc['holdout_weeks']} held-out weeks) {verdict}: "
                     f"MAPE {100 * bayes:.1f}% (Bayesian) vs {100 * ml:.1f}% (ML).")
    disagree = [c for c, e in document["channels"].items() if not e["intervals_overlap"]]
    if disagree:
        notes.append("ROI intervals do not overlap for: " + ", ".join(disagree) + ".")
    if "recovery" in document:
        notes.append(_recovery_note("Against the known truth", document["recovery"]) + ".")
    if "twin" in document:
        rec = document["twin"]
        notes.append(_recovery_note("On a simulated twin of this data", rec)
                     + f". {rec['caveat']}")
    notes.append("Predictive accuracy does not validate ROI: the ML ROI is a predictive "
                 "attribution without causal structure; act on it only where it agrees with "
                 "experiments or the Bayesian model.")
    return notes
