"""How a channel's ROI moved between two runs, and how stable it has been over refreshes.

A move is *beyond noise* when the difference of the posterior means exceeds
:data:`NOISE_Z` combined standard deviations of the two runs (each read off its 90%
interval as if normal: sd = width / 3.29). Two refits of nearly the same data share most
of it, so this is a conservative test: it flags moves the intervals cannot explain.
"""

from __future__ import annotations

import math

NOISE_Z = 2.0
Z90 = 1.6448536269514722  # the 95th percentile of N(0, 1): a 90% interval is +-Z90 sd


def interval_sd(band: dict) -> float:
    """Standard deviation implied by a 90% interval (``lo90``, ``hi90``)."""
    return max(float(band["hi90"]) - float(band["lo90"]), 0.0) / (2 * Z90)


def roi_movement(before: dict[str, dict], after: dict[str, dict], *,
                 z: float = NOISE_Z) -> list[dict]:
    """Per channel in ``after``: both bands, the change and whether it is beyond noise.

    ``before`` and ``after`` map channel -> ``{"mean", "lo90", "hi90"}`` (a run's ROI). A
    channel new in ``after`` is listed with ``before`` None and never beyond noise.
    """
    rows = []
    for channel, new in after.items():
        old = before.get(channel)
        if old is None:
            rows.append({"channel": channel, "before": None, "after": new, "change": None,
                         "noise": None, "beyond_noise": False})
            continue
        change = float(new["mean"]) - float(old["mean"])
        noise = math.hypot(interval_sd(old), interval_sd(new))
        rows.append({"channel": channel, "before": old, "after": new, "change": change,
                     "noise": noise, "beyond_noise": abs(change) > z * noise})
    return rows


def interval_overlap(a: dict, b: dict) -> float:
    """Overlap of two intervals as a share of their union (1 = identical, 0 = disjoint)."""
    lo, hi = max(a["lo90"], b["lo90"]), min(a["hi90"], b["hi90"])
    union = max(a["hi90"], b["hi90"]) - min(a["lo90"], b["lo90"])
    if union <= 0:
        return 1.0
    return max(hi - lo, 0.0) / union


def stability_score(history: list[dict[str, dict]]) -> float | None:
    """Mean overlap of each channel's ROI intervals between consecutive runs (oldest
    first), over every channel and pair; None with fewer than two runs."""
    overlaps = [interval_overlap(a[c], b[c]) for a, b in zip(history, history[1:])
                for c in b if c in a]
    return sum(overlaps) / len(overlaps) if overlaps else None
