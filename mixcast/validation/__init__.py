"""Validation: can a marketer move budget on these numbers?

:func:`validate` runs the checks (convergence, fit, rolling and spend-shift backtests,
recovery on a simulated twin, stability, prior vs data, held-out lift tests, plausibility
and prior-data conflict) and turns them into a trust verdict per channel and overall
(``mixcast.runs.validate_run`` does it for a run directory and writes
``RUN/validation.json``).
"""

from mixcast.validation.suite import ALL_CHECKS, validate

__all__ = ["ALL_CHECKS", "validate"]
