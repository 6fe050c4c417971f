"""The validation suite on ML fits: plausibility refuses an impossible story."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import mixcast
from mixcast.ml import MLConfig, fit_ml
from mixcast.ml.validate import validate_ml

MMM_STAN = Path(__file__).parents[1] / "fixtures" / "mmm_stan" / "config.yaml"
QUICK = MLConfig(n_trials=5, n_bootstrap=4, seed=0)


def test_real_data_with_an_implausible_roi_is_do_not_act():
    """On the public retailer data (tests/fixtures/mmm_stan, default config) the challenger
    credits every channel with an ROI far above what paid media earns; validation must
    say so and refuse it, naming the ceiling, as it does for the Bayesian model."""
    fit = fit_ml(mixcast.load(MMM_STAN).data, QUICK)
    doc = validate_ml(fit, quick=True)
    plausibility = doc["checks"]["plausibility"]
    flagged = [c for c, e in plausibility["channels"].items() if e["severity"] == "strong"]
    assert plausibility["status"] == "fail" and flagged
    assert doc["overall"]["verdict"] == "do_not_act"
    for channel in flagged:
        assert doc["channels"][channel]["verdict"] == "do_not_act"
        assert any("beyond what any" in r for r in doc["channels"][channel]["reasons"])
    assert not any("tighten its ROI prior" in a for a in plausibility["advice"])  # it has none


def test_simulated_data_passes_plausibility(small_sim):
    fit = fit_ml(small_sim.data, dataclasses.replace(QUICK, n_trials=0))
    doc = validate_ml(fit, quick=True)
    assert doc["checks"]["plausibility"]["status"] == "pass"


def test_a_channel_its_twin_missed_is_do_not_act_with_the_rois_named():
    from types import SimpleNamespace

    from mixcast.ml.validate import channel_verdicts

    roi = {"tv": {"mean": 1.4, "lo90": 1.1, "hi90": 1.8},
           "search": {"mean": 2.0, "lo90": 1.2, "hi90": 3.0}}
    twin = {"true": 0.09, "estimate": 1.72, "relative_error": 18.1, "covered": False}
    checks = {"recovery": {"channels": {"search": twin,
                                        "tv": {**twin, "covered": True}}},
              "experiments": {"tests": []}}
    out = channel_verdicts(SimpleNamespace(channels=("tv", "search")), roi, checks)
    assert out["tv"]["verdict"] == "care"
    assert out["search"]["verdict"] == "do_not_act"
    assert ("on its own simulated twin it estimated 1.72 for a true 0.09, outside its 90% "
            "interval") in out["search"]["reasons"]
