"""Real data as a new user would fit it (tests/fixtures/mmm_stan, a retailer's 209 weeks
with 10 channels, 2 macro controls and 22 holiday dummies): the default fit converges by
mixcast's rule, and either every ROI is plausible or validation's plausibility check says
do_not_act and names the conflict. Never an implausible ROI that passes."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from mixcast.analysis.metrics import channel_metrics
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
    report = diagnose_fit(stan_fit)
    assert report.converged, report.problems()
    assert report.divergences <= 0.005 * report.n_draws, report.divergences
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
def test_two_harmonics_put_the_holiday_season_into_tv_and_validation_refuses():
    """The old default (fourier_order 2) gave TV video an ROI of ~110 with 83% of media's
    outcome; it must never pass: plausibility is strong, TV is do_not_act, and the cause
    (its spend moves with the KPI's seasonal peaks) and fixes are named."""
    from dataclasses import replace

    from mixcast.inference.fit import fit

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        project = load(CONFIG)
        fitted = fit(project.data, replace(project.spec, fourier_order=2),
                     sampler=SamplerConfig(chains=2, warmup=300, draws=300, seed=0,
                                           progress=False))
    metrics = channel_metrics(fitted)
    check = check_plausibility(fitted, dataset_issues(fitted), metrics)
    tv = check["channels"]["mdsp_vidtr"]
    assert check["strong"] and tv["severity"] == "strong", check["summary"]
    assert tv["roi_median"] > 20 and "beyond what any paid media channel" in tv["findings"][0]
    assert "rises and falls with the KPI" in tv["causes"][0]
    assert any("fourier_order" in a for a in tv["advice"])
    roi = {c: {k: float(v[i]) for k, v in interval(metrics.roi).items()}
           for i, c in enumerate(fitted.channels)}
    channels = channel_verdicts(fitted.data, (), roi, {"plausibility": check})
    assert channels["mdsp_vidtr"]["verdict"] == "do_not_act"
    assert overall_verdict(fitted.data, (), channels,
                           {"plausibility": check})["verdict"] == "do_not_act"
