import numpy as np

from mixcast.analysis.decomposition import contributions
from mixcast.analysis.metrics import channel_metrics
from mixcast.posterior.intervals import interval
from mixcast.inference.fit import fit
from mixcast.analysis.summary import summarize
from tests.conftest import SHORT


def test_same_data_spec_and_seed_give_bit_identical_draws(small_sim, small_fit):
    again = fit(small_sim.data, sampler=SHORT)
    for name in small_fit.idata.posterior.data_vars:
        np.testing.assert_array_equal(again.draws(name), small_fit.draws(name))


def test_different_seed_gives_different_draws(small_sim, small_fit):
    from dataclasses import replace

    other = fit(small_sim.data, sampler=replace(SHORT, seed=SHORT.seed + 1))
    assert not np.array_equal(other.draws("roi"), small_fit.draws("roi"))


def test_summary_has_the_design_contract(small_fit):
    summary = summarize(small_fit)
    assert set(summary["channels"]) == set(small_fit.channels)
    for entry in summary["channels"].values():
        assert isinstance(entry["spend"], float)
        for key in ("roi", "mroi", "contribution_share"):
            assert set(entry[key]) >= {"mean", "lo90", "hi90"}
            assert entry[key]["lo90"] <= entry[key]["mean"] <= entry[key]["hi90"]
    assert set(summary["diagnostics"]) >= {"rhat_max", "ess_bulk_min", "divergences",
                                           "fit_seconds"}
    shares = sum(e["contribution_share"]["mean"] for e in summary["channels"].values())
    assert abs(shares - 1) < 1e-6


def test_roi_is_the_counterfactual_definition(small_fit):
    """ROI = (outcome with all spend - outcome without c) / spend of c, per draw."""
    metrics = channel_metrics(small_fit)
    decomposition = contributions(small_fit)
    for c, name in enumerate(small_fit.channels):
        # Without interactions the counterfactual equals the channel's additive effect.
        mean_roi = decomposition[name].sum() / metrics.spend[c]
        assert abs(metrics.roi[:, c].mean() - mean_roi) / mean_roi < 1e-3


def test_decomposition_adds_up_to_the_fit(small_fit, small_sim):
    frame = contributions(small_fit)
    parts = frame.drop(columns=["date", "geo", "fitted"]).sum(axis=1)
    np.testing.assert_allclose(parts, frame["fitted"], rtol=1e-9)
    observed = small_sim.data.y[0]
    r2 = 1 - ((observed - frame["fitted"]) ** 2).sum() / ((observed - observed.mean()) ** 2).sum()
    assert r2 > 0.8


def test_short_fit_recovers_roi_order_of_magnitude(small_fit, small_sim):
    roi = interval(channel_metrics(small_fit).roi)
    for c, name in enumerate(small_fit.channels):
        truth = small_sim.roi[name]
        assert roi["lo90"][c] / 2 <= truth <= roi["hi90"][c] * 2, name
