"""Fixtures of the ML challenger: a tiny-tuning fit on the shared simulated data."""

from __future__ import annotations

import pytest

from mixcast.ml import MLConfig

# Few trials and replicates: enough to exercise tuning and intervals, fast on 2 cores. The
# media trees are forced on, so that the monotone-constraint tests exercise them (the
# default lets the folds decide; tests/ml/test_fit.py covers that choice).
TINY = MLConfig(n_trials=2, n_bootstrap=5, seed=11, tree_media=True)


@pytest.fixture(scope="session")
def ml_fit(small_sim):
    from mixcast.ml import fit_ml

    return fit_ml(small_sim.data, TINY)


@pytest.fixture(scope="session")
def ml_run(ml_fit, tmp_path_factory):
    from mixcast.ml import save_ml_run

    return save_ml_run(ml_fit, tmp_path_factory.mktemp("ml_runs") / "ml")
