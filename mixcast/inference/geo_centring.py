"""How each geo contrast of a media effect is parameterised: centred or non-centred,
contrast by contrast (see :func:`mixcast.model.mmm._geo_multiplier`).

Centred contrasts suit contrasts the data pin down (years of weekly data per geo, clear
spend variation); non-centred ones suit contrasts the data say little about, where the
centred form is a funnel. A channel's contrasts can be both: on a 100-geo panel one
channel's contrasts had curvatures from ~1 to thousands, and sampling the channel
non-centred tied the pinned ones to the geo spread ``tau`` along a ridge: the stiffest
direction of the posterior (tau with its contrasts) allowed NUTS steps of 0.02 and 255
leapfrog steps per draw.

So each contrast is centred or not on its own (``z ~ Normal(0, tau^w)``,
``x = tau^(1 - w) z``, ``w`` = 1 or 0), read from the Laplace start of the non-centred
model: there a contrast ``z ~ Normal(0, 1)`` has curvature ``p = 1 + (data's precision)
tau^2`` at the mode, and it is centred when the data carry nearly all of it. The weights
are data to the model (``ModelInputs.geo_centring``), so every choice runs one compiled
program.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from mixcast.inference.laplace import Whitening, site_shapes, unravel_for
from mixcast.inference.sampler import laplace_start

# Curvature of a non-centred contrast at the mode, relative to its prior's (median over
# chains), above which it is sampled centred: the data carry ~99% of its information.
# Measured on simulated panels: pinned contrasts 700-50,000, loose ones 1-13.
PINNED_PRECISION = 100.0


def centring_weights(precision: np.ndarray) -> np.ndarray:
    """Each contrast's weight from its curvature ``p`` in the non-centred model (median
    over chains): 1 (centred) where ``p`` > :data:`PINNED_PRECISION`, else 0.

    Intermediate weights (``1 - 1 / p``, optimal for a Gaussian likelihood at the mode's
    tau) were tried and dropped: on small panels tau's posterior is wide, a contrast
    pinned at the mode's tau is loose at a third of it, and the partially centred
    contrasts formed a funnel there (12-geo hard case: 2.6% divergent draws and R-hat
    1.023 on a geo spread, against none and 1.009 with centring only the pinned ones).

    >>> centring_weights(np.array([[1.0, 150.0], [99.0, 1e4]])).tolist()
    [[0.0, 1.0], [0.0, 1.0]]
    """
    return np.where(precision > PINNED_PRECISION, 1.0, 0.0)


def with_centring(args: tuple, weights: np.ndarray) -> tuple:
    """``args`` (the model's inputs first) with the geo contrasts' weights set."""
    inputs = dataclasses.replace(args[0], geo_centring=np.asarray(weights, np.float32))
    return (inputs, *args[1:])


def choose_geo_centring(model: Callable, args: tuple, *, chains: int,
                        seed: int) -> tuple[tuple, Whitening | None]:
    """(``args`` with each geo contrast's centring weight set, the Laplace whitening of
    the model so parameterised, or None if no mode was found)."""
    loose, template, whitening = _non_centred_start(model, args, chains, seed)
    if "geo_tau" not in template or whitening is None:
        return loose, whitening
    shapes = site_shapes(template)
    unravel = unravel_for(shapes)
    precision = np.median([np.asarray(unravel(p)["geo_z"]) for p in whitening.precision],
                          axis=0)  # (G - 1, C)
    weights = centring_weights(precision)
    if not weights.any():
        return loose, whitening
    return with_centring(args, weights), reexpressed(whitening, shapes, weights)


def centred_laplace_start(model: Callable, args: tuple, *, chains: int,
                          seed: int) -> Whitening | None:
    """The Laplace whitening of ``model(*args)`` for the centring weights ``args`` already
    carries, found as :func:`choose_geo_centring` finds it: the non-centred model's mode
    and curvature, carried to those weights (:func:`reexpressed`), never a climb of the
    centred density (whose singular "mode" at tau -> 0 a climb can fall into).

    For runs that share one run's weights (validation's batched refits)."""
    weights = np.asarray(args[0].geo_centring)
    _, template, whitening = _non_centred_start(model, args, chains, seed)
    if whitening is None or "geo_tau" not in template or not weights.any():
        return whitening
    return reexpressed(whitening, site_shapes(template), weights)


def _non_centred_start(model: Callable, args: tuple, chains: int, seed: int) -> tuple:
    """(``args`` with every contrast non-centred, site template, its Laplace whitening)."""
    loose = with_centring(args, np.zeros_like(args[0].geo_centring))
    template, whitening = laplace_start(model, loose, chains=chains, seed=seed)
    return loose, template, whitening


def reexpressed(whitening: Whitening, shapes: tuple, weights: np.ndarray) -> Whitening:
    """The non-centred model's Laplace approximation carried to the partially centred
    coordinates ``z' = tau^w z`` (each chain's mode mapped, its square root of the
    covariance multiplied by the map's Jacobian there).

    Not a new climb: the partially centred density has a singular "mode" where tau and
    every contrast go to 0 (the funnel's neck; its density grows as tau^-sum(w)), and
    a climb from a random start or even from the carried mode can fall into it (measured:
    every geo spread -> 0 on the 30- and 12-geo panels of the hard set, and R-hat 3.2).
    The pushed-forward Gaussian is where the posterior's mass is, which is what a
    whitening needs; it also saves a second mode search and Hessian per chain.
    ``precision`` stays the non-centred curvature the weights were read from.
    """
    # Each value's position in the flat vector, by the one flattening (unravel_for).
    position = unravel_for(shapes)(np.arange(whitening.shift.shape[1], dtype=np.float32))
    z_rows = np.asarray(position["geo_z"], int).ravel()
    tau_rows = np.broadcast_to(np.asarray(position["geo_tau"], int), weights.shape).ravel()
    shift, scale = whitening.shift.astype(np.float64), whitening.scale.astype(np.float64)
    w = weights.ravel()
    for c in range(len(shift)):
        factor = np.exp(w * shift[c, tau_rows])           # d z' / d z
        slope = w * factor * shift[c, z_rows]            # d z' / d log tau
        scale[c, z_rows] = (factor[:, None] * scale[c, z_rows]
                            + slope[:, None] * scale[c, tau_rows])
        shift[c, z_rows] = factor * shift[c, z_rows]
    return dataclasses.replace(whitening, shift=shift.astype(np.float32),
                               scale=scale.astype(np.float32))
