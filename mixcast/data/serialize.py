"""A Dataset on disk: ``dataset.npz`` (the arrays) and ``dataset.json`` (names, dates, lift
tests and guardrail issues), so a run never needs the raw files again."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from mixcast.data.dataset import Dataset, Issue, LiftTest
from mixcast.storage import write_json

_ARRAYS = ("y", "spend", "media", "controls", "organic", "events", "mediators",
           "population", "revenue_per_kpi")


def save_dataset(data: Dataset, folder: Path) -> None:
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
    write_json(folder / "dataset.json", meta)


def load_dataset(path: Path) -> Dataset:
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
