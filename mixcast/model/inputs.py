"""Model-ready, scaled inputs derived from a Dataset (the only place scaling is decided).

Scaling puts every array on a unit scale so that one set of weakly informative priors
suits any business: the KPI is divided by its per-geo mean, media by its per-geo,
per-channel mean over active weeks, controls are standardised, and the frequency of a
reach-and-frequency channel by its reach-weighted mean (impressions / reach over the
whole data), so that frequency 1 is the channel's typical frequency.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mixcast.data.dataset import Dataset
from mixcast.spec import ModelSpec
from mixcast.data.calendars import WeeklyHolidays, weekly_holidays
from mixcast.transforms.seasonality import fourier_features
from mixcast.transforms.time_basis import bump_basis, trend_basis


@dataclass(frozen=True, slots=True)
class ModelInputs:
    """Scaled arrays (float32, as the sampler uses them) plus the scales to undo them.

    Shapes: G geos, T weeks, C channels, K controls, O organic, E events, M mediators,
    H holiday columns (named by :func:`holiday_columns`).
    """

    media: np.ndarray           # (G, T, C) media / media_scale
    media_lagged: np.ndarray    # (C, L, G, T) channel-major lag stack of ``media``
                                # (the model's hot path)
    media_scale: np.ndarray     # (G, C)
    spend: np.ndarray           # (G, T, C) currency, unscaled
    media_per_spend: np.ndarray  # (G, C) media units bought per unit of currency
    y: np.ndarray               # (G, T) KPI / y_scale
    y_scale: np.ndarray         # (G,)
    value: np.ndarray           # (G, T) currency per KPI unit
    controls: np.ndarray        # (G, T, K) standardised
    control_center: np.ndarray  # (K,)
    control_scale: np.ndarray   # (K,)
    organic: np.ndarray         # (G, T, O) / organic_scale
    organic_scale: np.ndarray   # (G, O)
    events: np.ndarray          # (G, T, E)
    mediators: np.ndarray       # (G, T, M) mediator / mediator_scale (NaN: unobserved week)
    mediator_scale: np.ndarray  # (G, M) per-geo mean of each mediator
    season: np.ndarray          # (T, 2 * fourier_order)
    trend: np.ndarray           # (T, 1 + trend_knots)
    holidays: np.ndarray        # (T, H) 0/1: the week contains the holiday
    time_basis: np.ndarray      # (T, B) smooth basis for time-varying effectiveness
    frequency: np.ndarray       # (G, T, R) R&F channels' frequency / frequency_scale
    frequency_lagged: np.ndarray  # (R, L, G, T) channel-major lag stack of ``frequency``
    frequency_scale: np.ndarray   # (R,) reach-weighted mean frequency per R&F channel
    geo_centring: np.ndarray    # (G - 1, C) how each geo contrast is sampled, 0 (non-centred)
                                # to 1 (centred): a sampler choice passed as data, so that
                                # every choice runs one compiled program (see
                                # mixcast.inference.geo_centring)

    @property
    def n_geos(self) -> int:
        return self.y.shape[0]

    @property
    def n_channels(self) -> int:
        return self.media.shape[-1]


def prepare(data: Dataset, spec: ModelSpec) -> ModelInputs:
    """Scale a Dataset for the model. Pure: the same Dataset gives the same inputs."""
    y_scale = data.y.mean(axis=1)
    y_scale = np.where(y_scale > 0, y_scale, np.abs(data.y).mean(axis=1) + 1e-9)
    media_scale = _active_mean(data.media)
    spend_total = data.spend.sum(axis=1)
    media_total = data.media.sum(axis=1)
    media_per_spend = np.where(spend_total > 0, media_total / np.maximum(spend_total, 1e-12),
                               _fallback_ratio(media_total, spend_total))
    controls = data.controls_or_empty()
    center = controls.mean(axis=(0, 1)) if controls.size else np.zeros(controls.shape[-1])
    scale = controls.std(axis=(0, 1)) if controls.size else np.ones(controls.shape[-1])
    scale = np.where(scale > 0, scale, 1.0)
    organic = data.organic_or_empty()
    organic_scale = _active_mean(organic)
    mediators = data.mediators_or_empty()
    mediator_scale = _active_mean(mediators)
    weeks = (data.dates.astype("datetime64[D]").astype(np.int64)) / 7.0
    f32 = np.float32
    media = (data.media / media_scale[:, None, :]).astype(f32)
    frequency, frequency_scale = _relative_frequency(data)
    return ModelInputs(
        media=media,
        media_lagged=_lag_stack(media, spec.l_max),
        media_scale=media_scale,
        spend=data.spend.astype(np.float64),
        media_per_spend=media_per_spend,
        y=(data.y / y_scale[:, None]).astype(f32),
        y_scale=y_scale,
        value=data.value_per_kpi().astype(np.float64),
        controls=((controls - center) / scale).astype(f32),
        control_center=center,
        control_scale=scale,
        organic=(organic / organic_scale[:, None, :]).astype(f32),
        organic_scale=organic_scale,
        events=data.events_or_empty().astype(f32),
        mediators=(mediators / mediator_scale[:, None, :]).astype(f32),
        mediator_scale=mediator_scale,
        season=fourier_features(weeks, order=spec.season_order).astype(f32),
        trend=trend_basis(data.n_times, n_knots=spec.trend_knots).astype(f32),
        holidays=holiday_columns(data, spec).indicators.astype(f32),
        time_basis=bump_basis(data.n_times).astype(f32),
        frequency=frequency.astype(f32),
        frequency_lagged=_lag_stack(frequency.astype(f32), spec.l_max),
        frequency_scale=frequency_scale,
        geo_centring=np.zeros((data.n_geos - 1, data.n_channels), f32),
    )


def holiday_columns(data: Dataset, spec: ModelSpec) -> WeeklyHolidays:
    """The holiday regressors of ``data``'s window under ``spec.holidays`` (their names,
    the holidays each stands for, and the (T, H) indicators)."""
    return weekly_holidays(data.dates, spec.holidays)


def _relative_frequency(data: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """(G, T, R) frequency / its reach-weighted mean, and that mean (R,)."""
    frequency = data.frequency_or_empty()
    if not data.rf_channels:
        return frequency, np.ones(0)
    reach = data.media[..., list(data.rf_index())]
    total_reach = reach.sum(axis=(0, 1))
    scale = (reach * frequency).sum(axis=(0, 1)) / np.maximum(total_reach, 1e-12)
    scale = np.where(scale > 0, scale, 1.0)
    return frequency / scale, scale


def future_frequency(inputs: ModelInputs, rf_index: tuple[int, ...], n_weeks: int, *,
                     recent: int = 13) -> np.ndarray:
    """(G, n_weeks, R) relative frequency for future weeks: the reach-weighted mean of the
    last ``recent`` weeks per geo (1, the channel's typical frequency, where no reach)."""
    if not rf_index:
        return np.zeros((inputs.n_geos, n_weeks, 0), dtype=np.float32)
    reach = inputs.media[:, -recent:, list(rf_index)].astype(np.float64)
    weighted = (reach * inputs.frequency[:, -recent:]).sum(axis=1)
    total = reach.sum(axis=1)
    mean = np.where(total > 0, weighted / np.maximum(total, 1e-12), 1.0)
    return np.repeat(mean[:, None, :], n_weeks, axis=1).astype(np.float32)


def scale_media(inputs: ModelInputs, media: np.ndarray) -> np.ndarray:
    """Media in data units (G, T', C) to the model's scale."""
    return media / inputs.media_scale[:, None, :]


def spend_to_scaled_media(inputs: ModelInputs, spend: np.ndarray) -> np.ndarray:
    """Spend (G, T', C) to scaled media, at each geo-channel's observed cost per unit."""
    return spend * (inputs.media_per_spend / inputs.media_scale)[:, None, :]


def _lag_stack(x: np.ndarray, n_lags: int) -> np.ndarray:
    """(G, T, C) -> channel-major (C, L, G, T) lag stack, ``out[c, l, g, t] = x[g, t - l, c]``
    (0 when t < l); computed once per dataset (numpy twin of transforms.lag_stack)."""
    n_geos, n_times, n_channels = x.shape
    out = np.zeros((n_channels, n_lags, n_geos, n_times), dtype=x.dtype)
    by_channel = np.moveaxis(x, -1, 0)                                  # (C, G, T)
    for lag in range(n_lags):
        out[:, lag, :, lag:] = by_channel[:, :, :n_times - lag]
    return out


def _active_mean(x: np.ndarray) -> np.ndarray:
    """(G, T, C) -> (G, C) mean over weeks with activity; channel-wide where a geo has none."""
    if x.shape[-1] == 0:
        return np.ones(x.shape[::2])
    active = x > 0
    counts = active.sum(axis=1)
    per_geo = np.where(counts > 0, x.sum(axis=1) / np.maximum(counts, 1), np.nan)
    overall_counts = active.sum(axis=(0, 1))
    overall = x.sum(axis=(0, 1)) / np.maximum(overall_counts, 1)
    overall = np.where(overall > 0, overall, 1.0)
    return np.where(np.isnan(per_geo), overall[None, :], per_geo)


def _fallback_ratio(media_total: np.ndarray, spend_total: np.ndarray) -> np.ndarray:
    channel_ratio = media_total.sum(axis=0) / np.maximum(spend_total.sum(axis=0), 1e-12)
    return np.broadcast_to(channel_ratio, media_total.shape)


def _register_pytree() -> None:
    """Let jitted functions take ModelInputs as an argument (all fields are arrays)."""
    import dataclasses

    import jax

    names = [f.name for f in dataclasses.fields(ModelInputs)]
    jax.tree_util.register_dataclass(ModelInputs, data_fields=names, meta_fields=[])


_register_pytree()
