"""Never act on the prior: a channel with nearly constant spend is weakly identified, is
named for a lift test, and no recommendation moves money out of or into it; money moves
only between the identified channels (a clearly better TV and a clearly worse social)."""

from __future__ import annotations

import numpy as np
import pytest

from mixcast.analysis.identification import identification, weakly_identified
from mixcast.analysis.simulate import ChannelTruth, SimulationSpec, simulate
from mixcast.analysis.summary import summarize
from mixcast.optimize import BudgetScenario
from mixcast.optimize.optimizer import optimize
from mixcast.optimize.recommend import (allocation_actions, lift_test_recommendations,
                                        shift_recommendations, weak_reasons)
from mixcast.optimize.scenario import run_scenario
from tests.conftest import SHORT
from tests.validation.conftest import with_spend


@pytest.fixture(scope="module")
def weak_fit():
    """tv_spend ROI 3 (flighting), social_spend ROI 0.4 (bursty), search_spend ROI 1 with
    nearly constant spend (coefficient of variation 0.02)."""
    from mixcast.inference.fit import fit

    channels = {
        "tv_spend": ChannelTruth(roi=3.0, decay=0.4, half_saturation=1.0, slope=1.5,
                                 pattern="flighting", weekly_spend=30_000),
        "search_spend": ChannelTruth(roi=1.0, decay=0.2, half_saturation=1.0, slope=1.2,
                                     pattern="always_on", weekly_spend=25_000),
        "social_spend": ChannelTruth(roi=0.4, decay=0.3, half_saturation=1.0, slope=1.2,
                                     pattern="bursty", weekly_spend=25_000),
    }
    sim = simulate(SimulationSpec(channels=channels, n_weeks=104, baseline_level=300_000.0,
                                  noise=0.03, seed=21))
    spend = sim.data.spend.copy()
    weeks = spend.shape[1]
    spend[:, :, 1] = 25_000 * (1 + 0.02 * np.random.default_rng(3).normal(size=(1, weeks)))
    return fit(with_spend(sim, spend), sampler=SHORT)


def test_flat_channel_is_weakly_identified_and_the_others_are_not(weak_fit):
    ident = identification(weak_fit)
    assert weakly_identified(weak_fit) == ("search_spend",), \
        {n: round(e.width_ratio, 2) for n, e in ident.items()}
    assert ident["search_spend"].width_ratio > 0.7 > ident["tv_spend"].width_ratio
    assert "mostly the prior" in ident["search_spend"].reason()


def test_recommendations_move_money_only_between_identified_channels(weak_fit):
    moves = shift_recommendations(weak_fit, top=10)
    assert moves, "the better/worse pair should give at least one move"
    assert all("search_spend" not in (m["from"], m["to"]) for m in moves), moves
    assert moves[0]["from"] == "social_spend" and moves[0]["to"] == "tv_spend"
    with_weak = shift_recommendations(weak_fit, top=10, move_weak=True)
    assert any("search_spend" in (m["from"], m["to"]) for m in with_weak)
    tests = lift_test_recommendations(weak_fit)
    assert [t["channel"] for t in tests] == ["search_spend"]
    assert tests[0]["reason"].startswith("run a lift test on search_spend")
    assert "mostly the prior" in tests[0]["reason"]


def test_allocation_actions_say_test_first_with_the_reason(weak_fit):
    actions = {a["channel"]: a for a in allocation_actions(
        summarize(weak_fit), None, weak_reasons(weak_fit))}
    assert actions["search_spend"]["action"] == "test first"
    assert "run a lift test on search_spend" in actions["search_spend"]["reason"]
    assert actions["tv_spend"]["action"] != "test first"


def test_optimiser_holds_the_weak_channel_by_default(weak_fit):
    plan = optimize(weak_fit, BudgetScenario(max_change=0.3, max_draws=50))
    frame = plan.to_frame().set_index("channel")
    assert frame.loc["search_spend", "recommended_spend"] == pytest.approx(
        frame.loc["search_spend", "current_spend"], rel=1e-6)
    assert frame.loc["tv_spend", "change_pct"] > 5
    assert frame.loc["social_spend", "change_pct"] < -5
    assert set(plan.held) == {"search_spend"} and "lift test" in plan.held["search_spend"]
    assert plan.as_dict()["held"] == plan.held
    free = optimize(weak_fit, BudgetScenario(max_change=0.3, max_draws=50, move_weak=True))
    assert free.held == {}


def test_scenario_moving_the_weak_channel_carries_a_caution(weak_fit):
    moved = run_scenario(weak_fit, "shift 10% from search_spend to tv_spend")
    assert len(moved.cautions) == 1 and "search_spend" in moved.cautions[0]
    assert moved.as_dict()["cautions"] == list(moved.cautions)
    assert run_scenario(weak_fit, "shift 10% from social_spend to tv_spend").cautions == ()
