"""Must-show: monthly chunks through seven refreshes, with a planted change in one
channel's effectiveness and a planted KPI anomaly: the right alerts on the right refresh,
none on the stable chunks; a repeat refresh is a no-op. On DuckDB and PostgreSQL."""

from __future__ import annotations

import warnings

import pytest

from mixcast.registry.refresh import refresh
from mixcast.storage import read_manifest
from tests.registry.conftest import (
    BACKENDS, ANOMALY_CHUNK, CHANGE_CHUNK, CHANGED_CHANNEL, N_CHUNKS, LinearFitter, stream_frame,
    new_registry, write_project,
)


@pytest.fixture(scope="module", params=BACKENDS)
def stream(request, tmp_path_factory):
    """Refresh 0 (the history) then one refresh per chunk: the results in order."""
    tmp_path = tmp_path_factory.mktemp("stream")
    registry = new_registry(request, request.param, tmp_path)
    frame, fitter, results = stream_frame(), LinearFitter(), []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for chunk in range(N_CHUNKS + 1):
            config = write_project(tmp_path / "project", frame, chunk)
            results.append(refresh(config, registry, fitter=fitter))
    return registry, results, config, fitter


def _kinds(result) -> set[tuple[str, str | None]]:
    return {(a.kind, a.channel) for a in result.alerts}


def test_right_alerts_on_the_right_refresh(stream):
    registry, results, _, _ = stream
    assert all(r.created for r in results)
    anomaly = _kinds(results[ANOMALY_CHUNK])
    assert ("kpi_level_shift", None) in anomaly
    assert ("outcome_outside_interval", None) in anomaly
    assert not any(kind == "roi_moved" for kind, _ in anomaly)
    change = _kinds(results[CHANGE_CHUNK])
    assert ("roi_moved", CHANGED_CHANNEL) in change
    assert {c for k, c in change if k == "roi_moved"} == {CHANGED_CHANNEL}
    assert ("kpi_level_shift", None) not in change
    social = next(m for m in results[CHANGE_CHUNK].movement if m["channel"] == CHANGED_CHANNEL)
    assert social["change"] > 1.0  # the planted ROI rose by 1.5
    stable = set(range(N_CHUNKS + 1)) - {ANOMALY_CHUNK, CHANGE_CHUNK}
    for chunk in stable:
        assert results[chunk].alerts == (), (chunk, _kinds(results[chunk]))
    stored = {(a["run_id"], a["kind"]) for a in registry.table("alerts")}
    assert (results[ANOMALY_CHUNK].run["id"], "kpi_level_shift") in stored
    assert len(registry.table("alerts")) == sum(len(r.alerts) for r in results)


def test_registry_holds_every_run_consistently(stream):
    registry, results, config, fitter = stream
    runs = registry.runs()
    assert [r["id"] for r in runs] == [r.run["id"] for r in results]
    for run in runs:
        read_manifest(run["path"])
    checks = registry.table("forecast_checks")
    assert len(checks) == 4 * N_CHUNKS
    assert 0.0 <= results[-1].stability <= 1.0
    assert registry.schema_version() == 2
    again = refresh(config, registry, fitter=fitter)
    assert not again.created and again.run["id"] == results[-1].run["id"]
    assert len(registry.runs()) == len(results)
