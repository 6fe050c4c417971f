"""Run directories: write a Fit atomically, read it back with identical numbers.

Layout (``format_version`` 1)::

    RUN/
      manifest.json     format_version, mixcast version, data fingerprint, files
      summary.json      the DESIGN.md contract
      posterior.nc      ArviZ InferenceData (netCDF)
      dataset.npz       the model-ready arrays (a run never needs the raw files again)
      dataset.json      names, dates, lift tests and guardrail issues
      spec.json         resolved model spec and sampler settings
      config.yaml       the resolved config (when fitted from one)

A run is assembled in a temporary sibling folder and renamed into place, so a crash leaves
either the previous run or the complete new one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
import tempfile
from pathlib import Path

import arviz as az
import numpy as np
import yaml

from mixcast.data.dataset import Dataset, Issue, LiftTest
from mixcast.errors import RunError
from mixcast.posterior.fitted import Fit
from mixcast.spec import ModelSpec, SamplerConfig
from mixcast.analysis.summary import summarize

FORMAT_VERSION = 1
_ARRAYS = ("y", "spend", "media", "controls", "organic", "events", "mediators",
           "population", "revenue_per_kpi")


def save_run(fit: Fit, out: str | Path, *, config: dict | None = None,
             extra_files: dict[str, str] | None = None) -> Path:
    """Write ``fit`` to the run directory ``out`` atomically and return its path."""
    from mixcast._version import __version__

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        summary = summarize(fit)
        _write_json(staging / "summary.json", summary)
        fit.idata.to_netcdf(staging / "posterior.nc")
        _save_dataset(fit.data, staging)
        _write_json(staging / "spec.json", {"model": fit.spec.as_options(),
                                            "sampler": fit.sampler.as_options(),
                                            "fit_seconds": fit.fit_seconds})
        if config is not None:
            (staging / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
        for name, text in (extra_files or {}).items():
            (staging / name).write_text(text)
        _write_json(staging / "manifest.json", {
            "format_version": FORMAT_VERSION, "mixcast_version": __version__,
            "fingerprint": fit.data.fingerprint(), "model": "bayes",
            "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "files": sorted(p.name for p in staging.iterdir()) + ["manifest.json"],
        })
        _swap_into_place(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def load_run(path: str | Path) -> Fit:
    """Read a run directory back into a :class:`Fit` (same numbers as when it was saved)."""
    path = Path(path)
    manifest = read_manifest(path)
    if manifest.get("model", "bayes") != "bayes":
        raise RunError(f"{path}: this run holds a '{manifest['model']}' model; load it with "
                       "mixcast.ml.load_ml_run.")
    spec_doc = json.loads((path / "spec.json").read_text())
    data = _load_dataset(path)
    spec = ModelSpec.from_options(spec_doc["model"], channels=data.channels)
    sampler = SamplerConfig.from_options(spec_doc["sampler"])
    idata = az.from_netcdf(path / "posterior.nc")
    idata.load()
    return Fit(data=data, spec=spec, sampler=sampler, idata=idata,
               fit_seconds=float(spec_doc["fit_seconds"]))


def read_manifest(path: str | Path) -> dict:
    """The manifest of a run, checked for completeness and a readable format version."""
    path = Path(path)
    if not path.is_dir():
        raise RunError(f"{path}: no such run directory. Fit one with "
                       f"`mixcast fit --config config.yaml --out {path}`.")
    manifest_file = path / "manifest.json"
    if not manifest_file.exists():
        raise RunError(f"{path}: not a mixcast run (no manifest.json). Point --run at a "
                       "folder written by `mixcast fit`.")
    manifest = json.loads(manifest_file.read_text())
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise RunError(f"{path}: run format version {version!r} is newer than this mixcast "
                       f"reads ({FORMAT_VERSION}). Upgrade mixcast.")
    missing = [f for f in manifest.get("files", []) if not (path / f).exists()]
    if missing:
        raise RunError(f"{path}: the run is incomplete (missing {', '.join(missing)}). "
                       "Fit it again.")
    return manifest


def write_json_atomic(path: str | Path, document: dict) -> None:
    """Write JSON next to its destination, then rename: readers never see half a file."""
    path = Path(path)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(handle, "w") as stream:
        json.dump(_jsonable(document), stream, indent=2, allow_nan=False)
    os.replace(tmp, path)


def _write_json(path: Path, document: dict) -> None:
    path.write_text(json.dumps(_jsonable(document), indent=2, allow_nan=False))


def _jsonable(value):
    """Replace NaN/inf by None and numpy scalars by Python ones (strict JSON)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _swap_into_place(staging: Path, out: Path) -> None:
    if not out.exists():
        os.replace(staging, out)
        return
    if not out.is_dir() or (any(out.iterdir()) and not (out / "manifest.json").exists()):
        raise RunError(f"{out} exists and is not a mixcast run; refusing to overwrite it. "
                       "Choose another --out.")
    retired = out.with_name(f".{out.name}.old")
    shutil.rmtree(retired, ignore_errors=True)
    os.replace(out, retired)
    os.replace(staging, out)
    shutil.rmtree(retired, ignore_errors=True)


def _save_dataset(data: Dataset, folder: Path) -> None:
    arrays = {name: getattr(data, name) for name in _ARRAYS if getattr(data, name) is not None}
    arrays["dates"] = data.dates.astype("datetime64[D]").astype(np.int64)
    for name, values in data.platform_attributed.items():
        arrays[f"platform__{name}"] = values
    np.savez_compressed(folder / "dataset.npz", **arrays)
    meta = {
        "geos": data.geos, "channels": data.channels, "control_names": data.control_names,
        "organic_names": data.organic_names, "event_names": data.event_names,
        "mediator_names": data.mediator_names, "kpi_type": data.kpi_type,
        "target": data.target, "geo_column": data.geo_column,
        "source": data.source,
        "lift_tests": [dataclasses.asdict(t) for t in data.lift_tests],
        "issues": [dataclasses.asdict(i) for i in data.issues],
    }
    _write_json(folder / "dataset.json", meta)


def _load_dataset(path: Path) -> Dataset:
    meta = json.loads((path / "dataset.json").read_text())
    with np.load(path / "dataset.npz") as stored:
        arrays = {k: stored[k] for k in stored.files}
    dates = arrays.pop("dates").astype("datetime64[D]")
    platform = {k.split("__", 1)[1]: arrays.pop(k) for k in list(arrays)
                if k.startswith("platform__")}
    tuples = ("geos", "channels", "control_names", "organic_names", "event_names")
    kwargs = {k: tuple(meta[k]) for k in tuples}
    kwargs["mediator_names"] = tuple(meta.get("mediator_names", ()))
    kwargs.update({k: meta[k] for k in ("kpi_type", "target", "geo_column", "source")})
    kwargs["lift_tests"] = tuple(LiftTest(**t) for t in meta["lift_tests"])
    kwargs["issues"] = tuple(Issue(**{**i, "columns": tuple(i.get("columns", ()))})
                             for i in meta["issues"])
    return Dataset(dates=dates, platform_attributed=platform, **arrays, **kwargs)
