"""The ensemble: tuned learners averaged with weights from their out-of-fold errors, and
refitted on moving-block bootstrap resamples of the weeks to give the spread that stands
in for a posterior (each replicate plays the part of one posterior draw).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mixcast.ml.learners import LearnerKind, Tuned, make_model


@dataclass(frozen=True, slots=True)
class Ensemble:
    """Fitted members and their weights (summing to 1); ``predict`` is their weighted mean."""

    kinds: tuple[LearnerKind, ...]
    models: tuple
    weights: tuple[float, ...]

    def predict(self, x: np.ndarray) -> np.ndarray:
        """(N, F) -> (N,) on the model's target scale."""
        return sum(w * _predict(m, x) for m, w in zip(self.models, self.weights))

    def member_predictions(self, x: np.ndarray) -> np.ndarray:
        """(M, N) each member's prediction."""
        return np.stack([_predict(m, x) for m in self.models])


def inverse_error_weights(tuned: list[Tuned], actual: tuple[np.ndarray, ...]) -> np.ndarray:
    """Weights proportional to 1 / out-of-fold mean squared error (KPI units)."""
    truth = np.concatenate(actual)
    mse = np.array([np.mean((np.concatenate(t.oof_kpi) - truth) ** 2) for t in tuned])
    inverse = 1.0 / np.maximum(mse, 1e-12)
    return inverse / inverse.sum()


def block_bootstrap_weeks(n_times: int, *, block: int, rng: np.random.Generator) -> np.ndarray:
    """Moving-block bootstrap: ``n_times`` week indices made of random runs of ``block``
    consecutive weeks (keeps the autocorrelation that single-week resampling would break).

    Examples
    --------
    >>> weeks = block_bootstrap_weeks(20, block=5, rng=np.random.default_rng(0))
    >>> len(weeks), int(weeks.max()) < 20
    (20, True)
    """
    block = max(1, min(block, n_times))
    starts = rng.integers(0, n_times - block + 1, size=-(-n_times // block))
    return (starts[:, None] + np.arange(block)[None, :]).ravel()[:n_times]


def fit_replicates(x: np.ndarray, y: np.ndarray, *, n_geos: int, tuned: list[Tuned],
                   weights: np.ndarray, n_replicates: int, block: int, seed: int,
                   progress: Callable[[int, int], None] | None = None) -> tuple[Ensemble, ...]:
    """Fit ``n_replicates`` ensembles; replicate 0 uses every week once, the others a
    block-bootstrap resample of weeks (all geos of a chosen week travel together).

    ``x`` is (G*T, F) and ``y`` (G*T,), rows ordered geo-major as :func:`~mixcast.ml.features.design`
    builds them.
    """
    n_times = len(y) // n_geos
    rng = np.random.default_rng(seed)
    replicates = []
    for r in range(n_replicates):
        weeks = np.arange(n_times) if r == 0 else block_bootstrap_weeks(
            n_times, block=block, rng=rng)
        rows = (np.arange(n_geos)[:, None] * n_times + weeks[None, :]).ravel()
        models = tuple(make_model(t.kind, t.params, seed=seed + 1000 * r + i)
                       .fit(x[rows], y[rows]) for i, t in enumerate(tuned))
        replicates.append(Ensemble(kinds=tuple(t.kind for t in tuned), models=models,
                                   weights=tuple(float(w) for w in weights)))
        if progress is not None:
            progress(r + 1, n_replicates)
    return tuple(replicates)


def predict_replicates(replicates: tuple[Ensemble, ...], x: np.ndarray) -> np.ndarray:
    """(..., N, F) -> (S, ..., N): every replicate's prediction, in one call per model."""
    flat = x.reshape(-1, x.shape[-1])
    out = np.stack([r.predict(flat) for r in replicates])
    return out.reshape(len(replicates), *x.shape[:-1])


def _predict(model, x: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict(x), dtype=np.float64)
