"""A folder of saved runs: listed by name, each loaded once (reloaded when re-fitted).

The MCP server serves runs from here; names are checked before any path is built, so a
client can only reach run directories inside the folder.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

from mixcast.errors import RunError
from mixcast.runs.models import RunModel, open_run
from mixcast.storage import read_manifest, run_model

RUN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class RunFolder:
    """Runs found under ``root`` (each a sub-folder with manifest.json), loaded lazily."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self._loaded: dict[str, tuple[float, RunModel]] = {}
        self._lock = threading.Lock()

    def names(self) -> list[str]:
        """Run names, newest first."""
        if not self.root.is_dir():
            return []
        stamps = {p.name: (p / "manifest.json").stat().st_mtime for p in self.root.iterdir()
                  if p.is_dir() and (p / "manifest.json").exists() and RUN_NAME.match(p.name)}
        return sorted(stamps, key=lambda n: -stamps[n])

    def path(self, name: str) -> Path:
        """The folder of run ``name``; RunError when the name is invalid or unknown."""
        if not isinstance(name, str) or not RUN_NAME.match(name):
            raise RunError(f"Run name {name!r} is not valid: use letters, digits, '.', '_' "
                           "and '-' (see list_runs).")
        path = self.root / name
        if not (path / "manifest.json").exists():
            raise RunError(f"No run named {name!r} in {self.root}. Known runs: "
                           f"{', '.join(self.names()) or 'none'}.")
        return path

    def describe(self, name: str) -> dict:
        """Listing entry: manifest facts, channels, window and overall verdict."""
        path = self.path(name)
        manifest = read_manifest(path)
        summary = self.summary(name)
        validation = self.validation(name)
        return {"name": name, "model": run_model(manifest), "created": manifest.get("created"),
                "channels": list(summary.get("channels", {})), "target": summary.get("target"),
                "kpi_type": summary.get("kpi_type"), "date_range": summary.get("date_range"),
                "validated": validation is not None,
                "verdict": (validation or {}).get("overall", {}).get("verdict",
                                                                     "not_validated")}

    def summary(self, name: str) -> dict:
        return json.loads((self.path(name) / "summary.json").read_text())

    def validation(self, name: str) -> dict | None:
        path = self.path(name) / "validation.json"
        return json.loads(path.read_text()) if path.exists() else None

    def load(self, name: str) -> RunModel:
        """The run's model (either kind), loaded once per state of its manifest."""
        path = self.path(name)
        stamp = (path / "manifest.json").stat().st_mtime
        with self._lock:
            cached = self._loaded.get(name)
            if cached is None or cached[0] != stamp:
                cached = (stamp, open_run(path))
                self._loaded[name] = cached
            return cached[1]
