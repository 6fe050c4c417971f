"""Features for the machine-learning challenger, built from the same Dataset as the MMM.

Every row is one (geo, week). Columns come in two blocks:

- the **media block**, which depends on spend and is rebuilt for every counterfactual
  plan: each channel's saturated adstock (``<channel>__sat``, see
  :func:`mixcast.ml.media.saturated`, with the hyper-parameters tuned by Optuna), and
  optional pairwise interactions (product of two channels' ``__sat``), all non-decreasing
  in spend so that trees can be held monotone in them;
- the **baseline block**, which does not depend on spend: trend (weeks since the start,
  in years), yearly Fourier seasonality, standardised controls, adstocked organic
  channels, events, and for geo data the geo's KPI level.

Scaling follows :func:`mixcast.inputs.prepare` (media over its mean active week per geo
and channel, KPI over its per-geo mean, controls standardised) but the scales come from
the *training* weeks only (:meth:`Scales.from_data` with ``stop``), so cross-validation
folds never see the level of the weeks they are scored on. Lags and adstock only look
back in time, and the KPI itself is never a feature, so no fold leaks its future.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mixcast.data.dataset import Dataset
from mixcast.errors import SpecError
from mixcast.model.inputs import prepare
from mixcast.spec import ModelSpec
from mixcast.transforms.adstock import lag_stack
from mixcast.transforms.seasonality import fourier_features

INTERACTION_MARK = "__x__"
YEAR_WEEKS = 52.1775


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """Which features the challenger sees.

    Parameters
    ----------
    carryover_weeks : window of the adstock (media and organic), in [2, 52].
    fourier_order : harmonics of yearly seasonality, in [0, 10].
    interactions : channel pairs whose saturated product is a tree feature (e.g. TV x
        search).
    """

    carryover_weeks: int = 13
    fourier_order: int = 2
    interactions: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.carryover_weeks, int) or not 2 <= self.carryover_weeks <= 52:
            raise SpecError("The 'carryover_weeks' parameter of FeatureSpec must be an int in "
                            f"the range [2, 52]. Got {self.carryover_weeks!r} instead.")
        if not isinstance(self.fourier_order, int) or not 0 <= self.fourier_order <= 10:
            raise SpecError("The 'fourier_order' parameter of FeatureSpec must be an int in "
                            f"the range [0, 10]. Got {self.fourier_order!r} instead.")

    def as_dict(self) -> dict:
        return {"carryover_weeks": self.carryover_weeks, "fourier_order": self.fourier_order,
                "interactions": [list(p) for p in self.interactions]}

    @classmethod
    def from_dict(cls, doc: dict) -> "FeatureSpec":
        return cls(carryover_weeks=int(doc["carryover_weeks"]),
                   fourier_order=int(doc["fourier_order"]),
                   interactions=tuple(tuple(p) for p in doc["interactions"]))


@dataclass(frozen=True, slots=True)
class Scales:
    """Per-geo scales fixed on the training weeks (see module docstring). Shapes as in
    :class:`~mixcast.inputs.ModelInputs`; ``origin`` is the first date of the data."""

    y_scale: np.ndarray          # (G,)
    media_scale: np.ndarray      # (G, C)
    media_per_spend: np.ndarray  # (G, C)
    control_center: np.ndarray   # (K,)
    control_scale: np.ndarray    # (K,)
    organic_scale: np.ndarray    # (G, O)
    origin: np.datetime64

    @classmethod
    def from_data(cls, data: Dataset, *, stop: int | None = None) -> "Scales":
        """Scales from weeks ``[0, stop)`` of ``data`` (all weeks when ``stop`` is None)."""
        window = data if stop is None else data.window(0, stop)
        inputs = prepare(window, ModelSpec(fourier_order=0))
        return cls(y_scale=inputs.y_scale, media_scale=inputs.media_scale,
                   media_per_spend=inputs.media_per_spend,
                   control_center=inputs.control_center, control_scale=inputs.control_scale,
                   organic_scale=inputs.organic_scale,
                   origin=data.dates[0].astype("datetime64[D]"))

    def as_dict(self) -> dict:
        doc = {name: np.asarray(getattr(self, name)).tolist() for name in (
            "y_scale", "media_scale", "media_per_spend", "control_center", "control_scale",
            "organic_scale")}
        doc["origin"] = str(self.origin)
        return doc

    @classmethod
    def from_dict(cls, doc: dict) -> "Scales":
        arrays = {k: np.asarray(v, dtype=float) for k, v in doc.items() if k != "origin"}
        if arrays["organic_scale"].ndim == 1:  # JSON drops the shape of an empty (G, 0)
            arrays["organic_scale"] = arrays["organic_scale"].reshape(len(arrays["y_scale"]), -1)
        return cls(origin=np.datetime64(doc["origin"], "D"), **arrays)

    def media_of_spend(self, spend: np.ndarray) -> np.ndarray:
        """Spend (..., G, T, C) in currency -> scaled media, at the observed cost per unit."""
        return spend * (self.media_per_spend / self.media_scale)[:, None, :]


@dataclass(frozen=True, slots=True)
class Baseline:
    """The spend-independent inputs of a span of weeks, unscaled: (G, T, ...) arrays."""

    dates: np.ndarray
    controls: np.ndarray
    organic: np.ndarray
    events: np.ndarray

    @classmethod
    def of(cls, data: Dataset) -> "Baseline":
        return cls(dates=data.dates, controls=data.controls_or_empty(),
                   organic=data.organic_or_empty(), events=data.events_or_empty())


def feature_names(spec: FeatureSpec, data: Dataset) -> tuple[str, ...]:
    """Column names, media block first (prefixed by channel), then the baseline block."""
    names = [f"{channel}__sat" for channel in data.channels]
    names += [f"{a}{INTERACTION_MARK}{b}" for a, b in spec.interactions]
    names += list(baseline_names(spec, data))
    return tuple(names)


def baseline_names(spec: FeatureSpec, data: Dataset) -> tuple[str, ...]:
    """Names of the baseline block's columns (:func:`baseline_block` order)."""
    names = ["trend_years"]
    names += [f"season_{kind}{k}" for kind in ("sin", "cos")
              for k in range(1, spec.fourier_order + 1)]
    names += list(data.control_names) + [f"{o}__adstock" for o in data.organic_names]
    names += list(data.event_names)
    if data.n_geos > 1:
        names.append("geo_level")
    return tuple(names)


def channel_groups(names: tuple[str, ...], channels: tuple[str, ...]) -> dict[str, np.ndarray]:
    """(F,) weight of each feature in each channel's group; interactions count half to each."""
    groups = {}
    for channel in channels:
        weights = np.zeros(len(names))
        for j, name in enumerate(names):
            if INTERACTION_MARK in name:
                weights[j] = 0.5 * name.split(INTERACTION_MARK).count(channel)
            elif name == channel or name.startswith(f"{channel}__"):
                weights[j] = 1.0
        groups[channel] = weights
    return groups


def media_block(sat: np.ndarray, spec: FeatureSpec, channels: tuple[str, ...]) -> np.ndarray:
    """Saturated media (..., G, T, C) -> media features (..., G, T, C + pairs) in
    :func:`feature_names` order."""
    if not spec.interactions:
        return sat
    index = {name: i for i, name in enumerate(channels)}
    pairs = [sat[..., index[a]] * sat[..., index[b]] for a, b in spec.interactions]
    return np.concatenate([sat, np.stack(pairs, axis=-1)], axis=-1)


def monotone_signs(spec: FeatureSpec, n_channels: int, n_baseline: int) -> tuple[int, ...]:
    """+1 on every media feature (each channel's ``__sat`` and the interactions, all
    non-decreasing in spend), 0 on the baseline block: the trees' monotone constraints."""
    return (1,) * (n_channels + len(spec.interactions)) + (0,) * n_baseline


def baseline_block(base: Baseline, scales: Scales, spec: FeatureSpec) -> np.ndarray:
    """Spend-independent features (G, T, Fb) for the weeks of ``base``."""
    n_geos = len(scales.y_scale)
    n_times = len(base.dates)
    weeks = (base.dates.astype("datetime64[D]") - scales.origin).astype(np.int64) / 7.0
    epoch_weeks = base.dates.astype("datetime64[D]").astype(np.int64) / 7.0
    shared = [weeks[:, None] / YEAR_WEEKS]
    if spec.fourier_order:
        season = fourier_features(epoch_weeks, order=spec.fourier_order)
        shared.append(season)
    shared_block = np.broadcast_to(np.concatenate(shared, axis=1)[None],
                                   (n_geos, n_times, 1 + 2 * spec.fourier_order))
    parts = [shared_block, (base.controls - scales.control_center) / scales.control_scale]
    if base.organic.shape[-1]:
        organic = base.organic / scales.organic_scale[:, None, :]
        lagged = _lag_stack(organic, spec.carryover_weeks)
        parts.append(lagged @ _norm_weights(0.5, spec.carryover_weeks))
    parts.append(base.events)
    if n_geos > 1:
        level = np.log(scales.y_scale)[:, None, None]
        parts.append(np.broadcast_to(level, (n_geos, n_times, 1)))
    return np.concatenate(parts, axis=-1)


def design(sat: np.ndarray, base_features: np.ndarray, spec: FeatureSpec,
           channels: tuple[str, ...]) -> np.ndarray:
    """Rows of the trees' feature matrix: (..., G, T, C) saturated media + (G, T, Fb) ->
    (..., G*T, F)."""
    block = media_block(sat, spec, channels)
    base = np.broadcast_to(base_features, (*block.shape[:-1], base_features.shape[-1]))
    full = np.concatenate([block, base], axis=-1)
    return full.reshape(*full.shape[:-3], -1, full.shape[-1]).astype(np.float32)


def _norm_weights(decay: float, n: int) -> np.ndarray:
    weights = decay ** np.arange(n)
    return weights / weights.sum()


def _lag_stack(x: np.ndarray, n_lags: int) -> np.ndarray:
    """(..., T, C) -> (..., T, C, n_lags): the model's own lag stack, as NumPy."""
    return np.asarray(lag_stack(np.asarray(x, dtype=np.float32), n_lags))
