"""Compare a saved Bayesian run with a saved ML run of the same data."""

from __future__ import annotations

from pathlib import Path

from mixcast.errors import RunError
from mixcast.inference.fit import ProgressFn
from mixcast.ml.compare import compare_fits
from mixcast.ml.run import load_ml_run
from mixcast.runs.directory import load_run
from mixcast.spec import SamplerConfig
from mixcast.storage import read_manifest, run_model


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
    manifests = read_manifest(bayes_run), read_manifest(ml_run)
    kinds = [run_model(m) for m in manifests]
    if kinds != ["bayes", "ml"]:
        raise RunError(f"compare needs a Bayesian run for --bayes and an ML run for --ml; got "
                       f"{kinds[0]!r} and {kinds[1]!r}. Swap them or fit the "
                       "missing one with `mixcast fit --model ml`.")
    if manifests[0]["fingerprint"] != manifests[1]["fingerprint"]:
        raise RunError(f"{bayes_run} and {ml_run} were fitted on different data (fingerprints "
                       "differ); fit both models on the same config to compare them.")
    bayes, ml = load_run(bayes_run), load_ml_run(ml_run)
    document = compare_fits(bayes, ml, truth=truth, holdout_weeks=holdout_weeks, twin=twin,
                            ml_trials=ml_trials, sampler=sampler, progress=progress)
    document["runs"] = {"bayes": str(bayes_run), "ml": str(ml_run)}
    return document


