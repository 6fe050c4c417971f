"""ML run directories: the same contract as a Bayesian run, plus the challenger's models.

Layout (``format_version`` 1, ``manifest.json`` has ``"model": "ml"``)::

    RUN/
      manifest.json       format_version, mixcast version, data fingerprint, model, files
      summary.json        the DESIGN.md contract; diagnostics keys present, MCMC ones null;
                          plus "model", "accuracy" (out-of-sample), "limits"
      dataset.npz/.json   the data, exactly as a Bayesian run stores it
      spec.json           {"model": {"type": "ml"}, "ml": MLConfig, "fit_seconds"}
      ml_model.json       scales, trend, feature names, members and weights, tuning, CV
      models/             r000_lightgbm.txt (LightGBM), r000_xgboost.json (XGBoost),
                          one set per replicate (media parameters and the linear layer
                          are in ml_model.json)
      ml_analysis.json    response curves, permutation importance, SHAP shares
      contributions.csv   weekly SHAP contributions per channel (KPI units)
      limits.txt          what this model cannot tell you
      config.yaml         the resolved config (when fitted from one)

For other verbs (forecast, optimise, scenario, report), an ML run offers:

- :func:`load_ml_run` -> :class:`~mixcast.ml.fit.MLFit`; then
  :func:`mixcast.ml.attribution.channel_metrics` gives per-replicate ROI/mROI/share
  (S, C) like :func:`mixcast.analysis.channel_metrics`, and
  :func:`mixcast.ml.attribution.plan_outcomes` the (S, V, 2) outcomes of media plans like
  :func:`mixcast.counterfactual.plan_outcomes`;
- :func:`predict_ml` (run directory + a spend plan frame -> ``date, [geo,] mean, lo90,
  hi90``), the forecast contract.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from mixcast.data.guardrails import breakeven_roi
from mixcast.data.serialize import load_dataset, save_dataset
from mixcast.ml.ensemble import Ensemble, Replicate
from mixcast.ml.features import Scales
from mixcast.ml.fit import MLConfig, MLFit, fit_ml
from mixcast.ml.learners import LearnerKind, Tuned, load_model, save_model
from mixcast.ml.media import LinearLayer, MediaParams
from mixcast.ml.tuning import MediaSearch
from mixcast.storage import (finish_run, read_manifest, run_directory, run_model,
                             staged_directory, write_json)
from mixcast.validation.accuracy import mape, r_squared

DEFAULT_CONFIG = MLConfig()
LIMITS = (
    "Trees do not extrapolate: beyond the spend observed in the data, the response "
    "follows the media layer's fitted saturation curve alone (the trees on top are flat "
    "there), so curves, mROI and plans beyond observed spend rest on that curve's shape.",
    "Correlation is not causation: the media layer is a non-negative regression on "
    "adstocked, saturated spend (hyper-parameter sets drawn from the Bayesian model's "
    "shape priors and chosen by forecast accuracy and lift tests; every channel's ROI "
    "shrunk toward the channels' common ROI), so its ROI is a predictive attribution, "
    "causal only as far as the lift tests anchor it.",
    "Collinear channels share credit arbitrarily: when channels move together, the split "
    "of their effect between them rests on the shrinkage toward the common ROI and, where "
    "the trees see media, on which features they happened to use.",
    "Intervals come from block-bootstrap refits over the search's best hyper-parameter "
    "sets; they show how much the fit moves with the data, not the full uncertainty about "
    "causal effects.",
)

LIFT_NOTE = ("The ML challenger is calibrated on lift tests: each test is a row of its "
             "non-negative media regression (weighted by its standard error) and a penalty "
             "in the hyper-parameter search; its measured lift is shown beside the lift the "
             "model implies by counterfactual (observed spend versus the window at business "
             "as usual), and disagreements are listed in warnings. Tests dated outside the "
             "data's weeks are not used.")
# Keys of summary.json an ML run writes besides the DESIGN.md contract ("channels",
# "diagnostics"). Keys a Bayesian run adds that are not listed here are Bayesian-only.
SUMMARY_KEYS = ("kpi_type", "breakeven_roi", "target", "n_weeks", "n_geos", "date_range",
                "warnings", "lift_tests", "lift_tests_note", "mixcast_version", "model", "accuracy",
                "interval_method", "mroi_step", "features", "limits", "notes",
                "media_parameters")


def config_for(project) -> MLConfig:
    """The challenger's settings for a loaded project: the defaults, with the config's
    ``model.interactions`` (e.g. ``["tv_spend:search_spend"]``, already checked against
    the channels) as interaction features, the same key the Bayesian model reads."""
    import dataclasses

    interactions = tuple(tuple(pair) for pair in project.spec.interactions)
    if not interactions:
        return DEFAULT_CONFIG
    return dataclasses.replace(DEFAULT_CONFIG, features=dataclasses.replace(
        DEFAULT_CONFIG.features, interactions=interactions))


def ml_summary(fit: MLFit) -> dict:
    """summary.json for an ML run: the Bayesian run's keys, with ML-specific additions."""
    from mixcast._version import __version__
    from mixcast.analysis.summary import channel_entries
    from mixcast.ml.attribution import channel_metrics, lift_test_checks

    channels = channel_entries(channel_metrics(fit))
    lifts = lift_test_checks(fit)
    fitted = fit.predict_kpi(fit.media[None]).mean(axis=0)[0]
    return {
        "channels": channels,
        "diagnostics": {  # the Bayesian keys, MCMC ones null; replicates stand for draws
            "rhat_max": None, "ess_bulk_min": None, "divergences": None,
            "fit_seconds": fit.fit_seconds, "ess_tail_min": None, "rhat_worst": None,
            "ess_worst": None, "tree_depth_saturated": None, "bfmi_min": None,
            "n_draws": len(fit.replicates), "n_chains": None, "converged": None,
            "status": None, "problems": [], "tuning_seconds": fit.tuning_seconds},
        "kpi_type": fit.data.kpi_type, "breakeven_roi": breakeven_roi(fit.data),
        "target": fit.data.target,
        "n_weeks": int(fit.data.n_times), "n_geos": int(fit.data.n_geos),
        "date_range": [str(fit.data.dates[0])[:10], str(fit.data.dates[-1])[:10]],
        "warnings": [i.message for i in fit.data.issues if i.level == "warning"]
        + [_lift_warning(check) for check in lifts if check["contradicts"]],
        "lift_tests": lifts,
        "lift_tests_note": (LIFT_NOTE if fit.data.lift_tests
                            else "The data has no lift tests."),
        "mixcast_version": __version__,
        "model": "ml",
        "accuracy": {"cv_mape": fit.cv["mape"], "cv_r2": fit.cv["r2"],
                     "in_sample_mape": mape(fit.data.y.ravel(), fitted.ravel()),
                     "in_sample_r2": r_squared(fit.data.y.ravel(), fitted.ravel()),
                     "cv_folds": fit.cv["folds"]},
        "interval_method": f"5th-95th percentile over {len(fit.replicates)} block-bootstrap "
                           "refits over the search's best media hyper-parameters",
        "mroi_step": fit.config.mroi_step,
        "features": fit.config.features.as_dict(),
        "limits": list(LIMITS),
        "notes": list(fit.notes),
        "media_parameters": {c: {"decay": fit.search.candidates[0].decay[i],
                                 "half_saturation": fit.search.candidates[0].half[i],
                                 "slope": fit.search.candidates[0].slope[i]}
                             for i, c in enumerate(fit.channels)},
    }


def _lift_warning(check: dict) -> str:
    return (f"Lift test '{check['label']}' ({check['channel']}) measured "
            f"{check['measured']:,.0f} ± {check['measured_se']:,.0f}, but the ML challenger "
            f"implies {check['implied_mean']:,.0f} (90%: {check['implied_lo90']:,.0f} – "
            f"{check['implied_hi90']:,.0f}); z = {check['z']:.1f}, although the test was "
            "used in the fit; trust the experiment over this model for that channel.")


def save_ml_run(fit: MLFit, out: str | Path, *, config: dict | None = None) -> Path:
    """Write ``fit`` to the run directory ``out`` atomically and return its path."""
    from mixcast.ml.attribution import shap_contributions

    out = Path(out)
    with staged_directory(out) as staging:
        write_json(staging / "summary.json", ml_summary(fit))
        save_dataset(fit.data, staging)
        write_json(staging / "spec.json", {"model": {"type": "ml"}, "ml": fit.config.as_dict(),
                                           "fit_seconds": fit.fit_seconds})
        write_json(staging / "ml_model.json", _model_document(fit, staging / "models"))
        write_json(staging / "ml_analysis.json", _analysis_document(fit))
        shap_contributions(fit).to_csv(staging / "contributions.csv", index=False)
        (staging / "limits.txt").write_text("\n\n".join(LIMITS) + "\n")
        finish_run(staging, fingerprint=fit.data.fingerprint(), model="ml", config=config)
    return out


def load_ml_run(path: str | Path) -> MLFit:
    """Read an ML run directory back into an :class:`~mixcast.ml.fit.MLFit`."""
    path = run_directory(path, model="ml", wrong_kind=(
        "{path}: this run holds a Bayesian model, not the ML challenger; load it with "
        "mixcast.load_run, or fit one with `mixcast fit --model ml`."))
    doc = json.loads((path / "ml_model.json").read_text())
    replicates = tuple(_load_replicate(r, path / "models") for r in doc["replicates"])
    tuned = tuple(Tuned(kind=LearnerKind(t["kind"]), params=t["params"],
                        cv_mape=float("nan"), oof_kpi=(), n_trials=0, seconds=0.0)
                  for t in doc["tuned"])
    return MLFit(data=load_dataset(path), config=MLConfig.from_dict(doc["config"]),
                 scales=Scales.from_dict(doc["scales"]), trend=np.asarray(doc["trend"]),
                 replicates=replicates, tuned=tuned,
                 search=MediaSearch.from_dict(doc["search"]), cv=doc["cv"],
                 fit_seconds=float(doc["fit_seconds"]),
                 tuning_seconds=float(doc["tuning_seconds"]), notes=tuple(doc["notes"]))


def _load_replicate(doc: dict, folder: Path) -> Replicate:
    trees = None
    if doc["trees"]:
        trees = Ensemble(kinds=tuple(LearnerKind(m["kind"]) for m in doc["trees"]),
                         models=tuple(load_model(LearnerKind(m["kind"]), folder / m["file"])
                                      for m in doc["trees"]),
                         weights=tuple(float(m["weight"]) for m in doc["trees"]))
    return Replicate(media=MediaParams.from_dict(doc["media"]),
                     linear=LinearLayer.from_dict(doc["linear"]), trees=trees)


def predict_ml(run_dir: str | Path, spend_plan_frame: pd.DataFrame) -> pd.DataFrame:
    """Forecast the KPI for a spend plan with a saved ML run.

    Parameters
    ----------
    run_dir : a run directory written by ``mixcast fit --model ml``.
    spend_plan_frame : one row per week (and geo, for geo data) with the config's date
        column, every channel's spend column and every control/organic column; event
        columns are optional (0 when absent). Weeks before the plan's first date come from
        the run's data and supply carryover.

    Returns
    -------
    DataFrame ``date, [geo,] mean, lo90, hi90`` (KPI units). The interval combines the
    spread of the bootstrap replicates with the out-of-fold errors of the CV.
    """
    from mixcast.ml.predict import forecast

    run_dir = Path(run_dir)
    return forecast(load_ml_run(run_dir), spend_plan_frame,
                    date_column=_date_column(run_dir)).frame()


def is_ml_run(path: str | Path) -> bool:
    """True when the run directory at ``path`` holds the ML challenger (checked manifest)."""
    return run_model(read_manifest(path)) == "ml"


def _model_document(fit: MLFit, folder: Path) -> dict:
    """ml_model.json, writing every member's native model file into ``folder``."""
    folder.mkdir()
    replicates = []
    for r, rep in enumerate(fit.replicates):
        members = []
        if rep.trees is not None:
            for kind, model, weight in zip(rep.trees.kinds, rep.trees.models,
                                           rep.trees.weights):
                name = save_model(kind, model, folder, f"r{r:03d}_{kind.value}")
                members.append({"kind": kind.value, "file": name, "weight": weight})
        replicates.append({"media": rep.media.as_dict(), "linear": rep.linear.as_dict(),
                           "trees": members})
    return {
        "config": fit.config.as_dict(), "scales": fit.scales.as_dict(),
        "trend": fit.trend.tolist(), "feature_names": list(fit.names),
        "replicates": replicates, "cv": fit.cv, "search": fit.search.as_dict(),
        "tuned": [{"kind": t.kind.value, "params": t.params} for t in fit.tuned],
        "fit_seconds": fit.fit_seconds, "tuning_seconds": fit.tuning_seconds,
        "notes": list(fit.notes),
    }


def _analysis_document(fit: MLFit) -> dict:
    """Response curves, permutation importance and mean |SHAP| share per channel."""
    from mixcast.ml.attribution import permutation_importance, response_curves, shap_values
    from mixcast.ml.features import channel_groups

    values, _ = shap_values(fit)
    magnitude = {c: float(np.abs(values @ w).mean())
                 for c, w in channel_groups(fit.names, fit.channels).items()}
    total = sum(magnitude.values()) or 1.0
    return {"response_curves": response_curves(fit),
            "permutation_importance": permutation_importance(fit, seed=fit.config.seed),
            "shap_share": {c: v / total for c, v in magnitude.items()}}


def _date_column(run_dir: Path) -> str:
    config_file = run_dir / "config.yaml"
    if config_file.exists():
        return str((yaml.safe_load(config_file.read_text()) or {}).get("date", "date"))
    return "date"
