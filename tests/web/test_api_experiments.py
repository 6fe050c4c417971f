"""The test-planner endpoints: plan, design, analyse (and their 4xx answers)."""

from __future__ import annotations

import pandas as pd

from mixcast.analysis.simulate import simulate
from tests.conftest import small_spec


def test_plan_then_design_then_analyze(client):
    plans = client.get("/api/runs/small/tests/plan", params={"weeks": "6"})
    assert plans.status_code == 200, plans.text
    ranked = plans.json()["plans"]
    assert [p["channel"] for p in ranked][0] == "search_spend"     # mostly prior here
    assert all(0 <= p["narrowing"] <= 1 for p in ranked)
    # The planner's word on power comes with the plans: advice exactly when none has 50%.
    assert (plans.json()["underpowered"] is None) == any(p["power"] >= 0.5 for p in ranked)

    design = client.post("/api/runs/small/tests/design",
                         json={"channel": "search_spend", "weeks": [6], "cooldown": 0})
    assert design.status_code == 200, design.text
    doc = design.json()
    assert doc["options"][0]["weeks"] == 6 and doc["caveat"]

    data = simulate(small_spec(n_weeks=110)).data
    rows = pd.DataFrame({"date": pd.DatetimeIndex(data.dates).strftime("%Y-%m-%d"),
                         "revenue": data.y[0], "search_spend": data.spend[0, :, 1]})
    rows.loc[104:, "search_spend"] = 0.0
    result = client.post("/api/tests/analyze", json={"design": doc,
                                                     "rows": rows.to_dict("records")})
    assert result.status_code == 200, result.text
    body = result.json()
    assert body["lo90"] <= body["effect"] <= body["hi90"]
    assert body["rows"][0]["spend_delta"] < 0


def test_mistakes_are_4xx_with_the_fix(client):
    unknown = client.post("/api/runs/small/tests/design", json={"channel": "radio"})
    assert unknown.status_code == 422 and "not one of the run's channels" in unknown.text
    missing = client.post("/api/runs/nope/tests/design", json={"channel": "tv_spend"})
    assert missing.status_code == 404
    bad = client.post("/api/tests/analyze", json={"design": {"format": "x"},
                                                  "rows": [{"a": 1}]})
    assert bad.status_code == 422 and "design-test" in bad.text
