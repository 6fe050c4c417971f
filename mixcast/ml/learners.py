"""Tree learners (LightGBM, XGBoost, random forest), time-ordered folds and Optuna tuning.

Cross-validation is an expanding window: fold k trains on weeks ``[0, cut_k)`` and is
scored on the next ``horizon`` weeks, so no fold is ever trained on weeks after the ones
it is scored on. The fold arrays are built by the caller (:mod:`mixcast.ml.fit`), with
scales and the linear trend fixed on each fold's training weeks only.

Models are saved in each library's own format (LightGBM text, XGBoost JSON); the random
forest, which has none, is saved with joblib.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mixcast.errors import DataError


class LearnerKind(enum.Enum):
    """The learners an ensemble can hold."""

    LIGHTGBM = "lightgbm"
    XGBOOST = "xgboost"
    RANDOM_FOREST = "random_forest"


_SUFFIX = {LearnerKind.LIGHTGBM: "txt", LearnerKind.XGBOOST: "json",
           LearnerKind.RANDOM_FOREST: "joblib"}


@dataclass(frozen=True, slots=True)
class Fold:
    """One time-ordered fold: training rows, and validation rows with the map back to KPI
    units, ``kpi = (prediction + val_offset) * val_scale``."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val_kpi: np.ndarray
    val_offset: np.ndarray
    val_scale: np.ndarray

    def to_kpi(self, prediction: np.ndarray) -> np.ndarray:
        return (prediction + self.val_offset) * self.val_scale


@dataclass(frozen=True, slots=True)
class Tuned:
    """A learner's best hyperparameters and its out-of-fold predictions (KPI units)."""

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


def suggest(kind: LearnerKind, trial) -> dict:
    """Draw one hyperparameter set for ``kind`` from an Optuna trial (small-data ranges)."""
    if kind is LearnerKind.LIGHTGBM:
        return {"n_estimators": trial.suggest_int("n_estimators", 100, 600, step=50),
                "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.2, log=True),
                "num_leaves": trial.suggest_int("num_leaves", 3, 24),
                "min_child_samples": trial.suggest_int("min_child_samples", 2, 15),
                "subsample": trial.suggest_float("subsample", 0.6, 1.0),
                "colsample_bytree": trial.suggest_float("colsample_bytree", 0.4, 1.0),
                "reg_lambda": trial.suggest_float("reg_lambda", 1e-3, 10.0, log=True)}
    if kind is LearnerKind.XGBOOST:
        return {"n_estimators": trial.suggest_int("n_estimators", 100, 600, step=50),
                "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.2, log=True),
                "max_depth": trial.suggest_int("max_depth", 2, 6),
                "min_child_weight": trial.suggest_float("min_child_weight", 0.5, 8.0, log=True),
                "subsample": trial.suggest_float("subsample", 0.6, 1.0),
                "colsample_bytree": trial.suggest_float("colsample_bytree", 0.4, 1.0),
                "reg_lambda": trial.suggest_float("reg_lambda", 1e-3, 10.0, log=True)}
    return {"n_estimators": trial.suggest_int("n_estimators", 100, 400, step=50),
            "max_depth": trial.suggest_int("max_depth", 3, 14),
            "min_samples_leaf": trial.suggest_int("min_samples_leaf", 1, 8),
            "max_features": trial.suggest_float("max_features", 0.3, 1.0)}


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


def make_model(kind: LearnerKind, params: dict, *, seed: int):
    """An unfitted scikit-learn-style regressor (single-threaded: folds are small)."""
    if kind is LearnerKind.LIGHTGBM:
        import lightgbm

        return lightgbm.LGBMRegressor(**params, subsample_freq=1, random_state=seed,
                                      n_jobs=1, verbose=-1, min_data_in_bin=1)
    if kind is LearnerKind.XGBOOST:
        import xgboost

        return xgboost.XGBRegressor(**params, random_state=seed, n_jobs=1,
                                    tree_method="hist")
    from sklearn.ensemble import RandomForestRegressor

    return RandomForestRegressor(**params, random_state=seed, n_jobs=1)


def cv_score(kind: LearnerKind, params: dict, folds: list[Fold], *,
             seed: int) -> tuple[float, tuple[np.ndarray, ...]]:
    """Mean out-of-fold MAPE (KPI units) of ``kind`` with ``params``, and the predictions."""
    errors, predictions = [], []
    for fold in folds:
        model = make_model(kind, params, seed=seed).fit(fold.x_train, fold.y_train)
        predicted = fold.to_kpi(model.predict(fold.x_val))
        predictions.append(predicted)
        errors.append(mape(fold.y_val_kpi, predicted))
    return float(np.mean(errors)), tuple(predictions)


def tune(kind: LearnerKind, folds: list[Fold], *, n_trials: int, seed: int) -> Tuned:
    """Optuna (TPE, seeded) search minimising out-of-fold MAPE; ``n_trials=0`` scores
    :func:`default_params` only. The defaults are always tried first."""
    import optuna

    started = time.perf_counter()
    if n_trials == 0:
        params = default_params(kind)
    else:
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study = optuna.create_study(direction="minimize",
                                    sampler=optuna.samplers.TPESampler(seed=seed))
        study.enqueue_trial(default_params(kind))
        study.optimize(lambda trial: cv_score(kind, suggest(kind, trial), folds,
                                              seed=seed)[0], n_trials=n_trials)
        params = dict(study.best_params)
    score, oof = cv_score(kind, params, folds, seed=seed)
    return Tuned(kind=kind, params=params, cv_mape=score, oof_kpi=oof, n_trials=n_trials,
                 seconds=time.perf_counter() - started)


def mape(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Mean absolute percentage error, as a fraction (weeks with a zero KPI skipped)."""
    actual = np.asarray(actual, dtype=float)
    keep = actual != 0
    return float(np.mean(np.abs((predicted[keep] - actual[keep]) / actual[keep])))


def r_squared(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Coefficient of determination 1 - SSE/SST."""
    actual = np.asarray(actual, dtype=float)
    total = np.sum((actual - actual.mean()) ** 2)
    return float(1.0 - np.sum((actual - predicted) ** 2) / total) if total > 0 else float("nan")


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
