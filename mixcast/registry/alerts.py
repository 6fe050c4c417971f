"""Alerts a refresh raises, and where they go (console, alerts.json, a webhook).

Three come from the model's record: weeks outside the previous run's 95% predictive
interval (more of them than a calibrated interval lets through), a channel's ROI moved
beyond noise (:mod:`mixcast.registry.movement`), and drift — forecast error persistently
worse than it used to be, which recommends a full refit. The data anomalies are in
:mod:`mixcast.registry.anomalies`. Every alert says what to look at.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy.stats import binom

from mixcast.formatting import counted
from mixcast.storage import jsonable

OUTSIDE_RATE = 0.05      # a 95% interval misses 1 week in 20 when calibrated ...
OUTSIDE_P = 0.01         # ... alert when that many misses would be rarer than 1%
DRIFT_WINDOW = 3         # the recent refreshes whose forecast error is compared ...
DRIFT_RATIO = 2.0        # ... with the earlier ones: alert when the median is 2x worse
DRIFT_FLOOR = 0.05       # ... and above 5% (tiny errors doubling is not drift)
WEBHOOK_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Alert:
    """One finding: ``kind`` (machine-readable), ``message`` and ``look_at`` (for people)."""

    kind: str
    message: str
    look_at: str
    severity: str = "warning"
    channel: str | None = None
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return jsonable(asdict(self))


def outside_interval(dates: np.ndarray, actual: np.ndarray, lo95: np.ndarray,
                     hi95: np.ndarray, target: str) -> list[Alert]:
    """Weeks whose actual KPI fell outside the 95% predictive interval, when there are
    more than chance allows (binomial tail below OUTSIDE_P)."""
    outside = (actual < lo95) | (actual > hi95)
    n, k = len(actual), int(outside.sum())
    if k == 0 or binom.sf(k - 1, n, OUTSIDE_RATE) >= OUTSIDE_P:
        return []
    weeks = [str(np.datetime64(d, "D")) for d in np.asarray(dates)[outside]]
    return [Alert(
        kind="outcome_outside_interval", severity="critical",
        message=f"{target}: {k} of {counted(n, 'new week')} fell outside the previous run's 95% "
                f"predictive interval ({', '.join(weeks)}).",
        look_at="The weeks listed: a data problem, an event the model does not know of, or "
                "a real change in response (see the ROI movement below).",
        details={"weeks": weeks, "outside": k, "weeks_checked": n})]


def roi_alerts(movement: list[dict]) -> list[Alert]:
    """One alert per channel whose ROI moved beyond noise."""
    alerts = []
    for row in movement:
        if not row["beyond_noise"]:
            continue
        before, after = row["before"], row["after"]
        alerts.append(Alert(
            kind="roi_moved", channel=row["channel"],
            message=f"{row['channel']}: ROI moved from {before['mean']:.2f} "
                    f"({before['lo90']:.2f}–{before['hi90']:.2f}) to {after['mean']:.2f} "
                    f"({after['lo90']:.2f}–{after['hi90']:.2f}), beyond the noise of two "
                    f"refits (±{2 * row['noise']:.2f}).",
            look_at=f"What changed for {row['channel']} in the new weeks (creative, targeting, "
                    "pricing, tracking) before moving budget on the new estimate.",
            details=row))
    return alerts


def forecast_error(actual: np.ndarray, mean: np.ndarray) -> float:
    """Mean absolute percentage error of a forecast (weeks with a zero KPI skipped)."""
    keep = actual != 0
    return float(np.mean(np.abs(actual[keep] - mean[keep]) / np.abs(actual[keep])))


def drift(errors: list[float]) -> list[Alert]:
    """Drift over the refreshes' forecast errors (oldest first): the median of the last
    DRIFT_WINDOW is DRIFT_RATIO times the earlier median and above DRIFT_FLOOR. A median
    ignores one bad month (that is an anomaly, not drift)."""
    if len(errors) < DRIFT_WINDOW + 2:
        return []
    recent = float(np.median(errors[-DRIFT_WINDOW:]))
    before = float(np.median(errors[:-DRIFT_WINDOW]))
    if recent < DRIFT_FLOOR or recent < DRIFT_RATIO * before:
        return []
    return [Alert(
        kind="drift", severity="critical",
        message=f"Forecast error has drifted: median {recent:.1%} over the last "
                f"{DRIFT_WINDOW} refreshes against {before:.1%} before. Recommend a full "
                "refit: review the model options (priors, seasonality, trend) rather than "
                "only adding weeks.",
        look_at="Reasons to check: a lasting change in a channel's response (see ROI "
                "movement), a new driver missing from controls/events, a changed KPI "
                "definition.",
        details={"recent_median": recent, "earlier_median": before, "errors": errors})]


def deliver(alerts: list[Alert], *, webhook: str | None = None, context: dict) -> str | None:
    """POST the alerts as JSON to ``webhook`` (when given); returns a problem to report,
    or None. A failing webhook never fails the refresh: the run is already stored."""
    if not webhook or not alerts:
        return None
    body = json.dumps({**jsonable(context), "alerts": [a.as_dict() for a in alerts]},
                      allow_nan=False).encode()
    request = urllib.request.Request(webhook, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_S) as response:
            response.read()
    except (OSError, ValueError) as error:
        return f"webhook {webhook} failed ({error}); the alerts are in alerts.json."
    return None
