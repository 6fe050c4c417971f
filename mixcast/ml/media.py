"""The challenger's media layer: adstock and saturation with tuned hyper-parameters, and a
non-negative linear fit on top.

Each channel's scaled media is carried over by a normalised geometric adstock and bent by
a Hill curve (``sat_c = hill(adstock(media_c; decay_c); half_c, slope_c)``, in [0, 1)),
the "domain" that trees would otherwise have to rediscover from raw lags. The KPI is then
modelled as::

    target = baseline(controls, seasonality, trend, geo, week) + sum_c beta_c * sat_c
             + trees(baseline features, sat features)

with every ``beta_c >= 0`` (bounded least squares), so that no channel can take revenue
away and ROIs, mROIs and contribution shares cannot be negative; the trees that follow fit
what is left, with monotone constraints on the media features.

Lift tests enter the linear fit as extra rows: a test's implied lift is linear in
``beta_c`` (the DESIGN.md definition, outcome with the observed spend minus outcome with
the window put back to business as usual, over the measurement window), so the row
``(beta_c * implied_per_beta - lift) / lift_se`` weighs each experiment as its standard
error says, beside the data rows weighted by the residual spread.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mixcast.errors import SpecError
from mixcast.model.channel_priors import (DECAY_BETA, SATURATION_AT_MEAN_BETA, SLOPE_LOGNORMAL,
                                          decay_beta, half_saturation)

# Candidates are drawn from the Bayesian model's priors on the response shape
# (mixcast.model.channel_priors): the search moves in prior quantiles, so a uniform draw is a
# prior draw. Decays are capped below 1 so that the carryover window holds the curve.
DECAY_CAP = 0.9
QUANTILE_RANGE = (0.005, 0.995)
# How far a channel's ROI may stray from the channels' common ROI before the ridge rows
# push back. Fixed: time-ordered CV barely tells spreads apart. On the 8 national benchmark
# cases, spreads 0.7 / 2 / 3 / 4 gave ROI errors 47% / 39% / 46% / 55%, but another run at
# 2 with a different search sequence gave 49%: the search's own noise is about as large.
# Without the shrinkage, always-on channels took the baseline (errors of 100-2400%).
ROI_SPREAD = 2.0
# Geo panels: one effect per week shared by all geos, nearly free (two-way fixed effects),
# so that only how spend differs between geos identifies nationally flighted media, not
# national shocks that coincide with its flights. The light ridge only settles what the
# shared baseline columns (trend, season, holidays) and the week effects both could carry:
# the shared columns take it, so that future weeks (effect 0) keep the season. Scales
# (share of the mean KPI) 0.03 / 0.1 / 0.5 / 5 gave ROI errors 41% / 42% / 31% / 27% on
# three of the recovery benchmark's geo panels (bench/RESULTS.md).
WEEK_EFFECT_SD = 5.0


@dataclass(frozen=True, slots=True)
class MediaParams:
    """Per-channel adstock decay, Hill half-saturation (scaled media) and Hill slope, and
    ``roi_spread``: how far (in ROI units) a channel's ROI may stray from the channels'
    common ROI before the ridge rows of :func:`fit_linear` push back."""

    decay: tuple[float, ...]
    half: tuple[float, ...]
    slope: tuple[float, ...]
    roi_spread: float = ROI_SPREAD

    def __post_init__(self) -> None:
        if not len(self.decay) == len(self.half) == len(self.slope):
            raise SpecError("MediaParams needs one decay, half and slope per channel. Got "
                            f"{len(self.decay)}, {len(self.half)} and {len(self.slope)}.")
        if any(not 0.0 <= d < 1.0 for d in self.decay) or min(self.half, default=1) <= 0 \
                or min(self.slope, default=1) <= 0:
            raise SpecError("MediaParams: decays must lie in [0, 1), halves and slopes be "
                            f"positive. Got {self!r}.")

    @classmethod
    def of_quantiles(cls, decay_q, level_q, slope_q,
                     channels: tuple[str, ...] | None = None) -> "MediaParams":
        """The set at the given prior quantiles (each (C,) in (0, 1)) of the decay, the
        saturation reached at the typical week, and the Hill slope. With ``channels``
        (names), each decay follows its kind's prior (paid search: short carryover)."""
        from scipy import stats

        slope = stats.lognorm.ppf(slope_q, s=SLOPE_LOGNORMAL[1],
                                  scale=np.exp(SLOPE_LOGNORMAL[0]))
        level = stats.beta.ppf(level_q, *SATURATION_AT_MEAN_BETA)
        a, b = (np.array([decay_beta(c) for c in channels]).T if channels is not None
                else DECAY_BETA)
        decay = np.minimum(stats.beta.ppf(decay_q, a, b), DECAY_CAP)
        return cls(decay=tuple(map(float, decay)),
                   half=tuple(map(float, half_saturation(level, slope))),
                   slope=tuple(map(float, slope)))

    @classmethod
    def default(cls, channels: int | tuple[str, ...]) -> "MediaParams":
        """The prior medians (decay 0.43, paid search 0.22; half-saturation at the typical
        week; slope 1.28): the first trial of every search. ``channels``: the names (each
        decay by its kind), or a count (the common decay prior for all)."""
        named = not isinstance(channels, int)
        half = np.full(len(channels) if named else channels, 0.5)
        return cls.of_quantiles(half, half, half, channels if named else None)

    @classmethod
    def suggest(cls, trial, channels: tuple[str, ...]) -> "MediaParams":
        """Draw one set from an Optuna trial: one prior quantile per channel and
        parameter (names carry the channel), mapped through the prior."""
        def quantiles(name: str) -> np.ndarray:
            return np.array([trial.suggest_float(f"{c}__{name}_q", *QUANTILE_RANGE)
                             for c in channels])

        return cls.of_quantiles(quantiles("decay"), quantiles("level"), quantiles("slope"),
                                tuple(channels))

    @staticmethod
    def median_trial(channels: tuple[str, ...]) -> dict[str, float]:
        """The Optuna parameter dict of :meth:`default` (to enqueue it as a trial)."""
        return {f"{c}__{name}_q": 0.5 for c in channels for name in ("decay", "level", "slope")}

    def as_dict(self) -> dict:
        return {"decay": list(self.decay), "half": list(self.half), "slope": list(self.slope),
                "roi_spread": self.roi_spread}

    @classmethod
    def from_dict(cls, doc: dict) -> "MediaParams":
        return cls(decay=tuple(map(float, doc["decay"])), half=tuple(map(float, doc["half"])),
                   slope=tuple(map(float, doc["slope"])),
                   roi_spread=float(doc["roi_spread"]))


def adstocked(media: np.ndarray, decay: np.ndarray, window: int) -> np.ndarray:
    """Normalised geometric adstock along the weeks axis: (..., T, C) -> (..., T, C).

    Spend before the first week counts as zero; a week's value depends only on that week
    and the ``window - 1`` before it.

    Examples
    --------
    >>> x = np.zeros((4, 1)); x[0, 0] = 1.0
    >>> np.round(adstocked(x, np.array([0.5]), 3)[:, 0], 3).tolist()
    [0.571, 0.286, 0.143, 0.0]
    """
    decay = np.asarray(decay, dtype=float)
    weights = decay[None, :] ** np.arange(window)[:, None]           # (L, C)
    weights = weights / weights.sum(axis=0, keepdims=True)
    out = np.zeros(media.shape, dtype=float)
    n_times = media.shape[-2]
    for lag in range(min(window, n_times)):
        out[..., lag:, :] += weights[lag] * media[..., :n_times - lag, :]
    return out


def saturated(media: np.ndarray, params: MediaParams, window: int) -> np.ndarray:
    """The "__sat" features: Hill(adstock(media)) per channel, (..., T, C) in [0, 1).

    Non-decreasing in every week's media of the same channel, and 0 at zero media."""
    carried = np.maximum(adstocked(media, np.array(params.decay), window), 0.0)
    half, slope = np.array(params.half), np.array(params.slope)
    powered = carried ** slope
    return powered / (powered + half ** slope)


@dataclass(frozen=True, slots=True)
class LinearLayer:
    """Fitted linear part: media coefficients ``beta`` (C,) >= 0, baseline coefficients
    ``gamma`` (Fl,), and national week effects (T_data,) on the scaled, detrended KPI."""

    beta: np.ndarray
    gamma: np.ndarray
    week_effect: np.ndarray

    def as_dict(self) -> dict:
        return {"beta": self.beta.tolist(), "gamma": self.gamma.tolist(),
                "week_effect": self.week_effect.tolist()}

    @classmethod
    def from_dict(cls, doc: dict) -> "LinearLayer":
        return cls(**{k: np.asarray(doc[k], dtype=float) for k in ("beta", "gamma",
                                                                   "week_effect")})


@dataclass(frozen=True, slots=True)
class LiftRows:
    """Lift tests as rows of the linear fit: test i says ``beta[channel[i]] * per_beta[i]
    ~ lift[i] +- se[i]`` (KPI units); ``last_week`` is the end of its measurement."""

    channel: np.ndarray      # (N,) int
    per_beta: np.ndarray     # (N,) implied lift per unit of beta
    lift: np.ndarray         # (N,)
    se: np.ndarray           # (N,)
    last_week: np.ndarray    # (N,) int

    @property
    def empty(self) -> bool:
        return len(self.channel) == 0


def fit_linear(sat: np.ndarray, base: np.ndarray, target: np.ndarray, *, rows: np.ndarray,
               n_geos: int, n_times: int, lifts: LiftRows | None = None,
               roi_per_beta: np.ndarray | None = None, roi_spread: float = 1.0,
               week_effects: bool) -> LinearLayer:
    """Bounded least squares of ``target`` on the media and baseline columns.

    Parameters
    ----------
    sat : (G*T, C) saturated media of every row (geo-major).
    base : (G*T, Fl) linear baseline columns (trend, seasonality, controls, ...).
    target : (G*T,) scaled KPI.
    rows : indices of the rows to fit (a time window, or a bootstrap resample).
    lifts : experiments as extra rows, each weighted by its standard error against the
        data rows' residual spread (estimated by a first fit without them).
    roi_per_beta : (C,) each channel's ROI per unit of its coefficient; with it, ridge
        rows ``(roi_c - m) / roi_spread`` shrink every ROI toward a common ROI ``m`` that
        is fitted too (no fixed centre): a channel the data cannot separate from the
        baseline (always-on spend) is held near the others instead of taking the baseline.
    week_effects : add one effect per week shared by all geos (ridge-shrunk), the national
        time effect of geo panels.

    Returns
    -------
    LinearLayer
    """
    from scipy.optimize import lsq_linear

    n_channels, n_base = sat.shape[1], base.shape[1]
    blocks = [sat, base, np.repeat(np.eye(n_geos), n_times, axis=0)]
    n_weeks = n_times if week_effects else 0
    if week_effects:
        blocks.append(np.tile(np.eye(n_times), (n_geos, 1)))
    shrink = roi_per_beta is not None
    if shrink:
        blocks.append(np.zeros((len(target), 1)))                      # the common ROI m
    design_matrix = np.concatenate(blocks, axis=1)[rows]
    n_cols = design_matrix.shape[1]
    y = target[rows]
    lower = np.full(n_cols, -np.inf)
    lower[:n_channels] = 0.0
    penalty_a, penalty_b = [], []
    if n_weeks:
        ridge = np.zeros((n_weeks, n_cols))
        start = n_channels + n_base + n_geos
        ridge[:, start:start + n_weeks] = np.eye(n_weeks) / WEEK_EFFECT_SD
        penalty_a.append(ridge)
        penalty_b.append(np.zeros(n_weeks))
    if shrink:
        spent = np.flatnonzero(np.isfinite(roi_per_beta))               # channels with spend
        ridge = np.zeros((len(spent), n_cols))
        ridge[np.arange(len(spent)), spent] = roi_per_beta[spent] / roi_spread
        ridge[:, -1] = -1.0 / roi_spread
        penalty_a.append(ridge)
        penalty_b.append(np.zeros(len(spent)))

    def solve(extra_a: np.ndarray, extra_b: np.ndarray, sigma: float) -> np.ndarray:
        a = np.concatenate([design_matrix / sigma, *penalty_a, extra_a])
        b = np.concatenate([y / sigma, *penalty_b, extra_b])
        return lsq_linear(a, b, bounds=(lower, np.inf), method="bvls").x

    first = lsq_linear(design_matrix, y, bounds=(lower, np.inf), method="bvls").x
    sigma = max(float(np.std(y - design_matrix @ first)), 1e-6)
    extra_a, extra_b = np.zeros((0, n_cols)), np.zeros(0)
    if lifts is not None and not lifts.empty:
        extra_a = np.zeros((len(lifts.channel), n_cols))
        extra_a[np.arange(len(lifts.channel)), lifts.channel] = lifts.per_beta / lifts.se
        extra_b = lifts.lift / lifts.se
    coef = solve(extra_a, extra_b, sigma) if (penalty_a or len(extra_b)) else first
    start = n_channels + n_base + n_geos
    week = coef[start:start + n_weeks] if n_weeks else np.zeros(n_times)
    return LinearLayer(beta=np.maximum(coef[:n_channels], 0.0),
                       gamma=coef[n_channels:start], week_effect=week)


def linear_prediction(layer: LinearLayer, sat: np.ndarray, base: np.ndarray, *,
                      n_geos: int, week_index: np.ndarray) -> np.ndarray:
    """(..., G, T, C) sat + (G, T, Fl) base -> (..., G, T) scaled prediction.

    ``week_index`` (T,) maps each week to the fitted week effects (-1: none, e.g. a future
    week, whose effect is 0)."""
    n_base = base.shape[-1]
    media_part = sat @ layer.beta
    geo_part = layer.gamma[n_base:n_base + n_geos][:, None]
    base_part = base @ layer.gamma[:n_base] + geo_part
    week = np.where(week_index >= 0, layer.week_effect[np.maximum(week_index, 0)]
                    if len(layer.week_effect) else 0.0, 0.0)
    return media_part + base_part + week[None, :]
