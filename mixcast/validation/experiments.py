"""Check 8, experiments: leave each lift test out, refit, and ask whether the model
predicts the held-out test's measured lift within its 90% interval (the model's
uncertainty combined with the test's own standard error)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mixcast.posterior.fitted import Fit
from mixcast.posterior.intervals import scalar_interval

RefitWithout = Callable[[int], Fit]


def check_experiments(fit: Fit, refit_without: RefitWithout, *, seed: int = 0) -> dict:
    """One row per lift test: measured lift, predicted 90% interval, covered or not."""
    tests = fit.data.lift_tests
    if not tests:
        return {"status": "skipped", "tests": [],
                "summary": "no lift tests in the data (add lift_tests: to the config)"}
    rng = np.random.default_rng(seed)
    rows = []
    for i, test in enumerate(tests):
        implied = refit_without(i).draws("lift_implied")[:, i]
        predicted = implied + rng.normal(scale=test.lift_se, size=implied.shape)
        band = scalar_interval(predicted)
        rows.append({"label": test.label or f"test_{i}", "channel": test.channel,
                     "measured_lift": test.lift, "lift_se": test.lift_se,
                     "predicted_mean": float(implied.mean()), "lo90": band["lo90"],
                     "hi90": band["hi90"],
                     "covered": bool(band["lo90"] <= test.lift <= band["hi90"])})
    missed = [r for r in rows if not r["covered"]]
    summary = (f"{len(rows) - len(missed)} of {len(rows)} held-out lift tests predicted "
               "within the 90% interval")
    return {"status": "warn" if missed else "pass", "summary": summary, "tests": rows}
