"""The history page over a registry: /api/history and, in headless Chromium, the page
itself (ROI over refreshes with intervals, forecasts against actuals, alerts, adopted
plans). The registry comes from the stream of tests/registry (closed-form model)."""

from __future__ import annotations

import os
import warnings

import pandas as pd
import pytest

from tests.registry.conftest import TRUE_ROI, LinearFitter, stream_frame, write_project
from tests.web.test_browser import ARGS, CHROMIUM, _start

REFRESHES = 5


@pytest.fixture(scope="module")
def history_registry(tmp_path_factory):
    from mixcast.registry.adopt import adopt
    from mixcast.registry.refresh import refresh
    from mixcast.registry.store import Registry

    folder = tmp_path_factory.mktemp("history")
    registry = Registry.at(folder / "runs" / "registry.duckdb")
    frame, fitter = stream_frame(), LinearFitter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for chunk in range(REFRESHES + 1):
            run = refresh(write_project(folder / "p", frame, chunk), registry, fitter=fitter)
            if chunk == 0:
                plan = folder / "plan.csv"
                pd.DataFrame({"channel": list(TRUE_ROI), "recommended_spend": [
                    8 * frame[c].iloc[104:108].mean() for c in TRUE_ROI]}).to_csv(plan,
                                                                                  index=False)
                adopt(registry, run.run["id"], plan, weeks=8)
    return registry


@pytest.fixture(scope="module")
def history_client(history_registry):
    from fastapi.testclient import TestClient

    from mixcast.web import create_app

    return TestClient(create_app(registry=history_registry.location))


def test_api_history(history_client):
    body = history_client.get("/api/history").json()
    assert len(body["runs"]) == REFRESHES + 1
    assert set(body["roi"]) == set(TRUE_ROI)
    for points in body["roi"].values():
        assert len(points) == REFRESHES + 1
        assert all(p["lo90"] <= p["mean"] <= p["hi90"] for p in points)
    assert {"kpi_level_shift", "outcome_outside_interval", "roi_moved"} <= {
        a["kind"] for a in body["alerts"]}
    [adoption] = body["adoptions"]
    assert [s["weeks_scored"] for s in adoption["scores"]] == [4, 8]
    assert adoption["scores"][0]["inside"] and not adoption["scores"][1]["inside"]
    assert len(body["forecast_checks"]) == 4 * REFRESHES
    assert 0 <= body["stability"] <= 1
    listed = history_client.get("/api/runs").json()
    assert {r["name"] for r in listed} == {r["id"] for r in body["runs"]}
    assert "ROI per channel over refreshes" in history_client.get("/history").text


def test_history_needs_a_registry(tmp_path):
    from fastapi.testclient import TestClient

    from mixcast.web import create_app

    response = TestClient(create_app(tmp_path)).get("/api/history")
    assert response.status_code == 404 and "--registry" in response.json()["detail"]


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                    reason="Debian chromium not installed (`make browser` installs it)")
def test_history_page_in_the_browser(history_registry, tmp_path):
    from playwright.sync_api import sync_playwright

    from mixcast.web import create_app

    server, thread, url = _start(create_app(registry=history_registry.location))
    shots = os.environ.get("MIXCAST_SCREENSHOTS") or str(tmp_path)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url + "/history")
            page.wait_for_selector("svg.roi-chart")
            assert page.locator("svg.roi-chart").count() == len(TRUE_ROI)
            social = page.locator('svg.roi-chart[data-channel="social_spend"]')
            assert social.locator("line.interval").count() == REFRESHES + 1
            assert page.locator("#runs tbody tr").count() == REFRESHES + 1
            assert page.locator('.alert[data-kind="kpi_level_shift"]').count() == 1
            assert page.locator("#forecast-svg circle.actual").count() == 4 * REFRESHES
            assert page.locator("#forecast-svg circle.outside").count() >= 3
            assert page.locator("tr.adoption").count() == 2
            assert page.locator("tr.adoption .chip.outside").count() >= 1
            page.screenshot(path=os.path.join(shots, "history.png"), full_page=True)
            page.click("text=← Dashboard")
            page.wait_for_url(url + "/")
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
