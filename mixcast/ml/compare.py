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

from mixcast.analysis.summary import summarize
from mixcast.data.dataset import Dataset
from mixcast.errors import RunError, UserError
from mixcast.model.inputs import ModelInputs, holiday_columns
from mixcast.ml.fit import MLConfig, MLFit, fit_ml
from mixcast.ml.learners import mape, r_squared
from mixcast.posterior.fitted import Fit
from mixcast.spec import SamplerConfig
from mixcast.transforms.holidays import holiday_indicators
from mixcast.transforms.seasonality import fourier_features

ProgressFn = Callable[[int, int], None]
_MAX_DRAWS = 200


def compare_runs(bayes_run: str | Path, ml_run: str | Path, *, truth: dict | None = None,
                 holdout_weeks: int = 13, twin: bool = False, ml_trials: int | None = None,
                 sampler: SamplerConfig | None = None,
                 progress: ProgressFn | None = None) -> dict:
    """Compare two saved runs of the same data (see the module docstring).

    Parameters
    ----------
    bayes_run, ml_run : run directories from ``mixcast fit`` and ``mixcast fit --model ml``.
    truth : optional true ROI per channel (``{channel: roi}``, or a truth JSON document
        with ``{"channels": {channel: {"roi": ...}}}``), for data simulated with known truth.
    holdout_weeks : weeks held out at the end for the accuracy refits (0 skips them).
    ml_trials : Optuna trials for re-tuning the challenger (default: the run's own).
    sampler : NUTS settings of the Bayesian refit (default: the run's own).
    """
    from mixcast.ml.run import load_ml_run
    from mixcast.runs.directory import load_run, read_manifest

    manifests = read_manifest(bayes_run), read_manifest(ml_run)
    if [m.get("model", "bayes") for m in manifests] != ["bayes", "ml"]:
        raise RunError(f"compare needs a Bayesian run for --bayes and an ML run for --ml; got "
                       f"{manifests[0].get('model', 'bayes')!r} and "
                       f"{manifests[1].get('model', 'bayes')!r}. Swap them or fit the "
                       "missing one with `mixcast fit --model ml`.")
    if manifests[0]["fingerprint"] != manifests[1]["fingerprint"]:
        raise RunError(f"{bayes_run} and {ml_run} were fitted on different data (fingerprints "
                       "differ); fit both models on the same config to compare them.")
    bayes, ml = load_run(bayes_run), load_ml_run(ml_run)
    document = compare_fits(bayes, ml, truth=truth, holdout_weeks=holdout_weeks, twin=twin,
                            ml_trials=ml_trials, sampler=sampler, progress=progress)
    document["runs"] = {"bayes": str(bayes_run), "ml": str(ml_run)}
    return document


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
    ml_kpi = _ml_predict_span(ml_refit, data)[:, :, cut:]
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
    the fitted weeks and may run past them (scales and trend from the fit; S' <= 200)."""
    from mixcast.model.mean import mean

    inputs = extend_inputs(fit, data)
    draws = fit.param_draws()
    n_draws = len(next(iter(draws.values())))
    keep = np.linspace(0, n_draws - 1, min(n_draws, _MAX_DRAWS)).astype(int)
    params = {k: jnp.asarray(v[keep], jnp.float32) for k, v in draws.items()}
    media = jnp.asarray(inputs.media)
    scaled = jax.vmap(lambda p: mean(p, media, inputs, fit.structure))(params)
    return np.asarray(scaled, dtype=np.float64) * inputs.y_scale[None, :, None]


def extend_inputs(fit: Fit, data: Dataset) -> ModelInputs:
    """The fit's :class:`~mixcast.inputs.ModelInputs` carried over ``data``'s weeks: same
    scales, trend line and knots continued past the fitted window."""
    train, spec = fit.inputs, fit.spec
    n_train, n_times = fit.data.n_times, data.n_times
    t = np.arange(n_times) / max(n_train - 1, 1)
    knots = np.linspace(0.0, 1.0, spec.trend_knots + 2)[1:-1]
    hinges = np.maximum(t[:, None] - knots[None, :], 0.0)
    trend = np.concatenate([t[:, None] - 0.5, hinges - hinges[:n_train].mean(axis=0)], axis=1)
    # Same Gaussian bumps as mixcast.inputs._time_basis, continued past the window.
    centers = np.linspace(0.0, 1.0, train.time_basis.shape[1])
    width = 1.0 / max(len(centers) - 1, 1)
    time_basis = np.exp(-0.5 * ((t[:, None] - centers[None, :]) / width) ** 2)
    weeks = data.dates.astype("datetime64[D]").astype(np.int64) / 7.0
    f32 = np.float32
    return dataclasses.replace(
        train, media=(data.media / train.media_scale[:, None, :]).astype(f32),
        spend=data.spend.astype(np.float64),
        y=(data.y / train.y_scale[:, None]).astype(f32), value=data.value_per_kpi(),
        controls=((data.controls_or_empty() - train.control_center)
                  / train.control_scale).astype(f32),
        organic=(data.organic_or_empty() / train.organic_scale[:, None, :]).astype(f32),
        events=data.events_or_empty().astype(f32),
        season=fourier_features(weeks, order=spec.fourier_order).astype(f32),
        holidays=holiday_indicators(data.dates, spec.holidays,
                                    holiday_columns(fit.data, spec).members).astype(f32),
        trend=trend.astype(f32), time_basis=time_basis.astype(f32))


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
    """ROI error against the truth: MAPE, mean absolute error, 90% coverage, rank
    correlation, and the per-channel estimate."""
    channels = [c for c in summary["channels"] if c in roi]
    if not channels:
        raise UserError("compare: the truth names none of the runs' channels. Give true ROI "
                        f"for some of: {', '.join(summary['channels'])}.")
    est = np.array([summary["channels"][c]["roi"]["mean"] for c in channels])
    true = np.array([roi[c] for c in channels])
    covered = [summary["channels"][c]["roi"]["lo90"] <= roi[c]
               <= summary["channels"][c]["roi"]["hi90"] for c in channels]
    return {"roi_mape": float(np.mean(np.abs(est - true) / np.abs(true))),
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


def _ml_predict_span(fit: MLFit, data: Dataset) -> np.ndarray:
    """(S, G, T) challenger predictions over ``data``'s weeks (fitted weeks first)."""
    from mixcast.ml.features import Baseline

    media = data.media / fit.scales.media_scale[:, None, :]
    return fit.predict_kpi(media[None], base=Baseline.of(data))[:, 0]


def _means(summary: dict) -> dict[str, float]:
    return {c: e["roi"]["mean"] for c, e in summary["channels"].items()}


def _rank_correlation(a: dict[str, float], b: dict[str, float]) -> float | None:
    from scipy.stats import spearmanr

    common = [c for c in a if c in b]
    if len(common) < 3:
        return None
    rho = spearmanr([a[c] for c in common], [b[c] for c in common]).statistic
    return None if not np.isfinite(rho) else float(rho)


def _notes(document: dict) -> list[str]:
    """Plain statements drawn from the numbers (no verdict the numbers do not support)."""
    notes = []
    acc = document["accuracy"]
    if "bayes" in acc:
        better = "ML challenger" if acc["ml"]["mape"] < acc["bayes"]["mape"] else "Bayesian model"
        notes.append(f"Out of sample ({acc['holdout_weeks']} held-out weeks) the {better} "
                     f"predicts better: MAPE {100 * acc['bayes']['mape']:.1f}% (Bayesian) vs "
                     f"{100 * acc['ml']['mape']:.1f}% (ML).")
    disagree = [c for c, e in document["channels"].items() if not e["intervals_overlap"]]
    if disagree:
        notes.append("ROI intervals do not overlap for: " + ", ".join(disagree) + ".")
    if "recovery" in document:
        rec = document["recovery"]
        better = "ML challenger" if rec["ml"]["roi_mape"] < rec["bayes"]["roi_mape"] \
            else "Bayesian model"
        notes.append(f"Against the known truth the {better} recovers ROI better: error "
                     f"{100 * rec['bayes']['roi_mape']:.0f}% (Bayesian, {rec['bayes']['coverage']}"
                     f"/{rec['bayes']['n_channels']} covered) vs "
                     f"{100 * rec['ml']['roi_mape']:.0f}% (ML, {rec['ml']['coverage']}/"
                     f"{rec['ml']['n_channels']} covered).")
    if "twin" in document:
        rec = document["twin"]
        better = "ML challenger" if rec["ml"]["roi_mape"] < rec["bayes"]["roi_mape"] \
            else "Bayesian model"
        notes.append(f"On a simulated twin of this data the {better} recovers ROI better: "
                     f"error {100 * rec['bayes']['roi_mape']:.0f}% (Bayesian, "
                     f"{rec['bayes']['coverage']}/{rec['bayes']['n_channels']} covered) vs "
                     f"{100 * rec['ml']['roi_mape']:.0f}% (ML, {rec['ml']['coverage']}/"
                     f"{rec['ml']['n_channels']} covered). {rec['caveat']}")
    notes.append("Predictive accuracy does not validate ROI: the ML ROI is a predictive "
                 "attribution without causal structure; act on it only where it agrees with "
                 "experiments or the Bayesian model.")
    return notes
