"""The arrays every fit of the challenger reads, built once from the Dataset.

A :class:`Problem` holds the scaled media, the linear baseline columns, the scaled target
and the lift tests (each as its observed media and its business-as-usual media, so that
its implied lift can be recomputed for any adstock/saturation hyper-parameters).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mixcast.data.dataset import Dataset
from mixcast.ml.features import Baseline, FeatureSpec, Scales, baseline_block
from mixcast.ml.media import LiftRows, MediaParams, saturated


@dataclass(frozen=True)
class LiftPlan:
    """One lift test inside the data: the business-as-usual media of its channel (G, T),
    the (G, T) weights of its measurement (0/1 mask times the KPI scale), and what it
    measured (KPI units)."""

    channel: int
    bau_media: np.ndarray
    weights: np.ndarray
    lift: float
    se: float
    last_week: int


@dataclass(frozen=True)
class Problem:
    """Scaled inputs of one dataset (rows geo-major: row = g * T + t)."""

    media: np.ndarray           # (G, T, C) scaled media
    base_features: np.ndarray   # (G, T, Fb) the trees' baseline block
    base_linear: np.ndarray     # (G*T, Fl) the linear layer's baseline columns
    target: np.ndarray          # (G*T,) KPI / per-geo scale
    y_scale: np.ndarray         # (G,)
    value_scale: np.ndarray     # (G, T) currency per unit of the scaled KPI
    weekly_spend: np.ndarray    # (T, C) spend of each channel, summed over geos
    lifts: tuple[LiftPlan, ...]
    window: int                 # adstock window (weeks)
    channels: tuple[str, ...]
    n_geos: int
    n_times: int

    @property
    def week_effects(self) -> bool:
        """Geo panels get one effect per week shared by all geos (national shocks)."""
        return self.n_geos > 1

    def rows(self, weeks: np.ndarray) -> np.ndarray:
        """Row indices of ``weeks`` in every geo (all geos of a week travel together)."""
        return (np.arange(self.n_geos)[:, None] * self.n_times
                + np.asarray(weeks)[None, :]).ravel()

    def sat(self, params: MediaParams) -> np.ndarray:
        """(G*T, C) saturated media of every row."""
        return saturated(self.media, params, self.window).reshape(-1, self.media.shape[-1])

    def roi_per_beta(self, sat: np.ndarray, weeks: np.ndarray) -> np.ndarray:
        """(C,) each channel's ROI per unit of its linear coefficient over ``weeks`` (NaN:
        no spend there): the layer's outcome of the channel, less none, over its spend."""
        per_channel = (sat.reshape(self.n_geos, self.n_times, -1)[:, weeks]
                       * self.value_scale[:, weeks, None]).sum(axis=(0, 1))
        spend = self.weekly_spend[weeks].sum(axis=0)
        return np.where(spend > 0, per_channel / np.where(spend > 0, spend, 1.0), np.nan)

    def lift_rows(self, params: MediaParams, *, before: int | None = None) -> LiftRows:
        """The lift tests as rows of the linear fit under ``params``; only those measured
        before week ``before`` when given (a fold must not see later experiments)."""
        plans = [p for p in self.lifts if before is None or p.last_week < before]
        per_beta = []
        for plan in plans:
            observed = self.media[..., plan.channel]
            both = np.stack([observed, plan.bau_media])[..., None]        # (2, G, T, 1)
            one = MediaParams(decay=(params.decay[plan.channel],),
                              half=(params.half[plan.channel],),
                              slope=(params.slope[plan.channel],))
            sat = saturated(both, one, self.window)[..., 0]
            per_beta.append(float(((sat[0] - sat[1]) * plan.weights).sum()))
        return LiftRows(channel=np.array([p.channel for p in plans], dtype=int),
                        per_beta=np.array(per_beta, dtype=float),
                        lift=np.array([p.lift for p in plans], dtype=float),
                        se=np.array([p.se for p in plans], dtype=float),
                        last_week=np.array([p.last_week for p in plans], dtype=int))


def build_problem(data: Dataset, scales: Scales, spec: FeatureSpec) -> Problem:
    """The :class:`Problem` of ``data`` on ``scales``."""
    base = baseline_block(Baseline.of(data), scales, spec)
    linear = linear_baseline(base, data.n_geos)
    media = data.media / scales.media_scale[:, None, :]
    return Problem(media=media, base_features=base,
                   base_linear=linear.reshape(-1, linear.shape[-1]),
                   target=(data.y / scales.y_scale[:, None]).ravel(),
                   y_scale=scales.y_scale,
                   value_scale=scales.y_scale[:, None] * data.value_per_kpi(),
                   weekly_spend=data.spend.sum(axis=0).astype(float), lifts=lift_plans(data, scales, media),
                   window=spec.carryover_weeks, channels=data.channels, n_geos=data.n_geos, n_times=data.n_times)


def linear_baseline(base_features: np.ndarray, n_geos: int) -> np.ndarray:
    """The linear layer's baseline columns: the trees' baseline block less ``geo_level``
    (the layer has one intercept per geo instead)."""
    return base_features[..., :-1] if n_geos > 1 else base_features


def lift_plans(data: Dataset, scales: Scales, media: np.ndarray) -> tuple[LiftPlan, ...]:
    """Each lift test inside the data's weeks with its business-as-usual media (the DESIGN.md
    definition, :func:`mixcast.data.lift_spend.lift_timeline`); tests dated outside are
    left out (there are no features for their weeks)."""
    from mixcast.data.lift_spend import lift_timeline

    plans = []
    for test in data.lift_tests:
        if not test.inside(data.n_times):
            continue
        timeline = lift_timeline(test, data, warmup=0)
        c = data.channels.index(test.channel)
        change = np.zeros(data.spend.shape)
        change[..., c] = timeline.bau - timeline.tested
        bau = np.maximum(media[..., c] + scales.media_of_spend(change)[..., c], 0.0)
        plans.append(LiftPlan(channel=c, bau_media=bau,
                              weights=timeline.measure * scales.y_scale[:, None],
                              lift=float(test.lift), se=float(max(test.lift_se, 1e-9)),
                              last_week=int(test.last_week)))
    return tuple(plans)
