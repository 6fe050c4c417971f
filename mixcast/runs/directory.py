"""Bayesian run directories: write a Fit atomically, read it back with identical numbers.

Layout (``format_version`` 1)::

    RUN/
      manifest.json     format_version, mixcast version, data fingerprint, files
      summary.json      the DESIGN.md contract
      posterior.nc      ArviZ InferenceData (netCDF)
      dataset.npz       the model-ready arrays (a run never needs the raw files again)
      dataset.json      names, dates, lift tests and guardrail issues
      spec.json         resolved model spec and sampler settings
      config.yaml       the resolved config (when fitted from one)

A run is assembled in a staging folder and renamed into place
(:func:`mixcast.storage.staged_directory`), so a crash leaves either the previous run or
the complete new one.
"""

from __future__ import annotations

from pathlib import Path

import arviz as az

from mixcast.analysis.summary import summarize
from mixcast.data.serialize import load_dataset, save_dataset
from mixcast.posterior.fitted import Fit
from mixcast.spec import ModelSpec, SamplerConfig
from mixcast.errors import RunError, UserError
from mixcast.storage import (
    finish_run, read_run_json, run_directory, staged_directory, write_json,
)


def save_run(fit: Fit, out: str | Path, *, config: dict | None = None,
             extra_files: dict[str, str] | None = None) -> Path:
    """Write ``fit`` to the run directory ``out`` atomically and return its path."""
    out = Path(out)
    with staged_directory(out) as staging:
        write_json(staging / "summary.json", summarize(fit))
        fit.idata.to_netcdf(staging / "posterior.nc")
        save_dataset(fit.data, staging)
        write_json(staging / "spec.json", {"model": fit.spec.as_options(),
                                           "sampler": fit.sampler.as_options(),
                                           "fit_seconds": fit.fit_seconds})
        finish_run(staging, fingerprint=fit.data.fingerprint(), model="bayes", config=config,
                   extra_files=extra_files)
    return out


def load_run(path: str | Path) -> Fit:
    """Read a run directory back into a :class:`Fit` (same numbers as when it was saved)."""
    path = run_directory(path, model="bayes", wrong_kind=(
        "{path}: this run holds a '{model}' model; load it with mixcast.runs.load_fitted "
        "(any kind) or mixcast.ml.load_ml_run."))
    spec_doc = read_run_json(path, "spec.json")
    try:
        data = load_dataset(path)
        spec = ModelSpec.from_options(spec_doc["model"], channels=data.channels)
        sampler = SamplerConfig.from_options(spec_doc["sampler"])
        idata = az.from_netcdf(path / "posterior.nc")
        idata.load()
        seconds = float(spec_doc["fit_seconds"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        if isinstance(error, UserError):
            raise
        raise RunError(f"{path}: the run is damaged ({type(error).__name__}: "
                       f"{str(error)[:160]}). Fit it again.") from None
    return Fit(data=data, spec=spec, sampler=sampler, idata=idata, fit_seconds=seconds)
