"""The priors on a channel's response shape (carryover and saturation), in one place.

The Bayesian model samples them (:mod:`mixcast.model.mmm`); the machine-learning
challenger draws its hyper-parameter candidates from the same distributions
(:mod:`mixcast.ml.media`), so that both models start from the same domain knowledge:
moderate carryover, half of the curve's ceiling reached near the channel's typical week.
Plain numbers and a pure function: no JAX needed to read them.
"""

from __future__ import annotations

DECAY_BETA = (2.0, 2.5)                 # geometric adstock decay ~ Beta(a, b): mean 0.44
SLOPE_LOGNORMAL = (0.25, 0.35)          # Hill slope ~ LogNormal(mu, sigma): median 1.28
SATURATION_AT_MEAN_BETA = (2.0, 2.0)    # share of the ceiling at the typical week: median 0.5


def half_saturation(level, slope):
    """Half-saturation point (in units of the typical week) at which a Hill curve of
    ``slope`` reaches ``level`` of its ceiling at 1.

    Examples
    --------
    >>> float(half_saturation(0.5, 1.3))
    1.0
    """
    return ((1.0 - level) / level) ** (1.0 / slope)
