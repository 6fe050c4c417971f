"""Validate a saved run of either kind and write ``RUN/validation.json`` atomically."""

from __future__ import annotations

from pathlib import Path

from mixcast.executor import Executor
from mixcast.ml.run import load_ml_run
from mixcast.ml.validate import validate_ml
from mixcast.runs.directory import load_run
from mixcast.storage import read_manifest, run_model, write_json_atomic
from mixcast.validation.suite import ALL_CHECKS, ProgressFn, validate


def validate_run(run: str | Path, *, quick: bool = False,
                 checks: tuple[str, ...] = ALL_CHECKS,
                 progress: ProgressFn | None = None, executor: Executor | None = None) -> dict:
    """Validate the run directory ``run`` (Bayesian or ML) and write its validation.json.
    A Bayesian run's refits run as jobs on ``executor`` when given (the ML challenger's
    validation has no refits to share out)."""
    if run_model(read_manifest(run)) == "ml":
        document = validate_ml(load_ml_run(run), quick=quick)
    else:
        document = validate(load_run(run), quick=quick, checks=checks, progress=progress,
                            executor=executor)
    write_json_atomic(Path(run) / "validation.json", document)
    return document
