"""Carryover (adstock): how spend in one week keeps working in later weeks.

All functions are pure JAX. Spend before the first week of the data is taken as zero.
"""

from __future__ import annotations

import jax.numpy as jnp

from mixcast._typing import Array


def geometric_weights(decay: Array, *, l_max: int) -> Array:
    """Normalised geometric carryover weights.

    Parameters
    ----------
    decay : (C,) share of the effect that carries over from one week to the next, in [0, 1).
    l_max : number of weeks the effect lasts (lag 0 .. l_max - 1).

    Returns
    -------
    (C, l_max) weights ``decay**l / sum_l decay**l``; each row sums to 1, so adstock
    moves spend in time without creating or losing any.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> import numpy as np
    >>> weights = geometric_weights(jnp.array([0.0, 0.5]), l_max=3)
    >>> np.asarray(weights, dtype=float).round(3).tolist()
    [[1.0, 0.0, 0.0], [0.571, 0.286, 0.143]]
    """
    decay = jnp.atleast_1d(decay)
    lags = jnp.arange(l_max)
    raw = jnp.power(decay[:, None], lags[None, :])
    return raw / raw.sum(axis=-1, keepdims=True)


def delayed_weights(decay: Array, peak: Array, *, l_max: int) -> Array:
    """Normalised delayed-peak carryover weights ``decay**|l - peak|``.

    The effect builds up to its peak at lag ``peak`` (weeks, may be fractional) and then
    decays geometrically; ``peak = 0`` is exactly :func:`geometric_weights`.

    Parameters
    ----------
    decay : (C,) in [0, 1); peak : (C,) in [0, l_max - 1].
    l_max : number of lags.

    Returns
    -------
    (C, l_max) weights, rows summing to 1.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> w = delayed_weights(jnp.array([0.5]), jnp.array([2.0]), l_max=5)
    >>> int(w.argmax())
    2
    """
    decay = jnp.atleast_1d(decay)
    peak = jnp.atleast_1d(peak)
    lags = jnp.arange(l_max)
    distance = jnp.abs(lags[None, :] - peak[:, None])
    raw = jnp.power(decay[:, None], distance)
    return raw / raw.sum(axis=-1, keepdims=True)


def carryover_weights(decay: Array, peak: Array | None, *, l_max: int) -> Array:
    """Geometric weights when ``peak`` is None, delayed-peak weights otherwise."""
    if peak is None:
        return geometric_weights(decay, l_max=l_max)
    return delayed_weights(decay, peak, l_max=l_max)


def adstock(x: Array, weights: Array) -> Array:
    """Apply carryover weights along the time axis.

    Parameters
    ----------
    x : (..., T, C) media per week; the time axis is second to last.
    weights : (C, L) carryover weights per channel.

    Returns
    -------
    (..., T, C) with ``out[t, c] = sum_l weights[c, l] * x[t - l, c]`` (zero before t=0).

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> x = jnp.array([[1.0], [0.0], [0.0]])
    >>> adstock(x, jnp.array([[0.5, 0.5]])).ravel().tolist()
    [0.5, 0.5, 0.0]
    """
    return apply_carryover(lag_stack(x, weights.shape[-1]), weights)


def lag_stack(x: Array, n_lags: int) -> Array:
    """(..., T, C) -> (..., T, C, n_lags): ``out[..., t, c, l] = x[..., t - l, c]`` (0 if t < l).

    Precompute it once for fixed media, then :func:`apply_carryover` is one contraction.
    """
    n_times = x.shape[-2]
    pad = [(0, 0)] * (x.ndim - 2) + [(n_lags - 1, 0), (0, 0)]
    padded = jnp.pad(x, pad)
    # lag l of week t sits at padded index t + (n_lags - 1) - l.
    return jnp.stack(
        [padded[..., n_lags - 1 - lag: n_lags - 1 - lag + n_times, :] for lag in range(n_lags)],
        axis=-1,
    )


def apply_carryover(lagged: Array, weights: Array) -> Array:
    """(..., T, C, L) lagged media and (C, L) weights -> (..., T, C) adstocked media."""
    return jnp.einsum("...tcl,cl->...tc", lagged, weights)


def carry_channel_major(lagged: Array, weights: Array) -> Array:
    """(C, L, ...) channel-major lagged media and (C, L) weights -> (C, ...) adstocked.

    The same sum as :func:`apply_carryover`, for a lag stack stored channel-first (see
    :func:`mixcast.mean.channel_major_response`).
    """
    return jnp.einsum("cl...,cl->c...", lagged, weights)
