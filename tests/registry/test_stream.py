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


def test_a_renamed_data_file_continues_the_model_and_another_brand_does_not(tmp_path):
    # A weekly export under a new dated name (data: sales_2.csv) is the same model
    # refreshed; it had started a new series: no forecast check, no movement, no alerts.
    import yaml

    from tests.registry.conftest import CHUNK_WEEKS, HISTORY_WEEKS

    registry = new_registry(None, "duckdb", tmp_path)
    frame, fitter = stream_frame(), LinearFitter()
    config = write_project(tmp_path / "brand", frame, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        refresh(config, registry, fitter=fitter)
        frame.iloc[:HISTORY_WEEKS + CHUNK_WEEKS].to_csv(tmp_path / "brand" / "sales_2.csv",
                                                         index=False)
        document = yaml.safe_load(config.read_text())
        config.write_text(yaml.safe_dump({**document, "data": "sales_2.csv"}))
        renamed = refresh(config, registry, fitter=fitter)
        assert renamed.created and len(renamed.forecast_check) == CHUNK_WEEKS
        assert {m["channel"] for m in renamed.movement} == set(document["channels"])
        # The next refresh under the new name counts the runs before the rename too.
        frame.iloc[:HISTORY_WEEKS + 2 * CHUNK_WEEKS].to_csv(tmp_path / "brand" / "sales_2.csv",
                                                             index=False)
        after = refresh(config, registry, fitter=fitter)
        assert len(after.forecast_check) == CHUNK_WEEKS and after.stability is not None
        from mixcast.project import load
        from mixcast.registry.refresh import earlier_runs

        past = registry.snapshot()
        series = earlier_runs(past["runs"][:-1], load(config), after.run["config_hash"])
        assert len(series) == 2                   # the history run and the renamed one
        # Another brand with the same column layout in the same registry: its own series.
        other = frame.assign(revenue=frame["revenue"] * 1.5)
        other_config = write_project(tmp_path / "other", other, 1)
        separate = refresh(other_config, registry, fitter=fitter)
    assert separate.created and not separate.forecast_check and not separate.movement
