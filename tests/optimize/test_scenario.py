"""Scenario parsing (forgiving), evaluation with ranges, and batch what-if at scale."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mixcast.errors import UserError
from mixcast.optimize import evaluate_scenarios, parse_scenario, run_scenario, shift_grid, what_if
from mixcast.analysis.evaluator import evaluator, plan_outcomes
from mixcast.optimize.names import match_channel
from mixcast.optimize.scenario import parse_money
from mixcast.analysis.plan_space import plan_space

CHANNELS = ("tv_spend", "search_spend", "social_spend", "display_spend")
CURRENT = np.array([100.0, 80.0, 40.0, 20.0])


def _spend(text):
    return parse_scenario(text, channels=CHANNELS, current=CURRENT).spend.tolist()


@pytest.mark.parametrize("text, expected", [
    ("shift 15% of budget from tv_spend to social_spend", [85, 80, 55, 20]),
    ("shift 15% from TV to Social", [85, 80, 55, 20]),
    ("Move 10 from search to display", [100, 70, 40, 30]),
    ("increase search_spend by 10%", [100, 88, 40, 20]),
    ("raise search by 8", [100, 88, 40, 20]),
    ("decrease tv by 25%", [75, 80, 40, 20]),
    ("cut display_spend to 0", [100, 80, 40, 0]),
    ("pause display", [100, 80, 40, 0]),
    ("set tv to 1.5k", [1500, 80, 40, 20]),
    ("total budget 480", [200, 160, 80, 40]),
    ("scale budget by -50%", [50, 40, 20, 10]),
    ("cut display to 0; increase tv by 20", [120, 80, 40, 0]),
    ("shift 50% from serach to tv", [140, 40, 40, 20]),
])
def test_parser_forms(text, expected):
    assert _spend(text) == pytest.approx(expected)


def test_money_and_names():
    assert parse_money("2M") == 2e6
    assert parse_money("$1,500,000") == 1.5e6
    assert parse_money("250k") == 250e3
    assert match_channel("Social", CHANNELS) == "social_spend"
    with pytest.raises(UserError, match="Channels are: tv_spend, search_spend"):
        match_channel("radio", CHANNELS)
    with pytest.raises(UserError, match="could not read"):
        _spend("make it better")
    with pytest.raises(UserError, match="cannot move"):
        _spend("shift 500 from tv to search")


def test_plan_csv_long_and_wide(tmp_path):
    long = tmp_path / "plan.csv"
    pd.DataFrame({"channel": ["tv_spend", "Search"], "recommended_spend": [50.0, 90.0]}).to_csv(
        long, index=False)
    assert _spend(str(long)) == [50, 90, 40, 20]
    wide = tmp_path / "weekly.csv"
    pd.DataFrame({"date": ["2024-01-01", "2024-01-08"], "tv_spend": [10.0, 20.0],
                  "social": [1.0, 2.0]}).to_csv(wide, index=False)
    assert _spend(str(wide)) == [30, 80, 3, 20]
    with pytest.raises(UserError, match="does not exist"):
        _spend(str(tmp_path / "missing.csv"))


def test_scenario_result_has_ranges_and_channel_effects(small_fit):
    result = run_scenario(small_fit, "shift 20% from search to tv")
    doc = result.as_dict()
    change = doc["change"]
    assert change["lo90"] <= change["mean"] <= change["hi90"]
    assert doc["scenario"]["spend"] == pytest.approx(doc["baseline"]["spend"])
    # truth: tv mROI 1.65 > search 0.59, so moving money to tv must help
    assert change["mean"] > 0 and change["lo90"] > 0
    per_channel = doc["channels"]
    assert per_channel["tv_spend"]["outcome_change"]["mean"] > 0
    assert per_channel["search_spend"]["outcome_change"]["mean"] < 0
    assert per_channel["social_spend"]["outcome_change"]["mean"] == pytest.approx(0, abs=1e-6)


def test_a_scenario_beyond_the_data_says_so(small_fit):
    within = run_scenario(small_fit, "increase tv by 10%")
    assert not any("highest week in the data" in c for c in within.cautions)
    tripled = run_scenario(small_fit, "increase tv by 200%")
    beyond = [c for c in tripled.cautions if "highest week in the data" in c]
    assert beyond == ["tv_spend: the scenario's plan spends up to 3.0x its highest week in "
                      "the data; its response there is the fitted curve extrapolated, not "
                      "measured"]
    assert beyond[0] in tripled.as_dict()["cautions"]


def test_batch_what_if_matches_one_by_one(small_fit):
    space = plan_space(small_fit)
    ev = evaluator(small_fit, space, max_draws=100)
    plans, labels = shift_grid(space.current, space.channels, shares=np.array([0.1, 0.3]))
    assert len(plans) == 3 * 2 * 2
    frame = what_if(ev, plans, labels)
    single = [parse_scenario(label, channels=space.channels, current=space.current)
              for label in labels]
    results = evaluate_scenarios(ev, single)
    np.testing.assert_allclose(frame["change_mean"], [r.change["mean"] for r in results],
                               rtol=1e-4, atol=1.0)
    assert frame["prob_better"].between(0, 1).all()


def test_kernel_matches_the_core_counterfactual(small_fit):
    """The optimiser's fast kernel scores plans exactly as mixcast.counterfactual does."""
    from mixcast.model.counterfactual import media_params, plan_outcomes as core_outcomes
    from mixcast.model.inputs import spend_to_scaled_media
    from mixcast.analysis.plan_space import Granularity

    rng = np.random.default_rng(0)
    draws = small_fit.param_draws()
    for granularity in (Granularity.CHANNEL, Granularity.PERIOD):
        space = plan_space(small_fit, granularity=granularity, period_weeks=13)
        ev = evaluator(small_fit, space, max_draws=50)
        x = space.current * rng.uniform(0.3, 1.8, size=space.n_units)
        ours = plan_outcomes(ev, x[None])[:, 0]
        keep = np.linspace(0, len(draws["decay"]) - 1, 50).round().astype(int)
        media = spend_to_scaled_media(small_fit.inputs, space.weekly_spend(x))
        core = core_outcomes(media_params({k: v[keep] for k, v in draws.items()}),
                             media[None], small_fit.inputs, small_fit.structure)[:, 0]
        np.testing.assert_allclose(ours, core, rtol=2e-4)


def test_grid_of_shifts_is_scored_exactly_by_the_per_channel_table():
    """Thousands of channel-level plans: each channel is scored once per distinct value
    and plans are sums over channels. Same numbers as scoring every plan in full."""
    import dataclasses
    import types

    from mixcast.model.inputs import prepare
    from mixcast.model.mean import Structure
    from mixcast.analysis.evaluator import _batch, _chunks, _value_table, evaluator_from_draws
    from mixcast.analysis.simulate import ChannelTruth, SimulationSpec, simulate
    from mixcast.spec import ModelSpec

    sim = simulate(SimulationSpec(channels={
        f"ch{c}_spend": ChannelTruth(roi=0.5 + c / 2, decay=0.1 * (c + 1), weekly_spend=1e4 * (c + 1))
        for c in range(4)}, n_weeks=52, seed=2))
    spec = ModelSpec(l_max=8, fourier_order=2)
    inputs = dataclasses.replace(prepare(sim.data, spec), y_scale=np.asarray(sim.params["_y_scale"]))
    fake = types.SimpleNamespace(data=sim.data, inputs=inputs, channels=sim.data.channels,
                                 structure=Structure.build(spec, sim.data.channels, n_organic=0))
    truth = {k: np.asarray(v) for k, v in sim.params.items() if not k.startswith("_")}
    rng = np.random.default_rng(0)
    draws = {k: v[None] * rng.lognormal(0, 0.1, size=(5, *v.shape)) for k, v in truth.items()
             if k in ("beta", "half_sat", "slope")}
    draws["decay"] = np.repeat(truth["decay"][None], 5, axis=0)
    ev = evaluator_from_draws(draws, plan_space(fake))
    space = ev.space
    plans, _ = shift_grid(space.current, space.channels, shares=np.linspace(0.05, 0.9, 18))
    values, _ = _value_table(space, plans.astype(np.float32))
    assert len(values) < len(plans) / 2               # the table is smaller (73 vs 216)
    fast = plan_outcomes(ev, plans, per_channel=True)
    chunks, _, batch = _chunks(space, plans.astype(np.float32))
    full = np.asarray(_batch(ev.params, chunks, ev.arrays, ev.inputs, space.structure, True,
                             True, batch), dtype=np.float64)
    full = full.reshape(full.shape[0], -1, *full.shape[3:])[:, :len(plans)]
    np.testing.assert_allclose(fast, full, rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(plan_outcomes(ev, plans), full.sum(-1), rtol=1e-5, atol=1e-3)
