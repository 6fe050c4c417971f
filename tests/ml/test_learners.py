from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mixcast.errors import DataError
from mixcast.ml.ensemble import block_bootstrap_weeks
from mixcast.ml.learners import (LearnerKind, Tuned, load_model, make_model, save_model,
                                 time_folds)


def test_folds_are_time_ordered_and_expanding():
    folds = time_folds(104, n_folds=3, horizon=8, min_train=52)
    for cut, stop in folds:
        assert cut < stop <= 104
    assert [c for c, _ in folds] == sorted(c for c, _ in folds)
    assert folds[-1][1] == 104


def test_too_few_weeks_is_a_clear_error():
    with pytest.raises(DataError, match="too few"):
        time_folds(40, n_folds=3, horizon=8, min_train=26)


def test_a_fold_fit_never_sees_the_weeks_after_its_cut(small_sim):
    """The replicate fitted on weeks [0, 80) predicts the same whatever the KPI and the
    spend are after week 80 (features look only back; rows after the cut are not fitted)."""
    from mixcast.ml.ensemble import fit_replicate, predict_scaled
    from mixcast.ml.features import FeatureSpec, Scales
    from mixcast.ml.fit import TREE_PARAMS
    from mixcast.ml.media import MediaParams
    from mixcast.ml.problem import build_problem

    data = small_sim.data
    y = data.y.copy()
    y[:, 80:] *= 10.0
    spend = data.spend.copy()
    spend[:, 80:] = 0.0
    other = dataclasses.replace(data, y=y, spend=spend, media=spend)
    scales = Scales.from_data(data, stop=80)
    tuned = (Tuned(kind=LearnerKind.LIGHTGBM, params=TREE_PARAMS[LearnerKind.LIGHTGBM],
                   cv_mape=0.0, oof_kpi=(), n_trials=0, seconds=0.0),)
    spec, params = FeatureSpec(), MediaParams.default(3)
    out = []
    for d in (data, other):
        problem = build_problem(d, scales, spec)
        rep = fit_replicate(problem, params, np.arange(80), spec=spec, tuned=tuned,
                            tree_media=True, monotone=True, seed=0)
        out.append(predict_scaled(rep, problem.media[None, :, :80],
                                  problem.base_features[:, :80], spec=spec,
                                  channels=d.channels, tree_media=True,
                                  week_index=np.arange(80)))
    np.testing.assert_allclose(out[0], out[1], rtol=1e-9)


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


def test_the_forest_cannot_be_asked_for_monotone_constraints():
    from mixcast.errors import SpecError
    from mixcast.ml.learners import default_params

    with pytest.raises(SpecError, match="monotone"):
        make_model(LearnerKind.RANDOM_FOREST, default_params(LearnerKind.RANDOM_FOREST),
                   seed=0, monotone=(1, 0))
