"""JAX kernels: outcomes of many spend plans under many posterior draws, and gradients.

Built on the model's own pieces (:func:`~mixcast.mean.effectiveness`, the carryover
weights and :func:`~mixcast.transforms.hill`), so a plan is scored by exactly the fitted
mean function. When every (geo, channel) has one decision variable over time, carryover is
linear in that variable: ``adstock(x * pattern) = x * adstock(pattern)``, so the adstock of
each draw is computed once and each plan only costs one saturation pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from mixcast.counterfactual import media_params
from mixcast.mean import Structure, effectiveness, indirect_per_response, with_frequency
from mixcast.optimize.space import Granularity, PlanSpace
from mixcast.posterior import Fit
from mixcast.transforms import adstock, carryover_weights, hill

_CELL_BUDGET = 2e7     # float32 cells per lax.map step (draw batch x plan chunk x G x T x C)
_PRECOMPUTE_BUDGET = 2e7   # draws x G x T x C cells kept per precomputed array


@dataclass(frozen=True, slots=True)
class Evaluator:
    """A plan space bound to posterior draws, as device arrays ready for the kernels."""

    space: PlanSpace
    params: dict[str, jax.Array]        # (S, ...) media parameters
    arrays: dict[str, jax.Array]
    inputs: object                      # the space's ModelInputs, on the device once
    carried: tuple | None = None        # separable spaces, few draws: per-draw adstocked
                                        # history, pattern and coefficients (S, G, T, C)

    @property
    def n_draws(self) -> int:
        return int(next(iter(self.params.values())).shape[0])


def evaluator(fit: Fit, space: PlanSpace, *, max_draws: int | None = None) -> Evaluator:
    """Bind ``space`` to the fit's draws (evenly thinned to at most ``max_draws``)."""
    draws = fit.param_draws()
    return evaluator_from_draws(draws, space, max_draws=max_draws)


def evaluator_from_draws(draws: dict[str, np.ndarray], space: PlanSpace, *,
                         max_draws: int | None = None) -> Evaluator:
    """Like :func:`evaluator`, from (S, ...) parameter draws (e.g. a known truth, S = 1)."""
    params = media_params(draws)
    n_draws = int(next(iter(params.values())).shape[0])
    if max_draws is not None and n_draws > max_draws:
        keep = np.linspace(0, n_draws - 1, max_draws).round().astype(int)
        params = {k: v[keep] for k, v in params.items()}
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


def plan_outcomes(ev: Evaluator, plans: np.ndarray, *, per_channel: bool = False) -> np.ndarray:
    """Outcomes of V plans (unit totals, (V, U) currency) under every draw.

    Returns
    -------
    (S, V, 2) total media-driven outcome ([..., 0] currency value, [..., 1] KPI units), or
    with ``per_channel`` (S, V, 2, C + 1): each channel's effect, then the interactions.
    One jitted call: draws in ``lax.map`` batches, plans in chunks inside it (for many
    channel-level plans, channels scored once per distinct value: see
    :func:`_value_table`).
    """
    plans = np.atleast_2d(np.asarray(plans, dtype=np.float32))
    n_plans = plans.shape[0]
    space = ev.space
    table = _value_table(space, plans)
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
    columns = [np.unique(plans[:, u], return_inverse=True) for u in range(plans.shape[1])]
    n_values = max(len(values) for values, _ in columns)
    if n_values * 2 > plans.shape[0]:
        return None
    values = np.stack([np.pad(v, (0, n_values - len(v)), mode="edge") for v, _ in columns],
                      axis=1).astype(np.float32)
    index = np.stack([inverse.ravel() for _, inverse in columns], axis=1).astype(np.int32)
    return values, index


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
