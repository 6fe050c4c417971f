"""Forecasts of the KPI for a future spend plan, with 90% predictive intervals.

The fitted history is extended by the plan's weeks: the trend is extrapolated along its
fitted line (and hinges), yearly Fourier seasonality is evaluated on the future dates,
holiday columns get the future weeks' own holidays (a fitted holiday that falls in a
future week lifts it by its fitted effect), controls and organic activity come from the
plan, events are off unless the plan names them. Media are the history's followed by the
plan's, so adstock carries the past spend into the first future weeks. Each posterior
draw gives the expected KPI through the model's own mean function; observation noise at
the fitted level (Normal or Student-t) is added, so that the 90% interval is for the
outcome that will be observed.

The national time effect of geo panels (independent weekly shocks shared by every geo)
is extended as what it is: a future week's shock is unknown, so the expected KPI holds
it at its mean, 0, and each predictive draw adds a fresh shock ``scale * N(0, 1)`` (the
draw's learned scale), the same in every geo that week. The interval widens by that
much in every future week, not more with the horizon: the shocks do not accumulate.
Summed over geos, the shared shock does not average out, as independent noise would.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from mixcast.data._common import (
    closest, day_text, listing, parse_iso_dates, raise_problems, read_table, rows_text,
)
from mixcast.data.dataset import Dataset
from mixcast.analysis.plan_space import PATTERN_WEEKS
from mixcast.errors import UserError
from mixcast.formatting import counted
from mixcast.model.inputs import ModelInputs, future_frequency, holiday_columns
from mixcast.model.inputs import spend_to_scaled_media
from mixcast.model.mean import Structure, mean
from mixcast.posterior.fitted import Fit
from mixcast.posterior.intervals import interval
from mixcast.spec import Likelihood
from mixcast.data.calendars import holiday_indicators
from mixcast.transforms.seasonality import fourier_features
from mixcast.transforms.time_basis import bump_basis, trend_basis

__all__ = ["FuturePlan", "Forecast", "extend_inputs", "forecast", "plan_from_data",
           "predictive_draws", "read_plan"]

_NOT_PARAMS = ("lift_implied", "log_roi_raw")


@dataclass(frozen=True, slots=True)
class FuturePlan:
    """Future weeks to forecast: spend and the other drivers, per geo and week.

    Shapes: G geos, H future weeks, C channels, K controls, O organic, E events.

    Attributes
    ----------
    dates : (H,) week start dates, following the data's last week.
    spend : (G, H, C) planned spend, currency.
    media : (G, H, C) media units (impressions) or None to buy them at each channel's
        observed cost per unit.
    controls, organic, events : (G, H, K), (G, H, O), (G, H, E); None means zeros for
        events and is an error for controls/organic when the model has them.
    """

    dates: np.ndarray
    spend: np.ndarray
    media: np.ndarray | None = None
    controls: np.ndarray | None = None
    organic: np.ndarray | None = None
    events: np.ndarray | None = None

    @property
    def n_weeks(self) -> int:
        return self.spend.shape[1]


@dataclass(frozen=True, slots=True)
class Forecast:
    """Predictive draws of the KPI (KPI units) over the plan's weeks.

    ``draws`` (S, G, H) include observation noise; ``expected`` (S, G, H) do not.
    """

    dates: np.ndarray
    geos: tuple[str, ...]
    draws: np.ndarray
    expected: np.ndarray
    geo_column: str | None = None

    @property
    def mean(self) -> np.ndarray:
        """(G, H) posterior predictive mean."""
        return self.draws.mean(axis=0)

    def interval(self, *, total: bool = False) -> dict[str, np.ndarray]:
        """Mean and 90% interval, per geo and week (G, H) or summed over geos (H,)."""
        return interval(self.draws.sum(axis=1) if total else self.draws)

    def frame(self) -> pd.DataFrame:
        """The forecast.csv table: ``date, [geo,] mean, lo90, hi90``."""
        summary = self.interval()
        frames = []
        for g, geo in enumerate(self.geos):
            frame = pd.DataFrame({"date": [day_text(d) for d in self.dates]})
            if self.geo_column is not None:
                frame["geo"] = geo
            for key in ("mean", "lo90", "hi90"):
                frame[key] = summary[key][g]
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)


def forecast(fit: Fit, plan: FuturePlan, *, seed: int = 0) -> Forecast:
    """Forecast the KPI over ``plan``'s weeks under every posterior draw.

    Parameters
    ----------
    fit : the fitted model.
    plan : future spend and drivers (see :func:`read_plan`, :func:`plan_from_data`).
    seed : seeds the observation noise added to each draw.

    Returns
    -------
    Forecast : predictive draws (S, G, H) in KPI units, with mean and 90% interval.

    Examples
    --------
    >>> plan = plan_from_data(data, 104, 117)           # doctest: +SKIP
    >>> forecast(fit, plan).interval(total=True)["mean"]  # doctest: +SKIP
    """
    inputs, media = extend_inputs(fit, plan)
    expected, draws = predictive_draws(fit, inputs, media, seed=seed)
    weeks = slice(fit.data.n_times, None)
    return Forecast(dates=np.asarray(plan.dates, dtype="datetime64[D]"), geos=fit.data.geos,
                    draws=draws[:, :, weeks], expected=expected[:, :, weeks],
                    geo_column=fit.data.geo_column)


def predictive_draws(fit: Fit, inputs: ModelInputs, media: np.ndarray, *,
                     seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Expected and predictive KPI (KPI units) for every draw over ``inputs``' weeks.

    Parameters
    ----------
    inputs : scaled inputs (the fit's own, or :func:`extend_inputs`' extension).
    media : (G, T, C) scaled media.

    Returns
    -------
    (expected, predictive) : (S, G, T) each; predictive adds observation noise, and
    in weeks past the fitted ones the national time effect's fresh shocks (see the
    module's docstring).
    """
    draws = fit.param_draws()
    params = {k: jnp.asarray(v, jnp.float32) for k, v in draws.items() if k not in _NOT_PARAMS}
    n_geos, n_times = media.shape[:2]
    batch = int(max(1, min(256, 2e7 // max(n_geos * n_times * media.shape[-1]
                                            * fit.structure.l_max, 1))))
    scaled = np.asarray(_expected(params, jnp.asarray(media, jnp.float32), inputs,
                                  fit.structure, batch), dtype=np.float64)
    rng = np.random.default_rng(seed)
    sigma = draws["sigma"][:, :, None]
    if fit.spec.likelihood is Likelihood.STUDENT_T:
        shape = (len(sigma), n_geos, n_times)
        noise = rng.standard_t(np.broadcast_to(draws["nu"][:, None, None], shape)) * sigma
    else:
        noise = rng.normal(size=scaled.shape) * sigma
    noise = noise + _future_national_shocks(draws, n_times, rng)
    scale = inputs.y_scale[None, :, None]
    return scaled * scale, (scaled + noise) * scale


def _future_national_shocks(draws: dict[str, np.ndarray], n_times: int,
                            rng: np.random.Generator) -> np.ndarray:
    """(S, 1, T) the national time effect's shocks in weeks past the fitted ones (shared
    by every geo; zeros in the fitted weeks, whose effect is in the expected KPI)."""
    if "national_effect" not in draws:
        return np.zeros((1, 1, n_times))
    fitted = draws["national_effect"].shape[-1]
    shocks = np.zeros((len(draws["national_effect"]), 1, n_times))
    future = max(n_times - fitted, 0)
    shocks[:, 0, fitted:] = (rng.normal(size=(len(shocks), future))
                             * draws["national_scale"][:, None])
    return shocks


@partial(jax.jit, static_argnames=("structure", "batch"))
def _expected(params, media, inputs, structure: Structure, batch: int):
    return jax.lax.map(lambda p: mean(p, media, inputs, structure), params, batch_size=batch)


def extend_inputs(fit: Fit, plan: FuturePlan) -> tuple[ModelInputs, np.ndarray]:
    """The fit's scaled inputs followed by the plan's weeks, and the scaled media.

    Returns
    -------
    (inputs, media) : inputs over T + H weeks, media (G, T + H, C) on the model's scale.
    """
    _check_plan_shapes(fit.data, plan)
    inputs, data = fit.inputs, fit.data
    n_hist, n_future = data.n_times, plan.n_weeks
    if plan.media is None:
        future_media = spend_to_scaled_media(inputs, plan.spend)
    else:
        future_media = plan.media / inputs.media_scale[:, None, :]
    dates = np.concatenate([data.dates.astype("datetime64[D]"),
                            np.asarray(plan.dates, dtype="datetime64[D]")])
    weeks = dates.astype(np.int64) / 7.0
    f32 = np.float32
    zeros = np.zeros((data.n_geos, n_future, 0))
    controls = plan.controls if plan.controls is not None else zeros
    organic = plan.organic if plan.organic is not None else zeros
    events = plan.events if plan.events is not None else np.zeros(
        (data.n_geos, n_future, inputs.events.shape[-1]))

    def glue(history, future):
        return np.concatenate([history, np.asarray(future, dtype=f32)], axis=1)

    extended = dataclasses.replace(
        inputs,
        media=glue(inputs.media, future_media),
        spend=np.concatenate([inputs.spend, plan.spend], axis=1),
        y=np.zeros((data.n_geos, n_hist + n_future), dtype=f32),
        value=np.concatenate([inputs.value, np.repeat(inputs.value[:, -1:], n_future, 1)], 1),
        controls=glue(inputs.controls, (controls - inputs.control_center) / inputs.control_scale),
        organic=glue(inputs.organic, organic / inputs.organic_scale[:, None, :]),
        events=glue(inputs.events, events),
        frequency=glue(inputs.frequency, future_frequency(inputs, data.rf_index(), n_future)),
        # Mediators are not planned: NaN makes the mean use their modelled value.
        mediators=glue(inputs.mediators, np.full(
            (data.n_geos, n_future, inputs.mediators.shape[-1]), np.nan)),
        season=fourier_features(weeks, order=fit.spec.season_order).astype(f32),
        trend=trend_basis(n_hist, n_hist + n_future, n_knots=fit.spec.trend_knots).astype(f32),
        holidays=holiday_indicators(dates, fit.spec.holidays,
                                    holiday_columns(data, fit.spec).members).astype(f32),
        time_basis=bump_basis(n_hist, n_hist + n_future,
                              n_knots=inputs.time_basis.shape[1]).astype(f32))
    return extended, np.asarray(extended.media)


def _check_plan_shapes(data: Dataset, plan: FuturePlan) -> None:
    expected = {"spend": data.n_channels, "media": data.n_channels,
                "controls": len(data.control_names), "organic": len(data.organic_names)}
    for name, width in expected.items():
        array = getattr(plan, name)
        if array is None:
            if name in ("controls", "organic") and width:
                raise ValueError(f"FuturePlan.{name} is required: the model has {width}.")
            continue
        shape = (data.n_geos, len(plan.dates), width)
        if array.shape != shape:
            raise ValueError(f"FuturePlan.{name} must have shape {shape}; got {array.shape}.")


def recent_pace_plan(data: Dataset, weeks: int, *,
                     pattern_weeks: int = PATTERN_WEEKS) -> FuturePlan:
    """The next ``weeks`` weeks at today's pace: each geo-channel's spend (and the media it
    buys), each control and organic series at its average over the last ``pattern_weeks``
    weeks; no events. The plan a "what happens next quarter" question means.

    Raises
    ------
    UserError
        For ``weeks`` outside [1, 520].
    """
    if not 1 <= int(weeks) <= 520:
        raise UserError(f"The forecast horizon must be 1 to 520 weeks. Got {weeks} instead.")

    def held(values: np.ndarray | None) -> np.ndarray | None:      # (G, T, K) -> (G, H, K)
        if values is None:
            return None
        recent = values[:, -pattern_weeks:].astype(np.float64).mean(axis=1, keepdims=True)
        return np.repeat(recent, int(weeks), axis=1)

    last = np.datetime64(data.dates[-1], "D")
    dates = last + 7 * np.arange(1, int(weeks) + 1).astype("timedelta64[D]")
    return FuturePlan(dates=dates, spend=held(data.spend), media=held(data.media),
                      controls=held(data.controls), organic=held(data.organic))


def plan_table(plan: FuturePlan, data: Dataset, *, date_column: str = "date") -> pd.DataFrame:
    """``plan`` as the plan file :func:`read_plan` reads: one row per week (and geo), the
    config's date column, every channel's spend, the controls and organic series (media
    units are left to be bought at each channel's observed cost, as a user's plan is)."""
    frames = []
    for g, geo in enumerate(data.geos):
        frame = pd.DataFrame({date_column: [day_text(d) for d in plan.dates]})
        if data.geo_column:
            frame[data.geo_column] = geo
        for names, values in ((data.channels, plan.spend), (data.control_names, plan.controls),
                              (data.organic_names, plan.organic)):
            for k, name in enumerate(names):
                frame[name] = values[g, :, k]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def plan_from_data(data: Dataset, start: int, stop: int) -> FuturePlan:
    """Weeks [start, stop) of ``data`` as a plan (for backtests and tests)."""
    part = data.window(start, stop)
    return FuturePlan(dates=part.dates, spend=part.spend, media=part.media,
                      controls=part.controls, organic=part.organic, events=part.events)


def read_plan(path: str | Path, fit: Fit, *, date_column: str = "date",
              impressions: dict[str, str] | None = None) -> FuturePlan:
    """Read a future plan (CSV/Parquet with the data's columns, no target) for ``fit``.

    Parameters
    ----------
    path : the plan file: one row per future week (and geo), with the date column, every
        channel's spend, the controls and organic columns; optionally the impressions
        columns of channels modelled on impressions and 0/1 columns named after events.
    date_column, impressions : the config's ``date`` and ``impressions`` mappings.

    Raises
    ------
    DataError
        Listing every problem: a missing column, dates that do not follow the data
        weekly, empty or non-numeric cells, negative spend, unknown or missing geos.
    """
    source = Path(path).name
    frame = read_table(path).reset_index(drop=True)
    data = fit.data
    problems = _plan_columns(frame, data, date_column, source)
    if problems:
        raise_problems(problems, source)
    dates = parse_iso_dates(frame[date_column])
    geo = frame[data.geo_column].astype(str).str.strip() if data.is_geo \
        else pd.Series("national", index=frame.index)
    impressions = {c: col for c, col in (impressions or {}).items() if col in frame.columns}
    numeric = [*data.channels, *data.control_names, *data.organic_names,
               *impressions.values(), *(e for e in data.event_names if e in frame.columns)]
    problems += _plan_values(frame, numeric, dates, source, data.channels)
    future = _plan_dates(dates, geo, data, date_column, source, problems)
    raise_problems(problems, source)
    table = frame.assign(__date=dates, __geo=geo).sort_values(["__geo", "__date"])
    shape = (data.n_geos, len(future))

    def cube(columns) -> np.ndarray:
        values = table[list(columns)].apply(pd.to_numeric).to_numpy(dtype=float)
        return values.reshape(*shape, len(columns))

    spend = cube(data.channels)
    media = spend * fit.inputs.media_per_spend[:, None, :]
    for c, channel in enumerate(data.channels):
        if channel in impressions:
            media[..., c] = cube([impressions[channel]])[..., 0]
    events = np.zeros((*shape, len(data.event_names)))
    for e, name in enumerate(data.event_names):
        if name in frame.columns:
            events[..., e] = cube([name])[..., 0]
    return FuturePlan(
        dates=np.asarray(future, dtype="datetime64[D]"), spend=spend, media=media,
        controls=cube(data.control_names) if data.control_names else None,
        organic=cube(data.organic_names) if data.organic_names else None, events=events)


def _plan_columns(frame: pd.DataFrame, data: Dataset, date_column: str,
                  source: str) -> list[str]:
    if frame.empty:
        return [f"{source}: the plan has a header but no rows. Give one row per future "
                "week" + (" and geo." if data.is_geo else ".")]
    needed = [date_column, *data.channels, *data.control_names, *data.organic_names]
    if data.is_geo:
        needed.append(data.geo_column)
    available = [str(c) for c in frame.columns]
    roles = {**{c: "channel spend" for c in data.channels},
             **{c: "control" for c in data.control_names},
             **{c: "organic" for c in data.organic_names}}
    return [f"{source}: column '{c}' not found.{closest(c, available, 0.5)} A plan needs the "
            f"data's columns for the future weeks ({roles.get(c, 'key')} column '{c}' "
            f"included); available: {listing(available, 30)}."
            for c in needed if c not in frame.columns]


def _plan_values(frame: pd.DataFrame, columns: list[str], dates: pd.Series, source: str,
                 channels: tuple[str, ...]) -> list[str]:
    problems = []
    for column in columns:
        values = pd.to_numeric(frame[column], errors="coerce")
        empty = frame[column].isna()
        bad = values.isna() & ~empty
        if empty.any():
            problems.append(f"{source}: column '{column}' has {int(empty.sum())} empty "
                            f"value(s) ({rows_text(list(np.flatnonzero(empty)), dates)}). "
                            "Fill them in (0 for no spend).")
        if bad.any():
            problems.append(f"{source}: column '{column}' has "
                            f"{counted(int(bad.sum()), 'non-numeric value')} "
                            f"({rows_text(list(np.flatnonzero(bad)), dates)}).")
        negative = values < 0
        if column in channels and negative.any():
            problems.append(f"{source}: column '{column}' has {int(negative.sum())} negative "
                            f"spend value(s) ({rows_text(list(np.flatnonzero(negative)), dates)})"
                            ". Spend must be 0 or more.")
    return problems


def _plan_dates(dates: pd.Series, geo: pd.Series, data: Dataset, date_column: str,
                source: str, problems: list[str]) -> pd.DatetimeIndex:
    """The plan's weeks, checked to follow the data's last week at its weekly spacing."""
    if dates.isna().any():
        rows = list(np.flatnonzero(dates.isna()))
        problems.append(f"{source}: column '{date_column}' has "
                        f"{counted(len(rows), 'value')} not written as dates "
                        f"({rows_text(rows)}). Write dates as YYYY-MM-DD.")
        return pd.DatetimeIndex([])
    future = pd.DatetimeIndex(sorted(dates.unique()))
    last = pd.Timestamp(data.dates[-1])
    step = pd.Timedelta(days=7)
    expected = pd.date_range(last + step, periods=len(future), freq=step)
    if not future.equals(expected):
        problems.append(
            f"{source}: the plan's dates ({day_text(future[0])} … {day_text(future[-1])}, "
            f"{len(future)} distinct) must be consecutive weeks that follow the data, whose "
            f"last week starts {day_text(last)}: expected {day_text(expected[0])}, "
            f"{day_text(expected[min(1, len(expected) - 1)])}, … Fix the dates.")
    unknown = sorted(set(geo) - set(data.geos))
    if unknown:
        problems.append(f"{source}: geo(s) {listing(unknown)} are not in the data "
                        f"({listing(list(data.geos))}).{closest(unknown[0], data.geos)}")
    counts = pd.crosstab(geo, dates)
    missing = [g for g in data.geos if g not in counts.index]
    if missing or (counts.to_numpy() != 1).any():
        problems.append(f"{source}: every geo needs exactly one row per future week "
                        f"({counted(len(data.geos), 'geo')} x {counted(len(future), 'week')} = "
                        f"{len(data.geos) * len(future)} rows; got {len(dates)}"
                        + (f"; missing geos {listing(missing)}" if missing else "") + ").")
    return future
