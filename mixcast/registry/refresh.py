"""``mixcast refresh``: new weeks in, a new run stored, and what moved reported.

One refresh: read the config and its data; stop with an alert on duplicated weeks; if a
run of this very data and config exists, do nothing (idempotent); else fit, validate
(quickly), and write the run directory atomically — and only then insert its registry
rows in one transaction. A kill at any point therefore leaves either no row (and at most
a complete run directory no row points to, replaced by the next refresh) or a complete
run with its row. The whole refresh holds the registry's lock, so two refreshes at once
run one after the other, and the second finds the first's run and does nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mixcast._version import __version__
from mixcast.config import Config, read_config
from mixcast.data._common import read_table
from mixcast.data.serialize import load_dataset
from mixcast.errors import UserError
from mixcast.project import Project, load
from mixcast.registry.adopt import score_adoptions
from mixcast.registry.alerts import (
    Alert, drift, forecast_error, outside_interval, roi_alerts,
)
from mixcast.registry.anomalies import (
    duplicated_weeks, kpi_level_shift, kpi_outlier_weeks, spend_anomalies, week_anomalies,
)
from mixcast.registry.fitter import BayesFitter, Fitter
from mixcast.registry.movement import roi_movement, stability_score
from mixcast.registry.store import Registry
from mixcast.storage import write_json_atomic

METRICS = ("roi", "mroi", "contribution_share")
# Staging folders of refresh runs (".<run id>.<random>"), left behind by a killed refresh.
STAGING = re.compile(r"^\.\d{4}-\d{2}-\d{2}-[0-9a-f]{12}\.")
STABILITY_RUNS = 4       # the stability score looks at the last 4 runs (3 refreshes)


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh did: the run (a registry row), whether it is new, and its review."""

    run: dict
    created: bool
    alerts: tuple[Alert, ...] = ()
    movement: tuple[dict, ...] = ()
    stability: float | None = None
    forecast_check: tuple[dict, ...] = ()
    adoption_scores: tuple[dict, ...] = ()
    problems: tuple[str, ...] = field(default=())


class DuplicatedWeeksError(UserError):
    """The data repeats weeks; the refresh stopped before fitting."""


def config_hash(config: Config) -> str:
    """SHA-256 of the resolved config (its own file path left out)."""
    document = {k: v for k, v in config.as_dict().items() if k != "path"}
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()
                          ).hexdigest()


# Where a config's inputs live, not what the model is: a weekly export to a new dated file
# (sales_2024-01.csv) is the same model refreshed. The name too: it defaults to the file's.
FILE_KEYS = ("path", "data", "lift_tests", "events", "name")
# The new data continues an earlier run's when its KPI agrees on the weeks both hold: in
# this share of geo-weeks, within this relative tolerance (restated weeks are allowed).
CONTINUES_SHARE, CONTINUES_TOLERANCE = 0.8, 0.02


def earlier_runs(runs: list[dict], project: Project, chash: str) -> list[dict]:
    """The earlier runs of this model, oldest data first: those of the same config, and
    those of the same config with its files moved or renamed whose weeks the new data
    continues (:func:`continues`). Without that check two brands with one column layout
    in one registry would be taken for one model."""
    key = _model_document(project.config.as_dict())
    return [r for r in runs if r["config_hash"] == chash
            or (_model_document(r.get("config") or {}) == key
                and continues(project.data, Path(r["path"])))]


def _model_document(config: dict) -> str:
    return json.dumps({k: v for k, v in config.items() if k not in FILE_KEYS},
                      sort_keys=True, default=str)


def continues(data, run_path: Path) -> bool:
    """Whether ``data`` holds the weeks of the run at ``run_path`` (same geos and channels)
    with the same KPI in most of them (:data:`CONTINUES_SHARE`)."""
    try:
        before = load_dataset(run_path)
    except (OSError, ValueError, KeyError):
        return False
    if (before.geos, before.channels) != (data.geos, data.channels):
        return False
    weeks_before = before.dates.astype("datetime64[D]")
    weeks_now = data.dates.astype("datetime64[D]")
    shared, i_before, i_now = np.intersect1d(weeks_before, weeks_now, return_indices=True)
    if len(shared) < max(len(weeks_before) // 2, 1):
        return False
    old, new = before.y[:, i_before], data.y[:, i_now]
    close = np.abs(new - old) <= CONTINUES_TOLERANCE * np.maximum(np.abs(old), 1e-12)
    return bool(close.mean() >= CONTINUES_SHARE)


def refresh(config_path: str | Path, registry: Registry, *, fitter: Fitter | None = None,
            validate: bool = True) -> RefreshResult:
    """Refresh the model of ``config_path`` into ``registry`` (see the module docstring).

    Raises
    ------
    DuplicatedWeeksError
        When the data repeats weeks (the alert names them).
    """
    fitter = fitter or BayesFitter()
    config = read_config(config_path)
    repeated = duplicated_weeks(read_table(config.data), date=config.date, geo=config.geo,
                                source=str(config.data))
    if repeated:
        raise DuplicatedWeeksError(f"{repeated[0].message} {repeated[0].look_at}")
    with registry.lock():
        _sweep_staging(registry.runs_root)
        project = load(config_path)
        fingerprint, chash = project.data.fingerprint(), config_hash(project.config)
        past = registry.snapshot()
        existing = [r for r in past["runs"]
                    if (r["fingerprint"], r["config_hash"]) == (fingerprint, chash)]
        if existing:
            return RefreshResult(run=existing[0], created=False)
        series = earlier_runs(past["runs"], project, chash)
        previous = series[-1] if series else None
        end = str(np.datetime64(project.data.dates[-1], "D"))
        run_id = f"{end}-{fingerprint[:8]}{chash[:4]}"
        out = registry.runs_root / run_id
        fitter.fit_and_save(project, out)
        validation = fitter.validate(out) if validate else None
        row = _run_row(run_id, out, project, fingerprint, chash, validation)
        result, rows = _review(project, row, previous, past, fitter,
                               series={r["id"] for r in series})
        registry.record(rows)
    alerts_document = {"run": run_id, "created": row["created"],
                       "alerts": [a.as_dict() for a in result.alerts]}
    write_json_atomic(out / "alerts.json", alerts_document)
    write_json_atomic(registry.runs_root / "alerts.json", alerts_document)
    return result


def _sweep_staging(root: Path) -> None:
    """Remove what killed refreshes left half-written (only refreshes write these names,
    and the caller holds the lock)."""
    if root.is_dir():
        for folder in root.iterdir():
            if folder.is_dir() and STAGING.match(folder.name):
                shutil.rmtree(folder, ignore_errors=True)


def _run_row(run_id: str, out: Path, project: Project, fingerprint: str, chash: str,
             validation: dict | None) -> dict:
    summary = json.loads((out / "summary.json").read_text())
    data = project.data
    return {"id": run_id, "created": dt.datetime.now(dt.timezone.utc).isoformat(
                timespec="seconds"),
            "path": str(out), "fingerprint": fingerprint, "config_hash": chash,
            "config": {k: v for k, v in project.config.as_dict().items() if k != "path"},
            "mixcast_version": __version__,
            "model": json.loads((out / "manifest.json").read_text()).get("model", "bayes"),
            "data_start": str(np.datetime64(data.dates[0], "D")),
            "data_end": str(np.datetime64(data.dates[-1], "D")), "n_weeks": data.n_times,
            "diagnostics": summary.get("diagnostics", {}),
            "verdict": (validation or {}).get("overall", {}).get("verdict"),
            "validation": validation, "_summary": summary}


def _review(project: Project, row: dict, previous: dict | None,
            past: dict[str, list[dict]], fitter: Fitter, *, series: set[str]
            ) -> tuple[RefreshResult, dict[str, list[dict]]]:
    """Compare the new run with the previous one of its ``series`` (the earlier runs'
    ids); the rows to insert and the result."""
    summary = row.pop("_summary")
    metrics = [{"run_id": row["id"], "channel": channel, "metric": metric,
                **{k: values[metric][k] for k in ("mean", "lo90", "hi90")}}
               for channel, values in summary["channels"].items() for metric in METRICS
               if metric in values]
    roi_now = {m["channel"]: m for m in metrics if m["metric"] == "roi"}
    history = _roi_history(past, series)[-(STABILITY_RUNS - 1):] + [roi_now]
    alerts: list[Alert] = []
    movement: list[dict] = []
    checks: list[dict] = []
    if previous is not None:
        checks, found = _check_forecast(project, previous, row, fitter)
        alerts += found
        errors = _forecast_errors(past, series)
        if checks:
            errors.append(forecast_error(np.array([c["actual"] for c in checks]),
                                         np.array([c["mean"] for c in checks])))
        alerts += drift(errors)
        movement = roi_movement(history[-2] if len(history) > 1 else {}, roi_now)
        alerts += roi_alerts(movement)
    scores = score_adoptions(project.data, row["id"], past, fitter)
    rows = {"runs": [row], "channel_metrics": metrics, "forecast_checks": checks,
            "alerts": [{"run_id": row["id"], "seq": i, "kind": a.kind, "severity": a.severity,
                        "channel": a.channel, "message": a.message, "look_at": a.look_at,
                        "details": a.as_dict()["details"]} for i, a in enumerate(alerts)],
            "adoption_scores": scores}
    result = RefreshResult(run=row, created=True, alerts=tuple(alerts),
                           movement=tuple(movement), stability=stability_score(history),
                           forecast_check=tuple(checks), adoption_scores=tuple(scores))
    return result, rows


def _check_forecast(project: Project, previous: dict, row: dict, fitter: Fitter
                    ) -> tuple[list[dict], list[Alert]]:
    """The previous run's forecast of the new weeks against what happened, and the data
    anomalies of those weeks."""
    data = project.data
    start = int(np.searchsorted(data.dates.astype("datetime64[D]"),
                                np.datetime64(previous["data_end"], "D"), side="right"))
    alerts = week_anomalies(data.dates, previous["data_end"], previous["n_weeks"])
    alerts += spend_anomalies(data.dates, data.spend.sum(axis=0), data.channels, start)
    if start >= data.n_times:
        return [], alerts
    prediction = fitter.predict(Path(previous["path"]), data, start, data.n_times)
    actual = data.y[:, start:].sum(axis=0)
    weekly = prediction.weekly
    alerts += outside_interval(prediction.dates, actual, weekly["lo95"], weekly["hi95"],
                               data.target)
    alerts += kpi_level_shift(prediction.dates, actual, weekly["mean"], data.target)
    alerts += kpi_outlier_weeks(prediction.dates, actual, weekly, data.target)
    checks = [{"run_id": row["id"], "forecast_run_id": previous["id"],
               "date": str(date), "actual": float(actual[h]),
               **{k: float(weekly[k][h]) for k in ("mean", "lo95", "hi95")}}
              for h, date in enumerate(prediction.dates)]
    return checks, alerts


def _roi_history(past: dict[str, list[dict]], series: set[str]) -> list[dict[str, dict]]:
    """ROI per channel of each run of the series, oldest first."""
    runs = [r["id"] for r in past["runs"] if r["id"] in series]
    by_run: dict[str, dict] = {r: {} for r in runs}
    for m in past["channel_metrics"]:
        if m["metric"] == "roi" and m["run_id"] in by_run:
            by_run[m["run_id"]][m["channel"]] = m
    return [by_run[r] for r in runs]


def _forecast_errors(past: dict[str, list[dict]], series: set[str]) -> list[float]:
    """Each earlier refresh's forecast error, oldest first."""
    checks = past["forecast_checks"]
    errors = []
    for run in past["runs"]:
        mine = [c for c in checks if c["run_id"] == run["id"]]
        if run["id"] in series and mine:
            errors.append(forecast_error(np.array([c["actual"] for c in mine]),
                                         np.array([c["mean"] for c in mine])))
    return errors
