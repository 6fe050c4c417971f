"""Recovery of the opt-in effects on simulated data with known truth (two short fits).

One simulation has all three: TV raises branded search volume which raises sales (a
mediator), a TV x search synergy and a null search x social pair, and search's
effectiveness drifting upwards. It is fitted once with the mediated structure and once
the common naive way (the mediator as a control). Tolerances: the truth inside the 90%
interval; the naive total-ROI error larger than the mediated one.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mixcast.analysis.metrics import channel_metrics
from mixcast.analysis.effects import indirect_outcomes, quarterly_roi
from mixcast.analysis.simulate import ChannelTruth, MediatorTruth, SimulationSpec, simulate
from mixcast.spec import SamplerConfig
from mixcast.analysis.summary import summarize
from tests.test_effects import truth_view

pytestmark = pytest.mark.slow

SAMPLER = SamplerConfig(chains=2, warmup=300, draws=300, seed=11, progress=False,
                        continue_unconverged=False)


def effects_spec() -> SimulationSpec:
    channels = {
        "tv_spend": ChannelTruth(roi=1.5, decay=0.5, half_saturation=1.0, slope=1.5,
                                 pattern="flighting", weekly_spend=30_000),
        "search_spend": ChannelTruth(roi=1.5, decay=0.2, half_saturation=1.0, slope=1.2,
                                     pattern="pulsed", weekly_spend=20_000),
        "social_spend": ChannelTruth(roi=0.8, decay=0.3, half_saturation=1.2, slope=1.0,
                                     pattern="bursty", weekly_spend=15_000),
    }
    return SimulationSpec(
        channels=channels, n_weeks=156, baseline_level=300_000.0, noise=0.04, seed=5,
        mediators=(MediatorTruth("brand_search", (("tv_spend", 0.8),), kpi_share=0.3,
                                 noise=0.15),),
        interactions=(("tv_spend", "search_spend", 0.25), ("search_spend", "social_spend", 0.0)),
        drift=(("search_spend", 1.2),))


@pytest.fixture(scope="module")
def truth():
    return truth_view(effects_spec())


@pytest.fixture(scope="module")
def mediated_fit(truth):
    from mixcast.inference.fit import fit

    return fit(truth[0].data, effects_spec().model_spec(), sampler=SAMPLER)


@pytest.fixture(scope="module")
def naive_fit(truth):
    """The mediator entered as a control: the usual 'bad control' that hides TV's
    indirect path."""
    from mixcast.inference.fit import fit

    data = truth[0].data
    controls = np.concatenate([data.controls, data.mediators], axis=-1)
    naive = dataclasses.replace(data, controls=controls, mediators=None, mediator_names=(),
                                control_names=(*data.control_names, "brand_search"))
    spec = dataclasses.replace(effects_spec().model_spec(), mediators=())
    return fit(naive, spec, sampler=SAMPLER)


def test_indirect_effect_is_recovered_and_total_roi_beats_the_naive_model(
        truth, mediated_fit, naive_fit):
    sim, inputs, structure, params = truth
    spend_tv = sim.data.spend[..., 0].sum()
    true_indirect = indirect_outcomes(params, inputs, structure)[0, 0, 0] / spend_tv
    summary = summarize(mediated_fit)
    tv = summary["mediation"]["channels"]["tv_spend"]
    print("indirect ROI truth", true_indirect, "fitted", tv["indirect_roi"])
    assert tv["indirect_roi"]["lo90"] <= true_indirect <= tv["indirect_roi"]["hi90"]
    assert tv["indirect_roi"]["lo90"] > 0
    assert tv["total_roi"]["mean"] == pytest.approx(summary["channels"]["tv_spend"]["roi"]["mean"])
    mediated = channel_metrics(mediated_fit).roi[:, 0].mean()
    naive = channel_metrics(naive_fit).roi[:, 0].mean()
    print("TV total ROI truth", sim.roi["tv_spend"], "mediated", mediated, "naive", naive)
    assert abs(mediated - sim.roi["tv_spend"]) < abs(naive - sim.roi["tv_spend"])
    roi = summary["channels"]["tv_spend"]["roi"]
    assert roi["lo90"] <= sim.roi["tv_spend"] <= roi["hi90"]


def test_synergy_is_detected_and_a_null_pair_is_not_claimed(mediated_fit):
    found = summarize(mediated_fit)["interactions"]
    real, null = found["tv_spend:search_spend"], found["search_spend:social_spend"]
    print("synergy", real["coefficient"], "null", null["coefficient"])
    assert real["excludes_zero"] and real["coefficient"]["lo90"] > 0
    assert real["incremental_outcome"]["lo90"] > 0
    assert not null["excludes_zero"]
    assert "No evidence of synergy" in null["statement"]


def test_quarterly_roi_follows_the_drift(truth, mediated_fit):
    sim, inputs, structure, params = truth
    _, true_roi, _ = quarterly_roi(params, inputs, structure, sim.data.spend, sim.data.dates,
                                   structure.time_varying)
    rows = summarize(mediated_fit)["roi_by_quarter"]["search_spend"]
    fitted = np.array([r["mean"] for r in rows])
    true = true_roi[0, :, 0]
    print("quarterly ROI truth", np.round(true, 2), "fitted", np.round(fitted, 2))
    quarter = np.arange(len(fitted))
    assert np.polyfit(quarter, fitted, 1)[0] > 0
    assert np.corrcoef(fitted, true)[0, 1] > 0.6
    later, earlier = fitted[-4:].mean(), fitted[:4].mean()
    assert later > 1.2 * earlier
    covered = np.mean([r["lo90"] <= t <= r["hi90"] for r, t in zip(rows, true)])
    assert covered >= 0.6


def test_run_directory_carries_the_effects(mediated_fit, tmp_path):
    import json

    from mixcast.runs.directory import load_run, save_run

    run = save_run(mediated_fit, tmp_path / "run")
    summary = json.loads((run / "summary.json").read_text())
    assert {"channels", "diagnostics", "mediation", "interactions",
            "roi_by_quarter"} <= set(summary)
    back = load_run(run)
    assert back.data.mediator_names == ("brand_search",)
    np.testing.assert_allclose(back.draws("kappa"), mediated_fit.draws("kappa"))
    np.testing.assert_allclose(back.draws("interaction"), mediated_fit.draws("interaction"))
