"""Every verb that reads a run works on an ML run unchanged: forecast, scenario, optimize,
validate and report, through the command line, with the Bayesian verbs' outputs."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from tests.ml.test_cli import run_cli


@pytest.fixture
def own_run(ml_run, tmp_path):
    """A private copy (validate writes into the run directory)."""
    return shutil.copytree(ml_run, tmp_path / "ml")


def test_forecast_verb_writes_the_contract_columns(ml_run, small_sim, tmp_path, monkeypatch,
                                                   capsys):
    data = small_sim.data
    dates = pd.date_range(pd.Timestamp(data.dates[-1]) + pd.Timedelta(days=7), periods=4,
                          freq="7D")
    plan = pd.DataFrame({"date": dates, "control_1": data.controls[0, -4:, 0]})
    for c, channel in enumerate(data.channels):
        plan[channel] = data.spend[0, -4:, c]
    plan.to_csv(tmp_path / "plan.csv", index=False)
    out = tmp_path / "forecast.csv"
    code, stdout, err = run_cli(monkeypatch, capsys, "forecast", "--run", str(ml_run),
                                "--future", str(tmp_path / "plan.csv"), "--out", str(out))
    assert code == 0, err
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["date", "mean", "lo90", "hi90"] and len(frame) == 4
    assert (frame["lo90"] < frame["mean"]).all() and (frame["mean"] < frame["hi90"]).all()
    assert "ML challenger" in stdout
    plan.drop(columns=["tv_spend"]).to_csv(tmp_path / "bad.csv", index=False)
    code, _, err = run_cli(monkeypatch, capsys, "forecast", "--run", str(ml_run),
                           "--future", str(tmp_path / "bad.csv"), "--out", str(out))
    assert code == 2 and "'tv_spend'" in err and "Traceback" not in err


def test_scenario_verb_scores_a_shift(ml_run, tmp_path, monkeypatch, capsys):
    out = tmp_path / "scenario.json"
    code, stdout, err = run_cli(monkeypatch, capsys, "scenario", "--run", str(ml_run),
                                "--spec", "shift 20% from tv_spend to social_spend",
                                "--out", str(out))
    assert code == 0, err
    doc = json.loads(out.read_text())
    channels = doc["channels"]
    moved = 0.2 * channels["tv_spend"]["baseline_spend"]
    assert channels["tv_spend"]["scenario_spend"] == pytest.approx(
        channels["tv_spend"]["baseline_spend"] - moved)
    assert channels["social_spend"]["scenario_spend"] == pytest.approx(
        channels["social_spend"]["baseline_spend"] + moved)
    assert doc["scenario"]["spend"] == pytest.approx(doc["baseline"]["spend"])
    change = doc["change"]
    assert change["lo90"] <= change["mean"] <= change["hi90"]
    assert "ML challenger" in doc["window"]
    code, _, err = run_cli(monkeypatch, capsys, "scenario", "--run", str(ml_run), "--grid")
    assert code == 2 and "Bayesian run" in err


def test_optimize_verb_respects_constraints(ml_run, tmp_path, monkeypatch, capsys):
    out = tmp_path / "plan.csv"
    code, stdout, err = run_cli(monkeypatch, capsys, "optimize", "--run", str(ml_run),
                                "--max-change", "0.2", "--lock", "search_spend",
                                "--out", str(out))
    assert code == 0, err
    plan = pd.read_csv(out).set_index("channel")
    assert {"current_spend", "recommended_spend", "change_pct",
            "expected_outcome_mean"} <= set(plan.columns)
    assert plan["recommended_spend"].sum() == pytest.approx(plan["current_spend"].sum(),
                                                            rel=1e-6)
    assert plan.loc["search_spend", "recommended_spend"] == pytest.approx(
        plan.loc["search_spend", "current_spend"], rel=1e-6)
    assert (plan["change_pct"].abs() <= 20.0 + 1e-6).all()
    code, _, err = run_cli(monkeypatch, capsys, "optimize", "--run", str(ml_run),
                           "--mode", "target_roi", "--target", "2")
    assert code == 2 and "fixed_budget" in err and "Traceback" not in err


def test_optimiser_does_not_lose_against_todays_plan(ml_fit):
    from mixcast.ml.decide import ml_space, optimize_ml, space_outcomes
    from mixcast.optimize import BudgetScenario

    plan = optimize_ml(ml_fit, BudgetScenario(max_change=0.3))
    space = ml_space(ml_fit)
    scored = space_outcomes(ml_fit, space, np.stack([space.current, plan.recommended_spend]))
    assert scored[:, 1].mean() >= scored[:, 0].mean()
    assert plan.gain.mean == pytest.approx(scored[:, 1].mean() - scored[:, 0].mean(), rel=1e-6)
    assert plan.solver["method"].startswith("gradient-free")


@pytest.mark.slow
def test_validate_then_report_on_an_ml_run(own_run, monkeypatch, capsys, tmp_path):
    from tests.report.conftest import Page

    code, stdout, err = run_cli(monkeypatch, capsys, "validate", "--run", str(own_run),
                                "--quick")
    assert code == 0, err
    doc = json.loads((own_run / "validation.json").read_text())
    assert {"overall", "channels", "checks"} <= set(doc) and doc["model"] == "ml"
    assert {"backtest", "spend_shift", "recovery", "fit"} <= set(doc["checks"])
    assert doc["checks"]["convergence"]["status"] == "skipped"
    assert doc["overall"]["verdict"] in ("care", "do_not_act")       # never "solid"
    assert all(v["verdict"] != "solid" for v in doc["channels"].values())
    for fold in doc["checks"]["backtest"]["folds"]:
        assert 0 <= fold["mape"] < 0.3 and 0 <= fold["coverage90"] <= 1

    out = tmp_path / "report.html"
    code, _, err = run_cli(monkeypatch, capsys, "report", "--run", str(own_run),
                           "--out", str(out), "--quiet")
    assert code == 0, err
    page = Page()
    page.feed(out.read_text(encoding="utf-8"))
    assert page.sections() == ["executive-summary", "narrative", "board", "decomposition",
                               "channel-returns", "response-curves", "allocation",
                               "validation", "platform"]
    summary = json.loads((own_run / "summary.json").read_text())
    for channel, entry in summary["channels"].items():
        shown = page.metrics("channels", channel)
        for stat in ("mean", "lo90", "hi90"):
            assert shown[f"roi_{stat}"] == pytest.approx(entry["roi"][stat], rel=1e-9)
    text = " ".join(page.text)
    assert "machine-learning challenger" in text.lower()
    assert "Trees do not extrapolate" in text and "no carryover parameters" in text
    accuracy = {a["data-metric"]: float(a["data-value"]) for _, a, ctx in page.elements
                if ctx.get("data-table") == "accuracy" and a.get("data-value")}
    assert accuracy["cv_mape"] == pytest.approx(summary["accuracy"]["cv_mape"])
    checks = {a["data-check"]: a["data-status"] for t, a, _ in page.elements
              if t == "tr" and "data-status" in a}
    assert checks["backtest"] == doc["checks"]["backtest"]["status"]


def test_future_window_plans_the_next_weeks(ml_fit):
    from mixcast.errors import UserError
    from mixcast.ml.decide import ml_space, space_outcomes

    space = ml_space(ml_fit, weeks=8)
    recent = ml_fit.data.spend[:, -13:, :].mean(axis=1).sum(axis=0)
    np.testing.assert_allclose(space.current, 8 * recent)
    assert space.weeks.sum() == 8 and space.weeks[-8:].all()
    out = space_outcomes(ml_fit, space, np.stack([space.current, 0 * space.current]))
    assert out[:, 0].mean() > out[:, 1].mean()      # spending in the horizon beats not
    with pytest.raises(UserError, match="'weeks'"):
        ml_space(ml_fit, weeks=0)


def test_ml_plan_beyond_the_biggest_week_in_the_data_is_named(ml_fit):
    """The ML optimiser names the channels its plan takes past the data, as the Bayesian
    one does: the linear media layer extrapolates there."""
    from mixcast.analysis.plan_space import BEYOND_DATA
    from mixcast.ml.decide import ml_space, optimize_ml
    from mixcast.optimize import BudgetScenario

    first = ml_fit.channels[0]
    inside = optimize_ml(ml_fit, BudgetScenario(max_change=0.15))
    assert inside.beyond_data == {}
    total = 2 * float(ml_space(ml_fit).current.sum())
    pushed = optimize_ml(ml_fit, BudgetScenario(budget=total, lower_share={first: 2.5},
                                                upper_share={first: 2.5}))
    # The data-window plan scales each observed week, so its peak is exactly the scale.
    assert pushed.beyond_data[first] == pytest.approx(2.5, rel=1e-6)
    assert all(r > BEYOND_DATA for r in pushed.beyond_data.values())
    assert first in pushed.beyond_data_notes()
    # Next weeks at today's pace (the last 13 weeks' average) never exceed the peak week.
    ahead = optimize_ml(ml_fit, BudgetScenario(weeks=8, max_change=0.15))
    assert ahead.beyond_data == {}


def test_ml_forecast_ahead_uses_the_same_plan_as_the_bayesian_run(ml_run):
    from mixcast.runs.models import open_run

    model = open_run(ml_run)
    table = model.forecast_ahead(3).frame()
    assert len(table) == 3 * model.data.n_geos
    assert np.all(np.isfinite(table["mean"])) and np.all(table["lo90"] <= table["hi90"])


def test_assistant_forecasts_an_ml_run_with_a_range_for_the_total(ml_run):
    from mixcast.assist.answer import ask
    from mixcast.runs.models import open_run

    model = open_run(ml_run)
    answer = ask(model, "forecast the next 6 weeks")
    predicted = model.forecast_ahead(6)
    total = predicted.draws.sum(axis=(1, 2))
    for key, value in {"mean": total.mean(), "lo90": np.quantile(total, 0.05),
                       "hi90": np.quantile(total, 0.95)}.items():
        np.testing.assert_allclose(answer.data["total"][key], value, rtol=1e-9)
    weekly = predicted.interval(total=True)
    assert answer.data["total"]["mean"] == pytest.approx(weekly["mean"].sum(), rel=1e-9)
    # Weekly errors partly cancel in a total: its range is narrower than the weeks' summed.
    width = answer.data["total"]["hi90"] - answer.data["total"]["lo90"]
    assert 0 < width < (weekly["hi90"] - weekly["lo90"]).sum()
    assert "90% range" in answer.lines[0] and len(answer.data["dates"]) == 6


def test_the_ml_report_s_curves_say_how_far_they_were_searched_and_against_what(ml_fit):
    """The ML curves end at 2.5x today's spend: a point not reached there is 'beyond 2.5x',
    not the Bayesian search's 1,000x. A KPI without a value is judged against the
    channels' average mROI, as in the Bayesian report."""
    import dataclasses

    from mixcast.report.ml import response_curves
    from mixcast.report.sections import _spend_point

    curves = response_curves(ml_fit)
    assert curves.searched_to == pytest.approx(2.5)
    assert _spend_point(float("nan"), "breakeven_spend", curves.searched_to) == \
        "beyond 2.5× today"
    assert not curves.hurdle.relative and curves.hurdle.value == 1.0
    conv = dataclasses.replace(ml_fit, data=dataclasses.replace(ml_fit.data,
                                                                kpi_type="conversions"))
    hurdle = response_curves(conv).hurdle
    i = curves.current_index
    mean = curves.mroi["mean"][:, i]
    assert hurdle.relative and hurdle.value == pytest.approx(
        float(curves.current_spend @ mean / curves.current_spend.sum()), rel=1e-6)
