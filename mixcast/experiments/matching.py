"""Matched markets: which geos are treated and which are their controls.

Each geo's pre-period outcome is described by its level (log mean), its trend (the slope
of its outcome relative to its own mean) and its seasonal profile (its relative outcome
week by week, the trend removed). Geos are ranked by a one-dimensional summary of those
standardised features and cut into strata of about 1/share geos; one geo per stratum is
drawn into treatment (stratified randomisation, so treatment and control look alike
by construction). Among many such draws the one whose treated sum the control sum
predicts best over the pre-period (the TBR fit the analysis will use) is kept
(optimised assignment). Excluded geos are in neither group. Other stratified draws are
kept as reference groupings for the placebo calibration.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mixcast.errors import UserError

__all__ = ["Assignment", "geo_features", "match_markets"]


@dataclass(frozen=True, slots=True)
class Assignment:
    """Treatment and control geos (indices into the data's geos) and how well they match:
    ``fit_cv`` the pre-period TBR residual sd over the treated mean outcome, ``balance``
    the largest standardised difference of mean features between the groups."""

    treated: tuple[int, ...]
    control: tuple[int, ...]
    fit_cv: float
    balance: float
    references: tuple[tuple[int, ...], ...] = ()


def geo_features(y: np.ndarray) -> np.ndarray:
    """(G, 3) standardised level, trend and seasonal-profile score of each geo's (G, T)
    pre-period outcome. The seasonal score is the first principal component of the
    geos' de-trended relative outcomes."""
    y = np.asarray(y, float)
    level = np.log(np.maximum(y.mean(axis=1), 1e-12))
    relative = y / np.maximum(y.mean(axis=1, keepdims=True), 1e-12)
    t = np.arange(y.shape[1]) - (y.shape[1] - 1) / 2.0
    trend = relative @ t / (t @ t)
    detrended = relative - 1.0 - trend[:, None] * t[None, :]
    centred = detrended - detrended.mean(axis=0)
    if y.shape[0] > 1 and np.any(centred):
        u, s, _ = np.linalg.svd(centred, full_matrices=False)
        season = u[:, 0] * s[0]
    else:
        season = np.zeros(y.shape[0])
    features = np.stack([level, trend, season], axis=1)
    sd = features.std(axis=0)
    return (features - features.mean(axis=0)) / np.where(sd > 0, sd, 1.0)


def match_markets(y: np.ndarray, *, share: float = 0.5, exclude: tuple[int, ...] = (),
                  candidates: int = 200, references: int = 30, seed: int = 0
                  ) -> Assignment:
    """Choose treated and control geos from the (G, T) pre-period outcome.

    ``share`` of the eligible geos (those not in ``exclude``) are treated, at least one
    and leaving at least one control. ``references`` other stratified draws (treated
    geos each) are returned too: the groupings whose placebo statistics calibrate the
    test's critical value (:func:`mixcast.experiments.power.placebo_noise`).
    """
    y = np.asarray(y, float)
    eligible = np.array([g for g in range(y.shape[0]) if g not in set(exclude)])
    if len(eligible) < 2:
        raise UserError(f"A geo test needs at least 2 geos outside --exclude-geos; "
                        f"{len(eligible)} left. Exclude fewer geos.")
    n_treated = int(np.clip(round(share * len(eligible)), 1, len(eligible) - 1))
    features = geo_features(y[eligible])
    draws = _stratified_draws(features, n_treated, candidates, np.random.default_rng(seed))
    cv = _fit_cv(draws, y[eligible])
    best = int(np.argmin(cv))
    treated = np.flatnonzero(draws[best])
    control = np.flatnonzero(~draws[best])
    balance = float(np.max(np.abs(features[treated].mean(0) - features[control].mean(0))))
    ranked = np.argsort(cv, kind="stable")
    others = [np.flatnonzero(draws[k]) for k in ranked[1:references + 1]]
    return Assignment(treated=tuple(int(g) for g in eligible[treated]),
                      control=tuple(int(g) for g in eligible[control]),
                      fit_cv=float(cv[best]), balance=balance,
                      references=tuple(tuple(int(g) for g in eligible[o])
                                       for o in others[:references]))


def _stratified_draws(features: np.ndarray, n_treated: int, candidates: int,
                      rng: np.random.Generator) -> np.ndarray:
    """(M, G) boolean treatment masks: geos ordered by their leading feature direction,
    cut into ``n_treated`` strata, one random geo of each stratum treated."""
    n = features.shape[0]
    if features.any():
        _, _, vt = np.linalg.svd(features - features.mean(0), full_matrices=False)
        order = np.argsort(features @ vt[0], kind="stable")
    else:
        order = np.arange(n)
    strata = np.array_split(order, n_treated)
    masks = np.zeros((candidates, n), dtype=bool)
    for stratum in strata:
        picks = stratum[rng.integers(0, len(stratum), size=candidates)]
        masks[np.arange(candidates), picks] = True
    return masks


def _fit_cv(masks: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(M,) residual sd of the treated sum regressed on the control sum, over the treated
    sum's mean: how tightly the controls predict the treated geos."""
    z = masks.astype(float) @ y
    x = (~masks).astype(float) @ y
    xc = x - x.mean(1, keepdims=True)
    zc = z - z.mean(1, keepdims=True)
    slope = (xc * zc).sum(1) / np.maximum((xc * xc).sum(1), 1e-300)
    resid = zc - slope[:, None] * xc
    return resid.std(1) / np.maximum(z.mean(1), 1e-300)

