"""JAX kernels: outcomes of many spend plans under many posterior draws, and gradients.

Built on the model's own pieces (:func:`~mixcast.mean.effectiveness`, the carryover
weights and :func:`~mixcast.transforms.hill`), so a plan is scored by exactly the fitted
mean function. When every (geo, channel) has one decision variable over time, carryover is
linear in that variable: ``adstock(x * pattern) = x * adstock(pattern)``, so the adstock of
each draw is computed once and each plan only costs one saturation pass.

Additive spaces (separable, no channel interactions) go further: the outcome is a sum of
one-unit response curves, ``f(x) = sum_u f_u(x_u)``, each a smooth function of one number.
:func:`unit_curves` tabulates every draw's curves (values and slopes) on nodes placed so
that piecewise-cubic Hermite interpolation in ``log x`` stays within a stated tolerance of
the exact kernel; thousands of plans are then one matrix product (see
:func:`plan_outcomes`), and the optimiser gets a cheap, accurate surrogate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from mixcast.model.counterfactual import media_params
from mixcast.model.mean import Structure, effectiveness, indirect_per_response, with_frequency
from mixcast.model.plans import distinct_channel_values
from mixcast.analysis.plan_space import Granularity, PlanSpace
from mixcast.posterior.fitted import Fit
from mixcast.posterior.intervals import thin, thin_index
from mixcast.transforms import adstock, carryover_weights, hill

_CELL_BUDGET = 2e7     # float32 cells per lax.map step (draw batch x plan chunk x G x T x C)
_PRECOMPUTE_BUDGET = 2e7   # draws x G x T x C cells kept per precomputed array
CURVE_TOL = 1e-5       # interpolated unit outcome vs the exact kernel, relative to the
                       # unit's largest outcome (checked on pilot draws; see unit_curves)
_CURVE_MIN_PLANS = 256  # fewer plans than this are scored exactly
_EXACT_VALUES = 64     # a value table with at most this many values per unit stays exact
_PILOT_DRAWS = 32      # draws that place the nodes
_PILOT_STEP = 0.1      # pilot grid spacing in log x
_FLOOR = 1e-9          # nodes span [max(smallest positive value, FLOOR x largest), largest]


@dataclass(frozen=True, slots=True)
class Evaluator:
    """A plan space bound to posterior draws, as device arrays ready for the kernels."""

    space: PlanSpace
    params: dict[str, jax.Array]        # (S, ...) media parameters
    arrays: dict[str, jax.Array]
    inputs: object                      # the space's ModelInputs, on the device once
    carried: tuple | None = None        # separable spaces, few draws: per-draw adstocked
                                        # history, pattern and coefficients (S, G, T, C)
    cache: dict = field(default_factory=dict, compare=False, repr=False)   # e.g. curves

    @property
    def n_draws(self) -> int:
        return int(next(iter(self.params.values())).shape[0])


def evaluator(fit: Fit, space: PlanSpace, *, max_draws: int | None = None) -> Evaluator:
    """Bind ``space`` to the fit's draws (evenly thinned to at most ``max_draws``)."""
    return evaluator_from_draws(fit.param_draws(max_draws), space)


def evaluator_from_draws(draws: dict[str, np.ndarray], space: PlanSpace, *,
                         max_draws: int | None = None) -> Evaluator:
    """Like :func:`evaluator`, from (S, ...) parameter draws (e.g. a known truth, S = 1)."""
    params = thin(media_params(draws), max_draws)
    arrays = {
        "base_media": jnp.asarray(space.base_media), "media_pattern": jnp.asarray(space.media_pattern),
        "unit_index": jnp.asarray(space.unit_index, dtype=jnp.int32),
        "unit_gc": jnp.asarray(space.unit_of_geo_channel(), dtype=jnp.int32),
        "weights": jnp.asarray(space.weights),
    }
    inputs = jax.device_put(space.inputs)
    carried = None
    n_draws = int(next(iter(params.values())).shape[0])
    if space.separable and n_draws * space.media_pattern.size <= _PRECOMPUTE_BUDGET:
        # What does not depend on the plan is computed once, not at every solver step.
        carried = _carried(params, arrays, inputs, space.structure)
    return Evaluator(space=space, params=params, arrays=arrays, inputs=inputs,
                     carried=carried)


def plan_outcomes(ev: Evaluator, plans: np.ndarray, *, per_channel: bool = False,
                  exact: bool = False) -> np.ndarray:
    """Outcomes of V plans (unit totals, (V, U) currency) under every draw.

    Returns
    -------
    (S, V, 2) total media-driven outcome ([..., 0] currency value, [..., 1] KPI units), or
    with ``per_channel`` (S, V, 2, C + 1): each channel's effect, then the interactions.

    Few plans are scored exactly, in one jitted call: draws in ``lax.map`` batches, plans
    in chunks inside it (for many channel-level plans with few distinct values, channels
    scored once per value: see :func:`_value_table`). Many plans (>= 256) on an additive
    space are interpolated from every draw's tabulated unit curves (:func:`unit_curves`,
    within ``CURVE_TOL`` of the exact kernel, relative to each unit's largest outcome) and
    cost one matrix product; they come back as float32, the precision the kernels compute
    in. ``exact=True`` always runs the exact kernel (e.g. for finite differences).
    """
    plans = np.atleast_2d(np.asarray(plans, dtype=np.float32))
    n_plans = plans.shape[0]
    space = ev.space
    table = _value_table(space, plans)
    interpolate = (not exact and additive(space) and n_plans >= _CURVE_MIN_PLANS
                   and bool(np.isfinite(plans).all()) and bool((plans >= 0).all())
                   and (table is None or table[0].shape[0] > _EXACT_VALUES))
    if interpolate:
        return _interpolated(ev, plans, per_channel)
    if table is not None:
        values, index = table
        chunks, chunk, batch = _chunks(space, values)
        out = _additive_batch(ev.params, chunks, jnp.asarray(index), ev.arrays, ev.inputs,
                              space.structure, per_channel, batch)
        return np.asarray(out, dtype=np.float64)
    chunks, chunk, batch = _chunks(space, plans)
    out = _batch(ev.params, chunks, ev.arrays, ev.inputs, space.structure, space.separable,
                 per_channel, batch)
    out = np.asarray(out, dtype=np.float64)
    return out.reshape(out.shape[0], -1, *out.shape[3:])[:, :n_plans]


def _interpolated(ev: Evaluator, plans: np.ndarray, per_channel: bool) -> np.ndarray:
    """Plans (V, U) scored from unit curves tabulated over exactly their range."""
    plans = plans.astype(np.float64)
    hi = plans.max(axis=0)
    lo = np.where(plans > 0, plans, np.inf).min(axis=0)
    curves = unit_curves(ev, np.where(np.isfinite(lo), lo, hi), hi)
    if not per_channel:
        return curves.outcomes(plans)
    out = curves.outcomes(plans, groups=ev.space.unit_channel)
    groups = out.shape[-1]
    if groups < len(ev.space.channels) + 1:        # channels without units, interactions
        out = np.concatenate([out, np.zeros((*out.shape[:-1], len(ev.space.channels) + 1
                                             - groups), out.dtype)], axis=-1)
    return out


def _chunks(space: PlanSpace, plans: np.ndarray) -> tuple[jax.Array, int, int]:
    """Plans padded into (n_chunks, chunk, U) and the draw batch, within the cell budget."""
    n_plans = plans.shape[0]
    cells = int(np.prod(space.media_pattern.shape)) * (1 if space.separable
                                                         else space.structure.l_max)
    chunk = int(max(1, min(n_plans, _CELL_BUDGET // max(cells, 1))))
    padded = -(-n_plans // chunk) * chunk
    batch = int(max(1, min(64, _CELL_BUDGET // max(cells * chunk, 1))))
    stacked = np.zeros((padded, plans.shape[1]), dtype=np.float32)
    stacked[:n_plans] = plans
    return jnp.asarray(stacked.reshape(-1, chunk, plans.shape[1])), chunk, batch


def _value_table(space: PlanSpace, plans: np.ndarray):
    """For many plans over channels without interactions, the outcome is a sum of
    one-channel responses: ``f(x) = sum_c f_c(x_c)``. Each channel then only needs
    scoring at its distinct values (a grid of shifts between 20 channels: ~500 values per
    channel for 10,000 plans), and every plan is a gather-and-add over that table. Exact,
    not interpolated. Returns (values (K, U), index (V, U)) when that saves work, else None.
    """
    if (space.granularity is not Granularity.CHANNEL or space.structure.interactions
            or plans.shape[0] < 8):
        return None
    values, index = distinct_channel_values(plans)
    if len(values) * 2 > plans.shape[0]:
        return None
    return values.astype(np.float32), index.astype(np.int32)


@partial(jax.jit, static_argnames=("structure", "per_channel", "batch"))
def _additive_batch(params, value_chunks, index, arrays, inputs, structure, per_channel, batch):
    """(S, V, 2[, C + 1]) from each channel's responses at its distinct values."""
    table = _batch(params, value_chunks, arrays, inputs, structure, True, True, batch)
    table = table.reshape(table.shape[0], -1, *table.shape[3:])       # (S, K, 2, C + 1)
    n_channels = index.shape[1]
    picked = [jnp.take(table[..., c], index[:, c], axis=1)             # each (S, V, 2)
              for c in range(n_channels)]
    if per_channel:
        zeros = jnp.zeros_like(picked[0])
        return jnp.stack([*picked, zeros], axis=-1)
    total = picked[0]
    for part in picked[1:]:
        total = total + part
    return total


def objective(ev: Evaluator, x: np.ndarray, *, metric: int | None = None,
              quantile: float | None = None) -> tuple[float, np.ndarray]:
    """Posterior mean (or ``quantile``) of the plan's outcome and its exact gradient (U,).

    ``metric`` 0 scores currency value, 1 KPI units; default the space's own metric.
    """
    metric = ev.space.metric if metric is None else int(metric)
    value, grad = _value_and_grad(jnp.asarray(x, dtype=jnp.float32), ev.params, ev.carried,
                                  ev.arrays, ev.inputs, ev.space.structure,
                                  ev.space.separable, metric, quantile)
    return float(value), np.asarray(grad, dtype=np.float64)


def _terms(p, arrays, inputs, structure: Structure):
    weights = carryover_weights(p["decay"], p.get("peak") if structure.delayed else None,
                                l_max=structure.l_max)
    coef = p["beta"][:, None, :] * effectiveness(p, inputs, structure)       # (G, T, C)
    # Mediated models: the path channel -> mediator -> KPI is linear in the response.
    coef = coef + indirect_per_response(p, structure)
    # Reach-and-frequency channels: media is reach, bought at each week's frequency.
    base = with_frequency(p, arrays["base_media"], inputs.frequency, structure)
    pattern = with_frequency(p, arrays["media_pattern"], inputs.frequency, structure)
    return adstock(base, weights), adstock(pattern, weights), coef, weights


def _weighted(p, response, coef, weights, structure: Structure):
    """(2, C + 1): weighted channel effects and the interaction total."""
    main = jnp.einsum("gtc,kgt->kc", coef * response, weights)
    if structure.interactions:
        first = jnp.array([a for a, _ in structure.interactions])
        second = jnp.array([b for _, b in structure.interactions])
        pairs = p["interaction"] * response[..., first] * response[..., second]
        inter = jnp.einsum("gtp,kgt->k", pairs, weights)
    else:
        inter = jnp.zeros(weights.shape[0])
    return jnp.concatenate([main, inter[:, None]], axis=1)


def _one_plan(p, x, arrays, inputs, structure, separable, terms):
    base, pattern, coef, weights = terms
    units = jnp.append(x, 0.0)
    if separable:
        carried = base + units[arrays["unit_gc"]][:, None, :] * pattern
    else:
        media = arrays["base_media"] + units[arrays["unit_index"]] * arrays["media_pattern"]
        carried = adstock(with_frequency(p, media, inputs.frequency, structure), weights)
    response = hill(carried, half_saturation=p["half_sat"], slope=p["slope"])
    return _weighted(p, response, coef, arrays["weights"], structure)


@partial(jax.jit, static_argnames=("structure", "separable", "per_channel", "batch"))
def _batch(params, chunks, arrays, inputs, structure, separable, per_channel, batch):
    def per_draw(p):
        terms = _terms(p, arrays, inputs, structure)

        def one(x):
            out = _one_plan(p, x, arrays, inputs, structure, separable, terms)
            return out if per_channel else out.sum(-1)
        return jax.lax.map(jax.vmap(one), chunks)
    return jax.lax.map(per_draw, params, batch_size=batch)


@partial(jax.jit, static_argnames=("structure",))
def _carried(params, arrays, inputs, structure):
    """Per draw: adstocked history and pattern, and channel coefficients (S, G, T, C)."""
    return jax.vmap(lambda p: _terms(p, arrays, inputs, structure)[:3])(params)


@partial(jax.jit, static_argnames=("structure", "separable", "metric", "quantile"))
def _value_and_grad(x, params, carried, arrays, inputs, structure, separable, metric,
                    quantile):
    def statistic(x):
        def per_draw(p, pre):
            terms = _terms(p, arrays, inputs, structure) if pre is None else (*pre, None)
            return _one_plan(p, x, arrays, inputs, structure, separable, terms)[metric].sum()
        totals = jax.vmap(per_draw)(params, carried)
        return totals.mean() if quantile is None else jnp.quantile(totals, quantile)
    return jax.value_and_grad(statistic)(x)


# --- additive spaces: tabulated one-unit response curves ---------------------------------

def additive(space: PlanSpace) -> bool:
    """True when a plan's outcome is a sum of one-unit curves ``sum_u f_u(x_u)``: each
    (geo, channel) has one decision variable over time, and no channel interactions."""
    return space.separable and not space.structure.interactions


@dataclass(frozen=True, slots=True)
class Curves:
    """Every unit's outcome as a function of its own total, tabulated per draw.

    ``nodes`` (U, K) ascending with ``nodes[:, 0] == 0``; unit ``u`` uses its first
    ``counts[u]`` nodes (the rest repeat its top node). ``values`` and ``slopes``
    (S, 2, U, K): outcome (metric 0 currency value, 1 KPI units) and its derivative in the
    unit total, exact at the nodes. Between node 0 and node 1 the curve is taken linear in
    x; above node 1 it is the cubic Hermite interpolant in ``log x`` (values and slopes at
    both ends), within ``tol`` of the exact curve relative to the unit's largest outcome
    (verified on pilot draws when the nodes were placed).
    """

    nodes: np.ndarray
    counts: np.ndarray
    values: np.ndarray
    slopes: np.ndarray
    tol: float

    @property
    def offsets(self) -> np.ndarray:
        """(U + 1,) first column of each unit in :meth:`basis` / :meth:`table`."""
        return np.concatenate([[0], np.cumsum(2 * self.counts)])

    def mean(self) -> "Curves":
        """The posterior-mean curves (S = 1): the mean outcome is additive too."""
        return Curves(self.nodes, self.counts, self.values.mean(0, keepdims=True),
                      self.slopes.mean(0, keepdims=True), self.tol)

    def basis(self, plans: np.ndarray) -> np.ndarray:
        """(V, columns) float32 weights on the units' [values, slopes] columns (see
        :meth:`table`) that interpolate ``plans`` (V, U). Values outside [0, top node] are
        clipped to it."""
        columns, weights = self._entries(plans)
        return _dense(columns, weights, int(self.offsets[-1]))

    def _entries(self, plans: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The four non-zero columns and weights of each (plan, unit): (V, U, 4) each."""
        plans = np.asarray(plans, dtype=np.float64)
        nodes, counts = self.nodes, self.counts
        x = np.clip(plans, 0.0, nodes[:, -1])
        k = np.empty(x.shape, dtype=np.int64)
        for u in range(x.shape[1]):
            k[:, u] = np.searchsorted(nodes[u, :counts[u]], x[:, u], side="right") - 1
        k = np.clip(k, 0, counts - 2)
        units = np.arange(x.shape[1])
        weights = _hermite(x, nodes[units, k], nodes[units, k + 1], k == 0)
        col = self.offsets[:-1] + k
        columns = np.stack([col, col + counts, col + 1, col + counts + 1], axis=-1)
        return columns, np.stack(np.broadcast_arrays(*weights), axis=-1).astype(np.float32)

    def evaluate(self, x: np.ndarray, metric: int) -> tuple[float, np.ndarray]:
        """``sum_u f_u(x_u)`` of the first draw's curves (e.g. :meth:`mean`) and its
        gradient (U,), at one plan ``x`` (U,), clipped to [0, top node]."""
        nodes, counts = self.nodes, self.counts
        units = np.arange(len(counts))
        x = np.clip(np.asarray(x, dtype=np.float64), 0.0, nodes[:, -1])
        k = np.clip((nodes <= x[:, None]).sum(axis=1) - 1, 0, counts - 2)
        values, slopes = self.values[0, metric], self.slopes[0, metric]
        ends = (values[units, k], slopes[units, k], values[units, k + 1],
                slopes[units, k + 1])
        low, high, first = nodes[units, k], nodes[units, k + 1], k == 0
        value = sum(w * e for w, e in zip(_hermite(x, low, high, first), ends))
        grad = sum(w * e for w, e in zip(_hermite(x, low, high, first, derivative=True),
                                         ends))
        return float(value.sum()), grad

    def table(self) -> np.ndarray:
        """(S, 2, columns) float32: what :meth:`basis` weighs, per draw and metric."""
        parts = []
        for u, count in enumerate(self.counts):
            parts += [self.values[:, :, u, :count], self.slopes[:, :, u, :count]]
        return np.concatenate(parts, axis=-1).astype(np.float32)

    def outcomes(self, plans: np.ndarray, *, groups: np.ndarray | None = None
                 ) -> np.ndarray:
        """(S, V, 2) float32 interpolated totals of plans (V, U); with ``groups`` (U,) of
        G' group ids, (S, V, 2, G') per-group sums (e.g. per channel)."""
        plans = np.atleast_2d(np.asarray(plans, dtype=np.float64))
        n_plans, n_units = plans.shape
        n_draws = self.values.shape[0]
        labels = np.zeros(n_units, dtype=int) if groups is None else np.asarray(groups)
        n_groups = int(labels.max()) + 1 if n_units else 1
        n_columns = int(self.offsets[-1])
        table = self.table().reshape(2 * n_draws, n_columns)
        members = [labels == g for g in range(n_groups)]
        out = np.empty((n_draws, n_plans, 2, n_groups), dtype=np.float32)
        outer = int(max(1, 2e6 // n_units))                  # (plan, unit) entries at once
        inner = int(max(1, _CELL_BUDGET // 4 // n_columns))  # dense basis rows at once
        for start in range(0, n_plans, outer):
            columns, weights = self._entries(plans[start:start + outer])
            for lo in range(0, len(columns), inner):
                rows = slice(start + lo, start + lo + inner)
                for g, member in enumerate(members):
                    part = columns[lo:lo + inner] if groups is None else \
                        columns[lo:lo + inner, member]
                    basis = _dense(part, weights[lo:lo + inner] if groups is None
                                   else weights[lo:lo + inner, member], n_columns)
                    total = (table @ basis.T).reshape(n_draws, 2, -1)           # (S, 2, v)
                    out[:, rows, :, g] = total.transpose(0, 2, 1)
        return out[..., 0] if groups is None else out


def _dense(columns: np.ndarray, weights: np.ndarray, n_columns: int) -> np.ndarray:
    """(V, n_columns) float32 from each row's (V, ...) non-zero columns and weights."""
    dense = np.zeros((columns.shape[0], n_columns), dtype=np.float32)
    np.put_along_axis(dense, columns.reshape(len(columns), -1),
                      weights.reshape(len(weights), -1), axis=1)
    return dense


def _hermite(x, low, high, first, *, derivative: bool = False):
    """Weights on (value, slope) at ``low`` and (value, slope) at ``high`` that interpolate
    at ``x`` (arrays): linear in x on a first interval [0, high], elsewhere the cubic
    Hermite interpolant in log x (slopes enter as d/dlog x = x * slope). With
    ``derivative``, weights of d/dx of the interpolant."""
    with np.errstate(divide="ignore", invalid="ignore"):
        width = np.where(first, 1.0, np.log(high / np.where(first, 1.0, low)))
        t = np.where(first, x / high, np.log(np.maximum(x, low) / np.where(first, 1.0, low))
                     / width)
        if derivative:
            at = np.maximum(x, low)
            dt = 1.0 / (at * width)
            cubic = (dt * (6 * t * t - 6 * t), low * (3 * t * t - 4 * t + 1) / at,
                     dt * (6 * t - 6 * t * t), high * (3 * t * t - 2 * t) / at)
            line = (-1.0 / high, 0.0, 1.0 / high, 0.0)
        else:
            cubic = ((1 + 2 * t) * (1 - t) ** 2, width * low * t * (1 - t) ** 2,
                     t * t * (3 - 2 * t), width * high * t * t * (t - 1))
            line = (1.0 - t, 0.0, t, 0.0)
        return tuple(np.where(first, a, b) for a, b in zip(line, cubic))


def unit_curves(ev: Evaluator, lo: np.ndarray, hi: np.ndarray, *, tol: float = CURVE_TOL
                ) -> Curves:
    """Tabulate every unit's outcome curve on [0, hi] (U,) for all of the evaluator's draws.

    Nodes: 0, then points of a pilot grid (log-spaced between ``lo`` and ``hi``, step
    0.1 in log x, on up to 32 evenly spaced draws) chosen greedily, top down, so that the
    Hermite interpolant of each interval reproduces every pilot point inside it within
    ``tol / 2`` (relative to the unit's largest pilot outcome, both metrics). Values in
    (0, lo) are interpolated linearly from 0 (``lo`` is at least ``1e-9 hi``). Cost: the
    pilot plus K plan evaluations per draw, K the largest unit's node count.
    """
    space = ev.space
    if not additive(space):
        raise ValueError("unit_curves needs an additive plan space (separable, no "
                         "interactions)")
    hi = np.maximum(np.asarray(hi, dtype=np.float64), 1e-6)
    lo = np.clip(np.asarray(lo, dtype=np.float64), hi * _FLOOR, hi / 2)
    n_draws = ev.n_draws
    pick = thin_index(n_draws, _PILOT_DRAWS)   # the pilot's draws: evenly spaced, as thinning
    n_pilot = int(np.ceil(np.log(hi / lo).max() / _PILOT_STEP)) + 1
    n_pilot = max(16, -(-n_pilot // 16) * 16)
    grid = np.geomspace(lo, hi, n_pilot)                                    # (P, U)
    values, slopes = _curves_at(ev, grid, pick)                             # (S', 2, U, P)
    chosen = [_greedy_nodes(np.log(grid[:, u]), values[:, :, u], slopes[:, :, u] * grid[:, u],
                            tol / 2) for u in range(space.n_units)]
    counts = np.array([len(c) + 1 for c in chosen])
    n_nodes = -(-counts.max() // 8) * 8          # few distinct shapes: few compilations
    nodes = np.zeros((space.n_units, n_nodes))
    for u, indices in enumerate(chosen):
        nodes[u, 1:counts[u]] = grid[indices, u]
        nodes[u, counts[u]:] = grid[indices[-1], u]
    values, slopes = _curves_at(ev, nodes.T, None)
    return Curves(nodes=nodes, counts=counts, values=values, slopes=slopes, tol=tol)


def _greedy_nodes(log_x: np.ndarray, values: np.ndarray, slopes: np.ndarray,
                  tol: float) -> np.ndarray:
    """Indices into the pilot grid, ascending: from the top, each next node is the farthest
    one whose interval interpolates all pilot points inside it within ``tol``.

    ``values`` and ``slopes`` (d/dlog x) are (S', 2, P)."""
    scale = np.maximum(np.abs(values).max(axis=(0, 2)), 1e-30)[None, :, None]   # (1, 2, 1)
    values, slopes = values / scale, slopes / scale
    i, step, chosen = len(log_x) - 1, len(log_x), [len(log_x) - 1]
    while i > 0:
        step = min(i, 2 * step)
        while step > 1:
            j = i - step
            width = log_x[i] - log_x[j]
            t = (log_x[j + 1:i] - log_x[j]) / width
            fit = ((1 + 2 * t) * (1 - t) ** 2 * values[..., j:j + 1]
                   + width * t * (1 - t) ** 2 * slopes[..., j:j + 1]
                   + t * t * (3 - 2 * t) * values[..., i:i + 1]
                   + width * t * t * (t - 1) * slopes[..., i:i + 1])
            if np.abs(fit - values[..., j + 1:i]).max() <= tol:
                break
            step = max(1, int(step / 1.4))
        i -= step
        chosen.append(i)
    return np.array(chosen[::-1])


def _curves_at(ev: Evaluator, nodes: np.ndarray, pick: np.ndarray | None
               ) -> tuple[np.ndarray, np.ndarray]:
    """Values and slopes (S, 2, U, K) of every unit at nodes (K, U), for draws ``pick``."""
    space = ev.space
    params, carried = ev.params, ev.carried
    if pick is not None:
        params = {k: v[pick] for k, v in params.items()}
        carried = None if carried is None else tuple(a[pick] for a in carried)
    cells = _curve_cells(space)
    n_cells = nodes.shape[0] * space.base_media.shape[0] * (
        space.base_media.shape[1] - cells[0]) * space.base_media.shape[2]
    batch = int(max(1, min(64, 2 ** 20 // max(n_cells, 1))))     # small: cache-friendly
    values, slopes = _curve_kernel(jnp.asarray(nodes, dtype=jnp.float32), params, carried,
                                   ev.arrays, ev.inputs, space.structure, cells, batch)
    return (np.asarray(values, dtype=np.float64).transpose(0, 2, 3, 1),
            np.asarray(slopes, dtype=np.float64).transpose(0, 2, 3, 1))


def _curve_cells(space: PlanSpace) -> tuple[int, int]:
    """(first week that counts, first week after it that no fixed history carries into):
    before the first, weights are 0; from the second, carried media is ``x * pattern``."""
    n_times = space.weights.shape[-1]
    counted = np.flatnonzero(space.weights.any(axis=(0, 1)))
    start = int(counted[0]) if len(counted) else n_times
    busy = np.flatnonzero(space.base_media.any(axis=(0, 2)))
    head = int(busy[-1]) + space.structure.l_max if len(busy) else 0
    return start, int(min(max(head, start), n_times))


@partial(jax.jit, static_argnames=("structure", "cells", "batch"))
def _curve_kernel(nodes, params, carried, arrays, inputs, structure, cells, batch):
    """(S, K, 2, U) each unit's outcome and its slope at nodes (K, U).

    Hill as a logistic in log media, ``h = (1 + tanh(s/2 log(y/K))) / 2``,
    ``dh/dy = s (1 - tanh^2) / (4 y)``; in weeks without fixed history
    ``log y = log x + log pattern``, so a node costs one tanh per cell."""
    start, head = cells
    gc = arrays["unit_gc"]
    n_units = nodes.shape[1]
    weights = arrays["weights"][:, :, start:]                               # (2, G, T')
    xs = nodes[:, gc]                                                        # (K, G, C)
    log_x = jnp.log(xs)[:, :, None, :]
    inv_x = jnp.where(xs > 0, 1.0 / jnp.where(xs > 0, xs, 1.0), 0.0)
    split = head - start

    def per_draw(args):
        p, pre = args
        base, pattern, coef = _terms(p, arrays, inputs, structure)[:3] if pre is None else pre
        base, pattern, coef = base[:, start:], pattern[:, start:], coef[:, start:]
        wc = coef[None] * weights[..., None]                                 # (2, G, T', C)
        half_slope, log_k = 0.5 * p["slope"], jnp.log(p["half_sat"])
        y = base[None, :, :split] + xs[:, :, None, :] * pattern[None, :, :split]
        th = jnp.tanh(half_slope * (jnp.log(y) - log_k))
        per_y = jnp.where(y > 0, pattern[None, :, :split] / jnp.where(y > 0, y, 1.0), 0.0)
        value = jnp.einsum("kgtc,mgtc->kmgc", 1 + th, wc[:, :, :split])
        slope = jnp.einsum("kgtc,mgtc->kmgc", (1 - th * th) * per_y, wc[:, :, :split])
        th = jnp.tanh(half_slope * (jnp.log(pattern[:, split:]) - log_k + log_x))
        value = value + jnp.einsum("kgtc,mgtc->kmgc", 1 + th, wc[:, :, split:])
        slope = slope + jnp.einsum("kgtc,mgtc->kmgc", 1 - th * th, wc[:, :, split:]) \
            * inv_x[:, None]
        value, slope = 0.5 * value, 0.25 * p["slope"] * slope                # (K, 2, G, C)
        zeros = jnp.zeros((nodes.shape[0], 2, n_units + 1), value.dtype)
        return (zeros.at[:, :, gc].add(value)[..., :n_units],
                zeros.at[:, :, gc].add(slope)[..., :n_units])
    return jax.lax.map(per_draw, (params, carried), batch_size=batch)
