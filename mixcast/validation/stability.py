"""Check 6, stability: refit without the last weeks and compare each channel's ROI.

A reliable estimate barely moves when a few weeks are dropped; a large swing means the
ROI hangs on a handful of recent weeks. ROI stays defined over the same window (the
dropped weeks' outcomes are withheld, their spend kept), so the comparison is like for
like.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mixcast.analysis.metrics import channel_metrics
from mixcast.posterior.intervals import interval
from mixcast.posterior.fitted import Fit

MOVE_CARE, MOVE_DO_NOT_ACT = 0.25, 0.5
RefitAt = Callable[[int], Fit]


def check_stability(fit: Fit, refit_at: RefitAt, *, drops: tuple[int, ...]) -> dict:
    """ROI mean per channel with the last ``drops`` weeks withheld, and the relative move."""
    usable = [d for d in drops if fit.data.n_times - d >= 26]
    if not usable:
        return {"status": "skipped", "summary": "too little history to drop weeks",
                "channels": {}}
    full = interval(channel_metrics(fit).roi)["mean"]
    channels = {c: {"roi_full": float(full[i]), "refits": []} for i, c in enumerate(fit.channels)}
    for drop in usable:
        moved = interval(channel_metrics(refit_at(fit.data.n_times - drop)).roi)["mean"]
        for i, c in enumerate(fit.channels):
            change = float(abs(moved[i] - full[i]) / max(abs(full[i]), 1e-9))
            channels[c]["refits"].append({"dropped_weeks": drop, "roi": float(moved[i]),
                                          "relative_change": change})
    worst = {}
    for c, entry in channels.items():
        top = max(entry["refits"], key=lambda r: r["relative_change"])
        entry["max_relative_change"] = top["relative_change"]
        entry["worst_drop"] = top["dropped_weeks"]
        worst[c] = top["relative_change"]
    fragile = [c for c, v in worst.items() if v > MOVE_CARE]
    status = "warn" if fragile else "pass"
    summary = (f"ROI moved at most {100 * max(worst.values()):.0f}% when the last "
               f"{', '.join(map(str, usable))} weeks were withheld")
    if fragile:
        summary += f"; fragile: {', '.join(fragile)}"
    return {"status": status, "summary": summary, "drops": usable, "channels": channels}
