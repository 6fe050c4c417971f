"""What a refresh needs from a model, and mixcast's Bayesian model meeting it.

A refresh fits, validates and forecasts through a :class:`Fitter`, so that the registry's
logic (idempotence, alerts, movement, adopted plans) is one code path whatever the model;
the tests drive it with a small closed-form model to exercise many refreshes quickly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from mixcast.data.dataset import Dataset
from mixcast.errors import MixcastWarning, UserError
from mixcast.executor import Executor, Job
from mixcast.project import Project

LEVELS = {"lo95": 2.5, "hi95": 97.5, "lo90": 5.0, "hi90": 95.0}


@dataclass(frozen=True, slots=True)
class Prediction:
    """A run's predictive distribution of the KPI, summed over geos, for some weeks.

    ``weekly`` maps mean/lo95/hi95/lo90/hi90 to (H,) arrays; ``total`` is the same for
    the sum over the H weeks (intervals of the sum, not sums of intervals).
    """

    dates: np.ndarray
    weekly: dict[str, np.ndarray]
    total: dict[str, float]

    @classmethod
    def of(cls, dates: np.ndarray, draws: np.ndarray) -> "Prediction":
        """From predictive draws (S, H) of the national KPI."""
        def summary(values: np.ndarray) -> dict:
            out = {"mean": values.mean(axis=0)}
            out.update({k: np.percentile(values, q, axis=0) for k, q in LEVELS.items()})
            return out

        total = {k: float(v) for k, v in summary(draws.sum(axis=1)).items()}
        return cls(dates=np.asarray(dates, dtype="datetime64[D]"), weekly=summary(draws),
                   total=total)


class Fitter(Protocol):
    """Fit and save a run, validate it, and predict from a saved run."""

    def fit_and_save(self, project: Project, out: Path) -> None:
        """Fit ``project`` and write the complete run directory ``out`` atomically."""

    def validate(self, run: Path) -> dict:
        """Validate the run (quickly); write and return its validation document."""

    def predict(self, run: Path, data: Dataset, start: int, stop: int, *,
                weekly_spend: np.ndarray | None = None) -> Prediction:
        """The saved run's forecast of ``data``'s weeks [start, stop), under their
        observed drivers, or with each channel's national weekly spend set to
        ``weekly_spend`` (C,) (an adopted plan)."""


@dataclass(frozen=True)
class BayesFitter:
    """mixcast's Bayesian model (NUTS), validated with the quick suite. With an
    ``executor`` (:mod:`mixcast.executor`), the fit and the validation's refits run as
    jobs on it (a Ray cluster, or local processes); the run is still written here."""

    quick_validation: bool = True
    executor: Executor | None = None

    def fit_and_save(self, project: Project, out: Path) -> None:
        from mixcast.runs.directory import save_run

        if self.executor is None:
            from mixcast.inference.fit import fit

            fitted = fit(project.data, project.spec, sampler=project.sampler)
        else:
            fitted = self._fit_as_job(project)
        save_run(fitted, out, config=project.config.as_dict())

    def _fit_as_job(self, project: Project):
        import dataclasses
        import warnings

        from mixcast.runs.many import fit_project

        sampler = dataclasses.replace(project.sampler, progress=False)
        job = Job("refresh fit", ("bayes", project.data, project.spec, sampler))
        result = next(iter(self.executor.map(fit_project, [job])))
        if not result.ok:
            raise UserError(f"the refresh's fit failed on the {self.executor.name} "
                            f"executor: {result.error}")
        fitted, messages = result.value
        for message in messages:   # the worker's warnings, shown here
            warnings.warn(message, MixcastWarning, stacklevel=2)
        return fitted

    def validate(self, run: Path) -> dict:
        from mixcast.runs.validate import validate_run

        return validate_run(run, quick=self.quick_validation, executor=self.executor)

    def predict(self, run: Path, data: Dataset, start: int, stop: int, *,
                weekly_spend: np.ndarray | None = None) -> Prediction:
        from mixcast.analysis.forecast import FuturePlan, forecast, plan_from_data
        from mixcast.runs.directory import load_run

        fitted = load_run(run)
        # The forecast continues the fit's own weeks: start right after them.
        first = int(np.searchsorted(data.dates, fitted.data.dates[-1], side="right"))
        plan = plan_from_data(data, first, stop)
        if weekly_spend is not None:
            share = data.spend[:, :first].sum(axis=1)
            share = share / np.where(share.sum(0) > 0, share.sum(0), 1.0)
            spend = np.broadcast_to(share[:, None, :] * np.asarray(weekly_spend),
                                    plan.spend.shape).copy()
            plan = FuturePlan(dates=plan.dates, spend=spend, media=None,
                              controls=plan.controls, organic=plan.organic,
                              events=plan.events)
        draws = forecast(fitted, plan).draws.sum(axis=1)[:, start - first:]
        return Prediction.of(data.dates[start:stop], draws)
