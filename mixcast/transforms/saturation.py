"""Diminishing returns (saturation) curves. Pure JAX."""

from __future__ import annotations

import jax.numpy as jnp

from mixcast._typing import Array

_TINY = 1e-12


def hill(x: Array, *, half_saturation: Array, slope: Array) -> Array:
    """Hill curve ``x**s / (x**s + K**s)`` in [0, 1).

    Parameters
    ----------
    x : (..., C) non-negative media (after carryover).
    half_saturation : (C,) K, the media level giving half the maximum effect (> 0).
    slope : (C,) s > 0; s > 1 gives an S-shaped curve, s <= 1 a concave one.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> float(hill(jnp.array(2.0), half_saturation=jnp.array(2.0), slope=jnp.array(1.5)))
    0.5
    """
    active, powered = _powered(x, half_saturation, slope)
    return jnp.where(active, powered / (1.0 + powered), 0.0)


def hill_derivative(x: Array, *, half_saturation: Array, slope: Array) -> Array:
    """d hill / dx, the marginal response per unit of media (same shapes as :func:`hill`)."""
    active, powered = _powered(x, half_saturation, slope)
    ratio = jnp.where(active, x / half_saturation, 1.0)
    return jnp.where(active, slope * powered / (ratio * half_saturation * (1.0 + powered) ** 2),
                     0.0)


def _powered(x, half_saturation, slope):
    """(x > 0, (x/K)**s) with a safe log: exact zeros, finite gradients at x = 0."""
    active = x > _TINY
    ratio = jnp.where(active, x / half_saturation, 1.0)
    return active, jnp.exp(slope * jnp.log(ratio))
