from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mixcast.errors import DataError
from mixcast.ml.ensemble import block_bootstrap_weeks, inverse_error_weights
from mixcast.ml.fit import MLConfig, build_fold
from mixcast.ml.learners import (LearnerKind, Tuned, load_model, make_model, save_model,
                                 time_folds, tune)


def test_folds_are_time_ordered_and_expanding():
    folds = time_folds(104, n_folds=3, horizon=8, min_train=52)
    for cut, stop in folds:
        assert cut < stop <= 104
    assert [c for c, _ in folds] == sorted(c for c, _ in folds)
    assert folds[-1][1] == 104


def test_too_few_weeks_is_a_clear_error():
    with pytest.raises(DataError, match="too few"):
        time_folds(40, n_folds=3, horizon=8, min_train=26)


def test_fold_never_sees_the_weeks_it_is_scored_on(small_sim):
    data = small_sim.data
    config = MLConfig(n_trials=0)
    fold = build_fold(data, config, 80, 88)
    y = data.y.copy()
    y[:, 80:] *= 10.0                     # a wildly different future KPI...
    spend = data.spend.copy()
    spend[:, 88:] = 0.0                   # ...and different spend after the fold
    other = build_fold(dataclasses.replace(data, y=y, spend=spend, media=spend), config, 80, 88)
    np.testing.assert_array_equal(fold.x_train, other.x_train)   # ...leave training as is
    np.testing.assert_array_equal(fold.y_train, other.y_train)
    np.testing.assert_array_equal(fold.x_val, other.x_val)
    assert fold.x_train.shape[0] == 80 and fold.x_val.shape[0] == 8


def test_tuning_runs_the_requested_trials(small_sim):
    folds = [build_fold(small_sim.data, MLConfig(), cut, cut + 8) for cut in (80, 88)]
    tuned = tune(LearnerKind.LIGHTGBM, folds, n_trials=2, seed=0)
    assert tuned.n_trials == 2 and set(tuned.params) >= {"num_leaves", "learning_rate"}
    assert 0.0 < tuned.cv_mape < 0.3
    assert [len(p) for p in tuned.oof_kpi] == [8, 8]


@pytest.mark.parametrize("kind", list(LearnerKind))
def test_native_save_and_load_predict_the_same(kind, tmp_path):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(60, 4)).astype(np.float32)
    y = x[:, 0] + 0.5 * x[:, 1] ** 2
    from mixcast.ml.learners import default_params

    model = make_model(kind, default_params(kind), seed=0).fit(x, y)
    name = save_model(kind, model, tmp_path, "m")
    assert name.endswith({"lightgbm": ".txt", "xgboost": ".json",
                          "random_forest": ".joblib"}[kind.value])
    again = load_model(kind, tmp_path / name)
    np.testing.assert_allclose(again.predict(x), model.predict(x), rtol=1e-5, atol=1e-6)


def test_block_bootstrap_keeps_runs_of_consecutive_weeks():
    weeks = block_bootstrap_weeks(50, block=5, rng=np.random.default_rng(3))
    assert len(weeks) == 50 and weeks.min() >= 0 and weeks.max() < 50
    runs = weeks.reshape(10, 5)
    assert np.all(np.diff(runs, axis=1) == 1)


def test_lower_out_of_fold_error_gets_more_weight():
    truth = (np.array([1.0, 2.0, 3.0]),)

    def tuned(err):
        return Tuned(kind=LearnerKind.LIGHTGBM, params={}, cv_mape=0.0,
                     oof_kpi=(truth[0] + err,), n_trials=0, seconds=0.0)

    weights = inverse_error_weights([tuned(0.1), tuned(0.5)], truth)
    assert weights.sum() == pytest.approx(1.0) and weights[0] > weights[1]
