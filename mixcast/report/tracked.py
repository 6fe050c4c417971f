"""The adopted plans a report tracks: read from the registry beside the run (or given),
each with its latest score, predicted against actual outcome. No registry: None, and the
report leaves the section out."""

from __future__ import annotations

from pathlib import Path

from mixcast.errors import UserError

REGISTRY_FILE = "registry.duckdb"   # `mixcast refresh` writes runs beside this file


def registry_beside(run: Path) -> Path | None:
    """The DuckDB registry in the run's folder (where `mixcast refresh` puts both)."""
    found = Path(run).absolute().parent / REGISTRY_FILE
    return found if found.is_file() else None


def tracked_plans(run: str | Path, registry: str | None = None) -> list[dict] | None:
    """Every adopted plan in ``registry`` (default: :func:`registry_beside`), oldest first:
    the adoption row, ``from_this_run``, and ``score`` (its latest: predicted mean and 90%
    interval, actual, ``inside`` the interval, adherence; None when not yet scored)."""
    from mixcast.registry.history import history
    from mixcast.registry.store import POSTGRES_PREFIXES, Registry

    if registry is None:
        beside = registry_beside(Path(run))
        if beside is None:
            return None
        registry = str(beside)
    elif not registry.startswith(POSTGRES_PREFIXES) and not Path(registry).is_file():
        raise UserError(f"--registry {registry}: no such registry file. Give the file "
                        "`mixcast refresh` wrote (e.g. runs/registry.duckdb) or leave "
                        "--registry out.")
    adoptions = history(Registry.at(registry))["adoptions"]
    return [{**{k: a[k] for k in ("id", "run_id", "source", "start_date", "weeks")},
             "from_this_run": a["run_id"] == Path(run).name,
             "score": a["scores"][-1] if a["scores"] else None} for a in adoptions]
