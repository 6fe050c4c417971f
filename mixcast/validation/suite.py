"""The validation suite: every check, the verdicts, and ``RUN/validation.json``.

Refits (backtests, spend-shift folds, stability, simulated twins, leave-one-out lift
tests) are independent of each other and all run one compiled NUTS program on the fitted
data's shapes (see :mod:`mixcast.validation.refit`). They are planned up front and run
side by side in one batch: every refit's chains together are spread over every core (a
refit's 4 chains alone would leave most cores of a larger machine idle). A refit needed
by two checks (the backtest fold that withholds the last 13 weeks is also the 13-week
stability refit) runs once. Given an executor (:mod:`mixcast.executor`: local processes or
a Ray cluster), the refits run as separate jobs instead, one refit per job: for a cluster,
or for a machine with many more cores than one batch keeps busy.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mixcast.analysis.metrics import channel_metrics
from mixcast.errors import UserError
from mixcast.executor import Executor, Job
from mixcast.posterior.intervals import interval
from mixcast.data.dataset import Issue
from mixcast.posterior.fitted import Fit
from mixcast.validation import backtest as bt
from mixcast.validation.convergence import check_convergence
from mixcast.validation.experiments import check_experiments
from mixcast.validation.fit_checks import check_fit
from mixcast.validation.plausibility import check_plausibility
from mixcast.validation.priors import check_priors
from mixcast.validation.recovery import check_recovery, twin_outcomes, twin_seed
from mixcast.validation.refit import (RefitJob, refit_job, refit_many, validation_sampler,
                                      without_posterior)
from mixcast.validation.stability import check_stability
from mixcast.validation.verdict import channel_verdicts, overall_verdict

ALL_CHECKS = ("convergence", "fit", "backtest", "spend_shift", "recovery", "stability",
              "priors", "experiments", "plausibility")
ProgressFn = Callable[[str, float, int], None]


@dataclass(frozen=True, slots=True)
class Plan:
    """What the suite will refit: backtest and shift origins, stability drops, twins."""

    origins: tuple[int, ...]
    shift_origins: tuple[int, ...]
    drops: tuple[int, ...]
    twins: int
    lift_tests: int

    def refit_keys(self, n_times: int, checks: tuple[str, ...]) -> list[tuple]:
        keys: list[tuple] = []
        if "backtest" in checks:
            keys += [("weeks", k) for k in self.origins]
        if "spend_shift" in checks:
            keys += [("weeks", k) for k in self.shift_origins]
        if "stability" in checks:
            keys += [("weeks", n_times - d) for d in self.drops if n_times - d >= 26]
        if "recovery" in checks:
            keys += [("twin", t) for t in range(self.twins)]
        if "experiments" in checks:
            keys += [("lift", i) for i in range(self.lift_tests)]
        return list(dict.fromkeys(keys))


def plan_refits(fit: Fit, *, quick: bool) -> Plan:
    """Quick: 2 rolling folds, 1 shift fold, 1 stability drop (13 weeks, shared with the
    latest fold), 1 twin. Full: 3, 2, drops of 4, 8 and 13 weeks, 2 twins. Plus one
    leave-one-out refit per lift test in both."""
    data = fit.data
    origins = bt.regular_origins(data.n_times, folds=2 if quick else 3)
    shifts = bt.shift_origins(data, folds=1 if quick else 2, exclude=origins)
    return Plan(origins=tuple(origins), shift_origins=tuple(shifts),
                drops=(13,) if quick else (4, 8, 13), twins=1 if quick else 2,
                lift_tests=len(data.lift_tests))


def validate(fit: Fit, *, quick: bool = False, checks: tuple[str, ...] = ALL_CHECKS,
             seed: int = 0, progress: ProgressFn | None = None,
             executor: Executor | None = None) -> dict:
    """Run the validation checks on ``fit`` and return the ``validation.json`` document.

    Parameters
    ----------
    quick : fewer folds and twins and shorter refit chains (2 x 200 + 200).
    checks : which of :data:`ALL_CHECKS` to run (the verdicts use those that ran).
    progress : called as ``progress(label, done, total)`` with refits done (fractional
        while a refit samples) out of ``total``.
    executor : run the refits as separate jobs on it (None: side by side in one batch,
        in this process).

    Returns
    -------
    dict : ``{"overall": {"verdict", "reasons"}, "channels": {channel: {"verdict",
        "reasons"}}, "checks": {name: {"status", "summary", ...}}, ...}``.
    """
    unknown = set(checks) - set(ALL_CHECKS)
    if unknown:
        raise ValueError(f"Unknown validation checks {sorted(unknown)}; choose from "
                         f"{', '.join(ALL_CHECKS)}.")
    started = time.perf_counter()
    plan = plan_refits(fit, quick=quick)
    refits = _Refits(fit, validation_sampler(fit, quick=quick),
                     plan.refit_keys(fit.data.n_times, checks), progress, seed=seed,
                     executor=executor)
    refits.run_all()
    issues = dataset_issues(fit)
    metrics = channel_metrics(fit)
    results = _run_checks(fit, plan, refits, checks, seed)
    if "plausibility" in checks:
        results["plausibility"] = check_plausibility(fit, issues, metrics)
    results = {name: results[name] for name in ALL_CHECKS if name in results}   # 1 to 9
    roi = {c: {k: float(v[i]) for k, v in interval(metrics.roi).items()}
           for i, c in enumerate(fit.channels)}
    channels = channel_verdicts(fit.data, issues, roi, results)
    overall = overall_verdict(fit.data, issues, channels, results)
    if progress is not None:
        progress("done", float(max(refits.total, 1)), max(refits.total, 1))
    return {
        "overall": overall, "channels": channels, "checks": results, "roi": roi,
        "data_issues": [{"code": i.code, "level": i.level, "message": i.message}
                        for i in issues],
        "mode": "quick" if quick else "full", "refits": refits.count,
        "executor": executor.name if executor is not None else "inline",
        "refit_sampler": refits.sampler.as_options(),
        "seconds": time.perf_counter() - started,
    }


def dataset_issues(fit: Fit) -> tuple[Issue, ...]:
    """The data's guardrail findings (recomputed when the Dataset carries none)."""
    if fit.data.issues:
        return fit.data.issues
    from mixcast.data.guardrails import diagnose

    return diagnose(fit.data, holidays=fit.spec.holidays,
                    roi_prior_given=fit.spec.roi_prior is not None)


def _run_checks(fit: Fit, plan: Plan, refits: "_Refits", checks, seed: int) -> dict:
    out: dict = {}
    if "convergence" in checks:
        out["convergence"] = check_convergence(fit)
    if "fit" in checks:
        out["fit"] = check_fit(fit, seed=seed)
    if "priors" in checks:
        out["priors"] = check_priors(fit)
    by_weeks = lambda k: refits.get(("weeks", k))  # noqa: E731
    if "backtest" in checks:
        out["backtest"] = bt.check_backtests(fit, by_weeks, list(plan.origins), kind="rolling")
    if "spend_shift" in checks:
        out["spend_shift"] = bt.check_backtests(fit, by_weeks, list(plan.shift_origins),
                                                kind="spend_shift")
    if "stability" in checks:
        out["stability"] = check_stability(fit, by_weeks, drops=plan.drops)
    if "recovery" in checks:
        out["recovery"] = check_recovery(
            fit, lambda y, t: refits.get(("twin", t), y=y), twins=plan.twins, seed=seed)
    if "experiments" in checks:
        out["experiments"] = check_experiments(fit, lambda i: refits.get(("lift", i)),
                                               seed=seed)
    return out


class _Refits:
    """Runs the planned refits (one batch, or jobs on an executor) and hands them out by
    key."""

    def __init__(self, fit: Fit, sampler, planned: list[tuple], progress, *,
                 seed: int, executor: Executor | None = None) -> None:
        self.fit, self.sampler, self.progress, self.seed = fit, sampler, progress, seed
        self.executor = executor
        self.planned = planned
        self.total = len(planned)
        self.cache: dict[tuple, Fit] = {}
        self.count = 0

    def run_all(self) -> None:
        """Every planned refit, side by side (one compiled program over every core)."""
        if not self.planned:
            return
        if self.executor is not None:
            self._run_as_jobs()
            return
        jobs = [self._job(key) for key in self.planned]
        total = self.total
        label = f"{total} refits side by side"

        def tick(step: int, steps: int) -> None:
            self.progress(label, total * step / max(steps, 1), total)

        if self.progress is not None:
            self.progress(label, 0.0, total)
        fits = refit_many(self.fit, jobs, sampler=self.sampler,
                          seeds=list(range(len(jobs))),
                          progress=tick if self.progress is not None else None)
        self.cache.update(zip(self.planned, fits))
        self.count = len(fits)

    def _run_as_jobs(self) -> None:
        """Every planned refit as its own job on the executor; a refit that fails stops
        validation with its error (a verdict from missing refits would mislead)."""
        light = without_posterior(self.fit)
        jobs = [Job(f"refit {i}: {key[0]} {key[1]}", (light, self._job(key), self.sampler, i))
                for i, key in enumerate(self.planned)]
        label = f"{self.total} refits as jobs ({self.executor.name})"
        if self.progress is not None:
            self.progress(label, 0.0, self.total)

        def tick(result, done: int, total: int) -> None:
            if self.progress is not None:
                self.progress(label, float(done), total)

        names = {job.name: key for job, key in zip(jobs, self.planned)}
        for result in self.executor.map(refit_job, jobs, progress=tick):
            if not result.ok:
                raise UserError(f"validation stopped: {result.name} failed ({result.error}).")
            self.cache[names[result.name]] = result.value
        self.count = len(jobs)

    def get(self, key: tuple, *, y: np.ndarray | None = None) -> Fit:
        if key not in self.cache:   # not planned: run it on its own
            self.cache[key] = refit_many(self.fit, [self._job(key, y)], sampler=self.sampler,
                                         seeds=[self.count])[0]
            self.count += 1
        return self.cache[key]

    def _job(self, key: tuple, y: np.ndarray | None = None) -> RefitJob:
        kind, value = key
        if kind == "weeks":
            return RefitJob(observed_weeks=value)
        if kind == "lift":
            return RefitJob(drop_lift_test=value)
        if y is None:
            y, _ = twin_outcomes(self.fit, seed=twin_seed(self.seed, value))
        return RefitJob(y=y)
