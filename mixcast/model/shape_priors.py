"""The priors on a channel's response shape (carryover and saturation), in one place.

The Bayesian model samples them (:mod:`mixcast.model.mmm`); the machine-learning
challenger draws its hyper-parameter candidates from the same distributions
(:mod:`mixcast.ml.media`), so that both models start from the same domain knowledge:
moderate carryover, half of the curve's ceiling reached near the channel's typical week.
Plain numbers and a pure function: no JAX needed to read them.
"""

from __future__ import annotations

from mixcast.data.channel_kinds import SEARCH, channel_kind

DECAY_BETA = (2.0, 2.5)                 # geometric adstock decay ~ Beta(a, b): mean 0.44
# Carryover per channel kind. Paid search answers intent at the moment of the search, so
# its effect is mostly same-week (Robyn's guidance for digital media: a geometric decay of
# 0-0.3, TV 0.3-0.8). Beta(1.5, 4.5): mean 0.25, 90% within 0.04-0.56. Measured (issue 14,
# bench/RESULTS.md "stop 35"): national ROI error over three draws of the hard set 25.4% ->
# 24.6%, coverage 0.88 -> 0.91: a long carryover smoothed away the weekly wiggles of
# always-on search spend, the little variation that identifies it.
KIND_DECAY_BETA = {SEARCH: (1.5, 4.5)}
SLOPE_LOGNORMAL = (0.25, 0.35)          # Hill slope ~ LogNormal(mu, sigma): median 1.28
SATURATION_AT_MEAN_BETA = (2.0, 2.0)    # share of the ceiling at the typical week: median 0.5


def decay_beta(channel: str) -> tuple[float, float]:
    """The Beta(a, b) prior of ``channel``'s geometric decay, given its kind.

    Examples
    --------
    >>> decay_beta("paid_search"), decay_beta("tv_spend")
    ((1.5, 4.5), (2.0, 2.5))
    """
    return KIND_DECAY_BETA.get(channel_kind(channel), DECAY_BETA)


def half_saturation(level, slope):
    """Half-saturation point (in units of the typical week) at which a Hill curve of
    ``slope`` reaches ``level`` of its ceiling at 1.

    Examples
    --------
    >>> float(half_saturation(0.5, 1.3))
    1.0
    """
    return ((1.0 - level) / level) ** (1.0 / slope)
