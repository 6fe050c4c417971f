"""The lift a model implies for each lift test (the DESIGN.md definition).

A test happened: the implied lift is the outcome with the spend as tested minus the
outcome with the test's window put back to business as usual (the spend plans of
:mod:`mixcast.data.lift_spend`), summed over start .. measure end and the test's geo (all
geos for a national test), through the model's own carryover and saturation. Only the
tested channel's terms change: its direct effect, its path through any mediator, and its
synergy terms with the observed response of an interaction partner (for a test inside
the data; outside it the partners' spend is unknown and those terms are left out).

:func:`lift_data` turns the tests into arrays once per dataset; :func:`implied_lift` is a
pure JAX function of the parameters, used by the model's likelihood (and anything that
wants the implied lift of given parameters). No numpyro here.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from mixcast.data.dataset import Dataset, LiftTest
from mixcast.data.lift_spend import lift_timeline
from mixcast.model.inputs import ModelInputs, spend_to_scaled_media
from mixcast.model.mean import (
    Params, Structure, effectiveness, frequency_gain, indirect_per_response,
    saturation_response,
)
from mixcast.transforms import adstock, carryover_weights, hill

__all__ = ["LiftData", "implied_lift", "lift_data"]


@dataclass(frozen=True, slots=True)
class LiftData:
    """Lift tests as arrays: N tests, G geos, L steps (the data's weeks, or longer when a
    test outside the data needs a longer synthetic timeline; padded with zeros).

    ``tested``/``bau`` are the tested channel's scaled media as tested and at business as
    usual; ``frequency`` its relative frequency where it is a reach-and-frequency channel
    (``rf_slot`` >= 0; 1, the typical frequency, where none was observed); ``measure``
    marks the geo-weeks counted; ``week`` the data week each step stands for; ``inside``
    is 1 for tests inside the data.
    """

    channel: np.ndarray    # (N,) channel index
    rf_slot: np.ndarray    # (N,) index among the R&F channels, -1 for others
    tested: np.ndarray     # (N, G, L)
    bau: np.ndarray        # (N, G, L)
    frequency: np.ndarray  # (N, G, L)
    measure: np.ndarray    # (N, G, L) 0/1
    week: np.ndarray       # (N, L) int
    inside: np.ndarray     # (N,) 0/1
    lift: np.ndarray       # (N,) measured incremental KPI
    lift_se: np.ndarray    # (N,)

    @property
    def n_tests(self) -> int:
        return len(self.lift)


_FIELDS = ["channel", "rf_slot", "tested", "bau", "frequency", "measure", "week", "inside",
           "lift", "lift_se"]
jax.tree_util.register_dataclass(LiftData, data_fields=_FIELDS, meta_fields=[])


def lift_data(tests: tuple[LiftTest, ...], data: Dataset, inputs: ModelInputs) -> LiftData:
    """The tests of ``data`` as arrays on the scales of ``inputs`` (whose lag stack's
    length, ``l_max``, is the warm-up before a test outside the data).

    Spend becomes media at each geo-channel's observed cost per unit
    (:func:`~mixcast.model.inputs.spend_to_scaled_media`); inside the data the media as
    tested are the observed media.
    """
    warmup = inputs.media_lagged.shape[1]
    index = {name: i for i, name in enumerate(data.channels)}
    timelines = [lift_timeline(t, data, warmup=warmup) for t in tests]
    n_steps = max([data.n_times, *(tl.measure.shape[1] for tl in timelines)])
    shape = (len(tests), data.n_geos, n_steps)
    tested, bau, measure = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    frequency = np.ones(shape)
    week = np.full((len(tests), n_steps), data.n_times - 1)
    rf = {c: r for r, c in enumerate(data.rf_index())}
    for i, (test, timeline) in enumerate(zip(tests, timelines)):
        c, steps = index[test.channel], timeline.measure.shape[1]
        per_spend = spend_to_scaled_media(inputs, np.ones((data.n_geos, 1, data.n_channels)))
        per_spend = per_spend[:, :, c]  # (G, 1) scaled media per unit of currency
        seen = inputs.media[:, :, c] if timeline.observed else 0.0
        seen_spend = timeline.tested if timeline.observed else 0.0
        tested[i, :, :steps] = seen + per_spend * (timeline.tested - seen_spend)
        bau[i, :, :steps] = np.maximum(seen + per_spend * (timeline.bau - seen_spend), 0.0)
        measure[i, :, :steps] = timeline.measure
        week[i, :steps] = timeline.week
        if c in rf and timeline.observed:
            observed = inputs.frequency[:, :, rf[c]]
            frequency[i, :, :steps] = np.where(observed > 0, observed, 1.0)
    f32 = np.float32
    return LiftData(
        channel=np.array([index[t.channel] for t in tests], dtype=np.int32),
        rf_slot=np.array([rf.get(index[t.channel], -1) for t in tests], dtype=np.int32),
        tested=tested.astype(f32), bau=bau.astype(f32), frequency=frequency.astype(f32),
        measure=measure.astype(f32), week=week.astype(np.int32),
        inside=np.array([t.inside(data.n_times) for t in tests], dtype=f32),
        lift=np.array([t.lift for t in tests]),
        lift_se=np.array([t.lift_se for t in tests]))


def implied_lift(params: Params, lifts: LiftData, inputs: ModelInputs,
                 structure: Structure) -> jax.Array:
    """(N,) the lift each test implies under ``params`` (one draw), in KPI units.

    ``params`` holds the media parameters (``decay``, ``half_sat``, ``slope``, ``beta``
    (G, C), and as the structure needs ``peak``, ``tv_coef``, ``rf_half_freq``/``rf_slope``,
    ``kappa``/``mediator_link``, ``interaction``).
    """
    c = jnp.asarray(lifts.channel)
    weights = carryover_weights(params["decay"][c], params["peak"][c] if structure.delayed
                                else None, l_max=structure.l_max)  # (N, L)
    gain = _frequency_gain(params, lifts, structure)

    def response(media):  # (N, G, L) -> (N, G, L): each test's channel, tests as columns
        carried = adstock(jnp.moveaxis(media * gain, 0, -1), weights)
        saturated = hill(carried, half_saturation=params["half_sat"][c],
                         slope=params["slope"][c])
        return jnp.moveaxis(saturated, -1, 0)

    diff = response(jnp.asarray(lifts.tested)) - response(jnp.asarray(lifts.bau))
    week = jnp.asarray(lifts.week)
    per_response = (params["beta"][:, c].T[:, :, None]
                    * effectiveness(params, inputs, structure)[week, c[:, None]][:, None, :])
    # A lift test measures the total effect, the path through any mediator too.
    per_response = per_response + indirect_per_response(params, structure)[c][:, None, None]
    per_response = per_response + _synergy(params, lifts, inputs, structure)
    kpi = diff * per_response * jnp.asarray(inputs.y_scale, jnp.float32)[None, :, None]
    return (kpi * jnp.asarray(lifts.measure)).sum(axis=(1, 2))


def _frequency_gain(params: Params, lifts: LiftData, structure: Structure):
    """(N, G, L) g(frequency) for tests of reach-and-frequency channels, else 1: their
    media is reach, and a spend change buys reach at the frequency seen that week."""
    if not structure.rf:
        return 1.0
    slot = jnp.asarray(lifts.rf_slot)
    safe = jnp.maximum(slot, 0)
    column = (slice(None), None, None)
    rf = {"rf_half_freq": params["rf_half_freq"][safe][column],
          "rf_slope": params["rf_slope"][safe][column]}
    gain = frequency_gain(rf, jnp.asarray(lifts.frequency))
    return jnp.where((slot >= 0)[column], gain, 1.0)


def _synergy(params: Params, lifts: LiftData, inputs: ModelInputs, structure: Structure):
    """(N, G, L) scaled KPI per unit of the tested channel's response through its
    interaction terms (theta x the partner's observed response); 0 outside the data."""
    if not structure.interactions:
        return 0.0
    response = saturation_response(params, jnp.asarray(inputs.media), structure)  # (G, T, C)
    per_channel = jnp.zeros_like(response)
    for p, (a, b) in enumerate(structure.interactions):
        per_channel = per_channel.at[..., a].add(params["interaction"][p] * response[..., b])
        per_channel = per_channel.at[..., b].add(params["interaction"][p] * response[..., a])
    c, week = jnp.asarray(lifts.channel), jnp.asarray(lifts.week)
    synergy = jnp.moveaxis(per_channel[:, week, c[:, None]], 0, 1)  # (N, G, L)
    return synergy * jnp.asarray(lifts.inside)[:, None, None]
