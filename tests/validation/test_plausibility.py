"""Check 9, plausibility and prior-data conflict: rules on the small fit's metrics, with
implausible numbers planted (no extra sampling)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mixcast.analysis.metrics import channel_metrics
from mixcast.spec import RoiPrior
from mixcast.validation.plausibility import check_plausibility
from mixcast.validation.verdict import channel_verdicts, overall_verdict

ROI = {"mean": 1.5, "lo90": 1.2, "hi90": 1.9}


@pytest.fixture(scope="module")
def metrics(small_fit):
    return channel_metrics(small_fit)


def _planted(small_fit, metrics, *, roi_tv: float, tv_share: float):
    """The small fit's metrics with tv_spend's ROI and share of media's outcome set."""
    c = small_fit.channels.index("tv_spend")
    rng = np.random.default_rng(0)
    roi = metrics.roi.copy()
    roi[:, c] = roi_tv * np.exp(rng.normal(scale=0.1, size=roi.shape[0]))
    share = np.full_like(metrics.contribution_share, (1 - tv_share) / (roi.shape[1] - 1))
    share[:, c] = tv_share
    return dataclasses.replace(metrics, roi=roi, contribution_share=share)


def test_plausible_fit_passes(small_fit, metrics):
    check = check_plausibility(small_fit, metrics=metrics)
    assert check["status"] == "pass", check["summary"]
    assert not check["strong"]
    assert 0.0 < check["media_share"]["mean"] < 0.6
    assert {e["severity"] for e in check["channels"].values()} == {"ok"}
    assert "within its kind's plausible range" in check["summary"]


def test_a_kpi_without_a_value_does_not_claim_rois_within_revenue_ceilings(small_fit,
                                                                          metrics):
    conv = dataclasses.replace(small_fit, data=dataclasses.replace(
        small_fit.data, kpi_type="conversions"))
    check = check_plausibility(conv, metrics=metrics)
    assert check["status"] == "pass" and check["thresholds"]["roi_ceiling"] is None
    assert "plausible range" not in check["summary"]
    assert "no ROI ceilings: the KPI has no value in currency" in check["summary"]


def test_implausible_roi_is_do_not_act_with_cause_and_fix(small_fit, small_sim, metrics):
    planted = _planted(small_fit, metrics, roi_tv=100.0, tv_share=0.85)
    check = check_plausibility(small_fit, metrics=planted)
    tv = check["channels"]["tv_spend"]
    assert check["status"] == "fail" and check["strong"]
    assert tv["severity"] == "strong"
    text = " ".join(tv["findings"])
    assert "beyond what any paid media channel earns (> 20)" in text
    assert "prior's far tail" in text and "85% of media's outcome" in text
    assert tv["causes"] and any("lift test on tv_spend" in a for a in tv["advice"])
    assert any("trend_knots" in a or "holidays" in a for a in tv["advice"])
    checks = {"plausibility": check}
    rois = {c: dict(ROI) for c in small_sim.data.channels}
    channels = channel_verdicts(small_sim.data, (), rois, checks)
    assert channels["tv_spend"]["verdict"] == "do_not_act"
    assert "implausible" in channels["tv_spend"]["reasons"][0]
    assert channels["search_spend"]["verdict"] == "solid"
    overall = overall_verdict(small_sim.data, (), channels, checks)
    assert overall["verdict"] == "do_not_act"
    reason = next(r for r in overall["reasons"] if "implausible numbers" in r)
    assert not reason.endswith(".")  # reasons are joined with "; "


def test_moderate_prior_conflict_is_care(small_fit, metrics):
    # prior median 1, log sd 0.9: the 99th percentile is 8.1, the 99.9th 16.1
    check = check_plausibility(small_fit, metrics=_planted(small_fit, metrics, roi_tv=10.0,
                                                           tv_share=0.5))
    tv = check["channels"]["tv_spend"]
    assert tv["severity"] == "care" and check["status"] == "warn", tv
    assert 2.33 < tv["prior_tail_z"] < 3.09


def test_media_share_of_the_kpi_above_60_percent_is_strong(small_fit, metrics):
    inflated = dataclasses.replace(metrics, incremental_kpi=metrics.incremental_kpi
                                   * (0.7 * small_fit.data.y.sum()
                                      / metrics.incremental_kpi.sum(axis=1).mean()))
    check = check_plausibility(small_fit, metrics=inflated)
    assert check["strong"] and check["media_share"]["mean"] == pytest.approx(0.7, rel=0.05)
    assert "paid media drives 70% of the KPI" in check["summary"]


def test_spend_in_other_units_than_the_kpi_is_care_and_says_how_to_read_the_rois(
        small_fit, metrics):
    """Spend in thousands against revenue in units: the ROIs the model reports are KPI per
    unit of spend in the file's units, so the ROI ceilings (revenue per unit spent) are
    not applied, and the finding says how to read and fix them."""
    data = small_fit.data
    in_thousands = dataclasses.replace(small_fit, data=dataclasses.replace(
        data, spend=data.spend / 1000, media=data.media / 1000))
    thousandfold = dataclasses.replace(metrics, roi=metrics.roi * 1000)
    check = check_plausibility(in_thousands, metrics=thousandfold)
    assert check["status"] == "warn" and not check["strong"]
    assert check["label"] == "spend and KPI in different units"
    assert "spend is probably in thousands of the KPI's unit" in check["summary"]
    assert "KPI per unit of spend in the file's units" in check["summary"]
    assert all(e["ceiling"] is None for e in check["channels"].values())
    assert any("one currency unit" in a for a in check["advice"])
    assert not any("Do not move budget" in a for a in check["advice"])
    # the same ROIs with spend and KPI in one unit are beyond any channel: do not act
    assert check_plausibility(small_fit, metrics=thousandfold)["strong"]
    stated = dataclasses.replace(in_thousands, spec=dataclasses.replace(
        small_fit.spec, roi_prior=RoiPrior(median=1000.0, sigma=0.9)))
    summary = check_plausibility(stated, metrics=thousandfold)["summary"]
    assert "thousands" not in summary
    assert "no ROI ceilings: spend and the KPI are in different units" in summary
    assert "thousands" not in check_plausibility(small_fit, metrics=metrics)["summary"]
