"""The registry store: migrations and their version, lookups, the location shown."""

from __future__ import annotations

import pytest

from mixcast.registry.schema import SCHEMA_VERSION
from mixcast.registry.store import Registry, RegistryError

ROW = dict(created="2025-01-01T00:00:00+00:00", path="/nowhere", fingerprint="f",
           config_hash="c", config={"target": "sales"}, mixcast_version="0",
           model="bayes", data_start="2023-01-02", data_end="2024-12-30", n_weeks=105,
           diagnostics={"rhat_max": 1.0}, verdict="solid", validation=None)


def test_migrations_reach_the_current_version_once(registry):
    assert registry.schema_version() == SCHEMA_VERSION
    fresh = Registry(registry.location, runs_root=registry.runs_root)
    assert fresh.schema_version() == SCHEMA_VERSION  # re-opening applies nothing twice


def test_a_newer_registry_is_refused(registry):
    registry.schema_version()
    with registry.transaction() as session:
        session.execute("INSERT INTO schema_version VALUES (?)", [SCHEMA_VERSION + 1])
    with pytest.raises(RegistryError, match="Upgrade mixcast"):
        Registry(registry.location, runs_root=registry.runs_root).runs()


def test_rows_round_trip_and_runs_are_found_by_prefix(registry):
    registry.record({"runs": [{**ROW, "id": "2024-12-30-aaaa"},
                              {**ROW, "id": "2024-12-30-abbb", "fingerprint": "g"}]})
    assert registry.run("2024-12-30-aa")["config"] == {"target": "sales"}
    with pytest.raises(RegistryError, match="ambiguous"):
        registry.run("2024-12-30-a")
    with pytest.raises(RegistryError, match="not in the registry"):
        registry.run("2031")
    assert registry.find("g", "c")["id"] == "2024-12-30-abbb"
    with pytest.raises(Exception):  # one run per data and config, enforced by the schema
        registry.record({"runs": [{**ROW, "id": "other"}]})
    assert len(registry.runs()) == 2


def test_location_defaults_and_passwords_are_not_shown(tmp_path, monkeypatch):
    monkeypatch.delenv("MIXCAST_REGISTRY", raising=False)
    monkeypatch.chdir(tmp_path)
    default = Registry.at()
    assert default.location == str(tmp_path / "runs" / "registry.duckdb")
    assert default.runs_root == tmp_path / "runs"
    monkeypatch.setenv("MIXCAST_REGISTRY", "postgresql://u:secret@db.example/mmm")
    remote = Registry.at()
    assert remote.is_postgres and "secret" not in remote.shown()
