"""Saved runs as the dashboard sees them: listed from a folder (or a registry), loaded once,
with the posterior draws a live scenario needs kept in memory.

The web layer only reads saved results; the numbers come from the same library functions
a notebook would call (:mod:`mixcast.analysis`, :mod:`mixcast.optimize`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mixcast.runs.folder import RunFolder


class RunStore(RunFolder):
    """A :class:`~mixcast.runs.folder.RunFolder` that also renders (and caches) each run's
    HTML report for the dashboard."""

    def __init__(self, root: Path, *, paths: Callable[[], dict[str, Path]] | None = None
                 ) -> None:
        super().__init__(root, paths=paths)
        self._reports: dict[str, tuple[tuple, str]] = {}

    def report_html(self, name: str) -> str:
        """The run's HTML report, rendered once per run state."""
        from mixcast.report.gather import gather
        from mixcast.report.html import render_html

        loaded = self.load(name)
        validation = loaded.path / "validation.json"
        key = (loaded.stamp, validation.stat().st_mtime if validation.exists() else None)
        cached = self._reports.get(name)
        if cached is not None and cached[0] == key:
            return cached[1]
        html = render_html(gather(loaded.path, model=loaded.model))
        self._reports[name] = (key, html)
        return html
