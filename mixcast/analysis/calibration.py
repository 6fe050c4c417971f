"""How a fitted model agrees with the lift tests it was calibrated on.

The implied lift of a test is the DESIGN.md one (:mod:`mixcast.model.lift`): the outcome
with the observed spend, which already includes the test's change, minus the outcome with
the window put back to business as usual, over the measurement window and the test's
geo(s); a go-dark holdout therefore implies the loss of the channel's usual effect.
A test the model cannot reconcile with the rest of the data (its implied lift far from the
measured one, in units of their combined uncertainty) is reported by name rather than
silently absorbed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mixcast.posterior.fitted import Fit
from mixcast.posterior.intervals import scalar_interval

CONTRADICTION_Z = 3.0


@dataclass(frozen=True, slots=True)
class LiftCheck:
    """Measured vs model-implied lift of one test (KPI units)."""

    label: str
    channel: str
    measured: float
    measured_se: float
    implied_mean: float
    implied_lo90: float
    implied_hi90: float
    z: float

    @property
    def contradicts(self) -> bool:
        return abs(self.z) > CONTRADICTION_Z

    def message(self) -> str:
        return (f"Lift test '{self.label}' ({self.channel}) measured {self.measured:,.0f} "
                f"± {self.measured_se:,.0f}, but the model implies {self.implied_mean:,.0f} "
                f"(90%: {self.implied_lo90:,.0f} – {self.implied_hi90:,.0f}); z = {self.z:.1f}. "
                "Check the test's window and that spend_delta is the total change over the "
                "window versus business as usual (the observed spend already includes it; "
                "negative for a go-dark holdout), in currency, and the lift's units; or "
                "whether the channel's effect changed since.")


def lift_test_checks(fit: Fit) -> list[LiftCheck]:
    """One :class:`LiftCheck` per lift test of the fit (empty without tests)."""
    tests = fit.data.lift_tests
    if not tests or "lift_implied" not in fit.idata.posterior:
        return []
    implied = fit.draws("lift_implied")  # (S, N)
    checks = []
    for i, test in enumerate(tests):
        draws = implied[:, i]
        spread = np.sqrt(test.lift_se ** 2 + draws.var())
        band = scalar_interval(draws)
        checks.append(LiftCheck(
            label=test.label or f"test_{i}", channel=test.channel, measured=test.lift,
            measured_se=test.lift_se, implied_mean=float(draws.mean()),
            implied_lo90=band["lo90"], implied_hi90=band["hi90"],
            z=float((test.lift - draws.mean()) / spread)))
    return checks
