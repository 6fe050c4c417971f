"""Saved runs by name: listed from a folder (or the paths a registry names), each loaded
once and kept while its manifest is unchanged.

The dashboard (:mod:`mixcast.web.store`) and the MCP server serve runs through this;
names are checked before any path is built, so a client reaches only the runs listed.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mixcast.errors import RunError
from mixcast.runs.models import RunModel, open_run
from mixcast.storage import read_manifest, run_model

RUN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


@dataclass(frozen=True)
class LoadedRun:
    """A run loaded for serving: its model (either kind) and when it was written."""

    name: str
    path: Path
    stamp: float
    model: RunModel

    @property
    def fit(self):
        return self.model.fit


class RunFolder:
    """Runs found under ``root`` (each a folder with manifest.json), loaded lazily; or the
    runs ``paths()`` names (a registry's rows, read on every listing)."""

    def __init__(self, root: Path, *, paths: Callable[[], dict[str, Path]] | None = None
                 ) -> None:
        self.root = Path(root)
        self._paths = paths
        self._loaded: dict[str, LoadedRun] = {}
        self._lock = threading.Lock()

    def names(self) -> list[str]:
        """Run names, newest first."""
        if self._paths is not None:
            candidates = self._paths()
        elif self.root.is_dir():
            candidates = {p.name: p for p in self.root.iterdir()
                          if p.is_dir() and (p / "manifest.json").exists()
                          and RUN_NAME.match(p.name)}
        else:
            candidates = {}
        stamps = {n: (p / "manifest.json").stat().st_mtime for n, p in candidates.items()
                  if (p / "manifest.json").exists()}
        return sorted(stamps, key=lambda n: -stamps[n])

    def path(self, name: str) -> Path:
        """The folder of run ``name``; RunError (404) when there is none."""
        if not RUN_NAME.match(name or ""):
            raise RunError(f"Run name {name!r} is not valid: use letters, digits, '.', '_' "
                           "and '-'.")
        path = self._paths().get(name) if self._paths is not None else self.root / name
        if path is None or not (path / "manifest.json").exists():
            raise RunError(f"No run named {name!r}. Known runs: "
                           f"{', '.join(self.names()) or 'none'}.")
        return path

    def describe(self, name: str) -> dict:
        """Listing entry: manifest facts and headline diagnostics (no posterior loaded)."""
        path = self.path(name)
        manifest = read_manifest(path)
        entry = {"name": name, "created": manifest.get("created"),
                 "model": run_model(manifest),
                 "has_validation": (path / "validation.json").exists()}
        summary_file = path / "summary.json"
        if summary_file.exists():
            summary = json.loads(summary_file.read_text())
            entry.update({"channels": list(summary.get("channels", {})),
                          "kpi_type": summary.get("kpi_type"), "target": summary.get("target"),
                          "date_range": summary.get("date_range"),
                          "converged": summary.get("diagnostics", {}).get("converged")})
        validation = self.validation(name)
        entry["verdict"] = (validation or {}).get("overall", {}).get("verdict")
        return entry

    def summary(self, name: str) -> dict:
        return json.loads((self.path(name) / "summary.json").read_text())

    def validation(self, name: str) -> dict | None:
        path = self.path(name) / "validation.json"
        return json.loads(path.read_text()) if path.exists() else None

    def load(self, name: str) -> LoadedRun:
        """The run's Fit and scenario ingredients, loaded once (reloaded if re-fitted)."""
        path = self.path(name)
        stamp = (path / "manifest.json").stat().st_mtime
        with self._lock:
            cached = self._loaded.get(name)
            if cached is not None and cached.stamp == stamp:
                return cached
            loaded = LoadedRun(name=name, path=path, stamp=stamp, model=open_run(path))
            self._loaded[name] = loaded
            return loaded
