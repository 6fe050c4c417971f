"""NUTS chains compiled once and run over every CPU core.

numpyro's ``MCMC`` recompiles for each run and only parallelises when there are as many
devices as chains. Here one XLA program initialises the chains and runs a segment of up
to :data:`SEGMENT` NUTS iterations of a device's share of them (``lax.map``), ``pmap``
spreads the shares over devices, and the data enter as arguments, so refits on data of
the same shape (backtests, simulated twins, refreshes) reuse the compiled program.
Python calls it segment after segment until warm-up and draws are done.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from numpyro.infer.hmc import hmc
from numpyro import handlers
from numpyro.distributions.transforms import biject_to
from numpyro.infer.util import constrain_fn, potential_energy

from mixcast.runtime import configure, memory_map_use
from mixcast.inference.laplace import Whitening, site_shapes, laplace_whitening, unravel_for
from mixcast.inference.laplace import _compiled as laplace_compiled

EXTRA_FIELDS = ("diverging", "num_steps", "energy", "accept_prob")
_INIT_RADIUS = 0.5
_DENSE_SITE_SIZE = 64
# NUTS iterations per call of the compiled chains. XLA's CPU runtime, running several
# devices at once, holds a few KB per leapfrog step until the call returns: in one call
# over a whole fit, resident memory grew ~40 MB/s on 2 devices (7.5 GB after 148 min on a
# 200-geo panel), and stayed flat on one device. Returning every SEGMENT iterations frees
# it, and lets progress be reported from Python; the draws are the same (the chains carry
# their state and keys from call to call).
SEGMENT = 100


def run_nuts(model: Callable, args: tuple, *, chains: int, warmup: int, draws: int,
             seed: int, target_accept: float, max_tree_depth: int, dense_mass: bool = True,
             laplace: bool = False, whitening: Whitening | None = None,
             progress: Callable[[int, int], None] | None = None):
    """Run ``chains`` NUTS chains of ``model(*args)``.

    ``model`` must be hashable and take every array through ``args`` (a pytree), so that
    the compiled program can be cached and reused. With ``dense_mass`` the mass matrix is
    adapted as a dense block over every small site (see :func:`mass_blocks`). With
    ``laplace`` each chain starts from its own mode and samples in coordinates whitened by
    the curvature there (:mod:`mixcast.laplace`); if a mode cannot be found, warm-up
    adapts the mass matrix as without it. A ``whitening`` already found by
    :func:`laplace_start` for the same model, data, chains and seed is used as it is.

    Returns
    -------
    (samples, extras, stopped) : dicts of numpy arrays shaped (chains, draws, ...), samples
    constrained and with the model's deterministic sites; where the chains stopped, to
    continue them with :func:`continue_nuts`.
    """
    release_if_crowded()
    devices, per_device, padded = _layout(chains)
    keys, template, inits = _chain_starts(model, args, padded, seed)
    if laplace and whitening is None:
        whitening = laplace_whitening(model, args, template, inits, seed)
    mass = _mass_structure(template, dense_mass, whitening)
    whitened_shapes = site_shapes(template) if whitening else None
    segment = _compiled_segment(model, warmup, float(target_accept), max_tree_depth, mass,
                                False, whitened_shapes)
    shape = lambda x: x.reshape((devices, per_device, *x.shape[1:]))  # noqa: E731
    starts, whiten = _starts(inits, whitening)
    z, extras, states = _drive(segment, args, jax.tree.map(shape, whiten), warmup, draws,
                               progress, keys=shape(keys[:padded]),
                               starts=jax.tree.map(shape, starts))
    stopped = StoppedChains(model=model, args=args, states=states, whitening=whitening,
                            chains=chains, warmup=warmup,
                            target_accept=float(target_accept), max_tree_depth=max_tree_depth,
                            mass=mass, whitened_shapes=whitened_shapes)
    return (*_unpack(model, args, z, extras, padded, chains), stopped)


@dataclass(frozen=True)
class StoppedChains:
    """Where :func:`run_nuts`'s chains stopped (their position, adapted step size and mass
    matrix, random keys), with what is needed to continue them."""

    model: Callable
    args: tuple
    states: object              # the chains' HMC states, as the compiled program holds them
    whitening: Whitening | None
    chains: int
    warmup: int
    target_accept: float
    max_tree_depth: int
    mass: object
    whitened_shapes: tuple | None


def continue_nuts(stopped: StoppedChains, draws: int,
                  progress: Callable[[int, int], None] | None = None):
    """``draws`` more draws of each chain from where it stopped, with the step size and
    mass matrix it adapted in warm-up (no new adaptation); returns what :func:`run_nuts`
    returns. Cheaper than a new fit by the whole warm-up, and deterministic: the chains
    carry their random keys."""
    devices, per_device = jax.tree.leaves(stopped.states)[0].shape[:2]
    segment = _compiled_segment(stopped.model, stopped.warmup, stopped.target_accept,
                                stopped.max_tree_depth, stopped.mass, False,
                                stopped.whitened_shapes)
    shape = lambda x: x.reshape((devices, per_device, *x.shape[1:]))  # noqa: E731
    whiten = jax.tree.map(shape, _starts({}, stopped.whitening)[1])
    z, extras, states = _drive(segment, stopped.args, whiten, 0, draws, progress,
                               states=stopped.states)
    samples, extras = _unpack(stopped.model, stopped.args, z, extras,
                              devices * per_device, stopped.chains)
    return samples, extras, replace(stopped, states=states)


def _unpack(model, args, z, extras, padded: int, chains: int) -> tuple[dict, dict]:
    """(constrained samples, extras) of the first ``chains`` of a runner's output."""
    unshape = lambda x: np.asarray(x).reshape((padded, *x.shape[2:]))[:chains]  # noqa: E731
    z = jax.tree.map(unshape, z)
    return _constrain(model, args, z), dict(zip(EXTRA_FIELDS, (unshape(e) for e in extras)))


def laplace_start(model: Callable, args: tuple, *, chains: int,
                  seed: int) -> tuple[dict, Whitening | None]:
    """(site template, whitening) exactly as :func:`run_nuts` with ``laplace`` finds them."""
    _, template, inits = _chain_starts(model, args, _layout(chains)[2], seed)
    return template, laplace_whitening(model, args, template, inits, seed)


def _chain_starts(model, args, n_chains: int, seed: int) -> tuple:
    """(chain keys, site template, random initial points) for ``n_chains`` chains."""
    keys = jax.random.split(jax.random.PRNGKey(seed), n_chains + 1)
    template = _unconstrained_template(model, args, keys[-1])
    return keys, template, _initial_points(template, n_chains, seed)


def chains_in_parallel(chains: int) -> int:
    """How many of ``chains`` chains run at once (one per device)."""
    return _layout(chains)[0]


def latent_template(model: Callable, args: tuple) -> dict[str, np.ndarray]:
    """Zeros shaped like each latent site of ``model(*args)`` on the unconstrained scale."""
    return _unconstrained_template(model, args, jax.random.PRNGKey(0))


def _layout(chains: int) -> tuple[int, int, int]:
    """(devices, chains per device, chains padded to fill every device)."""
    configure()  # one XLA device per core, if JAX has not started yet
    devices = min(jax.local_device_count(), chains)
    per_device = -(-chains // devices)
    return devices, per_device, devices * per_device


def _mass_structure(template: dict, dense_mass: bool, whitening: Whitening | None):
    # Whitened coordinates are already decorrelated: a diagonal adapts what is left.
    if whitening is not None:
        return False
    return mass_blocks(template) if dense_mass else False


def _starts(inits: dict, whitening: Whitening | None) -> tuple:
    """(initial points, whitening maps) as the compiled runner takes them."""
    if whitening is None:
        return inits, ()
    return whitening.start, (whitening.shift, whitening.scale)


def mass_blocks(template: dict) -> tuple[tuple[str, ...], ...] | bool:
    """Structure of the adapted mass matrix: one dense block over every site with at most
    ``_DENSE_SITE_SIZE`` values, diagonal for larger ones (per-geo deviations).

    A dense block learns the posterior correlations (intercept vs trend vs always-on
    channels, ROI vs saturation) that otherwise force NUTS into long trajectories; large
    per-geo sites stay diagonal, as a dense matrix over them would need far more warm-up.
    """
    small = tuple(sorted(k for k, v in template.items() if np.size(v) <= _DENSE_SITE_SIZE))
    if len(small) == len(template):
        return True
    return (small,) if small else False


def _initial_points(template: dict, n_chains: int, seed: int) -> dict[str, np.ndarray]:
    """Uniform(-r, r) starting points on the unconstrained scale, drawn with numpy (one
    compiled random kernel per site shape would cost seconds of compilation)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x6D6978]))
    return {k: rng.uniform(-_INIT_RADIUS, _INIT_RADIUS, (n_chains, *np.shape(v))).astype(
        np.asarray(v).dtype) for k, v in sorted(template.items())}


def run_nuts_batch(model: Callable, batch: list[tuple], *, chains: int, warmup: int,
                   draws: int, seeds: list[int], target_accept: float, max_tree_depth: int,
                   dense_mass: bool = True, laplace: bool = False,
                   whitenings: list[Whitening | None] | None = None,
                   progress: Callable[[int, int], None] | None = None) -> list[tuple]:
    """Run ``chains`` NUTS chains of ``model(*args)`` for every ``args`` in ``batch`` in
    one compiled program: all ``len(batch) x chains`` chains are spread over every device
    (refits that each use fewer chains than there are cores run side by side).

    Every ``args`` must have the same pytree structure and shapes. ``seeds[r]`` seeds the
    r-th run's chains and initial points. ``laplace`` as in :func:`run_nuts`; if any
    run's mode cannot be found, every run adapts its mass matrix. ``whitenings``, one
    per run (from :func:`laplace_start` or the like, for at least ``chains`` chains: the
    first ``chains`` are used), replace the runs' own mode searches.

    Returns
    -------
    list of (samples, extras), one per ``args``, as :func:`run_nuts` returns them.
    """
    n_runs = len(batch)
    if n_runs == 0:
        return []
    release_if_crowded()
    total = n_runs * chains
    devices, per_device, padded = _layout(total)
    template = _unconstrained_template(model, batch[0], jax.random.PRNGKey(0))
    keys, inits, found = [], {k: [] for k in template}, []
    for seed, args in zip(seeds, batch):
        keys.append(jax.random.split(jax.random.PRNGKey(seed), chains + 1)[:chains])
        points = _initial_points(template, chains, seed)
        for k, v in points.items():
            inits[k].append(v)
        if laplace and whitenings is None:
            found.append(laplace_whitening(model, args, template, points, seed))
    whitenings = found if whitenings is None else whitenings
    whitening = None
    if laplace and all(w is not None for w in whitenings):
        whitening = Whitening(*(np.concatenate([getattr(w, f)[:chains] for w in whitenings])
                                for f in ("shift", "scale", "start", "precision")))
    inits = {k: np.concatenate(v) for k, v in inits.items()}
    pad = lambda x: jnp.concatenate([x, jnp.repeat(x[-1:], padded - total, axis=0)])  # noqa: E731
    shape = lambda x: pad(jnp.asarray(x)).reshape((devices, per_device, *jnp.shape(x)[1:]))  # noqa: E731
    stacked_args = jax.tree.map(
        lambda *leaves: np.repeat(np.stack([np.asarray(x) for x in leaves]), chains, axis=0),
        *batch)
    segment = _compiled_segment(model, warmup, float(target_accept), max_tree_depth,
                                _mass_structure(template, dense_mass, whitening), True,
                                site_shapes(template) if whitening else None)
    starts, whiten = _starts(inits, whitening)
    z, extras, _ = _drive(segment, jax.tree.map(shape, stacked_args),
                          jax.tree.map(shape, whiten), warmup, draws, progress,
                          keys=shape(jnp.concatenate(keys)), starts=jax.tree.map(shape, starts))
    unshape = lambda x: np.asarray(x).reshape((padded, *x.shape[2:]))[:total]  # noqa: E731
    z = jax.tree.map(unshape, z)
    extras = [unshape(e) for e in extras]
    out = []
    for r, args in enumerate(batch):
        part = slice(r * chains, (r + 1) * chains)
        run_z = {k: v[part] for k, v in z.items()}
        out.append((_constrain(model, args, run_z),
                    dict(zip(EXTRA_FIELDS, (e[part] for e in extras)))))
    return out


def _unconstrained_template(model, args, key) -> dict[str, np.ndarray]:
    """Zeros shaped like each latent site on the unconstrained scale.

    Found by tracing the model abstractly (``jax.eval_shape``): numpyro's
    ``initialize_model`` runs the model eagerly, op by op, and on a CPU each op's small
    compilation added ~20 s before the first draw.
    """
    def unconstrained(key, args):
        trace = handlers.trace(handlers.seed(model, key)).get_trace(*args)
        return {name: biject_to(site["fn"].support).inv(site["value"])
                for name, site in trace.items()
                if site["type"] == "sample" and not site["is_observed"]}

    shapes = jax.eval_shape(unconstrained, key, args)
    return {k: np.zeros(v.shape, v.dtype) for k, v in shapes.items()}


def _nuts(model, whitened_shapes):
    """(init_kernel, sample_kernel, to_sites) of a NUTS kernel over ``model``.
    ``whitened_shapes`` (the template's site shapes) switches to sampling ``u`` with
    ``x = shift + scale @ u`` per chain (see :mod:`mixcast.laplace`)."""
    unravel = unravel_for(whitened_shapes) if whitened_shapes else None

    def potential_gen(args, whiten):
        if not whiten:
            return lambda z: potential_energy(model, args, {}, z)
        shift, scale = whiten
        return lambda u: potential_energy(model, args, {}, unravel(shift + scale @ u))

    def to_sites(z, whiten):
        return unravel(whiten[0] + whiten[1] @ z) if whiten else z

    return (*hmc(potential_fn_gen=potential_gen, algo="NUTS"), to_sites)


def _init(init_kernel, z0, key, args, whiten, warmup, target_accept, max_tree_depth, mass):
    return init_kernel(z0, warmup, target_accept_prob=target_accept,
                       max_tree_depth=max_tree_depth,
                       dense_mass=list(mass) if isinstance(mass, tuple) else mass,
                       model_args=(args, whiten), rng_key=key)


def _segment_plan(warmup: int, draws: int) -> list[tuple[int, bool]]:
    """(iterations, kept) of each call: warm-up, then draws, in segments of at most
    :data:`SEGMENT` iterations (a call never mixes the two, so its draws are kept whole)."""
    plan = []
    for total, kept in ((warmup, False), (draws, True)):
        plan += [(min(SEGMENT, total - done), kept) for done in range(0, total, SEGMENT)]
    return plan


def _drive(segment, args, whiten, warmup: int, draws: int, progress, *, states=None,
           keys=None, starts=None) -> tuple:
    """Run ``segment`` call after call over ``warmup`` + ``draws`` iterations; from
    ``states`` (chains that already ran) or else fresh chains initialised at ``starts``
    with ``keys``. Returns (kept draws as site dicts, extras, the chains' last states),
    every array shaped (devices, chains per device, draws, ...)."""
    first = states is None
    if first:
        states = segment.blank_states(keys, starts, args, whiten)
    else:
        keys, starts = segment.blank_inputs(states)
    chains = int(np.prod(jax.tree.leaves(states)[0].shape[:2]))
    total = chains * (warmup + draws)
    done, kept_z, kept_extras = 0, [], []
    for n, kept in _segment_plan(warmup, draws):
        z, extras, states = segment(states, keys, starts, args, whiten, first, n)
        first = False
        if kept:
            kept_z.append(jax.tree.map(lambda x: np.asarray(x)[:, :, :n], z))
            kept_extras.append(tuple(np.asarray(e)[:, :, :n] for e in extras))
        else:
            jax.block_until_ready(states)
        done += chains * n
        if progress is not None:
            progress(done, total)
    if not kept_z:   # no draws asked for
        raise ValueError("draws must be at least 1")
    z = jax.tree.map(lambda *parts: np.concatenate(parts, axis=2), *kept_z)
    extras = tuple(np.concatenate(parts, axis=2) for parts in zip(*kept_extras))
    return z, extras, states


class _Segment:
    """The compiled program behind :func:`_drive`: ``(states, keys, starts, args, whiten,
    first, n) -> (positions, extras, states)``, running ``n`` <= :data:`SEGMENT` NUTS
    iterations of every chain, from fresh states at ``starts`` when ``first``.

    Initialising inside the same program (a ``lax.cond``) compiles the NUTS step once for
    the whole fit; ``init_kernel`` is traced in any case, as it also sets the kernel's
    settings (tree depth, warm-up length, mass structure) that the step reads.
    """

    def __init__(self, model, warmup, target_accept, max_tree_depth, mass, batched,
                 whitened_shapes):
        init_kernel, sample_kernel, to_sites = _nuts(model, whitened_shapes)

        def fresh(key, z0, args, whiten):
            return _init(init_kernel, z0, key, args, whiten, warmup, target_accept,
                         max_tree_depth, mass)

        def one_chain(state, key, z0, args, whiten, first, n):
            state = lax.cond(first, lambda: fresh(key, z0, args, whiten), lambda: state)
            positions = jax.tree.map(
                lambda x: jnp.zeros((SEGMENT, *x.shape), x.dtype), to_sites(state.z, whiten))
            extras = tuple(jnp.zeros((SEGMENT,), jnp.result_type(getattr(state, f)))
                           for f in EXTRA_FIELDS)

            def step(i, carry):
                state, positions, extras = carry
                state = sample_kernel(state, model_args=(args, whiten))
                positions = jax.tree.map(lambda buf, x: buf.at[i].set(x), positions,
                                         to_sites(state.z, whiten))
                extras = tuple(buf.at[i].set(getattr(state, f))
                               for buf, f in zip(extras, EXTRA_FIELDS))
                return state, positions, extras

            state, positions, extras = lax.fori_loop(0, n, step, (state, positions, extras))
            return positions, extras, state

        if batched:   # every chain has its own args (a batch of refits)
            def device_chains(states, keys, z0s, args, whiten, first, n):
                return lax.map(lambda c: one_chain(c[0], c[1], c[2], c[3], c[4], first, n),
                               (states, keys, z0s, args, whiten))

            self._run = jax.pmap(device_chains, in_axes=(0, 0, 0, 0, 0, None, None))
        else:
            def device_chains(states, keys, z0s, args, whiten, first, n):
                return lax.map(lambda c: one_chain(c[0], c[1], c[2], args, c[3], first, n),
                               (states, keys, z0s, whiten))

            self._run = jax.pmap(device_chains, in_axes=(0, 0, 0, None, 0, None, None))
        self._fresh, self._batched = fresh, batched

    def __call__(self, states, keys, starts, args, whiten, first: bool, n: int):
        return self._run(states, keys, starts, args, whiten, bool(first), int(n))

    def blank_states(self, keys, starts, args, whiten):
        """Zeros shaped like the chains' states (what the first call replaces)."""
        one = lambda x: x[0, 0]  # noqa: E731
        chain_args = jax.tree.map(one, args) if self._batched else args
        shapes = jax.eval_shape(self._fresh, one(keys), jax.tree.map(one, starts),
                                chain_args, jax.tree.map(one, whiten))
        lead = keys.shape[:2]
        return jax.tree.map(lambda s: jnp.zeros((*lead, *s.shape), s.dtype), shapes)

    @staticmethod
    def blank_inputs(states):
        """(keys, starts) for calls that continue ``states`` (read only when first)."""
        return states.rng_key, states.z


@lru_cache(maxsize=16)
def _compiled_segment(model, warmup, target_accept, max_tree_depth, mass, batched,
                      whitened_shapes) -> _Segment:
    return _Segment(model, warmup, target_accept, max_tree_depth, mass, batched,
                    whitened_shapes)


def release_compiled_programs() -> None:
    """Drop every compiled program this process holds (the sampler's, the Laplace
    start's, JAX's own caches). XLA's CPU runtime maps each compiled kernel into pages of
    its own and a process may hold at most vm.max_map_count (65,530) mappings, so a
    long-lived process that compiles for many data shapes should call this between jobs;
    the on-disk compilation cache makes the next compile of a known shape cheap."""
    import gc

    for cached in (_compiled_segment, _constrainer, laplace_compiled):
        cached.cache_clear()
    jax.clear_caches()
    gc.collect()


# Share of the process's memory-mapping limit above which a new fit first drops the
# compiled programs held (see :func:`release_if_crowded`).
CROWDED_MAPS = 0.5


def release_if_crowded() -> bool:
    """:func:`release_compiled_programs` when this process holds more than
    :data:`CROWDED_MAPS` of its memory-mapping limit (``vm.max_map_count``); whether it
    did. Called before every fit, so that a long-lived process (the refresh scheduler,
    the web app, an executor's worker) never runs out of mappings, while one that refits
    the same shapes keeps its compiled programs."""
    use = memory_map_use()
    if use is None or use <= CROWDED_MAPS:
        return False
    release_compiled_programs()
    return True


def _constrain(model, args, z: dict) -> dict[str, np.ndarray]:
    n_chains, n_draws = next(iter(z.values())).shape[:2]
    total = n_chains * n_draws
    batch = min(_constrain_batch(args), total)
    n_batches = -(-total // batch)
    # Batches of equal size, the last padded by repeating draws (explicit shapes, so that
    # empty sites such as no events pass through).
    take = np.minimum(np.arange(n_batches * batch), total - 1)
    batched = {k: v.reshape((total, *v.shape[2:]))[take].reshape((n_batches, batch, *v.shape[2:]))
               for k, v in z.items()}
    out = _constrainer(model)(args, batched)
    return {k: np.asarray(v).reshape((n_batches * batch, *v.shape[2:]))[:total].reshape(
        (n_chains, n_draws, *v.shape[2:])) for k, v in out.items()}


# Draws constrained at once: each runs the model, whose working set is a few arrays the
# size of the data (geos x weeks x channels); all 4,000 draws of a 200-geo panel at once
# would hold tens of GB.
_CONSTRAIN_BUDGET = 2 ** 23   # float32 values of data per batch


def _constrain_batch(args) -> int:
    data_values = sum(np.size(leaf) for leaf in jax.tree.leaves(args))
    return int(max(1, min(1024, _CONSTRAIN_BUDGET // max(data_values, 1))))


@lru_cache(maxsize=16)
def _constrainer(model):
    """Compiled once per model (and batch shape); the data are an argument, so refits
    reuse it. Draws go through one batch at a time (``lax.map`` over batches) to bound
    the memory."""
    def constrain(args, batched):
        one = lambda p: constrain_fn(model, args, {}, p, return_deterministic=True)  # noqa: E731
        return lax.map(jax.vmap(one), batched)

    return jax.jit(constrain)
