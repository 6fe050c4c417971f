"""Per channel, whether the geo contrasts of its media effect are sampled centred.

Centred contrasts suit channels whose per-geo effects the data pin down (years of weekly
data per geo, clear spend variation); non-centred ones suit channels the data say little
about per geo, where the centred form is a funnel. The Laplace start of the non-centred
model tells them apart: a non-centred contrast ``z ~ Normal(0, 1)`` whose curvature at
the mode is a hundred times its prior's (1) is pinned by the data, and sampling it
non-centred would tie it to the geo spread ``tau`` along a narrow ridge. Measured: the
simulated 50- and 20-geo panels of bench/bench_geo.py give 700-50,000 (centred: 15
leapfrog steps per draw instead of 1,000), the 40-geo benchmark panel 1-13 (non-centred
with the Laplace start: 40 steps; centring its top two channels stalled the chains).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mixcast.inference.laplace import Whitening, laplace_whitening, site_shapes, unravel_for
from mixcast.inference.sampler import laplace_start

# Curvature of a non-centred contrast at the mode, relative to its prior's (median over
# geos and chains): above this the data carry ~99% of the information, and the channel
# is sampled centred.
PINNED_PRECISION = 100.0


def choose_geo_centring(model: Callable, args: tuple, *, chains: int,
                        seed: int) -> tuple[Callable, Whitening | None]:
    """(model with each channel's centring chosen, its Laplace whitening, or None if no
    mode was found). ``model`` has ``with_geo_centring`` (:class:`mixcast.model.MMM`)."""
    loose = model.with_geo_centring(None)
    template, whitening = laplace_start(loose, args, chains=chains, seed=seed)
    if "geo_tau" not in template or whitening is None:
        return loose, whitening
    unravel = unravel_for(site_shapes(template))
    precision = np.median([np.asarray(unravel(p)["geo_z"]) for p in whitening.precision],
                          axis=0)  # (G - 1, C)
    pinned = np.median(precision, axis=0) > PINNED_PRECISION
    if not pinned.any():
        return loose, whitening
    centred = model.with_geo_centring(tuple(bool(p) for p in pinned))
    # Climb again from the non-centred modes, re-expressed centred: a climb from a
    # random start can fall into the centred funnel's neck (tau and every contrast -> 0).
    modes = [{k: np.asarray(v) for k, v in unravel(shift).items()} for shift in whitening.shift]
    for mode in modes:
        mode["geo_z"] = np.where(pinned, np.exp(mode["geo_tau"]) * mode["geo_z"], mode["geo_z"])
    starts = {k: np.stack([m[k] for m in modes]) for k in template}
    refined = laplace_whitening(centred, args, template, starts, seed)
    if refined is None:
        return loose, whitening
    return centred, refined
