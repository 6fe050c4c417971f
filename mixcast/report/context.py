"""Gather everything a report shows for one run: calls library functions, formats nothing.

Optional pieces (validation results, the decisions module's curves and optimised plan) come
from their own modules and files when they exist; when they do not, the field holds None
together with the reason, and the report says so instead of inventing numbers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


REPORT_MAX_CHANGE = 0.30   # the report's optimised plan moves each channel at most +-30%


@dataclass(frozen=True)
class Optional_:
    """A computed value, or None and why it is missing."""

    value: object | None
    missing: str = ""


@dataclass(frozen=True)
class ReportContext:
    """The numbers behind every section of a report (already computed)."""

    run_name: str
    summary: dict
    manifest: dict
    channels: tuple[str, ...]
    kpi_type: str
    target: str
    decomposition: pd.DataFrame
    last_year: pd.DataFrame
    rolling_dates: object
    rolling: dict
    curves: Optional_
    carryover: Optional_
    recommendations: Optional_
    allocation: Optional_
    validation: Optional_
    platform: Optional_
    actions: list = field(default_factory=list)
    media_total: object = None
    outcome_total: float = 0.0
    notes: dict = field(default_factory=dict)   # section key -> a model-specific caveat
    narrative: Optional_ | None = None          # mixcast.assist's text (None: not computed)
    tracked: list | None = None                 # adopted plans from a registry (None: no registry)

    @property
    def is_ml(self) -> bool:
        """True for the ML challenger (no posterior: bootstrap replicates, no MCMC)."""
        return self.summary.get("model") == "ml"


def load_validation(run: Path) -> Optional_:
    """RUN/validation.json when `mixcast validate` has been run, else why not."""
    path = Path(run) / "validation.json"
    if not path.exists():
        return Optional_(None, "Validation has not been run for this run. Run "
                               f"`mixcast validate --run {run}` and re-render the report.")
    try:
        return Optional_(json.loads(path.read_text()))
    except json.JSONDecodeError as error:
        return Optional_(None, f"{path} is not valid JSON ({error}); run validation again.")


def load_verdicts(run: Path) -> tuple[Optional_, dict, tuple[str, ...]]:
    """RUN/validation.json (see :func:`load_validation`), its verdict per channel, and the
    channels it says not to act on (recommendations must not move spend into them)."""
    validation = load_validation(run)
    verdicts = (validation.value or {}).get("channels", {}) if validation.value else {}
    blocked = tuple(c for c, v in verdicts.items() if (v or {}).get("verdict") == "do_not_act")
    return validation, verdicts, blocked


def attempt(compute: Callable[[], object]) -> Optional_:
    """Run ``compute()``; its failure becomes the section's stated reason, never hidden."""
    try:
        return Optional_(compute())
    except Exception as error:  # a section that cannot be computed says why
        return Optional_(None, f"It could not be computed: {error}")
