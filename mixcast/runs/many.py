"""Fit many configs as independent jobs: one run directory per config, resumable.

``brands/acme/config.yaml`` becomes ``OUT/acme``. Configs are read here (a bad one fails
at once, as its own job, without a worker); the fits run on an executor
(:mod:`mixcast.executor`) and come back as Fit objects, and each run directory is written
here, atomically (:func:`mixcast.runs.directory.save_run`). So a cluster's nodes need
mixcast installed but neither the configs' data nor the output folder. A folder that
already holds a complete run is skipped: re-running after a failure or an interruption
redoes only what is missing.
"""

from __future__ import annotations

import dataclasses
import glob
import json
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from mixcast.errors import MixcastWarning, RunError, UserError
from mixcast.executor import Executor, Job, JobResult
from mixcast.executor.base import error_line
from mixcast.project import Project, load
from mixcast.storage import read_manifest

STATUSES = ("ok", "failed", "skipped")


@dataclass(frozen=True, slots=True)
class PlannedFit:
    """One config and the run directory it fits into; ``done`` when that holds a run."""

    name: str
    config: Path
    out: Path
    done: bool


@dataclass(frozen=True, slots=True)
class FitOutcome:
    """How one config ended: ``ok`` (fitted now), ``failed`` (with the error) or
    ``skipped`` (a complete run was already there)."""

    name: str
    status: str
    run: Path
    seconds: float = 0.0
    error: str | None = None
    detail: str | None = None
    diagnostics: dict | None = None
    warnings: tuple[str, ...] = ()


def plan_fits(pattern: str, out: str | Path, *, force: bool = False) -> list[PlannedFit]:
    """The configs matching the glob ``pattern``, each named after its folder.

    Raises UserError when nothing matches or two configs share a folder name.
    """
    configs = sorted(Path(p) for p in glob.glob(pattern, recursive=True) if Path(p).is_file())
    if not configs:
        raise UserError(f"--configs {pattern!r} matches no file. Quote the pattern so the "
                        "shell leaves it to mixcast, e.g. --configs 'brands/*/config.yaml'.")
    by_name: dict[str, list[Path]] = {}
    for config in configs:
        by_name.setdefault(run_name(config), []).append(config)
    clashes = {name: paths for name, paths in by_name.items() if len(paths) > 1}
    if clashes:
        listed = "; ".join(f"{name}: {', '.join(map(str, paths))}"
                           for name, paths in sorted(clashes.items()))
        raise UserError(f"--configs {pattern!r}: runs are named after each config's folder, "
                        f"and these share a name ({listed}). Rename a folder, or fit them "
                        "with separate --out folders.")
    out = Path(out)
    return [PlannedFit(name, paths[0], out / name, not force and is_complete(out / name))
            for name, paths in by_name.items()]


def run_name(config: Path) -> str:
    """A run is named after the folder that holds its config (``brands/acme/config.yaml``
    -> ``acme``)."""
    return config.resolve().parent.name


def is_complete(run: Path) -> bool:
    """Whether ``run`` holds a complete, readable run (a finished earlier fit)."""
    try:
        read_manifest(run)
    except RunError:
        return False
    return True


def fit_many(planned: list[PlannedFit], executor: Executor, *, overrides: dict | None = None,
             progress=None):
    """Fit every planned config not yet done on ``executor``; yield a :class:`FitOutcome`
    per config as it finishes (skipped ones first). ``overrides`` replace sampler settings
    (chains, warmup, draws, seed). ``progress(outcome, done, total)`` is called per job."""
    todo = [p for p in planned if not p.done]
    total, done = len(todo), 0
    for plan in planned:
        if plan.done:
            yield FitOutcome(plan.name, "skipped", plan.out)
    jobs, configs = [], {}
    for plan in todo:
        try:
            project = _load_quietly(plan.config)
        except Exception as error:  # noqa: BLE001 - a bad config is that job's failure
            done += 1
            outcome = FitOutcome(plan.name, "failed", plan.out, error=f"{plan.config}: "
                                 f"{error_line(error)}")
            if progress is not None:
                progress(outcome, done, total)
            yield outcome
            continue
        configs[plan.name] = (plan, project)
        jobs.append(_job(plan.name, project, overrides or {}))
    for result in executor.map(fit_project, jobs):
        plan, project = configs.pop(result.name)
        outcome = _save(plan, project, result)
        done += 1
        if progress is not None:
            progress(outcome, done, total)
        yield outcome


def fit_project(kind: str, data, spec, sampler_or_config):
    """The job: fit one dataset (in a worker). Returns the fit and the mixcast warnings it
    raised (shown in the final report rather than scattered through the progress)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MixcastWarning)
        if kind == "ml":
            from mixcast.ml.fit import fit_ml

            fitted = fit_ml(data, sampler_or_config)
        else:
            from mixcast.inference.fit import fit

            fitted = fit(data, spec, sampler=sampler_or_config)
    messages = tuple(dict.fromkeys(str(w.message) for w in caught
                                   if issubclass(w.category, MixcastWarning)))
    return fitted, messages


def _job(name: str, project: Project, overrides: dict) -> Job:
    if str(project.config.model.get("type", "bayes")) == "ml":
        from mixcast.ml.run import config_for

        return Job(name, ("ml", project.data, project.spec, config_for(project)))
    sampler = dataclasses.replace(project.sampler, progress=False, **overrides)
    return Job(name, ("bayes", project.data, project.spec, sampler))


def _load_quietly(config: Path) -> Project:
    """Load a config; its data warnings are in the run's summary, not the progress."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MixcastWarning)
        return load(config)


def _save(plan: PlannedFit, project: Project, result: JobResult) -> FitOutcome:
    """Write the returned fit to its run directory (atomically), or report the failure."""
    if not result.ok:
        return FitOutcome(plan.name, "failed", plan.out, result.seconds, result.error,
                          result.detail)
    fitted, messages = result.value
    try:
        started = time.perf_counter()
        if getattr(fitted, "kind", "bayes") == "ml":
            from mixcast.ml.run import save_ml_run

            save_ml_run(fitted, plan.out, config=project.config.as_dict())
        else:
            from mixcast.runs.directory import save_run

            save_run(fitted, plan.out, config=project.config.as_dict())
        seconds = result.seconds + time.perf_counter() - started
    except Exception as error:  # noqa: BLE001 - e.g. a full disk: this run fails alone
        return FitOutcome(plan.name, "failed", plan.out, result.seconds,
                          f"writing {plan.out}: {error_line(error)}")
    summary = json.loads((plan.out / "summary.json").read_text())
    return FitOutcome(plan.name, "ok", plan.out, seconds, diagnostics=summary.get("diagnostics"),
                      warnings=messages)
