"""Adopted plans: recorded once, scored by every later refresh that reaches their weeks;
the planted KPI anomaly shows as advice that proved wrong."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from mixcast.errors import UserError
from mixcast.optimize.scenario import parse_scenario
from mixcast.registry.adopt import adopt, adopt_scenario
from mixcast.registry.refresh import refresh
from tests.registry.conftest import TRUE_ROI, LinearFitter, stream_frame, write_project

PLAN_WEEKS = 8


def test_adopted_plan_is_scored_by_later_refreshes(registry, tmp_path):
    frame, fitter = stream_frame(), LinearFitter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = refresh(write_project(tmp_path / "p", frame, 0), registry, fitter=fitter)
        # The plan the team followed in the first month (a linear model scores a plan by
        # its total spend, so the first month's actual outcome is the model's to predict).
        weekly = {c: float(frame[c].iloc[104:108].mean()) for c in TRUE_ROI}
        plan = tmp_path / "plan.csv"
        pd.DataFrame({"channel": list(weekly), "current_spend": 0.0,
                      "recommended_spend": [PLAN_WEEKS * v for v in weekly.values()]}
                     ).to_csv(plan, index=False)
        row = adopt(registry, first.run["id"][:10], plan, weeks=PLAN_WEEKS)
        assert adopt(registry, first.run["id"], plan, weeks=PLAN_WEEKS)["id"] == row["id"]
        assert len(registry.table("adoptions")) == 1
        results = [refresh(write_project(tmp_path / "p", frame, k), registry, fitter=fitter)
                   for k in (1, 2, 3)]
    assert row["start_date"] == str(np.datetime64(first.run["data_end"]) + 7)
    scored = [r.adoption_scores[0] for r in results[:2]]
    assert [s["weeks_scored"] for s in scored] == [4, 8]
    assert results[2].adoption_scores == ()  # the plan's window was over: nothing new
    calm, anomalous = scored
    for score in scored:
        assert score["predicted_lo90"] < score["predicted_mean"] < score["predicted_hi90"]
    assert calm["predicted_lo90"] <= calm["actual"] <= calm["predicted_hi90"]
    assert anomalous["actual"] > anomalous["predicted_hi90"]  # the +30% weeks
    assert calm["adherence"] == pytest.approx(1.0)
    spent = frame[list(TRUE_ROI)].iloc[104:112].to_numpy().sum()
    assert anomalous["adherence"] == pytest.approx(spent / (8 * sum(weekly.values())))
    assert len(registry.table("adoption_scores")) == 2


def test_a_plan_with_unknown_channels_is_refused(registry, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = refresh(write_project(tmp_path / "p", stream_frame(), 0), registry,
                      fitter=LinearFitter()).run
    plan = tmp_path / "plan.csv"
    pd.DataFrame({"channel": ["tv_spend", "radio"], "recommended_spend": [1.0, 2.0]}
                 ).to_csv(plan, index=False)
    with pytest.raises(UserError, match="radio"):
        adopt(registry, run["id"], plan)


def test_an_adopted_scenario_records_its_implied_plan_and_is_scored(registry, tmp_path):
    frame, fitter = stream_frame(), LinearFitter()
    channels = tuple(TRUE_ROI)
    month = frame[list(channels)].iloc[104:108].to_numpy()
    seen = []

    def plan_of(run, spec, weeks):
        # `mixcast scenario`'s parser over the month's spend (the stand-in model has no
        # posterior for the scenario engine; the real engine runs in test_bayes_refresh).
        seen.append((run, spec, weeks))
        scenario = parse_scenario(spec, channels=channels, current=month.sum(axis=0))
        return dict(zip(channels, scenario.spend.tolist())), {"mean": 0.0}

    spec = "shift 10% from tv_spend to social_spend"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = refresh(write_project(tmp_path / "p", frame, 0), registry, fitter=fitter)
        row = adopt_scenario(registry, first.run["id"], spec, weeks=4, plan_of=plan_of)
        later = refresh(write_project(tmp_path / "p", frame, 1), registry, fitter=fitter)
    assert [(str(r), s, w) for r, s, w in seen] == [(first.run["path"], spec, 4)]
    planned = row["plan"]["recommended_spend"]
    tv = month[:, 0].sum()
    assert planned["tv_spend"] == pytest.approx(0.9 * tv)
    assert planned["social_spend"] == pytest.approx(month[:, 2].sum() + 0.1 * tv)
    assert row["plan"]["scenario"] == spec and row["source"] == f"scenario: {spec}"
    assert [a["id"] for a in registry.table("adoptions")] == [row["id"]]
    score, = later.adoption_scores
    assert score["adoption_id"] == row["id"] and score["weeks_scored"] == 4
    assert score["adherence"] == pytest.approx(1.0)   # a shift keeps the month's total
    assert score["predicted_lo90"] < score["predicted_mean"] < score["predicted_hi90"]
    assert score["actual"] == pytest.approx(frame["revenue"].iloc[104:108].sum())


def test_adopt_needs_exactly_one_of_plan_and_scenario(tmp_path):
    from typer.testing import CliRunner

    from mixcast.cli import app

    for extra in ([], ["--plan", "p.csv", "--scenario", "cut tv to 0"]):
        result = CliRunner().invoke(app, ["adopt", "--run", "r", "--registry",
                                          str(tmp_path / "r.duckdb"), *extra])
        assert isinstance(result.exception, UserError), result.output
        assert "either --plan" in str(result.exception)
