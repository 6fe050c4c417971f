"""Replicates of the challenger: each is one set of media hyper-parameters, a non-negative
linear layer and monotone trees on what the layer leaves, fitted on a moving-block
bootstrap resample of the weeks (replicate 0 on every week once). The spread over
replicates stands in for a posterior, each replicate playing the part of one draw; the
replicates cycle through Optuna's best hyper-parameter sets, so the intervals carry the
uncertainty about carryover and saturation as well as about the coefficients.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mixcast.ml.features import FeatureSpec, design, monotone_signs
from mixcast.ml.learners import LearnerKind, Tuned, make_model
from mixcast.ml.media import LinearLayer, MediaParams, fit_linear
from mixcast.ml.problem import Problem


@dataclass(frozen=True, slots=True)
class Ensemble:
    """Fitted trees and their weights (summing to 1); ``predict`` is their weighted mean."""

    kinds: tuple[LearnerKind, ...]
    models: tuple
    weights: tuple[float, ...]

    def predict(self, x: np.ndarray) -> np.ndarray:
        """(N, F) -> (N,) on the model's target scale."""
        return sum(w * _predict(m, x) for m, w in zip(self.models, self.weights))


@dataclass(frozen=True, slots=True)
class Replicate:
    """One bootstrap replicate: hyper-parameters, linear layer, and trees (None: none)."""

    media: MediaParams
    linear: LinearLayer
    trees: Ensemble | None


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


def fit_replicate(problem: Problem, params: MediaParams, weeks: np.ndarray, *,
                  spec: FeatureSpec, tuned: tuple[Tuned, ...], tree_media: bool,
                  monotone: bool, seed: int) -> Replicate:
    """Linear layer on the rows of ``weeks`` (lift tests measured before their end as extra
    rows), then the trees on its residuals."""
    rows = problem.rows(weeks)
    sat = problem.sat(params)
    lifts = problem.lift_rows(params, before=int(np.max(weeks)) + 1)
    linear = fit_linear(sat, problem.base_linear, problem.target, rows=rows,
                        n_geos=problem.n_geos, n_times=problem.n_times, lifts=lifts,
                        roi_per_beta=problem.roi_per_beta(sat, weeks),
                        roi_spread=params.roi_spread, week_effects=problem.week_effects)
    if not tuned:
        return Replicate(media=params, linear=linear, trees=None)
    residual = problem.target - _linear_rows(problem, linear, sat)
    x = tree_design(problem, sat, spec, tree_media)
    signs = (monotone_signs(spec, sat.shape[1], problem.base_features.shape[-1])
             if tree_media and monotone else None)
    models = tuple(make_model(t.kind, t.params, seed=seed + i, monotone=signs)
                   .fit(x[rows], residual[rows]) for i, t in enumerate(tuned))
    weights = tuple(1.0 / len(tuned) for _ in tuned)
    return Replicate(media=params, linear=linear,
                     trees=Ensemble(kinds=tuple(t.kind for t in tuned), models=models,
                                    weights=weights))


def fit_replicates(problem: Problem, candidates: tuple[MediaParams, ...], *,
                   spec: FeatureSpec, tuned: tuple[Tuned, ...], tree_media: bool,
                   monotone: bool, n_replicates: int, block: int, seed: int,
                   progress: Callable[[int, int], None] | None = None
                   ) -> tuple[Replicate, ...]:
    """``n_replicates`` replicates; replicate r uses ``candidates[r % K]`` and, for r > 0,
    a block-bootstrap resample of the weeks (all geos of a chosen week travel together)."""
    rng = np.random.default_rng(seed)
    out = []
    for r in range(n_replicates):
        weeks = np.arange(problem.n_times) if r == 0 else block_bootstrap_weeks(
            problem.n_times, block=block, rng=rng)
        out.append(fit_replicate(problem, candidates[r % len(candidates)], weeks, spec=spec,
                                 tuned=tuned, tree_media=tree_media, monotone=monotone,
                                 seed=seed + 1000 * r))
        if progress is not None:
            progress(r + 1, n_replicates)
    return tuple(out)


def tree_design(problem: Problem, sat: np.ndarray, spec: FeatureSpec,
                tree_media: bool) -> np.ndarray:
    """(G*T, F) the trees' rows on the problem's own weeks."""
    g, t = problem.n_geos, problem.n_times
    return trees_rows(sat.reshape(g, t, -1), problem.base_features, spec,
                      problem.channels, tree_media)


def trees_rows(sat: np.ndarray, base_features: np.ndarray, spec: FeatureSpec,
               channels: tuple[str, ...], tree_media: bool) -> np.ndarray:
    """(..., G, T, C) saturated media + (G, T, Fb) -> (..., G*T, F): the media block
    (when the trees see media) and the baseline block."""
    if tree_media:
        return design(sat, base_features, spec, channels)
    empty = np.zeros((*sat.shape[:-1], 0))
    return design(empty, base_features, FeatureSpec(carryover_weeks=spec.carryover_weeks,
                                                    fourier_order=spec.fourier_order), ())


def predict_scaled(replicate: Replicate, media: np.ndarray, base_features: np.ndarray, *,
                   spec: FeatureSpec, channels: tuple[str, ...], tree_media: bool,
                   week_index: np.ndarray) -> np.ndarray:
    """(V, G, T, C) scaled media plans -> (V, G, T) scaled KPI of one replicate.

    ``base_features`` is the trees' baseline block of the same weeks; ``week_index`` maps
    each week to a fitted week effect (-1: none)."""
    from mixcast.ml.media import linear_prediction, saturated
    from mixcast.ml.problem import linear_baseline

    n_geos = base_features.shape[0]
    sat = saturated(media, replicate.media, spec.carryover_weeks)
    out = linear_prediction(replicate.linear, sat, linear_baseline(base_features, n_geos),
                            n_geos=n_geos, week_index=week_index)
    if replicate.trees is not None:
        x = trees_rows(sat, base_features, spec, channels, tree_media)
        flat = replicate.trees.predict(x.reshape(-1, x.shape[-1]))
        out = out + flat.reshape(out.shape)
    return out


def _linear_rows(problem: Problem, linear: LinearLayer, sat: np.ndarray) -> np.ndarray:
    from mixcast.ml.media import linear_prediction

    out = linear_prediction(linear, sat.reshape(problem.n_geos, problem.n_times, -1),
                            problem.base_linear.reshape(problem.n_geos, problem.n_times, -1),
                            n_geos=problem.n_geos, week_index=np.arange(problem.n_times))
    return out.ravel()


def _predict(model, x: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict(x), dtype=np.float64)
