"""A refresh with an executor: its fit is one job (the model-ready data, not files), the
worker's warnings are shown here, and a failed job stops the refresh with its error."""

from __future__ import annotations

import pytest

from mixcast.errors import MixcastWarning, UserError
from mixcast.executor import JobResult
from mixcast.project import Project
from mixcast.registry.fitter import BayesFitter
from mixcast.runs.many import fit_project


class StandIn:
    name, workers = "stand-in", 1

    def __init__(self, value=None, error=None) -> None:
        self.value, self.error, self.calls = value, error, []

    def map(self, fn, jobs, *, progress=None):
        for job in jobs:
            self.calls.append((fn, job))
            yield JobResult(job.name, self.error is None, self.value, error=self.error)


def test_the_refresh_fit_runs_as_one_job_and_relays_its_warnings(small_fit):
    project = Project(config=None, data=small_fit.data, spec=small_fit.spec,
                      sampler=small_fit.sampler)
    executor = StandIn(value=(small_fit, ("R-hat reaches 1.05",)))
    with pytest.warns(MixcastWarning, match="R-hat reaches 1.05"):
        fitted = BayesFitter(executor=executor)._fit_as_job(project)
    assert fitted is small_fit
    (fn, job), = executor.calls
    kind, data, spec, sampler = job.args
    assert fn is fit_project and kind == "bayes" and data is small_fit.data
    assert sampler.progress is False and sampler.draws == small_fit.sampler.draws


def test_a_failed_refresh_fit_is_a_clear_error(small_fit):
    project = Project(config=None, data=small_fit.data, spec=small_fit.spec,
                      sampler=small_fit.sampler)
    with pytest.raises(UserError, match="failed on the stand-in executor: out of memory"):
        BayesFitter(executor=StandIn(error="out of memory"))._fit_as_job(project)
