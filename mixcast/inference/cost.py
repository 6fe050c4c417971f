"""What a fit will cost before it runs: peak memory and wall time on this machine.

The estimate comes from the panel's size (geos x weeks x channels, the number of latent
parameters the model samples) and a short timed probe of the compiled potential's
gradient, the unit of work NUTS repeats. The constants below were calibrated against
measured fits in ``bench/bench_scale.py`` (see bench/RESULTS.md, "Scale"): the estimate
is a planning figure, within about 2x, not a promise.

:func:`check_memory` refuses a fit whose estimated peak exceeds the memory available
(:func:`mixcast.inference.memory.available_memory`) before any sampling.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.flatten_util import ravel_pytree

from mixcast.data.dataset import Dataset
from mixcast.errors import UserError
from mixcast.inference.fit import MAX_CONTINUATIONS, build_model
from mixcast.inference.laplace import potential_value_and_grad
from mixcast.inference.memory import (MEMORY_LIMIT_ENV, available_memory, format_bytes,
                                      memory_source)
from mixcast.inference.sampler import SEGMENT, chains_in_parallel, latent_template
from mixcast.runtime import configure
from mixcast.spec import ModelSpec, SamplerConfig

# Calibrated on bench/bench_scale.py (bench/RESULTS.md, "Scale").
_BASE_BYTES = 1.35e9           # Python, JAX, XLA's compiled programs, arviz
_FLOAT = 4                     # float32 draws and working arrays
_WORK_COPIES = 6               # live lagged-media-sized arrays in one gradient evaluation
_KEPT_COPIES = 4               # draws: sampler output, constrained sites, idata, summaries
_HESSIAN_COPIES = 5            # per mode search: float64 Hessian, eigh's workspace, root
_STEPS_WHITENED = 47           # mean leapfrog steps per NUTS iteration, Laplace start,
_STEPS_AT_PARAMS = 3623        # ... measured at this many parameters (200 x 156 x 15);
                               # they grow as params^(1/4) (NUTS's step size on a d-dim
                               # standard normal shrinks as d^(-1/4)): 35 at 1,073 (31
                               # measured), 21 at 149 (15-17 measured)
_STEPS_ADAPTED = 50            # ... with an adapted mass matrix (national fits): 37-74
                               # measured on 1 x 104-208 weeks x 5-15 channels
_NUTS_STEP_SECONDS = 30e-6     # the tree's own work per leapfrog step beside the
                               # gradient (17-45 us measured on national fits)
_PROBE_LOOP = 100              # gradients per timed call of the probe's compiled loop
_CLIMB_SCALE, _CLIMB_POWER = 510.0, 0.54   # gradient evaluations of one chain's mode
                               # search and whitened climbs, 510 x geos^0.54: per chain 740
                               # at 2 geos, 1,200 at 4, 1,900 at 10, 2,400 at 25, 4,300 at
                               # 50, 6,000 at 100 (counted, stop 36); was a flat 3,500
_HVP_COST = 3.0                # a Hessian-vector product, in gradients
_HVP_WORK = 5                  # working memory of one batch of Hessian-vector products
                               # (laplace.HVP_BATCH = 16), in gradients': one 200-geo
                               # Hessian added 0.5 GB, a gradient's arrays ~90 MB
_COMPILE_FACTOR = 8.0          # a fit's compile time, in the probe's compiles (national:
                               # 6.5-7.8 measured on 1 x 104-208 x 5-15, cold cache)
_COMPILE_FACTOR_GEO = 13.0     # ... geo panels: the Laplace start's Hessian compiles too
_HESSIANS = 3                  # per chain's mode search: the first, and one after each
                               # whitened climb whose probes fail (the worst case)
_CLIMB_GRADIENTS = 500         # ... of them in whitened coordinates (a matvec each)
_SUMMARY_GRADIENTS = 3         # post-fit summaries per kept draw, in gradients (2.9
                               # measured at 200 geos since ROI and mROI are scored
                               # channel by channel; ~125 before)
_MATVEC_FLOPS = 2e9            # float32 matrix-vector multiply on one core (flop/s)
_FIXED_SECONDS = 3.0           # Python's share: data preparation, posterior, diagnostics
                               # (0.6-0.9 s measured beside a fit, ~6 s in the CLI's fit)
_CALL_SECONDS = 1.5e-3         # Python and dispatch per L-BFGS evaluation (scipy drives it)


@dataclass(frozen=True, slots=True)
class CostEstimate:
    """Expected cost of a fit; bytes and seconds on this machine."""

    geos: int
    weeks: int
    channels: int
    lags: int                   # adstock lags: the gradient works on geos x weeks x channels x lags
    params: int                 # latent parameters NUTS samples
    kept_per_draw: int          # values kept per draw (samples and deterministic sites)
    chains: int
    iterations: int             # warm-up + draws per chain
    draws_kept: int             # chains x draws
    parallel: int               # chains running at once (one per device)
    device: str
    laplace: bool
    gradient_seconds: float     # one potential-and-gradient evaluation inside a compiled
                                # loop, as the sampler runs it (timed)
    compile_seconds: float      # the probe's compilation (timed)
    est_compile_seconds: float
    est_sampling_seconds: float
    est_wall_seconds: float
    est_peak_bytes: int
    available_bytes: int | None
    # Worst case of continuing chains whose R-hat stays above 1.01 (mixcast.inference.fit):
    # added to the wall time and peak above, only when it happens.
    est_continue_seconds: float = 0.0
    est_continue_bytes: int = 0
    # On an accelerator (GPU): what the sampler holds in its memory (the model's working
    # arrays, one segment of positions, the Laplace start's Hessian and roots; the draws
    # kept go to the host), and what is free there. None on a CPU.
    est_device_bytes: int | None = None
    device_available_bytes: int | None = None

    @property
    def fits_in_memory(self) -> bool:
        return self.fits_on_host and self.fits_on_device

    @property
    def fits_on_host(self) -> bool:
        return self.available_bytes is None or self.est_peak_bytes <= self.available_bytes

    @property
    def fits_on_device(self) -> bool:
        return (self.est_device_bytes is None or self.device_available_bytes is None
                or self.est_device_bytes <= self.device_available_bytes)

    def as_rows(self) -> list[tuple[str, str]]:
        """(quantity, value) rows for a table."""
        rows = [("panel", f"{self.geos} geos x {self.weeks} weeks x {self.channels} channels"),
                ("parameters sampled", f"{self.params:,}"),
                ("chains x iterations", f"{self.chains} x {self.iterations:,} "
                                        f"({self.parallel} at a time on {self.device})"),
                ("draws kept", f"{self.draws_kept:,} x {self.kept_per_draw:,} values"),
                ("gradient (timed)", f"{1e3 * self.gradient_seconds:.2f} ms"),
                ("compilation", f"~{self.est_compile_seconds:.0f} s"),
                ("sampling", f"~{format_seconds(self.est_sampling_seconds)}"),
                ("expected wall time", f"~{format_seconds(self.est_wall_seconds)}"),
                ("expected peak memory", format_bytes(self.est_peak_bytes))]
        if self.est_continue_seconds:
            rows.append(("if R-hat > 1.01 (chains continued)",
                         f"up to +{format_seconds(self.est_continue_seconds)}, "
                         f"+{format_bytes(self.est_continue_bytes)}"))
        available = ("unknown" if self.available_bytes is None
                     else format_bytes(self.available_bytes))
        rows.append(("memory available", available))
        if self.est_device_bytes is not None:
            free = ("unknown" if self.device_available_bytes is None
                    else format_bytes(self.device_available_bytes))
            rows += [(f"expected {self.device} memory", format_bytes(self.est_device_bytes)),
                     (f"{self.device} memory free", free)]
        return rows


def estimate_cost(data: Dataset, spec: ModelSpec | None = None,
                  sampler: SamplerConfig | None = None, *,
                  probe_seconds: float = 1.0) -> CostEstimate:
    """Estimate a fit of ``data`` under ``spec`` and ``sampler`` without sampling.

    Compiles the model's potential and gradient (the same compiled function a Laplace
    start then reuses) and times it as the chains will run it, for about ``probe_seconds``.
    """
    configure()
    spec = (spec or ModelSpec()).resolved()
    sampler = (sampler or SamplerConfig()).for_geos(data.n_geos)
    model, args = build_model(data, spec)
    template = latent_template(model, args)
    params = int(sum(np.size(v) for v in template.values()))
    kept = _kept_per_draw(model, args)
    value_and_grad = potential_value_and_grad(model, template)
    x = jnp.asarray(ravel_pytree(template)[0], jnp.float32)
    started = time.perf_counter()
    jax.block_until_ready(value_and_grad(x, args))
    compile_seconds = time.perf_counter() - started
    devices = chains_in_parallel(sampler.chains)
    gradient_seconds = _gradient_in_loop(value_and_grad, x, args, devices, probe_seconds)
    return cost_of(geos=data.n_geos, weeks=data.n_times, channels=data.n_channels,
                   lags=int(args[0].media_lagged.shape[1]), params=params, kept_per_draw=kept, sampler=sampler,
                   laplace=sampler.uses_laplace(data.n_geos), parallel=devices,
                   device=jax.devices()[0].platform, gradient_seconds=gradient_seconds,
                   compile_seconds=compile_seconds, available_bytes=available_memory(),
                   device_available_bytes=accelerator_memory())


def cost_of(*, geos: int, weeks: int, channels: int, lags: int, params: int,
            kept_per_draw: int,
            sampler: SamplerConfig, laplace: bool, parallel: int, device: str,
            gradient_seconds: float, compile_seconds: float,
            available_bytes: int | None,
            device_available_bytes: int | None = None) -> CostEstimate:
    """The cost model: pure arithmetic on the sizes and the timed probe."""
    chains, iterations = sampler.chains, sampler.warmup + sampler.draws
    draws_kept = chains * sampler.draws
    rounds = -(-chains // max(parallel, 1))           # chains queued on each device
    cells = geos * weeks * channels * max(lags, 1)
    # Gradients evaluated at once: one per device, and during the Laplace start a batch
    # of Hessian-vector products per concurrent mode search.
    evaluations = parallel + (_HVP_WORK * min(parallel, chains) if laplace else 0)
    # Whitened NUTS multiplies every gradient's point by a dense D x D root.
    matvec = 2.0 * params ** 2 / _MATVEC_FLOPS if laplace else 0.0
    step = gradient_seconds + _NUTS_STEP_SECONDS + matvec
    steps = (_STEPS_WHITENED * (params / _STEPS_AT_PARAMS) ** 0.25 if laplace
             else _STEPS_ADAPTED)
    sampling = rounds * iterations * steps * step
    climbs = _CLIMB_SCALE * geos ** _CLIMB_POWER
    modes = (rounds * ((climbs + _HESSIANS * _HVP_COST * params) * gradient_seconds
                       + climbs * _CALL_SECONDS + min(_CLIMB_GRADIENTS, climbs) * matvec)
             if laplace else 0.0)
    summaries = draws_kept * _SUMMARY_GRADIENTS * gradient_seconds / max(parallel, 1)
    # Continued chains: more draws at the adapted step, more draws kept and summarised.
    more = MAX_CONTINUATIONS * sampler.draws if sampler.continue_unconverged else 0
    continue_seconds = (rounds * more * steps * step
                        + chains * more * _SUMMARY_GRADIENTS * gradient_seconds
                        / max(parallel, 1))
    continue_bytes = _KEPT_COPIES * _FLOAT * chains * more * kept_per_draw + (
        _FLOAT * chains * more * params)
    compile_total = (_COMPILE_FACTOR_GEO if laplace else _COMPILE_FACTOR) * compile_seconds
    working = _WORK_COPIES * _FLOAT * cells * evaluations   # the model's live arrays
    segment = _FLOAT * chains * SEGMENT * params   # one segment's positions (sampler)
    device_bytes = None
    if device != "cpu":   # on a CPU the device's memory is the host's, counted below
        device_bytes = int(working + segment
                           + (_FLOAT * float(params) ** 2 * (min(parallel, chains) + chains)
                              if laplace else 0))
    peak = (_BASE_BYTES + working + segment
            + _KEPT_COPIES * _FLOAT * draws_kept * kept_per_draw
            + _FLOAT * chains * sampler.draws * params          # positions kept
            + (_hessian_bytes(params, chains, parallel) if laplace else 0))
    return CostEstimate(geos=geos, weeks=weeks, channels=channels, lags=lags, params=params,
                        kept_per_draw=kept_per_draw, chains=chains, iterations=iterations,
                        draws_kept=draws_kept, parallel=min(parallel, chains), device=device,
                        laplace=laplace, gradient_seconds=gradient_seconds,
                        compile_seconds=compile_seconds, est_compile_seconds=compile_total,
                        est_sampling_seconds=sampling + modes + summaries + _FIXED_SECONDS,
                        est_wall_seconds=(compile_total + sampling + modes + summaries
                                          + _FIXED_SECONDS),
                        est_peak_bytes=int(peak), available_bytes=available_bytes,
                        est_continue_seconds=continue_seconds,
                        est_continue_bytes=int(continue_bytes),
                        est_device_bytes=device_bytes,
                        device_available_bytes=device_available_bytes)


def continued_share(draws_asked: int, draws_kept: int) -> float:
    """Share of the priced worst case of continued chains (``est_continue_*``) that a fit
    which kept ``draws_kept`` draws per chain, of ``draws_asked``, took: 0 when it was not
    continued, 1 at :data:`MAX_CONTINUATIONS` continuations.

    >>> continued_share(300, 300), continued_share(300, 600), continued_share(300, 900)
    (0.0, 0.5, 1.0)
    """
    return (draws_kept - draws_asked) / (MAX_CONTINUATIONS * draws_asked)


def _hessian_bytes(params: int, chains: int, parallel: int) -> float:
    """Mode searches run ``parallel`` at a time, each with a dense Hessian and its
    decomposition; every chain's whitening root (float32) is kept and copied to the
    devices."""
    square = float(params) ** 2
    return 8 * square * _HESSIAN_COPIES * min(parallel, chains) + 2 * _FLOAT * square * chains


def _kept_per_draw(model, args) -> int:
    """Values per draw the posterior keeps: every latent and deterministic site."""
    from numpyro import handlers

    def sites(key):
        trace = handlers.trace(handlers.seed(model, key)).get_trace(*args)
        return {k: s["value"] for k, s in trace.items()
                if s["type"] == "deterministic"
                or (s["type"] == "sample" and not s["is_observed"])}

    shapes = jax.eval_shape(sites, jax.random.PRNGKey(0))
    return int(sum(int(np.prod(v.shape)) for v in shapes.values()))


def _gradient_in_loop(value_and_grad, x, args, devices: int, budget: float) -> float:
    """Seconds of one potential-and-gradient evaluation as the sampler runs it: inside a
    compiled loop, on every device at once (one chain per core). A call on its own pays
    XLA's per-call overhead (~0.1 ms, 5-12x a small national model's gradient), and a
    gradient alone on the machine spreads over its cores: 1.1 ms at 100 geos x 156 weeks
    x 15 channels on 2 cores, 2.2 ms on one, which each of two chains gets."""
    def loop(x, args):
        def step(_, y):
            value, gradient = value_and_grad(y, args)
            # The value feeds the carry so that neither half is dropped as unused.
            return y - 1e-9 * (gradient + value)
        return lax.fori_loop(0, _PROBE_LOOP, step, x)

    on_devices = jax.pmap(loop, in_axes=(0, None))
    xs = jnp.broadcast_to(x, (devices, *x.shape))
    jax.block_until_ready(on_devices(xs, args))
    return _time_calls(lambda: on_devices(xs, args), budget) / _PROBE_LOOP


def _time_calls(call, budget: float) -> float:
    """Median seconds of ``call()`` over about ``budget`` seconds (at least 3 calls)."""
    times = []
    started = time.perf_counter()
    while len(times) < 3 or (time.perf_counter() - started < budget and len(times) < 200):
        t = time.perf_counter()
        jax.block_until_ready(call())
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def accelerator_memory() -> int | None:
    """Bytes free on the accelerator JAX runs on (a GPU's memory pool, as JAX's allocator
    reports it), or None on a CPU or where it does not say."""
    device = jax.devices()[0]
    if device.platform == "cpu":
        return None
    stats = device.memory_stats() or {}
    if "bytes_limit" not in stats:
        return None
    return max(int(stats["bytes_limit"]) - int(stats.get("bytes_in_use", 0)), 0)


def check_memory(estimate: CostEstimate) -> None:
    """Raise a :class:`UserError` (CLI exit 2) before sampling when the fit's expected
    peak memory exceeds what is available, on the host or on the accelerator, naming the
    options."""
    if not estimate.fits_on_device:
        raise UserError(
            f"This fit needs about {format_bytes(estimate.est_device_bytes)} of "
            f"{estimate.device} memory (the model's working arrays and the Laplace start's "
            f"{estimate.params:,} x {estimate.params:,} curvature), but "
            f"{format_bytes(estimate.device_available_bytes)} is free there. Nothing was "
            "sampled. Options: (1) fit fewer geos per batch: split the panel into regional "
            "configs and fit them with `mixcast fit-many`; (2) fit on the CPU, whose memory "
            "is the machine's (JAX_PLATFORMS=cpu); (3) let JAX use more of the GPU "
            "(XLA_PYTHON_CLIENT_MEM_FRACTION=0.95, or close other programs using it); "
            "(4) a GPU with more memory. Draws kept go to the host's memory, so fewer draws "
            "do not help here.")
    if estimate.fits_on_host:
        return
    need, have = estimate.est_peak_bytes, estimate.available_bytes
    fitting = draws_that_fit(estimate)
    draws_hint = (f"--draws {fitting}" if fitting >= 10
                  else "fewer draws alone will not do (the process and the panel already "
                  "exceed the limit)")
    raise UserError(
        f"This fit needs about {format_bytes(need)} of memory at its peak, but "
        f"{format_bytes(have)} is available ({memory_source()}). Nothing was sampled. Options: "
        f"(1) keep fewer draws: {draws_hint}, or fewer chains (--chains); "
        f"(2) fit fewer geos per batch: split the panel into regional configs and fit "
        f"them with `mixcast fit-many`; (3) run on a machine with more memory (draws and "
        f"summaries are already float32, and posterior summaries already run in chunks of "
        f"draws); (4) if the limit is wrong, set {MEMORY_LIMIT_ENV} (e.g. 16G).")


def draws_that_fit(estimate: CostEstimate) -> int:
    """Draws per chain that would keep the estimated peak within the available memory
    (the draws' share of the peak is linear in them)."""
    draws = estimate.draws_kept // max(estimate.chains, 1)
    per_draw = _FLOAT * estimate.chains * (_KEPT_COPIES * estimate.kept_per_draw
                                           + estimate.params)
    fixed = estimate.est_peak_bytes - per_draw * draws
    return int(max(0, estimate.available_bytes - fixed) // max(per_draw, 1))


def format_seconds(s: float) -> str:
    if s >= 3600:
        return f"{s / 3600:.1f} h"
    if s >= 120:
        return f"{s / 60:.0f} min"
    return f"{s:.0f} s"
