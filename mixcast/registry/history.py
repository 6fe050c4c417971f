"""The registry as one document for the history page and ``/api/history``: runs over
time, ROI per channel over refreshes with intervals, forecasts against what happened,
alerts, and adopted plans with predicted against actual."""

from __future__ import annotations

from mixcast.registry.movement import stability_score
from mixcast.registry.refresh import STABILITY_RUNS
from mixcast.registry.store import Registry
from mixcast.storage import jsonable


def history(registry: Registry) -> dict:
    """Everything the history page shows, read in one transaction."""
    past = registry.snapshot()
    runs = past["runs"]
    order = {r["id"]: i for i, r in enumerate(runs)}
    roi: dict[str, list[dict]] = {}
    for m in sorted(past["channel_metrics"], key=lambda m: order.get(m["run_id"], -1)):
        if m["metric"] == "roi" and m["run_id"] in order:
            data_end = runs[order[m["run_id"]]]["data_end"]
            roi.setdefault(m["channel"], []).append(
                {"run": m["run_id"], "data_end": data_end,
                 **{k: m[k] for k in ("mean", "lo90", "hi90")}})
    by_run = [{c: {"lo90": p["lo90"], "hi90": p["hi90"]} for c, points in roi.items()
               for p in points if p["run"] == r["id"]} for r in runs]
    scores = past["adoption_scores"]
    adoptions = [{**a, "scores": [{**s, "inside": s["predicted_lo90"] <= s["actual"]
                                   <= s["predicted_hi90"]}
                                  for s in sorted(scores, key=lambda s: order.get(s["run_id"], -1))
                                  if s["adoption_id"] == a["id"]]}
                 for a in past["adoptions"]]
    return jsonable({
        "registry": registry.shown(),
        "runs": [{k: r[k] for k in ("id", "created", "data_start", "data_end", "n_weeks",
                                    "model", "verdict", "mixcast_version")}
                 | {"alerts": sum(a["run_id"] == r["id"] for a in past["alerts"])}
                 for r in runs],
        "roi": roi,
        "stability": stability_score(by_run[-STABILITY_RUNS:]),
        "forecast_checks": past["forecast_checks"],
        "alerts": [{k: a[k] for k in ("run_id", "kind", "severity", "channel", "message",
                                      "look_at")} for a in past["alerts"]],
        "adoptions": adoptions,
    })
