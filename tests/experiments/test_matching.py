"""Matched markets: excluded geos stay out, strata balance the groups, references differ."""

from __future__ import annotations

import numpy as np
import pytest

from mixcast.errors import UserError
from mixcast.experiments.matching import geo_features, match_markets


def _panel(n_geos: int = 24, n_weeks: int = 80, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n_weeks)
    level = rng.lognormal(9.0, 0.8, size=n_geos)
    trend = rng.normal(0.0, 0.003, size=n_geos)
    return level[:, None] * (1 + trend[:, None] * t + 0.1 * np.sin(2 * np.pi * t / 52)) * (
        1 + rng.normal(0, 0.02, (n_geos, n_weeks)))


def test_excluded_geos_are_in_neither_group_nor_any_reference():
    y = _panel()
    chosen = match_markets(y, share=0.5, exclude=(0, 5, 7))
    groups = set(chosen.treated) | set(chosen.control)
    assert groups == set(range(24)) - {0, 5, 7}
    assert not set(chosen.treated) & set(chosen.control)
    assert len(chosen.treated) == round(0.5 * 21)
    assert chosen.references and all(not {0, 5, 7} & set(r) for r in chosen.references)
    assert len({tuple(sorted(r)) for r in chosen.references}) > 1


def test_the_groups_are_balanced_on_level_trend_and_season():
    y = _panel(seed=3)
    features = geo_features(y)
    chosen = match_markets(y, share=0.5)
    gap = np.abs(features[list(chosen.treated)].mean(0) - features[list(chosen.control)].mean(0))
    assert gap.max() == pytest.approx(chosen.balance)
    # Random halves are far less alike than the rerandomised stratified draw.
    rng = np.random.default_rng(0)
    random_gaps = []
    for _ in range(200):
        order = rng.permutation(24)
        random_gaps.append(np.abs(features[order[:12]].mean(0) - features[order[12:]].mean(0)).max())
    assert chosen.balance < np.quantile(random_gaps, 0.25)


def test_too_many_exclusions_are_refused():
    with pytest.raises(UserError, match="at least 2 geos"):
        match_markets(_panel(n_geos=3), exclude=(0, 1))
