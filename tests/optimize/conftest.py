"""Fixtures for the decision layer: the simulator's truth as a one-draw "fit"."""

from __future__ import annotations

import dataclasses
import types

import numpy as np
import pytest

from mixcast.analysis.evaluator import evaluator_from_draws
from mixcast.analysis.plan_space import plan_space


@pytest.fixture(scope="session")
def truth_draws(small_sim):
    """The generating parameters as (1, ...) draws."""
    return {k: np.asarray(v)[None] for k, v in small_sim.params.items() if not k.startswith("_")}


@pytest.fixture(scope="session")
def truth_fit(small_sim, small_fit):
    """A Fit-like object whose inputs carry the simulator's true KPI scale."""
    inputs = dataclasses.replace(small_fit.inputs,
                                 y_scale=np.asarray(small_sim.params["_y_scale"]))
    return types.SimpleNamespace(data=small_fit.data, structure=small_fit.structure,
                                 channels=small_fit.channels, inputs=inputs)


@pytest.fixture(scope="session")
def truth_evaluator(truth_fit, truth_draws):
    """Factory: the true response over a plan space (``weeks``, ``granularity``)."""
    cache = {}

    def make(**options):
        key = tuple(sorted(options.items(), key=lambda kv: kv[0]))
        if key not in cache:
            cache[key] = evaluator_from_draws(truth_draws, plan_space(truth_fit, **options))
        return cache[key]
    return make
