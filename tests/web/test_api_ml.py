"""The API over an ML challenger run: listed as one, and the planner, scenario, optimiser
and report endpoints answer from its bootstrap replicates with the same response shapes."""

from __future__ import annotations

import shutil

import pytest

from tests.ml.conftest import ml_fit, ml_run  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def ml_client(ml_run, tmp_path_factory):  # noqa: F811
    from fastapi.testclient import TestClient

    from mixcast.web import create_app

    root = tmp_path_factory.mktemp("served_ml")
    shutil.copytree(ml_run, root / "challenger")
    return TestClient(create_app(root))


def test_listed_as_an_ml_run(ml_client):
    (entry,) = ml_client.get("/api/runs").json()
    assert entry["name"] == "challenger" and entry["model"] == "ml"


def test_planner_and_scenario_move_with_spend(ml_client):
    planner = ml_client.get("/api/runs/challenger/planner").json()
    channels = {c["name"]: c["current_spend"] for c in planner["channels"]}
    now = planner["current"]["total"]
    assert now["lo90"] <= now["mean"] <= now["hi90"]
    zero = ml_client.post("/api/runs/challenger/scenario",
                          json={"spend": {name: 0.0 for name in channels}}).json()
    assert zero["change"]["mean"] < 0          # no media predicts less than today's plan
    same = ml_client.post("/api/runs/challenger/scenario", json={"spend": channels}).json()
    assert same["change"]["mean"] == pytest.approx(0.0, abs=1e-6 * abs(now["mean"]))


def test_bad_requests_are_clear_4xx(ml_client):
    response = ml_client.post("/api/runs/challenger/scenario",
                              json={"spend": {"radio_spend": 10.0}})
    assert response.status_code == 422 and "radio_spend" in response.json()["detail"]
    response = ml_client.post("/api/runs/challenger/optimize", json={"max_change": -0.5})
    assert response.status_code == 422


def test_optimiser_answers_with_constraints(ml_client):
    response = ml_client.post("/api/runs/challenger/optimize",
                              json={"max_change": 0.2, "locked": ["search_spend"]})
    assert response.status_code == 200, response.text
    body = response.json()
    rows = {r["channel"]: r for r in body["channels"]}
    assert rows["search_spend"]["recommended_spend"] == pytest.approx(
        rows["search_spend"]["current_spend"], rel=1e-6)
    assert body["recommended_budget"] == pytest.approx(body["current_budget"], rel=1e-6)
    assert body["gain"]["mean"] >= 0 and "ML challenger" in body["note"]


@pytest.mark.slow
def test_report_endpoint_renders_the_ml_report(ml_client):
    page = ml_client.get("/runs/challenger/report")
    assert page.status_code == 200
    assert "(machine-learning challenger)" in page.text and "Trees do not extrapolate" in page.text
    assert 'data-section="allocation"' in page.text
