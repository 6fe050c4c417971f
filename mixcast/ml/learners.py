"""Tree learners (LightGBM, XGBoost, random forest), time-ordered folds and accuracy.

Cross-validation is an expanding window: fold k trains on weeks ``[0, cut_k)`` and is
scored on the next ``horizon`` weeks, so no fold is ever trained on weeks after the ones
it is scored on (:mod:`mixcast.ml.tuning` and :func:`mixcast.ml.fit.cross_validate`).

Models are saved in each library's own format (LightGBM text, XGBoost JSON); the random
forest, which has none, is saved with joblib.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mixcast.errors import DataError, SpecError


class LearnerKind(enum.Enum):
    """The learners an ensemble can hold."""

    LIGHTGBM = "lightgbm"
    XGBOOST = "xgboost"
    RANDOM_FOREST = "random_forest"


_SUFFIX = {LearnerKind.LIGHTGBM: "txt", LearnerKind.XGBOOST: "json",
           LearnerKind.RANDOM_FOREST: "joblib"}


@dataclass(frozen=True, slots=True)
class Tuned:
    """A tree learner and its hyperparameters (``oof_kpi``, ``cv_mape``: kept for the
    record, empty/NaN when the trees were not tuned on their own)."""

    kind: LearnerKind
    params: dict
    cv_mape: float
    oof_kpi: tuple[np.ndarray, ...]
    n_trials: int
    seconds: float


def time_folds(n_times: int, *, n_folds: int, horizon: int,
               min_train: int) -> list[tuple[int, int]]:
    """Expanding-window folds as ``(cut, stop)``: train on [0, cut), score on [cut, stop).

    Examples
    --------
    >>> time_folds(104, n_folds=3, horizon=8, min_train=52)
    [(80, 88), (88, 96), (96, 104)]
    """
    cuts = [n_times - (k + 1) * horizon for k in reversed(range(n_folds))]
    if cuts[0] < min_train:
        raise DataError(
            f"machine-learning model: {n_times} weeks are too few for {n_folds} time-ordered "
            f"folds of {horizon} weeks with at least {min_train} training weeks. Use more "
            "weeks of data, or fewer/shorter folds (MLConfig n_folds, cv_horizon).")
    return [(cut, cut + horizon) for cut in cuts]


def default_params(kind: LearnerKind) -> dict:
    """Hyperparameters used when tuning is switched off (``n_trials=0``)."""
    return {
        LearnerKind.LIGHTGBM: {"n_estimators": 300, "learning_rate": 0.05, "num_leaves": 7,
                               "min_child_samples": 5, "subsample": 0.9,
                               "colsample_bytree": 0.8, "reg_lambda": 0.1},
        LearnerKind.XGBOOST: {"n_estimators": 300, "learning_rate": 0.05, "max_depth": 3,
                              "min_child_weight": 1.0, "subsample": 0.9,
                              "colsample_bytree": 0.8, "reg_lambda": 1.0},
        LearnerKind.RANDOM_FOREST: {"n_estimators": 300, "max_depth": 8,
                                    "min_samples_leaf": 2, "max_features": 0.6},
    }[kind]


def make_model(kind: LearnerKind, params: dict, *, seed: int,
               monotone: tuple[int, ...] | None = None):
    """An unfitted scikit-learn-style regressor (single-threaded: folds are small).

    ``monotone`` (one of -1/0/+1 per feature) holds the boosters' predictions monotone in
    those features (LightGBM's "advanced" method, XGBoost's constraint tuple); the random
    forest has no such constraint, so asking it for one is an error."""
    if kind is LearnerKind.LIGHTGBM:
        import lightgbm

        extra = {} if monotone is None else {"monotone_constraints": list(monotone),
                                             "monotone_constraints_method": "advanced"}
        return lightgbm.LGBMRegressor(**params, **extra, subsample_freq=1, random_state=seed,
                                      n_jobs=1, verbose=-1, min_data_in_bin=1)
    if kind is LearnerKind.XGBOOST:
        import xgboost

        extra = {} if monotone is None else {"monotone_constraints": tuple(monotone)}
        return xgboost.XGBRegressor(**params, **extra, random_state=seed, n_jobs=1,
                                    tree_method="hist")
    if monotone is not None and any(monotone):
        raise SpecError("The random forest cannot be held monotone in spend; leave it out "
                        "of MLConfig.learners or set monotone=False.")
    from sklearn.ensemble import RandomForestRegressor

    return RandomForestRegressor(**params, random_state=seed, n_jobs=1)


def save_model(kind: LearnerKind, model, folder: Path, stem: str) -> str:
    """Write ``model`` in its library's native format; returns the file name."""
    name = f"{stem}.{_SUFFIX[kind]}"
    if kind is LearnerKind.LIGHTGBM:
        model.booster_.save_model(str(folder / name))
    elif kind is LearnerKind.XGBOOST:
        model.save_model(str(folder / name))
    else:
        import joblib

        joblib.dump(model, folder / name, compress=3)
    return name


def load_model(kind: LearnerKind, path: Path):
    """Read a model written by :func:`save_model`; the result has ``.predict(X)``."""
    if kind is LearnerKind.LIGHTGBM:
        import lightgbm

        return lightgbm.Booster(model_file=str(path))
    if kind is LearnerKind.XGBOOST:
        import xgboost

        model = xgboost.XGBRegressor()
        model.load_model(str(path))
        return model
    import joblib

    return joblib.load(path)
