"""validate's refits as jobs on an executor: one job per planned refit, carrying the fit
without its posterior; results handed to the checks by key; a failed refit stops
validation with its error. The executor here is a stand-in that answers every refit with
the original fit (the plumbing is under test; running jobs is tests/executor's business)."""

from __future__ import annotations

import pytest

from mixcast.errors import UserError
from mixcast.executor import JobResult
from mixcast.validation.refit import refit_job
from mixcast.validation.suite import plan_refits, validate


class StandIn:
    name, workers = "stand-in", 2

    def __init__(self, fit, fail: str | None = None) -> None:
        self.fit, self.fail, self.jobs = fit, fail, []

    def describe(self, n_jobs: int) -> str:
        return "here"

    def map(self, fn, jobs, *, progress=None):
        jobs = list(jobs)
        for done, job in enumerate(jobs, 1):
            self.jobs.append((fn, job))
            failed = self.fail is not None and self.fail in job.name
            result = JobResult(job.name, not failed, None if failed else self.fit,
                               error="boom" if failed else None)
            if progress is not None:
                progress(result, done, len(jobs))
            yield result


def test_each_planned_refit_is_one_job_and_its_result_reaches_the_checks(small_fit):
    executor, seen = StandIn(small_fit), []
    document = validate(small_fit, quick=True, checks=("backtest", "stability"),
                        executor=executor, progress=lambda *a: seen.append(a))
    plan = plan_refits(small_fit, quick=True)
    weeks = sorted({*plan.origins, *(small_fit.data.n_times - d for d in plan.drops)})
    assert sorted(job.args[1].observed_weeks for _, job in executor.jobs) == weeks
    assert all(fn is refit_job for fn, _ in executor.jobs)
    shipped = executor.jobs[0][1].args[0]
    assert len(shipped.idata.groups()) == 0 and shipped.data is small_fit.data
    assert document["executor"] == "stand-in" and document["refits"] == len(weeks)
    assert len(document["checks"]["backtest"]["folds"]) == len(plan.origins)
    assert seen[-2][1:] == (float(len(weeks)), len(weeks))


def test_a_failed_refit_job_stops_validation_with_its_error(small_fit):
    with pytest.raises(UserError, match="refit 0: weeks .* failed \\(boom\\)"):
        validate(small_fit, quick=True, checks=("backtest",),
                 executor=StandIn(small_fit, fail="refit 0"))

