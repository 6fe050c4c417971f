"""The whole suite on simulated data with known truth: a well-specified case is not
flagged do_not_act (and its strongest channel is solid); broken cases are flagged for the
right channel with the right reason; validation.json follows the contract."""

from __future__ import annotations

import json
import shutil

import pytest

from mixcast.runs.validate import validate_run
from mixcast.validation import ALL_CHECKS, validate
from mixcast.validation.suite import dataset_issues

CHEAP = ("convergence", "fit", "priors")
VERDICTS = {"solid", "care", "do_not_act"}


@pytest.mark.slow
def test_well_specified_quick_validation(small_fit, small_run, tmp_path):
    """Honest expectation on 104 weeks and short chains: no channel do_not_act, TV (ROI 2,
    flighting) solid, the rolling backtests cover at least 70% of weeks; search/social
    may be 'care' because their 90% intervals are genuinely wide at this sample size."""
    run = tmp_path / "run"
    shutil.copytree(small_run, run)
    seen = []
    document = validate_run(run, quick=True, progress=lambda *a: seen.append(a))
    stored = json.loads((run / "validation.json").read_text())
    assert stored["overall"]["verdict"] == document["overall"]["verdict"]
    assert set(stored) >= {"overall", "channels", "checks"}
    assert list(stored["checks"]) == list(ALL_CHECKS)          # numbered 1 to 9, in order
    assert set(stored["channels"]) == set(small_fit.channels)
    for entry in stored["channels"].values():
        assert entry["verdict"] in VERDICTS and entry["reasons"]
    assert stored["overall"]["verdict"] in ("solid", "care")
    assert "do_not_act" not in {e["verdict"] for e in stored["channels"].values()}
    assert stored["channels"]["tv_spend"]["verdict"] == "solid"
    assert stored["checks"]["backtest"]["coverage90"] >= 0.7
    assert stored["checks"]["experiments"]["status"] == "skipped"
    assert stored["refits"] == 4  # 2 folds + 1 shift fold + 1 twin (stability reuses a fold)
    assert seen and seen[-1][0] == "done"


@pytest.mark.slow
def test_well_specified_and_well_measured_case_is_solid(clear_fit):
    """The model's own form, strongly varying spend, 130 weeks, 3% noise: every check of
    the quick suite passes, and every channel and the run are 'solid'. (Measured margins:
    ROI intervals within 1.25x of their bottom vs the 5x 'care' line, prior contraction
    > 0.9, ROI moved 1% without the last 13 weeks, backtest coverage >= 90%.)"""
    document = validate(clear_fit, quick=True)
    assert document["overall"]["verdict"] == "solid", document["overall"]
    for channel, entry in document["channels"].items():
        assert entry["verdict"] == "solid", (channel, entry["reasons"])
        assert entry["reasons"][0].endswith("every check passed")
    statuses = {k: v["status"] for k, v in document["checks"].items()}
    assert statuses.pop("experiments") == "skipped"
    assert set(statuses.values()) == {"pass"}, statuses
    for c, truth in zip(clear_fit.channels, (2.0, 1.5, 1.2)):
        roi = document["roi"][c]
        assert roi["lo90"] <= truth <= roi["hi90"]


def _reasons(document, channel) -> str:
    return " ".join(document["channels"][channel]["reasons"])


@pytest.mark.slow
def test_perfectly_collinear_channels_are_flagged(collinear_fit):
    document = validate(collinear_fit, checks=CHEAP)
    for channel, other in (("tv_spend", "search_spend"), ("search_spend", "tv_spend")):
        assert document["channels"][channel]["verdict"] == "do_not_act"
        assert f"collinear with {other} (r=1.00)" in _reasons(document, channel)
    assert "collinear" not in _reasons(document, "social_spend")


@pytest.mark.slow
def test_channel_without_spend_variation_is_flagged(flat_fit):
    document = validate(flat_fit, checks=CHEAP)
    assert document["channels"]["social_spend"]["verdict"] in ("care", "do_not_act")
    assert "barely varies" in _reasons(document, "social_spend")
    for channel in ("tv_spend", "search_spend"):
        assert "barely varies" not in _reasons(document, channel)


@pytest.mark.slow
def test_short_history_is_flagged(short_fit):
    assert "short_history" in {i.code for i in dataset_issues(short_fit)}
    document = validate(short_fit, checks=CHEAP + ("backtest",))
    assert document["overall"]["verdict"] in ("care", "do_not_act")
    assert any("weeks of history" in r for r in document["overall"]["reasons"])
    for channel in short_fit.channels:
        assert document["channels"][channel]["verdict"] != "solid"
        assert "short history (40 weeks)" in _reasons(document, channel)
    assert document["checks"]["backtest"]["status"] == "skipped"


def test_unknown_check_is_rejected(small_fit):
    with pytest.raises(ValueError, match="Unknown validation checks"):
        validate(small_fit, checks=("convergence", "vibes"))
