"""Verdict rules on hand-made check results (no sampling)."""

from __future__ import annotations

from mixcast.data.dataset import Issue
from mixcast.validation.verdict import channel_verdicts, overall_verdict

ROI = {"mean": 1.5, "lo90": 1.2, "hi90": 1.9}


def _verdicts(small_sim, checks, issues=(), roi=None):
    rois = {c: dict(ROI) for c in small_sim.data.channels}
    rois.update(roi or {})
    return channel_verdicts(small_sim.data, tuple(issues), rois, checks)


def test_clean_checks_give_solid(small_sim):
    out = _verdicts(small_sim, {})
    assert {v["verdict"] for v in out.values()} == {"solid"}
    assert overall_verdict(small_sim.data, (), out, {})["verdict"] == "solid"


def test_wide_interval_is_named_with_its_bounds(small_sim):
    out = _verdicts(small_sim, {}, roi={"social_spend": {"mean": 1.5, "lo90": 0.2,
                                                         "hi90": 4.8}})
    assert out["social_spend"]["verdict"] == "do_not_act"
    assert "ROI interval spans 0.20–4.80" in out["social_spend"]["reasons"][0]
    assert out["tv_spend"]["verdict"] == "solid"


def test_unstable_estimate_reason(small_sim):
    checks = {"stability": {"channels": {"tv_spend": {"max_relative_change": 0.45,
                                                       "worst_drop": 8}}}}
    out = _verdicts(small_sim, checks)
    assert out["tv_spend"]["verdict"] == "care"
    assert out["tv_spend"]["reasons"] == [
        "estimate moved 45% when the last 8 weeks were dropped"]


def test_prior_driven_flat_channel_is_do_not_act(small_sim):
    issues = [Issue("low_spend_variation", "warning", "flat", ("search_spend",))]
    checks = {"priors": {"channels": {"search_spend": {"contraction": 0.05}}}}
    out = _verdicts(small_sim, checks, issues)
    reasons = " ".join(out["search_spend"]["reasons"])
    assert out["search_spend"]["verdict"] == "do_not_act"
    assert "barely varies" in reasons and "barely moved from the prior" in reasons


def test_a_weak_channel_the_data_moved_far_is_not_said_to_have_barely_moved(small_sim):
    # A year of data put social at 4.81 (0.79-10.61) for a prior median of 1: the location
    # moved 1.5 prior sds while the interval hardly narrowed.
    moved = {"contraction": 0.13, "shift_in_prior_sd": 1.47, "prior_roi_median": 1.0}
    still = {"contraction": 0.13, "shift_in_prior_sd": 0.3, "prior_roi_median": 1.0}
    checks = {"priors": {"channels": {"social_spend": moved, "tv_spend": still}}}
    out = _verdicts(small_sim, checks)
    social = " ".join(out["social_spend"]["reasons"])
    assert "moved its ROI 1.5 prior sds above the prior's median (1.00)" in social
    assert "barely moved" not in social and "run a lift test" in social
    assert "barely moved from the prior" in " ".join(out["tv_spend"]["reasons"])
    assert out["social_spend"]["verdict"] == out["tv_spend"]["verdict"] == "care"


def test_failed_convergence_makes_the_run_do_not_act(small_sim):
    checks = {"convergence": {"status": "fail", "summary": "R-hat 1.4 on roi[tv_spend]",
                              "advice": ["Run longer warm-up."],
                              "roi_rhat": {"tv_spend": 1.4}}}
    out = _verdicts(small_sim, checks)
    assert out["tv_spend"]["verdict"] == "do_not_act"
    overall = overall_verdict(small_sim.data, (), out, checks)
    assert overall["verdict"] == "do_not_act"
    assert "did not converge" in overall["reasons"][0]


def test_a_twin_miss_names_the_estimates_and_truths_not_a_relative_error(small_sim):
    # A true ROI near 0 makes any relative error huge; the reason shows the ROIs instead.
    missed = {"true": [0.09, 0.56], "estimate": [1.72, 1.27], "lo90": [0.5, 0.7],
              "hi90": [3.0, 2.5], "relative_error": 9.5, "coverage90": 0.0}
    covered = {**missed, "coverage90": 0.5}
    checks = {"recovery": {"channels": {"social_spend": missed, "search_spend": covered}}}
    out = _verdicts(small_sim, checks)
    assert out["social_spend"]["verdict"] == "care"
    assert out["social_spend"]["reasons"] == [
        "on simulated data like yours the model missed the true ROI: it estimated 1.72 for a "
        "true 0.09, 1.27 for a true 0.56, outside its 90% interval"]
    assert out["search_spend"]["verdict"] == "solid"   # one twin of two inside: not missed
