"""How each geo contrast of a media effect is parameterised: centred, non-centred, or
partially centred in between (see :func:`mixcast.model.mmm._geo_multiplier`).

Centred contrasts suit contrasts the data pin down (years of weekly data per geo, clear
spend variation); non-centred ones suit contrasts the data say little about, where the
centred form is a funnel. A channel's contrasts can be both: on a 100-geo panel one
channel's contrasts had curvatures from ~1 to thousands, and sampling the channel
non-centred tied the pinned ones to the geo spread ``tau`` along a ridge: the stiffest
direction of the posterior (tau with its contrasts) allowed NUTS steps of 0.02 and 255
leapfrog steps per draw.

So each contrast gets its own weight ``w`` in [0, 1] (``z ~ Normal(0, tau^w)``,
``x = tau^(1 - w) z``): the data's share of its information, read from the Laplace start
of the non-centred model. There a contrast ``z ~ Normal(0, 1)`` has curvature
``p = 1 + (data's precision) tau^2`` at the mode, and ``w = 1 - 1 / p`` is the weight
under which, for a Gaussian likelihood, ``z`` is independent of ``tau`` to first order
(Gorinova, Moore and Hoffman 2020). The weights are data to the model
(``ModelInputs.geo_centring``), so every choice runs one compiled program.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from mixcast.inference.laplace import Whitening, laplace_whitening, site_shapes, unravel_for
from mixcast.inference.sampler import laplace_start

# Weights below this are sampled non-centred (0): the difference is negligible, and a
# panel whose every weight is that small needs no second Laplace pass.
MIN_WEIGHT = 0.05


def centring_weights(precision: np.ndarray) -> np.ndarray:
    """Each contrast's weight ``1 - 1 / p`` from its curvature ``p`` in the non-centred
    model (median over chains), in [0, 1]; below :data:`MIN_WEIGHT`: 0.

    >>> centring_weights(np.array([[1.0, 2.0], [100.0, 0.5]])).tolist()
    [[0.0, 0.5], [0.99, 0.0]]
    """
    weight = np.clip(1.0 - 1.0 / np.maximum(precision, 1e-12), 0.0, 1.0)
    return np.where(weight < MIN_WEIGHT, 0.0, weight)


def with_centring(args: tuple, weights: np.ndarray) -> tuple:
    """``args`` (the model's inputs first) with the geo contrasts' weights set."""
    inputs = dataclasses.replace(args[0], geo_centring=np.asarray(weights, np.float32))
    return (inputs, *args[1:])


def choose_geo_centring(model: Callable, args: tuple, *, chains: int,
                        seed: int) -> tuple[tuple, Whitening | None]:
    """(``args`` with each geo contrast's centring weight set, the Laplace whitening of
    the model so parameterised, or None if no mode was found)."""
    loose = with_centring(args, np.zeros_like(args[0].geo_centring))
    template, whitening = laplace_start(model, loose, chains=chains, seed=seed)
    if "geo_tau" not in template or whitening is None:
        return loose, whitening
    unravel = unravel_for(site_shapes(template))
    precision = np.median([np.asarray(unravel(p)["geo_z"]) for p in whitening.precision],
                          axis=0)  # (G - 1, C)
    weights = centring_weights(precision)
    if not weights.any():
        return loose, whitening
    centred = with_centring(args, weights)
    # Climb again from the non-centred modes, re-expressed (z -> tau^w z): a climb from a
    # random start can fall into the centred funnel's neck (tau and every contrast -> 0).
    modes = [{k: np.asarray(v) for k, v in unravel(shift).items()} for shift in whitening.shift]
    for mode in modes:
        mode["geo_z"] = np.exp(weights * mode["geo_tau"]) * mode["geo_z"]
    starts = {k: np.stack([m[k] for m in modes]) for k in template}
    refined = laplace_whitening(model, centred, template, starts, seed)
    if refined is None:
        return loose, whitening
    return centred, refined
