"""A channel's default priors, in one place: its ROI, carryover and saturation, and how
they depend on the channel's kind (:mod:`mixcast.data.channel_kinds`).

The Bayesian model samples them (:mod:`mixcast.model.mmm`); the machine-learning
challenger draws its hyper-parameter candidates from the same shape distributions
(:mod:`mixcast.ml.media`), so that both models start from the same domain knowledge:
moderate carryover, half of the curve's ceiling reached near the channel's typical week.
Plain numbers and pure functions: no JAX needed to read them.
"""

from __future__ import annotations

from dataclasses import replace

from mixcast.data.channel_kinds import SEARCH, channel_kind
from mixcast.spec import RoiPrior

# Default ROI prior median per channel kind, as a multiple of the default's. Paid search
# captures demand at the moment of intent and is the usual high end of measured ROI, yet its
# always-on spend barely varies, so the data rarely move it off its prior: a median of 1
# ranked it with the weakest channels (issue 14: national ROI error 30.0% -> 23.9% on the
# hard set, top channel 6/8 -> 8/8). The prior stays wide (sigma unchanged) and a user's
# roi_priors replace it.
KIND_ROI_MEDIAN_FACTOR = {SEARCH: 2.0}

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


def kind_roi_prior(channel: str, default: RoiPrior) -> RoiPrior:
    """The default ROI prior for ``channel`` given its kind (:data:`KIND_ROI_MEDIAN_FACTOR`).

    Examples
    --------
    >>> kind_roi_prior("search_spend", RoiPrior(1.0, 0.9)).median
    2.0
    >>> kind_roi_prior("tv_spend", RoiPrior(1.0, 0.9)).median
    1.0
    """
    factor = KIND_ROI_MEDIAN_FACTOR.get(channel_kind(channel), 1.0)
    return default if factor == 1.0 else replace(default, median=default.median * factor)


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
