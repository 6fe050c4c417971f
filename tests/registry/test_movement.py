"""ROI movement between runs and the stability score (pure functions)."""

from __future__ import annotations

import numpy as np
import pytest

from mixcast.registry.movement import (
    Z90, interval_overlap, interval_sd, roi_movement, stability_score,
)


def band(mean: float, sd: float) -> dict:
    return {"mean": mean, "lo90": mean - Z90 * sd, "hi90": mean + Z90 * sd}


def test_interval_sd_inverts_a_normal_90_interval():
    assert interval_sd(band(2.0, 0.3)) == pytest.approx(0.3)


def test_move_is_beyond_noise_only_past_two_combined_sds():
    before = {"tv": band(1.0, 0.3), "search": band(1.0, 0.3), "new": None}
    combined = np.hypot(0.3, 0.4)
    after = {"tv": band(1.0 + 2.05 * combined, 0.4), "search": band(1.0 + 1.95 * combined, 0.4),
             "new": band(0.5, 0.1)}
    rows = {r["channel"]: r for r in roi_movement({k: v for k, v in before.items() if v},
                                                  after)}
    assert rows["tv"]["beyond_noise"] and not rows["search"]["beyond_noise"]
    assert rows["tv"]["noise"] == pytest.approx(combined)
    assert rows["new"]["before"] is None and not rows["new"]["beyond_noise"]


def test_overlap_and_stability():
    a = {"lo90": 0.0, "hi90": 2.0}
    assert interval_overlap(a, a) == 1.0
    assert interval_overlap(a, {"lo90": 1.0, "hi90": 3.0}) == pytest.approx(1 / 3)
    assert interval_overlap(a, {"lo90": 5.0, "hi90": 6.0}) == 0.0
    runs = [{"tv": band(1.0, 0.2)}, {"tv": band(1.0, 0.2)}, {"tv": band(5.0, 0.2)}]
    assert stability_score(runs) == pytest.approx(0.5)
    assert stability_score(runs[:1]) is None
