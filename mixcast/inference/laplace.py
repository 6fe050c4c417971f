"""Laplace start for NUTS: each chain's posterior mode and the curvature there.

On geo panels the posterior is very precise and strongly correlated across hundreds of
parameters (national curves vs per-geo levels, noise and contrasts). Warm-up that learns
a mass matrix from its own draws cannot capture that from a few hundred correlated draws,
so NUTS runs maximal trees. Instead each chain climbs from its own random start to a mode
(L-BFGS, then again in the coordinates whitened by the curvature where it stopped: see
``_REFINE_PASSES``), and the Hessian there gives a whitening map ``x = mode + L u`` with
``L L^T = H^-1``: in ``u`` the posterior is close to a standard normal, NUTS needs short
trajectories, and a diagonal mass matrix adapted in ``u`` corrects what the quadratic
approximation misses. The chains start at ``u ~ N(0, I)``: a draw from the Laplace
approximation of their own mode, so chains that found different modes stay apart and
R-hat shows it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

import jax
import jax.numpy as jnp
import numpy as np
import scipy.optimize
from jax import lax
from jax.flatten_util import ravel_pytree
from numpyro.infer.util import potential_energy

# Precision floor in the unconstrained space: flat or non-convex directions at the mode
# (weakly identified parameters) get a standard deviation of at most 2, about the
# scale of the priors there, and warm-up adapts it.
_MIN_PRECISION = 0.25
_MAX_ITERATIONS = 5000
# Climbs again in the coordinates whitened by the curvature where the last climb stopped.
# On precise geo panels the first climb, in the model's coordinates, stops far from the
# mode: national parameters there are millions of times more precise than per-geo ones,
# and on a 100-geo x 156-week panel L-BFGS reached its 5,000 iterations with a gradient
# norm of 8,700, 474 nats below the mode. The whitening made at such a point is wrong
# where it matters most: a chain moving to the true mode met curvature 2,400 times what
# the whitening expected, and warm-up shrank the step size to fit (127 leapfrog steps per
# draw; 31 after climbing again). Whitened, the climb is well conditioned.
_REFINE_PASSES = 2
# A new Hessian costs as many Hessian-vector products as there are parameters (minutes at
# 200 geos), so the whitening is kept where a few probes say it still fits: the curvature
# along the climb's step and along the whitened coordinates it moved most, by central
# differences of the gradient _PROBE apart, within _KEPT_CURVATURE of 1.
_CHECKED_COORDINATES = 8
_PROBE = 0.5
_KEPT_CURVATURE = (0.5, 2.0)
HVP_BATCH = 16


@dataclass(frozen=True, slots=True)
class Whitening:
    """Per chain: ``x = shift + scale @ u`` maps NUTS's coordinates to the model's."""

    shift: np.ndarray  # (chains, D) the chain's mode
    scale: np.ndarray  # (chains, D, D) a square root of H^-1 (the Laplace start's is
                       # symmetric; carried to other coordinates it need not be)
    start: np.ndarray  # (chains, D) initial u
    precision: np.ndarray  # (chains, D) diagonal of the (floored) Hessian at the mode


def laplace_whitening(model: Callable, args: tuple, template: dict,
                      inits: dict[str, np.ndarray], seed: int) -> Whitening | None:
    """Modes and whitening maps for every chain, from the chains' starting points
    ``inits`` (site -> (chains, ...)). None when an optimisation fails (non-finite
    density or curvature): the caller falls back to adaptive warm-up."""
    shapes = site_shapes(template)
    value_and_grad, hessian = _compiled(model, shapes)
    flat = np.stack([np.asarray(ravel_pytree({k: inits[k][c] for k in sorted(template)})[0])
                     for c in range(len(next(iter(inits.values()))))])

    def evaluate(x):
        value, grad = value_and_grad(jnp.asarray(x, jnp.float32), args)
        return value, np.asarray(grad, np.float64)

    def whitening_at(x):
        curvature = np.asarray(hessian(jnp.asarray(x, jnp.float32), args), np.float64)
        return _inverse_sqrt(curvature) if np.all(np.isfinite(curvature)) else None

    def one(x0):
        mode = _mode(evaluate, x0)
        found = None if mode is None else whitening_at(mode)
        for _ in range(_REFINE_PASSES):
            if found is None:
                return None
            root = found[0]
            step = _mode(lambda u: _whitened(evaluate, mode, root, u), np.zeros_like(mode))
            if step is None:
                break
            mode = mode + root @ step
            if _curvature_holds(evaluate, mode, root, step):
                break
            found = whitening_at(mode)
        return None if found is None else (mode, *found)

    with ThreadPoolExecutor(max_workers=max(1, min(len(flat), os.cpu_count() or 1))) as pool:
        results = list(pool.map(one, flat))
    if any(r is None for r in results):
        return None
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x4C41]))
    return Whitening(shift=np.stack([r[0] for r in results]).astype(np.float32),
                     scale=np.stack([r[1] for r in results]).astype(np.float32),
                     start=rng.standard_normal(flat.shape).astype(np.float32),
                     precision=np.stack([r[2] for r in results]))


def _whitened(evaluate, mode: np.ndarray, root: np.ndarray, u: np.ndarray):
    """(potential, gradient) at ``x = mode + root @ u``, the gradient with respect to
    ``u`` (``root`` is symmetric)."""
    value, grad = evaluate(mode + root @ u)
    if not np.all(np.isfinite(grad)):
        return value, grad   # a point the climb rejects (see _mode)
    return value, root @ grad


def _curvature_holds(evaluate, mode: np.ndarray, root: np.ndarray, step: np.ndarray) -> bool:
    """Whether the whitening ``root`` still fits at ``mode``, where a whitened climb moved
    by ``step``: in whitened coordinates the curvature along the step and along the
    coordinates it moved most is close to 1."""
    size = float(np.linalg.norm(step))
    if size < 1e-6:
        return True   # the climb did not move: the whitening was made here
    directions = [step / size] + [np.eye(1, len(step), i)[0]
                                  for i in np.argsort(-np.abs(step))[:_CHECKED_COORDINATES]]
    low, high = _KEPT_CURVATURE
    for direction in directions:
        offset = root @ (_PROBE * direction)
        up, down = evaluate(mode + offset)[1], evaluate(mode - offset)[1]
        curvature = direction @ (root @ (up - down)) / (2.0 * _PROBE)
        if not low < curvature < high:   # also False when not finite
            return False
    return True


def _mode(value_and_grad, x0: np.ndarray) -> np.ndarray | None:
    """L-BFGS from ``x0``; the best finite point it visited (float32 densities stall
    the line search before scipy's tolerances are met, near enough to the mode)."""
    best = {"value": np.inf, "x": None}

    def fun(x):
        value, grad = value_and_grad(x)
        value, grad = float(value), np.asarray(grad, np.float64)
        if not (np.isfinite(value) and np.all(np.isfinite(grad))):
            return 1e30, np.zeros_like(x)   # reject: the line search backtracks
        if value < best["value"]:
            best.update(value=value, x=np.array(x))
        return value, grad

    scipy.optimize.minimize(fun, np.asarray(x0, np.float64), jac=True, method="L-BFGS-B",
                            options={"maxiter": _MAX_ITERATIONS, "maxfun": 2 * _MAX_ITERATIONS})
    return best["x"]


def _inverse_sqrt(curvature: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(symmetric square root S of the floored inverse Hessian, S S = H^-1; the floored
    Hessian's diagonal), from one eigendecomposition."""
    values, vectors = np.linalg.eigh(0.5 * (curvature + curvature.T))
    values = np.maximum(values, _MIN_PRECISION)
    return (vectors / np.sqrt(values)) @ vectors.T, (vectors ** 2) @ values


def site_shapes(template: dict) -> tuple:
    return tuple((k, tuple(np.shape(v)), str(np.asarray(v).dtype)) for k, v in sorted(template.items()))


def unravel_for(shapes: tuple) -> Callable:
    """Flat vector -> site dict, for the template described by ``shapes``."""
    zeros = {k: jnp.zeros(shape, dtype) for k, shape, dtype in shapes}
    return ravel_pytree(zeros)[1]


@lru_cache(maxsize=16)
def _compiled(model, shapes: tuple):
    """Potential value-and-gradient and Hessian on flat vectors, compiled once per model
    structure (the data are an argument, so refits reuse them)."""
    unravel = unravel_for(shapes)

    def potential(x, args):
        return potential_energy(model, args, {}, unravel(x))

    gradient = jax.grad(potential)

    def hessian(x, args):
        # Column by column (Hessian-vector products), in batches: jax.hessian would
        # hold every tangent of the whole model at once.
        hvp = lambda v: jax.jvp(lambda y: gradient(y, args), (x,), (v,))[1]  # noqa: E731
        return lax.map(hvp, jnp.eye(x.shape[0], dtype=x.dtype), batch_size=HVP_BATCH)

    return jax.jit(jax.value_and_grad(potential)), jax.jit(hessian)


def potential_value_and_grad(model: Callable, template: dict) -> Callable:
    """The compiled ``(x, args) -> (potential, gradient)`` on flat vectors that the mode
    search uses (cached: a probe of it compiles what a Laplace start then reuses)."""
    return _compiled(model, site_shapes(template))[0]
