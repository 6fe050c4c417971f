"""Plan spaces: where a spend plan lives in time and how it maps to the model's media.

A plan is a vector ``x`` of spend totals, one per *unit* (a channel, a geo x channel, or a
channel in one period of the horizon). Each unit spends its total along a fixed weekly
pattern, so ``media = base_media + x[unit_index] * media_pattern`` (scaled model media).

In weeks of the data the pattern is the observed media per currency of the unit total,
so today's plan reproduces the observed media week by week, also where media is not
proportional to spend week by week (impressions at a drifting cost, reach bought at a
varying frequency); a plan scales each week's observed media (for R&F channels, reach
at that week's frequency). Weeks after the data buy media at each geo-channel's cost per
media unit over the data.

Two windows:

- the data's own period (default): each unit's pattern is its observed weekly spend,
  scaled; the outcome counts in every week of the data, as ROI does;
- the next ``weeks`` weeks: the last ``l_max - 1`` weeks of history keep their observed
  spend (their carryover still reaches the horizon), the horizon spends each geo-channel's
  average weekly spend of the last ``pattern_weeks`` weeks, and only horizon weeks count.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass

import numpy as np

from mixcast.errors import UserError
from mixcast.formatting import counted
from mixcast.model.inputs import ModelInputs, future_frequency, spend_to_scaled_media
from mixcast.model.mean import Structure
from mixcast.posterior.fitted import Fit

PATTERN_WEEKS = 13


class Granularity(enum.Enum):
    """What one decision variable is: a channel, a geo x channel, or a channel-period."""

    CHANNEL = "channel"
    GEO = "geo"
    PERIOD = "period"


# A plan whose biggest week is this many times the data's biggest (per geo-channel) rests
# on the response curve extrapolated: allocations and scenarios say so, channel by channel.
BEYOND_DATA = 1.2


@dataclass(frozen=True, slots=True)
class PlanSpace:
    """Everything needed to turn unit totals into model media and outcomes.

    Shapes: U units, G geos, T weeks of the evaluation timeline (history + plan weeks),
    C channels.
    """

    channels: tuple[str, ...]
    units: tuple[str, ...]             # labels: "tv_spend", "tv_spend@geo_01", "tv_spend@p2"
    unit_channel: np.ndarray           # (U,) channel index
    current: np.ndarray                # (U,) today's spend per unit over the plan weeks
    spend_pattern: np.ndarray          # (G, T, C) share of the unit total spent in each cell
    media_pattern: np.ndarray          # (G, T, C) scaled media per currency of unit total
    unit_index: np.ndarray             # (G, T, C) unit of each cell; U where none (history)
    base_media: np.ndarray             # (G, T, C) fixed scaled media (history weeks)
    weights: np.ndarray                # (2, G, T) outcome weights; 0 outside plan weeks
    inputs: ModelInputs                # inputs over the evaluation timeline
    structure: Structure
    metric: int                        # 0: currency value, 1: KPI units (conversions)
    plan_dates: np.ndarray             # (T_plan,) dates of the plan weeks
    granularity: Granularity
    note: str

    @property
    def n_units(self) -> int:
        return len(self.units)

    @property
    def separable(self) -> bool:
        """True when each (geo, channel) has one unit over time: adstock then commutes
        with the unit scale, so plans are evaluated without re-running adstock."""
        return self.granularity is not Granularity.PERIOD

    def channel_matrix(self) -> np.ndarray:
        """(C, U) 0/1: channel totals = ``channel_matrix() @ x``."""
        matrix = np.zeros((len(self.channels), self.n_units))
        matrix[self.unit_channel, np.arange(self.n_units)] = 1.0
        return matrix

    def unit_of_geo_channel(self) -> np.ndarray:
        """(G, C) the unit of each geo-channel (separable spaces only)."""
        return self.unit_index[:, -1, :]

    def weekly_spend(self, x: np.ndarray) -> np.ndarray:
        """(G, T_plan, C) currency spend per plan week for unit totals ``x`` (U,)."""
        full = np.append(np.asarray(x, dtype=np.float64), 0.0)[self.unit_index]
        spend = full * self.spend_pattern
        return spend[:, -len(self.plan_dates):, :]

    def peak_over_history(self, x: np.ndarray, history: np.ndarray) -> np.ndarray:
        """(C,) the plan's largest weekly spend in any geo over that geo-channel's highest
        week in ``history`` (G, T, C): above 1, some weeks of the plan buy more than the
        data ever saw, and the response there is the fitted curve extrapolated (inf where
        the plan spends in a geo-channel the history never did)."""
        planned = self.weekly_spend(x).max(axis=1)                  # (G, C)
        highest = np.asarray(history, dtype=np.float64).max(axis=1)  # (G, C)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(highest > 0, planned / np.where(highest > 0, highest, 1.0),
                             np.where(planned > 0, np.inf, 0.0))
        return ratio.max(axis=0)

    def beyond_data(self, x: np.ndarray, history: np.ndarray) -> dict[str, float]:
        """Channels whose plan ``x`` goes beyond the data: :meth:`peak_over_history`
        above :data:`BEYOND_DATA`, channel -> that ratio."""
        peaks = self.peak_over_history(x, history)
        return {name: float(r) for name, r in zip(self.channels, peaks) if r > BEYOND_DATA}


def beyond_data_note(ratio: float) -> str:
    """In words, what a plan at ``ratio`` times a channel's highest week means.

    >>> beyond_data_note(3.7)[:54]
    'plan spends up to 3.7x its highest week in the data; i'
    """
    times = "more than it ever did" if not np.isfinite(ratio) else f"{ratio:.1f}x"
    return (f"plan spends up to {times} its highest week in the data; its response there "
            "is the fitted curve extrapolated, not measured")


def plan_space(fit: Fit, *, weeks: int | None = None,
               granularity: Granularity = Granularity.CHANNEL, period_weeks: int = 4,
               pattern_weeks: int = PATTERN_WEEKS) -> PlanSpace:
    """The plan space of a fit: the data window (``weeks=None``) or the next ``weeks``.

    Parameters
    ----------
    weeks : plan the next ``weeks`` weeks after the data instead of the data window.
    granularity : one variable per channel, per geo x channel, or per channel-period.
    period_weeks : length of a period (weeks) for ``Granularity.PERIOD``.
    pattern_weeks : weeks of recent history whose average weekly spend is the future plan.
    """
    if weeks is not None and not 1 <= int(weeks) <= 520:
        raise UserError(f"The 'weeks' option must be an int in the range [1, 520]. "
                        f"Got {weeks} instead.")
    if period_weeks < 1:
        raise UserError(f"The 'period_weeks' option must be >= 1. Got {period_weeks} instead.")
    if granularity is Granularity.GEO and fit.data.n_geos == 1:
        raise UserError("Allocation over geo x channel needs geo-level data; this run is "
                        "national. Use granularity 'channel' or 'period'.")
    timeline = _future_timeline(fit, int(weeks), pattern_weeks) if weeks else _data_timeline(fit)
    inputs, spend, media, n_history, dates, note = timeline
    return _assemble(fit, inputs, spend, media, n_history, dates, note, granularity,
                     period_weeks)


def _data_timeline(fit: Fit):
    data = fit.data
    note = (f"data window {str(data.dates[0])[:10]} to {str(data.dates[-1])[:10]} "
            f"({data.n_times} weeks): each channel's observed weekly pattern, scaled")
    return (fit.inputs, fit.data.spend.astype(np.float64), fit.inputs.media.astype(np.float64),
            0, data.dates, note)


def _future_timeline(fit: Fit, weeks: int, pattern_weeks: int):
    """History tail (carryover source) + ``weeks`` future weeks at the recent average."""
    inputs, data = fit.inputs, fit.data
    n_history = min(fit.structure.l_max - 1, data.n_times)
    recent = data.spend[:, -pattern_weeks:, :].mean(axis=1)              # (G, C)
    future_spend = np.repeat(recent[:, None, :], weeks, axis=1)
    spend = np.concatenate([data.spend[:, data.n_times - n_history:], future_spend], axis=1)
    keep = slice(data.n_times - n_history, data.n_times)
    # History weeks keep their observed media; future weeks buy media at the data's cost.
    media = np.concatenate([inputs.media[:, keep].astype(np.float64),
                            spend_to_scaled_media(inputs, future_spend)], axis=1)
    value_recent = inputs.value[:, -pattern_weeks:].mean(axis=1)
    n_total = n_history + weeks
    extended = dataclasses.replace(
        inputs,
        y=np.zeros((data.n_geos, n_total), dtype=np.float32),
        value=np.concatenate([inputs.value[:, keep],
                              np.repeat(value_recent[:, None], weeks, axis=1)], axis=1),
        time_basis=np.concatenate([inputs.time_basis[keep],
                                   np.repeat(inputs.time_basis[-1:], weeks, axis=0)]),
        media=np.zeros((data.n_geos, n_total, data.n_channels), dtype=np.float32),
        frequency=np.concatenate([inputs.frequency[:, keep], future_frequency(
            inputs, data.rf_index(), weeks, recent=pattern_weeks)], axis=1),
        spend=spend)
    last = data.dates[-1].astype("datetime64[D]")
    dates = last + 7 * np.arange(1, weeks + 1).astype("timedelta64[D]")
    note = (f"next {counted(weeks, 'week')} ({str(dates[0])[:10]} to {str(dates[-1])[:10]}): "
            f"the future weekly pattern is the average weekly spend of the last {pattern_weeks} "
            f"weeks; spend of the last {n_history} weeks still carries over into the horizon; "
            "outcome counted in horizon weeks only")
    return extended, spend, media, n_history, dates, note


def _assemble(fit, inputs, spend, media, n_history, dates, note, granularity, period_weeks):
    """``spend`` (G, T, C) currency and ``media`` (G, T, C) the scaled media it bought."""
    n_geos, n_total, n_channels = spend.shape
    unit_index, labels, unit_channel = _units(fit, n_total, n_history, granularity,
                                              period_weeks)
    n_units = len(labels)
    plan_cells = unit_index < n_units
    totals = np.bincount(unit_index[plan_cells], weights=spend[plan_cells], minlength=n_units)
    fallback = _fallback_pattern(fit, unit_index, n_units, plan_cells)
    per_total = np.append(1.0 / np.maximum(totals, 1e-300), 0.0)[unit_index]
    share = np.where(plan_cells, spend * per_total, 0.0)
    empty = np.append(totals <= 0, False)[unit_index]
    share = np.where(empty, fallback, share)
    # The media each unit of the total buys in each cell: the cell's own media (not its
    # spend at an average cost), so that x = current gives back ``media`` exactly.
    media_pattern = np.where(empty, spend_to_scaled_media(inputs, fallback),
                             np.where(plan_cells, media * per_total, 0.0))
    base = np.where(plan_cells, 0.0, media)
    mask = np.zeros(n_total)
    mask[n_history:] = 1.0
    weights = np.stack([inputs.y_scale[:, None] * inputs.value,
                        np.broadcast_to(inputs.y_scale[:, None], inputs.value.shape)])
    return PlanSpace(
        channels=fit.channels, units=labels, unit_channel=unit_channel, current=totals,
        spend_pattern=share, media_pattern=media_pattern.astype(np.float32),
        unit_index=unit_index, base_media=base.astype(np.float32),
        weights=(weights * mask[None, None, :]).astype(np.float32), inputs=inputs,
        structure=fit.structure, metric=1 if fit.data.kpi_type == "conversions" else 0,
        plan_dates=dates, granularity=granularity, note=note)


def _units(fit, n_total, n_history, granularity, period_weeks):
    """(G, T, C) unit index (U in history weeks), unit labels and their channels."""
    n_geos, n_channels = fit.data.n_geos, fit.data.n_channels
    channels = np.arange(n_channels)
    if granularity is Granularity.CHANNEL:
        per_cell = np.broadcast_to(channels, (n_geos, n_total, n_channels))
        labels = list(fit.channels)
        unit_channel = channels
    elif granularity is Granularity.GEO:
        per_cell = np.broadcast_to((np.arange(n_geos)[:, None] * n_channels + channels)[:, None, :],
                                   (n_geos, n_total, n_channels))
        labels = [f"{c}@{g}" for g in fit.data.geos for c in fit.channels]
        unit_channel = np.tile(channels, n_geos)
    else:
        period = np.maximum(np.arange(n_total) - n_history, 0) // period_weeks
        n_periods = int(period[-1]) + 1
        per_cell = np.broadcast_to((period[:, None] * n_channels + channels)[None],
                                   (n_geos, n_total, n_channels))
        labels = [f"{c}@p{k + 1}" for k in range(n_periods) for c in fit.channels]
        unit_channel = np.tile(channels, n_periods)
    index = np.array(per_cell, dtype=np.int64)
    index[:, :n_history, :] = len(labels)
    return index, tuple(labels), np.asarray(unit_channel, dtype=np.int64)


def _fallback_pattern(fit, unit_index, n_units, plan_cells) -> np.ndarray:
    """Spread a unit with no current spend evenly over its weeks, geos by population."""
    population = fit.data.population_or_ones().astype(np.float64)
    weight = np.where(plan_cells, population[:, None, None], 0.0)
    per_unit = np.bincount(unit_index[plan_cells], weights=weight[plan_cells], minlength=n_units)
    return np.where(plan_cells, weight / np.append(np.maximum(per_unit, 1e-300), 1.0)[unit_index],
                    0.0)
