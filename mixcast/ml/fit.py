"""Fitting the machine-learning challenger: media search -> linear layer + trees -> replicates.

1. Optuna searches each channel's adstock and saturation on time-ordered folds
   (:mod:`mixcast.ml.tuning`), lift tests as a penalty;
2. each replicate fits the non-negative linear media layer (:mod:`mixcast.ml.media`, lift
   tests as extra rows) and then LightGBM and XGBoost on what it leaves, monotone
   (non-decreasing) in every channel's saturated media;
3. replicates cycle through the search's best sets and block-bootstrap resamples of the
   weeks: their spread gives the 90% intervals.

The random forest cannot be held monotone; with ``monotone=True`` (the default) it is
left out of the ensemble and the run's notes say so.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from mixcast.data.dataset import Dataset
from mixcast.errors import SpecError
from mixcast.ml.ensemble import Replicate, fit_replicate, fit_replicates, predict_scaled
from mixcast.ml.features import (YEAR_WEEKS, Baseline, FeatureSpec, Scales, baseline_block,
                                 feature_names)
from mixcast.ml.learners import LearnerKind, Tuned, time_folds
from mixcast.ml.problem import Problem, build_problem
from mixcast.ml.tuning import SAMPLERS, MediaSearch, search_media
from mixcast.validation.accuracy import mape, r_squared

ProgressFn = Callable[[str, int, int], None]

# The trees fit only what the linear layer leaves: small, slow-learning boosters.
TREE_PARAMS = {
    LearnerKind.LIGHTGBM: {"n_estimators": 150, "learning_rate": 0.05, "num_leaves": 7,
                           "min_child_samples": 8, "subsample": 0.8,
                           "colsample_bytree": 0.8, "reg_lambda": 1.0},
    LearnerKind.XGBOOST: {"n_estimators": 150, "learning_rate": 0.05, "max_depth": 3,
                          "min_child_weight": 4.0, "subsample": 0.8,
                          "colsample_bytree": 0.8, "reg_lambda": 1.0},
    LearnerKind.RANDOM_FOREST: {"n_estimators": 150, "max_depth": 6,
                                "min_samples_leaf": 4, "max_features": 0.6},
}


@dataclass(frozen=True, slots=True)
class MLConfig:
    """Settings of the challenger.

    Parameters
    ----------
    features : which features the learners see.
    learners : tree learners on the linear layer's residuals (empty: the layer alone).
    n_trials : Optuna trials of the media hyper-parameters (0 = the default set only).
    n_folds, cv_horizon : time-ordered CV folds and weeks scored per fold (None: T // 12,
        at least 4).
    n_bootstrap : replicates (the first uses all weeks; the rest block-bootstrap
        resamples); they give the 90% intervals.
    block_weeks : length of a bootstrap block.
    top_k : the replicates cycle through this many of the search's best sets.
    monotone : hold the trees non-decreasing in every channel's media features (the
        random forest, which cannot be, is then left out).
    tree_media : let the trees see the media features (True), only the baseline block
        (False), or (None, the default) choose by the time-ordered folds among media
        trees, baseline trees and no trees (see :func:`choose_trees`).
    lift_penalty : weight of the lift tests' mean squared z-score in the search objective.
    search : how candidates are drawn: "prior" (draws from the Bayesian model's shape
        priors, scored on the folds) or "tpe" (Optuna's TPE refining in the same space).
    mroi_step : proportional spend increase for mROI.
    seed : seeds the search, the bootstrap and the learners.
    """

    features: FeatureSpec = FeatureSpec()
    learners: tuple[LearnerKind, ...] = tuple(LearnerKind)
    n_trials: int = 100
    n_folds: int = 3
    cv_horizon: int | None = None
    n_bootstrap: int = 20
    block_weeks: int = 8
    top_k: int = 5
    monotone: bool = True
    tree_media: bool | None = None
    lift_penalty: float = 0.005
    search: str = "prior"
    mroi_step: float = 0.01
    seed: int = 0

    def __post_init__(self) -> None:
        for name, lo, hi in (("n_trials", 0, 5000), ("n_folds", 1, 20),
                             ("n_bootstrap", 2, 1000), ("block_weeks", 1, 52),
                             ("top_k", 1, 100), ("seed", 0, 2**31 - 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
                raise SpecError(f"The '{name}' parameter of MLConfig must be an int in the "
                                f"range [{lo}, {hi}]. Got {value!r} instead.")
        if any(not isinstance(k, LearnerKind) for k in self.learners):
            raise SpecError("The 'learners' parameter of MLConfig must be a tuple of "
                            f"LearnerKind. Got {self.learners!r} instead.")
        if not 0.001 <= self.mroi_step <= 0.5:
            raise SpecError("The 'mroi_step' parameter of MLConfig must be a float in the "
                            f"range [0.001, 0.5]. Got {self.mroi_step!r} instead.")
        if self.search not in SAMPLERS:
            raise SpecError("The 'search' parameter of MLConfig must be one of "
                            f"{', '.join(SAMPLERS)}. Got {self.search!r} instead.")
        if not 0.0 <= self.lift_penalty <= 100.0:
            raise SpecError("The 'lift_penalty' parameter of MLConfig must be a float in the "
                            f"range [0, 100]. Got {self.lift_penalty!r} instead.")

    def horizon(self, n_times: int) -> int:
        return self.cv_horizon or max(4, n_times // 12)

    def tree_learners(self) -> tuple[LearnerKind, ...]:
        """The learners that can honour the settings (no forest when monotone)."""
        if self.monotone and self.tree_media is not False:
            return tuple(k for k in self.learners if k is not LearnerKind.RANDOM_FOREST)
        return self.learners

    def notes(self) -> list[str]:
        """What the settings changed, for the run's notes."""
        notes = []
        if len(self.tree_learners()) < len(self.learners):
            notes.append("The random forest was left out of the ensemble: it cannot be held "
                         "monotone in spend (LightGBM and XGBoost are, through their "
                         "monotone constraints).")
        return notes

    def as_dict(self) -> dict:
        return {"features": self.features.as_dict(),
                "learners": [k.value for k in self.learners], "n_trials": self.n_trials,
                "n_folds": self.n_folds, "cv_horizon": self.cv_horizon,
                "n_bootstrap": self.n_bootstrap, "block_weeks": self.block_weeks,
                "top_k": self.top_k, "monotone": self.monotone,
                "tree_media": self.tree_media, "lift_penalty": self.lift_penalty,
                "search": self.search,
                "mroi_step": self.mroi_step, "seed": self.seed}

    @classmethod
    def from_dict(cls, doc: dict) -> "MLConfig":
        doc = dict(doc)
        doc["features"] = FeatureSpec.from_dict(doc["features"])
        doc["learners"] = tuple(LearnerKind(k) for k in doc["learners"])
        return cls(**doc)


@dataclass(frozen=True)
class MLFit:
    """A fitted challenger: the data, how it was fitted, and the replicates.

    Attributes
    ----------
    scales : scales fixed on all weeks of ``data``.
    trend : (2,) kept at zero: the linear layer carries the trend.
    replicates : S replicates; replicate s plays the part of posterior draw s.
    tuned : the tree learners and their settings.
    search : the media hyper-parameter search (best sets first).
    cv : out-of-sample accuracy of the model over the time-ordered folds.
    notes : what the settings changed (e.g. the forest left out).
    """

    kind: ClassVar[str] = "ml"    # the protocol's label (mixcast.posterior.protocol)
    data: Dataset
    config: MLConfig
    scales: Scales
    trend: np.ndarray
    replicates: tuple[Replicate, ...]
    tuned: tuple[Tuned, ...]
    search: MediaSearch
    cv: dict
    fit_seconds: float
    tuning_seconds: float
    notes: tuple[str, ...] = ()
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
        """(T,) the removed trend on the scaled KPI at ``dates`` (zero: see ``trend``)."""
        return self.trend[0] + self.trend[1] * _years(dates, self.scales.origin)

    def week_index(self, dates: np.ndarray) -> np.ndarray:
        """(T,) each date's week of the data (-1 for weeks outside it)."""
        known = self.data.dates.astype("datetime64[D]")
        dates = np.asarray(dates).astype("datetime64[D]")
        pos = np.clip(np.searchsorted(known, dates), 0, len(known) - 1)
        return np.where(known[pos] == dates, pos, -1)

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
        base = base or Baseline.of(self.data)
        features = (self.base_features if base.dates is self.data.dates
                    else baseline_block(base, self.scales, self.config.features))
        weeks = self.week_index(base.dates)
        scaled = np.stack([predict_scaled(r, media, features, spec=self.config.features,
                                          channels=self.channels,
                                          tree_media=self.config.tree_media, week_index=weeks)
                           for r in self.replicates])
        scaled = scaled + self.trend_offset(base.dates)
        return scaled * self.scales.y_scale[:, None]


def fit_ml(data: Dataset, config: MLConfig | None = None, *,
           progress: ProgressFn | None = None) -> MLFit:
    """Search the media hyper-parameters, then fit the replicates on ``data``.

    Parameters
    ----------
    data : the same :class:`~mixcast.data.dataset.Dataset` the Bayesian model fits.
    config : challenger settings (search budget, folds, bootstrap size, features).
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
    scales = Scales.from_data(data)
    problem = build_problem(data, scales, config.features)
    search = search_media(problem, folds_at, n_trials=config.n_trials, top_k=config.top_k,
                          lift_penalty=config.lift_penalty, seed=config.seed,
                          sampler=config.search)
    if progress is not None:
        progress("tuning", 1, 1)
    tuning_seconds = time.perf_counter() - started
    config, cv = choose_trees(problem, search.candidates[0], folds_at, config)
    tuned = tuned_trees(config)
    report = None if progress is None else (lambda d, t: progress("ensemble", d, t))
    replicates = fit_replicates(problem, search.candidates, spec=config.features, tuned=tuned,
                                tree_media=config.tree_media, monotone=config.monotone,
                                n_replicates=config.n_bootstrap, block=config.block_weeks,
                                seed=config.seed, progress=report)
    return MLFit(data=data, config=config, scales=scales, trend=np.zeros(2),
                 replicates=replicates, tuned=tuned, search=search, cv=cv,
                 fit_seconds=time.perf_counter() - started, tuning_seconds=tuning_seconds,
                 notes=tuple(config.notes()) + tuple(cv.get("notes", ())))


# The options choose_trees weighs, simplest first.
TREE_OPTIONS = (("no trees", {"tree_media": False, "learners": ()}),
                ("baseline trees", {"tree_media": False}),
                ("media trees", {"tree_media": True}))


def tuned_trees(config: MLConfig) -> tuple[Tuned, ...]:
    """The tree learners of ``config`` with their fixed settings."""
    return tuple(Tuned(kind=k, params=dict(TREE_PARAMS[k]), cv_mape=float("nan"), oof_kpi=(),
                       n_trials=0, seconds=0.0) for k in config.tree_learners())


def choose_trees(problem: Problem, params, folds_at: list[tuple[int, int]],
                 config: MLConfig) -> tuple[MLConfig, dict]:
    """``config`` with ``tree_media`` decided, and the cross-validation of the choice.

    With ``tree_media=None`` each option of :data:`TREE_OPTIONS` is cross-validated on the
    same folds; going from the simplest up, a more complex option replaces the current one
    only when its out-of-fold absolute percentage errors are lower by more than one
    standard error of the paired week-by-week difference (the one-standard-error rule):
    trees on the linear layer's residuals are kept only where they clearly forecast
    better. On the recovery benchmark's national cases the media trees forecast worse than
    the layer alone in 6 of 8 (they take up baseline shocks that move with spend) and
    raised the ROI and shifted-plan errors; the choice, with every option's MAPE, goes to
    the run's notes."""
    if config.tree_media is not None:
        return config, cross_validate(problem, params, folds_at, config, tuned_trees(config))
    scored = []
    for label, change in TREE_OPTIONS:
        option = dataclasses.replace(config, **change)
        if change.get("learners", config.learners) and not option.tree_learners():
            continue                                  # e.g. only a forest, held monotone
        scored.append((label, option, cross_validate(problem, params, folds_at, option,
                                                     tuned_trees(option))))
    label, chosen, cv = scored[0]
    for candidate in scored[1:]:
        gain = _ape(cv) - _ape(candidate[2])
        if gain.mean() > gain.std(ddof=1) / np.sqrt(len(gain)):
            label, chosen, cv = candidate
    mapes = ", ".join(f"{name} {100 * c['mape']:.2f}%" for name, _, c in scored)
    cv = {**cv, "tree_choice": {name: c["mape"] for name, _, c in scored}, "trees": label,
          "notes": [f"Trees chosen on the time-ordered folds: {label} (out-of-fold MAPE "
                    f"{mapes}); the linear media layer carries the media effects"
                    + (", the trees add monotone corrections." if label == "media trees"
                       else ".")]}
    return chosen, cv


def _ape(cv: dict) -> np.ndarray:
    """Out-of-fold absolute percentage error per scored week (from actual / predicted - 1)."""
    r = np.asarray(cv["oof_relative_residuals"], dtype=float)
    return np.abs(r) / (1.0 + r)


def cross_validate(problem: Problem, params, folds_at: list[tuple[int, int]],
                   config: MLConfig, tuned: tuple[Tuned, ...]) -> dict:
    """Out-of-fold accuracy of the full model (layer + trees) with the best media set;
    each fold is fitted on weeks [0, cut) and scored on [cut, stop) in KPI units."""
    n_geos, n_times = problem.n_geos, problem.n_times
    y = problem.target.reshape(n_geos, n_times) * problem.y_scale[:, None]
    base = problem.base_features
    actual, predicted = [], []
    for cut, stop in folds_at:
        replicate = fit_replicate(problem, params, np.arange(cut), spec=config.features,
                                  tuned=tuned, tree_media=config.tree_media,
                                  monotone=config.monotone, seed=config.seed)
        weeks = np.arange(stop)
        scaled = predict_scaled(replicate, problem.media[None, :, :stop], base[:, :stop],
                                spec=config.features, channels=problem.channels,
                                tree_media=config.tree_media,
                                week_index=np.where(weeks < cut, weeks, -1))[0]
        actual.append(y[:, cut:stop].ravel())
        predicted.append((scaled[:, cut:] * problem.y_scale[:, None]).ravel())
    actual, predicted = np.concatenate(actual), np.concatenate(predicted)
    return {"mape": mape(actual, predicted), "r2": r_squared(actual, predicted),
            "oof_relative_residuals": (actual / predicted - 1.0).tolist(),
            "folds": [list(f) for f in folds_at],
            "learners": {t.kind.value: {"params": t.params, "weight": 1.0 / len(tuned)}
                         for t in tuned}}


def _years(dates: np.ndarray, origin: np.datetime64) -> np.ndarray:
    return (dates.astype("datetime64[D]") - origin).astype(np.int64) / 7.0 / YEAR_WEEKS
