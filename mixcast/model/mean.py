"""The model's mean function: parameters + scaled media -> expected KPI (scaled).

Written once, in JAX, and used by the model (likelihood), the analysis (ROI by
counterfactual), the optimiser and the simulator, so that what is fitted is exactly what
is analysed and simulated. No numpyro here.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax.numpy as jnp

from mixcast._typing import Array
from mixcast.model.inputs import ModelInputs
from mixcast.errors import SpecError
from mixcast.spec import Adstock, ModelSpec
from mixcast.transforms import adstock, carry_channel_major, carryover_weights, hill

Params = dict[str, Array]


@dataclass(frozen=True, slots=True)
class Structure:
    """Static facts the mean function needs (hashable, so it can close over jit)."""

    l_max: int
    delayed: bool
    n_channels: int
    time_varying: tuple[int, ...] = ()
    interactions: tuple[tuple[int, int], ...] = ()
    has_organic: bool = False
    n_mediators: int = 0
    mediator_links: tuple[tuple[int, int], ...] = ()  # (mediator, upstream channel) pairs
    rf: tuple[int, ...] = ()          # reach-and-frequency channels (their media is reach)

    @classmethod
    def build(cls, spec: ModelSpec, channels: tuple[str, ...], *, n_organic: int,
              mediator_names: tuple[str, ...] = (),
              rf_channels: tuple[str, ...] = ()) -> "Structure":
        """Indices of the spec's choices; ``mediator_names`` orders the data's mediators;
        ``rf_channels`` are the data's reach-and-frequency channels."""
        index = {name: i for i, name in enumerate(channels)}
        paired = sorted({c for pair in spec.interactions for c in pair} & set(rf_channels))
        if paired:
            raise SpecError(f"Interactions with reach-and-frequency channels are not "
                            f"supported ({', '.join(paired)}). Remove them from "
                            "model.interactions, or give their impressions instead.")
        return cls(
            l_max=spec.l_max,
            delayed=spec.adstock is Adstock.DELAYED,
            n_channels=len(channels),
            time_varying=tuple(index[c] for c in spec.time_varying),
            interactions=tuple((index[a], index[b]) for a, b in spec.interactions),
            has_organic=n_organic > 0,
            n_mediators=len(spec.mediators),
            mediator_links=_mediator_links(spec, index, mediator_names),
            rf=tuple(index[c] for c in rf_channels),
        )


def frequency_gain(params: Params, frequency: Array) -> Array:
    """Effective exposure per person reached, relative to the typical frequency.

    ``g(f) = hill(f; K, s) / hill(1; K, s)`` on the relative frequency ``f`` (1 = the
    channel's reach-weighted mean frequency), so ``g(1) = 1`` and reach x g(f) stays on
    the reach's own scale. With ``s > 1`` the curve is S-shaped: the first exposures
    build little, further ones add more, then returns per exposure fall (wear-out).
    Response per impression, g(f) / f, peaks at ``K (s - 1) ** (1 / s)``: the model
    samples that peak (``rf_peak``) and ``s`` and derives ``K`` (``rf_half_freq``).

    Parameters
    ----------
    frequency : (..., R) relative frequency of the R reach-and-frequency channels.

    Returns
    -------
    (..., R) gain, 0 where frequency is 0.
    """
    half, slope = params["rf_half_freq"], params["rf_slope"]
    one = hill(jnp.ones_like(half), half_saturation=half, slope=slope)
    return hill(frequency, half_saturation=half, slope=slope) / one


def with_frequency(params: Params, media: Array, frequency: Array | None,
                   structure: Structure) -> Array:
    """Media on the response's scale: reach x g(frequency) for R&F channels, else as is.

    ``media`` (..., G, T, C) with ``frequency`` (G, T, R). Linear in ``media``, so
    scaling a channel's reach (more spend at a fixed frequency) scales its effective
    media alike.
    """
    if not structure.rf or frequency is None:
        return media
    return media * _rf_multiplier(params, frequency, structure, axis=-1)


def _rf_multiplier(params: Params, frequency: Array, structure: Structure, *,
                   axis: int) -> Array:
    """g(frequency) for the R&F channels and ones for the others, channels along
    ``axis`` (``frequency`` holds the R&F channels along that axis). Set into ones, not
    scatter-multiplied: a scatter-multiply has no gradient."""
    gain = jnp.moveaxis(frequency_gain(params, jnp.moveaxis(frequency, axis, -1)), -1, 0)
    ones = jnp.ones((structure.n_channels, *gain.shape[1:]), gain.dtype)
    return jnp.moveaxis(ones.at[jnp.array(structure.rf)].set(gain), 0, axis)


def _carryover_weights(params: Params, structure: Structure) -> Array:
    return carryover_weights(params["decay"], params.get("peak") if structure.delayed
                             else None, l_max=structure.l_max)


def saturation_response(params: Params, media: Array, structure: Structure, *,
                        frequency: Array | None = None) -> Array:
    """Hill(adstock(media)) per channel: (..., G, T, C) in [0, 1).

    For reach-and-frequency channels ``media`` is reach and ``frequency`` (G, T, R) must
    be given: their response is Hill(adstock(reach x g(frequency))).
    """
    media = with_frequency(params, media, frequency, structure)
    return hill(adstock(media, _carryover_weights(params, structure)),
                half_saturation=params["half_sat"],
                slope=params["slope"])


def channel_major_response(params: Params, lagged: Array, structure: Structure, *,
                           frequency_lagged: Array | None = None) -> Array:
    """:func:`saturation_response` from precomputed channel-major lag stacks, the
    model's hot path: (C, G, T).

    ``lagged`` (C, L, G, T) is the media's lag stack (:attr:`ModelInputs.media_lagged`)
    and ``frequency_lagged`` (R, L, G, T) the R&F channels' frequency's. Channel-major,
    the carryover is a contraction over a short axis with long contiguous rows, and the
    saturation's per-channel parameters broadcast over whole rows: about three times
    faster per gradient than the (G, T, C, L) layout on a geo panel.
    """
    if structure.rf and frequency_lagged is not None:
        lagged = lagged * _rf_multiplier(params, frequency_lagged, structure, axis=0)
    carried = carry_channel_major(lagged, _carryover_weights(params, structure))
    column = (slice(None),) + (None,) * (carried.ndim - 1)
    return hill(carried, half_saturation=params["half_sat"][column],
                slope=params["slope"][column])


def effectiveness(params: Params, inputs: ModelInputs, structure: Structure) -> Array:
    """(T, C) multiplier on each channel's effect: 1 unless it is time-varying."""
    n_times = inputs.y.shape[1]
    ones = jnp.ones((n_times, structure.n_channels))
    if not structure.time_varying:
        return ones
    drift = jnp.exp(inputs.time_basis @ params["tv_coef"])  # (T, V)
    return ones.at[:, jnp.array(structure.time_varying)].set(drift)


def channel_effects(params: Params, media: Array, inputs: ModelInputs,
                    structure: Structure) -> Array:
    """(G, T, C) each channel's main effect on the scaled KPI."""
    response = saturation_response(params, media, structure, frequency=inputs.frequency)
    return params["beta"][:, None, :] * response * effectiveness(params, inputs, structure)


def interaction_effects(params: Params, media: Array, structure: Structure) -> Array:
    """(G, T, P) synergy terms ``theta_p * h_a * h_b`` for each declared channel pair."""
    if not structure.interactions:
        return jnp.zeros(media.shape[:-1] + (0,))
    response = saturation_response(params, media, structure)
    first = jnp.array([a for a, _ in structure.interactions])
    second = jnp.array([b for _, b in structure.interactions])
    return params["interaction"] * response[..., first] * response[..., second]


def mediator_from_response(params: Params, response: Array, structure: Structure) -> Array:
    """(G, T, M) media-driven part of each (scaled) mediator from channel responses
    (G, T, C): ``sum over links l of mediator_link_l * h_c(l)``."""
    mediators = jnp.array([m for m, _ in structure.mediator_links])
    upstream = jnp.array([c for _, c in structure.mediator_links])
    per_link = params["mediator_link"] * response[..., upstream]
    zeros = jnp.zeros(response.shape[:-1] + (structure.n_mediators,))
    return zeros.at[..., mediators].add(per_link)


def mediator_media(params: Params, media: Array, structure: Structure) -> Array:
    """(G, T, M) media-driven part of each scaled mediator under ``media`` (G, T, C)."""
    return mediator_from_response(params, saturation_response(params, media, structure),
                                  structure)


def mediator_baseline(params: Params, inputs: ModelInputs) -> Array:
    """(G, T, M) non-media part of each scaled mediator: level, trend, seasonality."""
    varying = inputs.trend @ params["mediator_trend"] + inputs.season @ params["mediator_season"]
    return params["mediator_intercept"][:, None, :] + varying[None]


def indirect_per_response(params: Params, structure: Structure) -> Array:
    """(C,) scaled-KPI effect per unit of each channel's saturated response that flows
    through the mediators (``sum over its links of kappa_m * mediator_link``); zeros for
    channels without a path (and when there are no mediators)."""
    if not structure.n_mediators:
        return jnp.zeros(structure.n_channels)
    mediators = jnp.array([m for m, _ in structure.mediator_links])
    upstream = jnp.array([c for _, c in structure.mediator_links])
    return jnp.zeros(structure.n_channels).at[upstream].add(
        params["kappa"][mediators] * params["mediator_link"])


def mediated_effects(params: Params, media: Array, structure: Structure) -> Array:
    """(G, T, M) KPI effect (scaled) of the media-driven part of each mediator: the
    indirect path ``channel -> mediator -> KPI``. Zero-width when there are none."""
    if not structure.n_mediators:
        return jnp.zeros(media.shape[:-1] + (0,))
    return params["kappa"] * mediator_media(params, media, structure)


def mediator_term(params: Params, media: Array, inputs: ModelInputs,
                  structure: Structure) -> Array:
    """(G, T, M) each mediator's whole term in the KPI under ``media``.

    Observed weeks keep the mediator's observed residual (observed minus modelled): under
    the observed media this is ``kappa * observed mediator``, exactly what was fitted; under
    other media only the media-driven part changes. Weeks where the mediator is NaN (the
    future, in forecasts) use its modelled value.
    """
    if not structure.n_mediators:
        return jnp.zeros(media.shape[:-1] + (0,))
    base = mediator_baseline(params, inputs)
    residual = inputs.mediators - base - mediator_media(params, inputs.media, structure)
    residual = jnp.where(jnp.isnan(residual), 0.0, residual)
    return params["kappa"] * (base + mediator_media(params, media, structure) + residual)


def baseline(params: Params, inputs: ModelInputs) -> dict[str, Array]:
    """Non-media parts of the mean, each (G, T) on the scaled KPI.

    ``holidays`` is there when the inputs have holiday columns, ``national_time_effect``
    when the parameters have the national weekly effect (geo panels; see
    :func:`national_weeks` for weeks past the fitted ones).
    """
    n_geos, n_times = inputs.y.shape
    shape = (n_geos, n_times)
    parts = {
        "intercept": jnp.broadcast_to(params["intercept"][:, None], shape),
        "trend": jnp.broadcast_to(inputs.trend @ params["trend_coef"], shape),
        "seasonality": jnp.broadcast_to(inputs.season @ params["season_coef"], shape),
        "controls": inputs.controls @ params["gamma"],
        "events": inputs.events @ params["eta"],
    }
    if inputs.holidays.shape[-1]:
        parts["holidays"] = jnp.broadcast_to(inputs.holidays @ params["holiday_coef"], shape)
    if "national_effect" in params:
        parts["national_time_effect"] = jnp.broadcast_to(
            national_weeks(params["national_effect"], n_times), shape)
    return parts


def national_weeks(effect: Array, n_times: int) -> Array:
    """The national weekly effect (T_fit,) over ``n_times`` weeks: 0, its mean, in weeks
    past the fitted ones (forecasts add its spread to their noise instead)."""
    fitted = effect.shape[-1]
    if fitted >= n_times:
        return effect[..., :n_times]
    return jnp.concatenate([effect, jnp.zeros(effect.shape[:-1] + (n_times - fitted,),
                                              effect.dtype)], axis=-1)


def organic_effects(params: Params, inputs: ModelInputs, structure: Structure) -> Array:
    """(G, T, O) effects of non-paid channels (same carryover and saturation forms)."""
    if not structure.has_organic:
        return jnp.zeros(inputs.y.shape + (0,))
    weights = carryover_weights(params["organic_decay"], None, l_max=structure.l_max)
    response = hill(adstock(inputs.organic, weights),
                    half_saturation=params["organic_half_sat"], slope=params["organic_slope"])
    return params["organic_beta"] * response


def mean(params: Params, media: Array, inputs: ModelInputs, structure: Structure) -> Array:
    """(G, T) expected scaled KPI for the given scaled media (G, T, C)."""
    total = sum(baseline(params, inputs).values())
    total = total + channel_effects(params, media, inputs, structure).sum(-1)
    total = total + interaction_effects(params, media, structure).sum(-1)
    total = total + mediator_term(params, media, inputs, structure).sum(-1)
    return total + organic_effects(params, inputs, structure).sum(-1)


def _mediator_links(spec: ModelSpec, index: dict[str, int],
                    mediator_names: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    position = {name: m for m, name in enumerate(mediator_names)}
    missing = [name for name, _ in spec.mediators if name not in position]
    if missing:
        raise SpecError(f"model.mediators names {', '.join(repr(m) for m in missing)}, but "
                        "the data has no such mediator column. Load the data from a config "
                        "with model: {mediators: {...}}, or pass Dataset(mediator_names=..., "
                        "mediators=...).")
    if len(spec.mediators) != len(mediator_names):
        raise SpecError(f"The data has mediators {list(mediator_names)} but model.mediators "
                        f"names {[n for n, _ in spec.mediators]}. Name each mediator once.")
    return tuple((position[name], index[c]) for name, upstream in spec.mediators
                 for c in upstream)
