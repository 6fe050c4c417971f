"""Effects operators ask about: indirect (mediated) paths, channel synergies and
time-varying effectiveness, each as a posterior mean with a 90% interval.

Free functions over a :class:`~mixcast.posterior.Fit` (and, underneath, over parameter
draws, scaled inputs and the model structure, so that a simulation's truth goes through
the same code). Every figure follows the DESIGN.md counterfactual definitions:

- mediation: a channel's total incremental outcome is the ROI counterfactual (channel off
  in every week, so the mediator falls and the KPI with it); its indirect part is the
  outcome that flows through the mediators (``kappa_m * link_mc * h_c``, linear, so
  switching the channel off removes exactly this); direct = total - indirect, per draw.
- interactions: a synergy term's incremental outcome is what the term adds over the data
  window (``theta * h_a * h_b``), i.e. outcome with it minus outcome without it.
- ROI by quarter: the channel switched off in every week, the outcome lost counted within
  each calendar quarter (carryover from the previous quarter's spend included), divided
  by the quarter's spend.

Nothing here formats text for people except the one-line ``statement`` per interaction.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from mixcast.model.counterfactual import media_params, outcome_weights, period_outcomes
from mixcast.model.inputs import ModelInputs
from mixcast.model.mean import Structure, effectiveness, interaction_effects, saturation_response
from mixcast.model.plans import channel_off_plans
from mixcast.posterior.fitted import Fit
from mixcast.posterior.intervals import prob_positive, scalar_interval

# Mean and 90% interval as floats; None (JSON null) where no draw is finite.
_band = partial(scalar_interval, empty=None)

__all__ = ["effects_summary", "indirect_outcomes", "interaction_outcomes",
           "interactions_summary", "mediation_summary", "quarter_masks", "quarterly_roi",
           "roi_by_quarter"]


def effects_summary(fit: Fit) -> dict:
    """The summary.json keys for the opt-in effects the model has (none when it has none):
    ``mediation``, ``interactions`` and ``roi_by_quarter``."""
    out = {}
    if fit.structure.n_mediators:
        out["mediation"] = mediation_summary(fit)
    if fit.structure.interactions:
        out["interactions"] = interactions_summary(fit)
    if fit.structure.time_varying:
        out["roi_by_quarter"] = roi_by_quarter(fit)
    return out


# -- mediation ------------------------------------------------------------------------

def indirect_outcomes(params: dict, inputs: ModelInputs, structure: Structure) -> np.ndarray:
    """(S, L, 2) outcome each mediator link (channel -> mediator -> KPI) drove over the
    data window, in currency value ([..., 0]) and KPI units ([..., 1])."""
    weights = jnp.asarray(outcome_weights(inputs), jnp.float32)
    media = jnp.asarray(inputs.media, jnp.float32)
    keep = {k: jnp.asarray(v, jnp.float32) for k, v in params.items()
            if k in ("decay", "peak", "half_sat", "slope", "kappa", "mediator_link")}
    return np.asarray(_indirect(keep, media, weights, structure), dtype=np.float64)


@partial(jax.jit, static_argnames=("structure",))
def _indirect(params, media, weights, structure):
    mediators = jnp.array([m for m, _ in structure.mediator_links])
    upstream = jnp.array([c for _, c in structure.mediator_links])

    def per_draw(p):
        response = saturation_response(p, media, structure)            # (G, T, C)
        per_channel = jnp.einsum("gtc,kgt->ck", response, weights)      # (C, 2)
        scale = p["kappa"][mediators] * p["mediator_link"]              # (L,)
        return scale[:, None] * per_channel[upstream]                   # (L, 2)
    return jax.lax.map(per_draw, params, batch_size=64)


def mediation_summary(fit: Fit) -> dict:
    """Direct vs indirect effect of every upstream channel, with 90% intervals.

    Returns
    -------
    dict
        ``{"mediators": {name: {"upstream", "kpi_share", "driven_share": {channel: ...}}},
        "channels": {channel: {"total_roi", "direct_roi", "indirect_roi",
        "total_outcome", "direct_outcome", "indirect_outcome", "indirect_share",
        "via": {mediator: indirect ROI}}}, "note"}``. Outcomes are in currency value
        (for conversion KPIs: value of the conversions). ``kpi_share`` is the share of the
        KPI's level the mediator accounts for at its mean; ``driven_share`` the share of the
        mediator's volume each upstream channel drove.
    """
    from mixcast.analysis.metrics import channel_metrics

    draws = fit.param_draws()
    structure = fit.structure
    links = indirect_outcomes(draws, fit.inputs, structure)[..., 0]     # (S, L)
    total = channel_metrics(fit).incremental                            # (S, C)
    spend = fit.data.spend.sum(axis=(0, 1))
    names = fit.data.mediator_names
    response = _mean_response(draws, fit.inputs, structure)             # (S, C)
    mediators = {}
    for m, name in enumerate(names):
        rows = [(l, c) for l, (mm, c) in enumerate(structure.mediator_links) if mm == m]
        mediators[name] = {
            "upstream": [fit.channels[c] for _, c in rows],
            "kpi_share": _band(draws["kappa"][:, m]),
            "driven_share": {fit.channels[c]: _band(draws["mediator_link"][:, l]
                                                    * response[:, c]) for l, c in rows},
        }
    channels = {}
    for c in sorted({c for _, c in structure.mediator_links}):
        rows = [(l, m) for l, (m, cc) in enumerate(structure.mediator_links) if cc == c]
        indirect = sum(links[:, l] for l, _ in rows)
        direct = total[:, c] - indirect
        safe = spend[c] if spend[c] > 0 else np.nan
        channels[fit.channels[c]] = {
            "total_roi": _band(total[:, c] / safe),
            "direct_roi": _band(direct / safe),
            "indirect_roi": _band(indirect / safe),
            "total_outcome": _band(total[:, c]),
            "direct_outcome": _band(direct),
            "indirect_outcome": _band(indirect),
            "indirect_share": _band(indirect / np.where(total[:, c] != 0, total[:, c],
                                                        np.nan)),
            "via": {names[m]: _band(links[:, l] / safe) for l, m in rows},
        }
    return {"mediators": mediators, "channels": channels,
            "note": "total_roi is the channel's ROI in 'channels' (switch the channel off: "
                    "the mediator falls and the KPI with it); indirect is the part that flows "
                    "through the mediators, direct the rest. 90% intervals."}


def _mean_response(draws: dict, inputs: ModelInputs, structure: Structure) -> np.ndarray:
    """(S, C) mean saturated response of each channel over geos and weeks."""
    keep = {k: jnp.asarray(v, jnp.float32) for k, v in draws.items()
            if k in ("decay", "peak", "half_sat", "slope")}
    media = jnp.asarray(inputs.media, jnp.float32)
    out = jax.lax.map(lambda p: saturation_response(p, media, structure).mean(axis=(0, 1)),
                      keep, batch_size=64)
    return np.asarray(out, dtype=np.float64)


# -- interactions ---------------------------------------------------------------------

def interaction_outcomes(params: dict, inputs: ModelInputs, structure: Structure) -> np.ndarray:
    """(S, P, 2) outcome each synergy term added over the data window, in currency value
    ([..., 0]) and KPI units ([..., 1])."""
    weights = jnp.asarray(outcome_weights(inputs), jnp.float32)
    media = jnp.asarray(inputs.media, jnp.float32)
    keep = {k: jnp.asarray(v, jnp.float32) for k, v in params.items()
            if k in ("decay", "peak", "half_sat", "slope", "interaction")}
    return np.asarray(_interactions(keep, media, weights, structure), dtype=np.float64)


@partial(jax.jit, static_argnames=("structure",))
def _interactions(params, media, weights, structure):
    def per_draw(p):
        terms = interaction_effects(p, media, structure)                # (G, T, P)
        return jnp.einsum("gtp,kgt->pk", terms, weights)
    return jax.lax.map(per_draw, params, batch_size=64)


def interactions_summary(fit: Fit) -> dict:
    """Each declared channel pair's synergy: coefficient and incremental outcome with 90%
    intervals, the probability that it is positive, and whether the interval excludes 0.

    The coefficient is on the model's scale (KPI relative to its mean, per unit of both
    channels' saturated responses); the incremental outcome is in currency value (KPI
    units in ``incremental_kpi``). The prior is centred on no synergy (Normal(0, 0.1)).
    """
    draws = fit.param_draws()
    outcomes = interaction_outcomes(draws, fit.inputs, fit.structure)
    out = {}
    for p, (a, b) in enumerate(fit.spec.interactions):
        coefficient = _band(draws["interaction"][:, p])
        excludes = bool(coefficient["lo90"] > 0 or coefficient["hi90"] < 0)
        out[f"{a}:{b}"] = {
            "channels": [a, b],
            "coefficient": coefficient,
            "incremental_outcome": _band(outcomes[:, p, 0]),
            "incremental_kpi": _band(outcomes[:, p, 1]),
            "prob_positive": float(prob_positive(draws["interaction"][:, p])),
            "excludes_zero": excludes,
            "statement": _synergy_statement(a, b, coefficient, excludes),
        }
    return out


def _synergy_statement(a: str, b: str, coefficient: dict, excludes: bool) -> str:
    if not excludes:
        return (f"No evidence of synergy between {a} and {b}: the 90% interval of the "
                "interaction includes zero, so their effects are best read as additive.")
    kind = "synergy (together they do more than apart)" if coefficient["lo90"] > 0 else \
        "cannibalisation (together they do less than apart)"
    return f"{a} x {b}: the 90% interval excludes zero, evidence of {kind}."


# -- time-varying effectiveness -------------------------------------------------------

def quarter_masks(dates: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Calendar-quarter labels ('2023Q1', ...) and (P, T) 0/1 masks of their weeks (a week
    belongs to the quarter of its start date)."""
    days = np.asarray(dates, dtype="datetime64[D]")
    years = days.astype("datetime64[Y]").astype(int) + 1970
    months = days.astype("datetime64[M]").astype(int) % 12
    keys = years * 4 + months // 3
    unique = np.unique(keys)
    labels = [f"{k // 4}Q{k % 4 + 1}" for k in unique]
    return labels, (keys[None, :] == unique[:, None]).astype(np.float64)


def quarterly_roi(params: dict, inputs: ModelInputs, structure: Structure,
                  spend: np.ndarray, dates: np.ndarray,
                  channels: tuple[int, ...]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """ROI by calendar quarter of the given channels, per draw.

    Returns
    -------
    (labels, roi, quarter_spend) : P labels; roi (S, P, V) (NaN where a quarter has no
    spend); quarter_spend (P, V) currency.
    """
    labels, masks = quarter_masks(dates)
    out = period_outcomes(media_params(params), channel_off_plans(inputs.media, channels),
                          inputs, structure, masks)[..., 0]            # (S, 1 + V, P)
    incremental = np.moveaxis(out[:, :1] - out[:, 1:], 1, 2)            # (S, P, V)
    quarter_spend = masks @ spend.sum(axis=0)[:, list(channels)]        # (P, V)
    safe = np.where(quarter_spend > 0, quarter_spend, np.nan)
    return labels, incremental / safe[None], quarter_spend


def roi_by_quarter(fit: Fit) -> dict:
    """``{channel: [{"quarter", "weeks", "spend", "mean", "lo90", "hi90",
    "effectiveness": {mean, lo90, hi90}}, ...]}`` for every time-varying channel.

    ``effectiveness`` is the model's multiplier on the channel's effect averaged over the
    quarter's weeks (1 = the channel's average effectiveness shape; prior centred on a
    constant effect). ROI fields are None for quarters without spend.
    """
    structure = fit.structure
    draws = fit.param_draws()
    labels, roi, quarter_spend = quarterly_roi(draws, fit.inputs, structure, fit.data.spend,
                                               fit.data.dates, structure.time_varying)
    _, masks = quarter_masks(fit.data.dates)
    multiplier = _effectiveness(draws, fit.inputs, structure)           # (S, T, C)
    per_quarter = np.einsum("pt,stc->spc", masks, multiplier) / masks.sum(axis=1)[None, :,
                                                                                 None]
    out = {}
    for v, c in enumerate(structure.time_varying):
        rows = []
        for p, label in enumerate(labels):
            band = _band(roi[:, p, v])
            rows.append({"quarter": label, "weeks": int(masks[p].sum()),
                         "spend": float(quarter_spend[p, v]), **band,
                         "effectiveness": _band(per_quarter[:, p, c])})
        out[fit.channels[c]] = rows
    return out


def _effectiveness(draws: dict, inputs: ModelInputs, structure: Structure) -> np.ndarray:
    coef = jnp.asarray(draws["tv_coef"], jnp.float32)
    out = jax.vmap(lambda k: effectiveness({"tv_coef": k}, inputs, structure))(coef)
    return np.asarray(out, dtype=np.float64)

