"""Fitting the machine-learning challenger: features -> tuned learners -> bootstrap ensemble.

The target is the KPI divided by its per-geo scale, less a straight-line trend fitted on
the training weeks (``detrend``): trees cannot extrapolate a trend, so without it every
forecast would sit at the last training level. The trend does not depend on spend, so it
cancels in every ROI and contribution.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from mixcast.data.dataset import Dataset
from mixcast.errors import SpecError
from mixcast.ml.ensemble import Ensemble, fit_replicates, inverse_error_weights
from mixcast.ml.features import (YEAR_WEEKS, Baseline, FeatureSpec, Scales, baseline_block,
                                 design, feature_names)
from mixcast.ml.learners import Fold, LearnerKind, Tuned, mape, r_squared, time_folds, tune

ProgressFn = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class MLConfig:
    """Settings of the challenger.

    Parameters
    ----------
    features : which features the learners see.
    learners : learner kinds in the ensemble.
    n_trials : Optuna trials per learner (0 = library defaults, no tuning).
    n_folds, cv_horizon : time-ordered CV folds and weeks scored per fold (None: T // 12,
        at least 4).
    n_bootstrap : ensemble replicates (the first uses all weeks; the rest block-bootstrap
        resamples); they give the 90% intervals.
    block_weeks : length of a bootstrap block.
    detrend : remove a straight-line trend fitted on training weeks before the trees.
    mroi_step : proportional spend increase for mROI (trees are step functions, so an
        infinitesimal step would give 0; 10% reaches the next split).
    seed : seeds tuning, bootstrap and learners.
    """

    features: FeatureSpec = FeatureSpec()
    learners: tuple[LearnerKind, ...] = tuple(LearnerKind)
    n_trials: int = 25
    n_folds: int = 3
    cv_horizon: int | None = None
    n_bootstrap: int = 20
    block_weeks: int = 8
    detrend: bool = True
    mroi_step: float = 0.1
    seed: int = 0

    def __post_init__(self) -> None:
        for name, lo, hi in (("n_trials", 0, 1000), ("n_folds", 1, 20),
                             ("n_bootstrap", 2, 1000), ("block_weeks", 1, 52),
                             ("seed", 0, 2**31 - 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
                raise SpecError(f"The '{name}' parameter of MLConfig must be an int in the "
                                f"range [{lo}, {hi}]. Got {value!r} instead.")
        if not self.learners or any(not isinstance(k, LearnerKind) for k in self.learners):
            raise SpecError("The 'learners' parameter of MLConfig must be a non-empty tuple of "
                            f"LearnerKind. Got {self.learners!r} instead.")
        if not 0.001 <= self.mroi_step <= 0.5:
            raise SpecError("The 'mroi_step' parameter of MLConfig must be a float in the "
                            f"range [0.001, 0.5]. Got {self.mroi_step!r} instead.")

    def horizon(self, n_times: int) -> int:
        return self.cv_horizon or max(4, n_times // 12)

    def as_dict(self) -> dict:
        return {"features": self.features.as_dict(),
                "learners": [k.value for k in self.learners], "n_trials": self.n_trials,
                "n_folds": self.n_folds, "cv_horizon": self.cv_horizon,
                "n_bootstrap": self.n_bootstrap, "block_weeks": self.block_weeks,
                "detrend": self.detrend, "mroi_step": self.mroi_step, "seed": self.seed}

    @classmethod
    def from_dict(cls, doc: dict) -> "MLConfig":
        doc = dict(doc)
        doc["features"] = FeatureSpec.from_dict(doc["features"])
        doc["learners"] = tuple(LearnerKind(k) for k in doc["learners"])
        return cls(**doc)


@dataclass(frozen=True)
class MLFit:
    """A fitted challenger: the data, how it was fitted, and the bootstrap ensembles.

    Attributes
    ----------
    scales : scales fixed on all weeks of ``data``.
    trend : (2,) intercept and slope per year of the removed trend (zeros if not detrended).
    replicates : S ensembles; replicate s plays the part of posterior draw s.
    tuned : per learner, best hyperparameters and out-of-fold MAPE (``oof_kpi`` may be
        empty after loading).
    cv : out-of-sample accuracy of the ensemble over the time-ordered folds.
    """

    kind: ClassVar[str] = "ml"    # the protocol's label (mixcast.posterior.protocol)
    data: Dataset
    config: MLConfig
    scales: Scales
    trend: np.ndarray
    replicates: tuple[Ensemble, ...]
    tuned: tuple[Tuned, ...]
    cv: dict
    fit_seconds: float
    tuning_seconds: float
    names: tuple[str, ...] = field(init=False, repr=False)
    base_features: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", feature_names(self.config.features, self.data))
        object.__setattr__(self, "base_features", baseline_block(
            Baseline.of(self.data), self.scales, self.config.features))

    @property
    def channels(self) -> tuple[str, ...]:
        return self.data.channels

    @property
    def media(self) -> np.ndarray:
        """(G, T, C) the data's media on this fit's scale."""
        return self.data.media / self.scales.media_scale[:, None, :]

    def trend_offset(self, dates: np.ndarray) -> np.ndarray:
        """(T,) the removed trend on the scaled KPI at ``dates``."""
        return self.trend[0] + self.trend[1] * _years(dates, self.scales.origin)

    def predict_kpi(self, media: np.ndarray, *, base: Baseline | None = None) -> np.ndarray:
        """Expected KPI per replicate for scaled media plans.

        Parameters
        ----------
        media : (V, G, T', C) scaled media (see :meth:`Scales.media_of_spend`), covering
            the weeks of ``base`` (default: the data's own weeks).

        Returns
        -------
        (S, V, G, T') in KPI units.
        """
        from mixcast.ml.ensemble import predict_replicates

        base = base or Baseline.of(self.data)
        features = (self.base_features if base.dates is self.data.dates
                    else baseline_block(base, self.scales, self.config.features))
        x = design(media, features, self.config.features, self.channels)   # (V, G*T', F)
        scaled = predict_replicates(self.replicates, x)
        scaled = scaled.reshape(*scaled.shape[:2], media.shape[-3], media.shape[-2])
        scaled = scaled + self.trend_offset(base.dates)
        return scaled * self.scales.y_scale[:, None]


def fit_ml(data: Dataset, config: MLConfig | None = None, *,
           progress: ProgressFn | None = None) -> MLFit:
    """Tune, weight and bootstrap the tree ensemble on ``data``.

    Parameters
    ----------
    data : the same :class:`~mixcast.data.dataset.Dataset` the Bayesian model fits.
    config : challenger settings (tuning budget, folds, bootstrap size, features).
    progress : called as ``progress(stage, done, total)``.

    Returns
    -------
    MLFit
    """
    config = config or MLConfig()
    started = time.perf_counter()
    folds_at = time_folds(data.n_times, n_folds=config.n_folds,
                          horizon=config.horizon(data.n_times),
                          min_train=max(26, config.features.carryover_weeks * 2))
    folds = [build_fold(data, config, cut, stop) for cut, stop in folds_at]
    tuned = []
    for i, kind in enumerate(config.learners):
        tuned.append(tune(kind, folds, n_trials=config.n_trials, seed=config.seed + i))
        if progress is not None:
            progress("tuning", i + 1, len(config.learners))
    tuning_seconds = time.perf_counter() - started
    weights = inverse_error_weights(tuned, tuple(f.y_val_kpi for f in folds))
    cv = _cv_metrics(tuned, weights, folds, folds_at)
    scales = Scales.from_data(data)
    x, target, trend = training_rows(data, config, scales, stop=data.n_times)
    report = None if progress is None else (lambda d, t: progress("ensemble", d, t))
    replicates = fit_replicates(x, target, n_geos=data.n_geos, tuned=tuned, weights=weights,
                                n_replicates=config.n_bootstrap, block=config.block_weeks,
                                seed=config.seed, progress=report)
    return MLFit(data=data, config=config, scales=scales, trend=trend,
                 replicates=replicates, tuned=tuple(tuned), cv=cv,
                 fit_seconds=time.perf_counter() - started, tuning_seconds=tuning_seconds)


def training_rows(data: Dataset, config: MLConfig, scales: Scales, *,
                  stop: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features of every week (G*T, F), the target of weeks < ``stop`` (G*stop,) and the
    trend fitted on those weeks. Rows are geo-major; only the first ``stop`` weeks of each
    geo have a target."""
    base = baseline_block(Baseline.of(data), scales, config.features)
    media = data.media / scales.media_scale[:, None, :]
    x = design(media, base, config.features, data.channels)
    scaled_y = data.y / scales.y_scale[:, None]
    years = _years(data.dates, scales.origin)
    trend = _fit_trend(scaled_y[:, :stop], years[:stop]) if config.detrend else np.zeros(2)
    target = scaled_y[:, :stop] - (trend[0] + trend[1] * years[:stop])
    return x, target.ravel(), trend


def build_fold(data: Dataset, config: MLConfig, cut: int, stop: int) -> Fold:
    """Fold arrays for training on weeks [0, cut) and scoring on [cut, stop); scales and
    trend come from the training weeks only."""
    span = data.window(0, stop)
    scales = Scales.from_data(span, stop=cut)
    x, target, trend = training_rows(span, config, scales, stop=cut)
    n_geos = data.n_geos
    rows = np.arange(n_geos * stop).reshape(n_geos, stop)
    years = _years(span.dates, scales.origin)
    return Fold(
        x_train=x[rows[:, :cut].ravel()], y_train=target,
        x_val=x[rows[:, cut:].ravel()], y_val_kpi=span.y[:, cut:].ravel(),
        val_offset=np.tile(trend[0] + trend[1] * years[cut:], n_geos),
        val_scale=np.repeat(scales.y_scale, stop - cut))


def _cv_metrics(tuned: list[Tuned], weights: np.ndarray, folds: list[Fold],
                folds_at: list[tuple[int, int]]) -> dict:
    actual = np.concatenate([f.y_val_kpi for f in folds])
    blended = sum(w * np.concatenate(t.oof_kpi) for t, w in zip(tuned, weights))
    return {"mape": mape(actual, blended), "r2": r_squared(actual, blended),
            "oof_relative_residuals": (actual / blended - 1.0).tolist(),
            "folds": [list(f) for f in folds_at],
            "learners": {t.kind.value: {"mape": t.cv_mape, "weight": float(w),
                                        "params": t.params, "n_trials": t.n_trials,
                                        "seconds": t.seconds}
                         for t, w in zip(tuned, weights)}}


def _fit_trend(scaled_y: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Least-squares intercept and slope of the scaled KPI on time (pooled over geos)."""
    design_matrix = np.stack([np.ones_like(years), years], axis=1)
    target = scaled_y.mean(axis=0)
    coef, *_ = np.linalg.lstsq(design_matrix, target, rcond=None)
    return coef


def _years(dates: np.ndarray, origin: np.datetime64) -> np.ndarray:
    return (dates.astype("datetime64[D]") - origin).astype(np.int64) / 7.0 / YEAR_WEEKS
