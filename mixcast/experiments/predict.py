"""What the fitted model predicts a future test will measure, per posterior draw.

A future test is a lift test dated after the data (the DESIGN.md contract with
``bau_spend``): one per treated geo (or one national test), the channel's usual weekly
spend there taken from the last weeks of the data. Its implied lift is the model's own
(:func:`mixcast.model.lift.implied_lift`), so what a design promises and what a refit
will read from the test's row are the same quantity.
"""

from __future__ import annotations

from functools import partial

import jax
import numpy as np

from mixcast.data.dataset import LiftTest
from mixcast.model.counterfactual import media_params
from mixcast.model.lift import implied_lift, lift_data
from mixcast.posterior.fitted import Fit

RECENT_WEEKS = 13

__all__ = ["RECENT_WEEKS", "future_tests", "predicted_lift", "usual_spend"]


def usual_spend(fit: Fit, channel: str) -> np.ndarray:
    """(G,) the channel's usual weekly spend per geo: its mean over the last 13 weeks."""
    c = fit.channels.index(channel)
    return fit.data.spend[:, -RECENT_WEEKS:, c].mean(axis=1)


def future_tests(fit: Fit, channel: str, geos: tuple[int, ...] | None, *, weeks: int,
                 cooldown: int, factor: float) -> tuple[LiftTest, ...]:
    """Lift tests starting the week after the data: spend times ``factor`` (0: go dark)
    for ``weeks`` weeks, measured ``cooldown`` weeks longer, in ``geos`` (None: national)."""
    bau = usual_spend(fit, channel)
    start = fit.data.n_times
    end = start + weeks - 1
    measure = end + cooldown if cooldown else None
    where = [None] if geos is None else list(geos)
    tests = []
    for g in where:
        weekly = float(bau.sum() if g is None else bau[g])
        tests.append(LiftTest(channel=channel, start=start, end=end, geo=g,
                              spend_delta=(factor - 1.0) * weekly * weeks, lift=0.0,
                              lift_se=1.0, label="planned", measure_end=measure,
                              bau_spend=weekly))
    return tuple(tests)


def predicted_lift(fit: Fit, tests: tuple[LiftTest, ...], *, max_draws: int = 400
                   ) -> np.ndarray:
    """(S, N) the lift each test implies under each posterior draw (KPI units)."""
    draws = fit.param_draws(max_draws)
    params = media_params(draws)
    lifts = lift_data(tests, fit.data, fit.inputs)
    return np.asarray(_implied(params, lifts, fit.inputs, fit.structure), dtype=np.float64)


@partial(jax.jit, static_argnames=("structure",))
def _implied(params, lifts, inputs, structure):
    return jax.vmap(lambda p: implied_lift(p, lifts, inputs, structure))(params)
