"""Each question form, asked of a fitted run, gives the numbers the engine gives for the
same call (scenario engine, optimiser, channel ranking, window returns), after saying how
it was read, with ranges and verdicts."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mixcast.analysis.over_time import window_returns
from mixcast.assist.answer import ask
from mixcast.optimize import BudgetScenario, optimize, run_scenario


def _same(band: dict, expected: dict) -> None:
    for key in ("mean", "lo90", "hi90"):
        np.testing.assert_allclose(band[key], expected[key], rtol=1e-9)


@pytest.mark.parametrize(("question", "spec"), [
    ("What if we move 15% of Meta budget into TV?", "shift 15% from social_spend to tv_spend"),
    ("shift $50k from television to FB", "shift 50k from tv_spend to social_spend"),
    ("Cut TV by 20%", "decrease tv_spend by 20%"),
    ("what if we spend 10% more on Google", "increase search_spend by 10%"),
    ("What if the total budget is 5M?", "total budget 5M"),
    ("what if we double TV?", "increase tv_spend by 100%"),
])
def test_spend_changes_equal_the_scenario_engine(validated_model, question, spec):
    answer = ask(validated_model, question)
    engine = run_scenario(validated_model.fit, spec)
    assert answer.interpretation.startswith("I read this as: ")
    _same(answer.data["scenario"]["change"], engine.change)
    np.testing.assert_allclose([c["scenario_spend"] for c in
                                answer.data["scenario"]["channels"].values()],
                               engine.scenario.spend, rtol=1e-12)
    assert "90% range" in answer.lines[0]


def test_a_move_on_a_do_not_act_channel_says_test_first(validated_model):
    answer = ask(validated_model, "shift 10% from tv to zuck ads")   # a config alias
    assert answer.call.target == "social_spend"
    social = next(line for line in answer.lines if line.startswith("social_spend:"))
    assert "do not act; test it before moving its budget" in social


def test_next_dollar_equals_the_channel_ranking(validated_model, ranking):
    answer = ask(validated_model, "Where should the next dollar go?")
    rows = {r["channel"]: r for r in answer.data["ranking"]}
    for row in ranking.itertuples():
        _same(rows[row.channel]["mroi"], {"mean": row.mroi_mean, "lo90": row.mroi_lo90,
                                          "hi90": row.mroi_hi90})
    # the best place is the highest mROI among channels budget may move on
    movable = [c for c, t in answer.trust.items() if t["movable"]]
    best = ranking[ranking.channel.isin(movable)].sort_values("mroi_mean").channel.iloc[-1]
    assert answer.data["best"] == best
    assert "social_spend" not in movable           # do_not_act in validation.json
    # ... and the lowest of them is where a cut costs least ("which channel should we cut")
    assert len(movable) == 1                       # the fixture's one movable channel ...
    cut = ask(validated_model, "Which channel should we cut?")
    assert cut.data["cut_first"] is None and "A cut would" not in cut.text()   # ... no cut


def test_saturation_equals_the_channel_ranking(validated_model, ranking):
    answer = ask(validated_model, "which channels are saturated?")
    statuses = {r["channel"]: r["status"] for r in answer.data["ranking"]}
    assert statuses == dict(zip(ranking.channel, ranking.status))
    social = next(line for line in answer.lines if "social_spend (mROI" in line)
    assert "test it before moving its budget" in social.split("social_spend (mROI")[1]


def test_spend_vs_return_and_last_quarter_equal_window_returns(validated_model):
    year = ask(validated_model, "spend vs return by channel over the last 12 months")
    engine = window_returns(validated_model.fit, weeks=52)
    for name, row in year.data["channels"].items():
        assert row["spend"] == pytest.approx(engine.loc[name, "spend"], rel=1e-12)
        _same(row["incremental"], {"mean": engine.loc[name, "incremental_mean"],
                                   "lo90": engine.loc[name, "incremental_lo90"],
                                   "hi90": engine.loc[name, "incremental_hi90"]})
    quarter = ask(validated_model, "What did Meta drive last quarter?")
    engine = window_returns(validated_model.fit, weeks=13).loc["social_spend"]
    _same(quarter.data["incremental"], {"mean": engine.incremental_mean,
                                        "lo90": engine.incremental_lo90,
                                        "hi90": engine.incremental_hi90})
    assert "over the last 13 weeks" in quarter.lines[0]


def test_certainty_reports_the_summary_interval_and_verdict(validated_model, assist_runs):
    answer = ask(validated_model, "How sure are we about Meta?")
    summary = json.loads((assist_runs / "validated" / "summary.json").read_text())
    assert answer.data["roi"] == summary["channels"]["social_spend"]["roi"]
    assert answer.data["trust"]["verdict"] == "do_not_act"
    assert any("its ROI moves by 80% between refits" in line for line in answer.lines)


def test_test_next_names_every_channel_that_cannot_be_acted_on(validated_model):
    from mixcast.experiments.planning import plan_tests

    answer = ask(validated_model, "What should we test next?")
    not_movable = {c for c, t in answer.trust.items() if not t["movable"]}
    assert {t["channel"] for t in answer.data["tests"]} == not_movable
    assert "social_spend" in not_movable
    engine = {p.channel: p for p in plan_tests(validated_model.fit, budget_moves=False)}
    for test in answer.data["tests"]:
        design = engine[test["channel"]]
        assert test["design"]["power"] == pytest.approx(design.power, rel=1e-9)
        assert test["design"]["weeks"] == design.weeks
    # The planner's verdict on power, word for word (or nothing when a test has power).
    from mixcast.experiments.planning import underpowered_advice

    advice = underpowered_advice(tuple(engine.values()))
    assert answer.data["underpowered"] == advice
    assert (advice in answer.lines) if advice else not any(
        line.startswith("No test on offer") for line in answer.lines)


def test_optimise_equals_the_optimiser_and_holds_do_not_act(validated_model):
    answer = ask(validated_model, "optimise the budget")
    held = tuple(c for c, t in answer.trust.items() if not t["movable"])
    assert "social_spend" in held                    # do_not_act in validation.json
    plan = optimize(validated_model.fit, BudgetScenario(locked=held))
    _same(answer.data["plan"]["gain"], plan.gain.as_dict())
    np.testing.assert_allclose([r["recommended_spend"] for r in answer.data["plan"]["channels"]],
                               plan.recommended_spend, rtol=1e-9)
    social = next(r for r in answer.data["plan"]["channels"] if r["channel"] == "social_spend")
    assert social["recommended_spend"] == pytest.approx(social["current_spend"], rel=1e-6)
    assert "validation says do not act" in answer.data["held"]["social_spend"]
    assert answer.data["plan"]["beyond_data"] == {} == plan.beyond_data   # within the data


def test_optimise_names_a_plan_beyond_the_data(validated_model, monkeypatch):
    import dataclasses

    plan = dataclasses.replace(validated_model.optimize(BudgetScenario()),
                               beyond_data={"tv_spend": 2.5})
    monkeypatch.setattr(type(validated_model), "optimize", lambda self, scenario: plan)
    answer = ask(validated_model, "optimise the budget")
    assert [line for line in answer.lines if line.startswith("Beyond the data")] == [
        "Beyond the data: tv_spend's plan spends up to 2.5x its highest week in the data; "
        "its response there is the fitted curve extrapolated, not measured."]
    assert answer.data["plan"]["beyond_data"] == {"tv_spend": 2.5}


def test_unknown_question_gets_the_list(validated_model):
    answer = ask(validated_model, "what's the weather like?")
    assert answer.call is None and "You can ask, for example" in answer.lines[0]


def test_the_translator_is_only_asked_about_unknown_forms(validated_model):
    from mixcast.assist.questions import Call

    asked = []

    def fake(question, channels):
        asked.append(question)
        return Call("certainty", channel="tv_spend")

    assert ask(validated_model, "is TV any good, honestly?", translate=fake).call.kind == \
        "certainty"
    ask(validated_model, "how sure are we about tv", translate=fake)
    assert asked == ["is TV any good, honestly?"]


def test_which_channel_to_cut_is_the_lowest_mroi_a_decision_may_move(assist_runs, ranking):
    from mixcast.runs.models import open_run

    model = open_run(assist_runs / "small")           # no validation: trust is identification
    answer = ask(model, "Which channel should we cut?")
    movable = [c for c, t in answer.trust.items() if t["movable"]]
    assert len(movable) >= 2
    worst = ranking[ranking.channel.isin(movable)].sort_values("mroi_mean").channel.iloc[0]
    assert answer.data["cut_first"] == worst != answer.data["best"]
    assert f"A cut would cost least in {worst}" in answer.text()


def test_forecast_equals_the_forecast_engine_at_todays_pace(validated_model):
    from mixcast.analysis.forecast import forecast, recent_pace_plan

    answer = ask(validated_model, "What will revenue be over the next 8 weeks?")
    engine = forecast(validated_model.fit, recent_pace_plan(validated_model.data, 8))
    total = engine.draws.sum(axis=(1, 2))
    # Through the plan file a user's plan takes (media bought at the observed cost).
    for key, value in {"mean": total.mean(), "lo90": np.quantile(total, 0.05),
                       "hi90": np.quantile(total, 0.95)}.items():
        np.testing.assert_allclose(answer.data["total"][key], value, rtol=1e-5)
    assert answer.data["weeks"] == 8 and len(answer.data["dates"]) == 8
    assert "90% range" in answer.lines[0] and "average of the last 13 weeks" in answer.lines[0]


def test_test_next_with_every_channel_movable_is_the_planners_first_choice(validated_model):
    from mixcast.assist.answer import Call, _test_next
    from mixcast.assist.trust import ChannelTrust
    from mixcast.experiments.planning import plan_tests

    trust = {c: ChannelTrust(c, "solid") for c in validated_model.channels}
    lines, data = _test_next(validated_model, Call("test_next"), trust)
    first = plan_tests(validated_model.fit, budget_moves=False)[0]
    assert [t["channel"] for t in data["tests"]] == [first.channel]
    assert lines[0].startswith(f"Test {first.channel} next") and "plan-tests" in lines[0]
