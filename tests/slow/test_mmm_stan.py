"""Real data as a new user would fit it (tests/fixtures/mmm_stan, a retailer's 209 weeks
with 10 channels, 2 macro controls and 22 holiday dummies): the default fit mixes, and either every ROI is plausible or validation's plausibility check says
do_not_act and names the conflict. Never an implausible ROI that passes; and the fix the
check names (a sharper season) gives plausible ROIs from a clean fit."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from mixcast.analysis.metrics import channel_metrics
from mixcast.inference.fit import RETRY_TARGET_ACCEPTS
from mixcast.posterior.diagnostics import diagnose_fit
from mixcast.posterior.intervals import interval
from mixcast.project import load
from mixcast.spec import SamplerConfig
from mixcast.validation.plausibility import check_plausibility
from mixcast.validation.suite import dataset_issues
from mixcast.validation.verdict import channel_verdicts, overall_verdict

CONFIG = Path(__file__).parents[1] / "fixtures" / "mmm_stan" / "config.yaml"


@pytest.fixture(scope="module")
def stan_fit():
    from mixcast.inference.fit import fit

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # the data guardrails' warnings
        project = load(CONFIG)
    return fit(project.data, project.spec,
               sampler=SamplerConfig(chains=2, warmup=500, draws=500, seed=0, progress=False))


@pytest.mark.slow
def test_default_fit_converges_and_is_plausible_or_refused(stan_fit):
    # The default step size (target_accept 0.85) leaves 2-13% of draws divergent here
    # (runs measured on 2026-12-05); the fit then samples again with smaller steps and
    # twice the warm-up: 0.95 alone left 1-21 divergent draws in 1000 depending on the
    # process (one chain's step size), with the longer warm-up 2 in 2000 (2026-12-06),
    # and up to 15 in 2000 (2026-12-07): then a last try at 0.99.
    # Beyond convergence, the guarantee tested here is that what it finds never passes
    # as plausible.
    report = diagnose_fit(stan_fit)
    assert stan_fit.sampler.target_accept in RETRY_TARGET_ACCEPTS   # the retry happened ...
    assert stan_fit.sampler.warmup == 1000          # ... with twice the warm-up
    assert report.rhat_max <= 1.02 and report.divergences <= 0.005 * report.n_draws, \
        report.problems()
    metrics = channel_metrics(stan_fit)
    issues = dataset_issues(stan_fit)
    check = check_plausibility(stan_fit, issues, metrics)
    roi = interval(metrics.roi)
    table = {c: (round(float(roi["mean"][i]), 2), round(float(roi["lo90"][i]), 2),
                 round(float(roi["hi90"][i]), 2)) for i, c in enumerate(stan_fit.channels)}
    if check["status"] == "pass":
        assert all(hi < 20 for _, _, hi in table.values()), table
        assert check["media_share"]["mean"] < 0.6
        return
    rois = {c: {"mean": m, "lo90": lo, "hi90": hi} for c, (m, lo, hi) in table.items()}
    checks = {"plausibility": check}
    channels = channel_verdicts(stan_fit.data, issues, rois, checks)
    overall = overall_verdict(stan_fit.data, issues, channels, checks)
    flagged = [c for c, e in check["channels"].items() if e["severity"] == "strong"]
    assert check["strong"] and overall["verdict"] == "do_not_act", (table, check["summary"])
    for name in flagged:
        assert channels[name]["verdict"] == "do_not_act"
        assert "implausible" in channels[name]["reasons"][0]
        assert check["channels"][name]["causes"], name


@pytest.mark.slow
def test_the_named_fix_works_six_harmonics_give_plausible_rois():
    """The check's advice for the default fit (a sharper season, ``fourier_order: 6``)
    takes the holiday season out of TV: every ROI plausible, 0 divergences."""
    from dataclasses import replace

    from mixcast.inference.fit import fit

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        project = load(CONFIG)
        fitted = fit(project.data, replace(project.spec, fourier_order=6),
                     sampler=SamplerConfig(chains=2, warmup=500, draws=500, seed=0,
                                           progress=False))
    report = diagnose_fit(fitted)
    assert report.converged and report.divergences <= 0.005 * report.n_draws
    metrics = channel_metrics(fitted)
    check = check_plausibility(fitted, dataset_issues(fitted), metrics)
    assert not check["strong"], check["summary"]
    assert float(interval(metrics.roi)["mean"].max()) < 20
