"""Continuing chains: continue_nuts draws more from where run_nuts stopped, without new
adaptation, and fit() continues chains whose R-hat is above the warn threshold."""

from __future__ import annotations

import warnings
from dataclasses import replace

import jax
import numpy as np
import pytest

from mixcast.inference.fit import MAX_CONTINUATIONS, continuation_bytes, fit, should_continue
from mixcast.inference.sampler import continue_nuts, run_nuts
from mixcast.posterior.diagnostics import RHAT_WARN
from mixcast.spec import SamplerConfig
from tests.conftest import SHORT
from tests.test_laplace import ARGS, COV, MEAN, Gaussian

SD = np.sqrt(np.diag(COV))


@pytest.mark.parametrize("laplace", [False, True])
def test_continued_draws_follow_the_posterior_with_the_adapted_kernel(laplace):
    first, _, stopped = run_nuts(Gaussian(), ARGS, chains=2, warmup=200, draws=300, seed=5,
                                 target_accept=0.85, max_tree_depth=8, laplace=laplace)
    more, extras, after = continue_nuts(stopped, 600)
    x = more["x"]
    assert x.shape == (2, 600, 3)
    pooled = x.reshape(-1, 3)
    assert np.all(np.abs(pooled.mean(0) - MEAN) < 0.2 * SD)
    np.testing.assert_allclose(pooled.std(0), SD, rtol=0.15)
    # No new adaptation: the step size and mass matrix are the ones warm-up ended with.
    before_step = np.asarray(stopped.states.adapt_state.step_size)
    np.testing.assert_array_equal(np.asarray(after.states.adapt_state.step_size), before_step)
    for a, b in zip(jax.tree.leaves(stopped.states.adapt_state.inverse_mass_matrix),
                    jax.tree.leaves(after.states.adapt_state.inverse_mass_matrix)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    # The chains go on from their last position (not from the start again) ...
    assert not np.allclose(x[:, 0], first["x"][:, 0])
    assert extras["diverging"].sum() == 0
    # ... and the same stopped chains continue to the same draws.
    again, _, _ = continue_nuts(stopped, 600)
    np.testing.assert_array_equal(again["x"], x)


def test_chains_are_continued_only_while_rhat_is_above_the_warn_threshold():
    default = SamplerConfig()
    assert not should_continue(default, 1.0, 0)
    assert not should_continue(default, RHAT_WARN, 0)            # at the threshold: kept
    assert should_continue(default, 1.02, 0)
    assert should_continue(default, 1.02, MAX_CONTINUATIONS - 1)
    assert not should_continue(default, 1.02, MAX_CONTINUATIONS)  # at most twice
    assert not should_continue(default, float("nan"), 0)
    assert not should_continue(SamplerConfig(continue_unconverged=False), 1.2, 0)


def test_a_fit_whose_chains_disagree_is_continued_and_keeps_every_draw(small_sim):
    # 2 chains of 40 draws after 30 warm-up iterations: too short to agree.
    short = replace(SHORT, warmup=30, draws=40, continue_unconverged=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        continued = fit(small_sim.data, sampler=short)
    said = [str(w.message) for w in caught if "continuing the chains" in str(w.message)]
    assert said, "the first 40 draws should have disagreed (R-hat > 1.01)"
    rounds = len(said)
    assert 1 <= rounds <= MAX_CONTINUATIONS
    assert continued.sampler.draws == 40 * (1 + rounds)
    assert continued.idata.posterior.sizes["draw"] == continued.sampler.draws
    assert continued.idata.sample_stats.sizes["draw"] == continued.sampler.draws

    kept = fit(small_sim.data, sampler=replace(short, continue_unconverged=False))
    assert kept.sampler.draws == 40
    # The first 40 draws of the continued fit are the uncontinued fit's draws.
    np.testing.assert_array_equal(continued.draws("roi").reshape(2, -1, 3)[:, :40],
                                  kept.draws("roi").reshape(2, -1, 3))


def test_the_option_is_read_from_the_config():
    assert SamplerConfig.from_options({"continue_unconverged": False}).continue_unconverged \
        is False


def test_continuing_needs_the_new_draws_and_a_joined_copy():
    samples = {"roi": np.zeros((2, 100, 5), np.float32)}          # 4,000 bytes
    extras = {"diverging": np.zeros((2, 100), bool)}                # 200 bytes
    # 100 more draws each: 4,200 new, then old + new joined twice (8,400 x 2).
    assert continuation_bytes(samples, extras, 100) == 4200 + 2 * 8400
    assert continuation_bytes(samples, extras, 50) == 2100 + 2 * 6300


def test_chains_are_not_continued_beyond_the_memory_available(small_sim, monkeypatch):
    # The same too-short chains as above would be continued; with 1 kB available they
    # keep their first draws, and the warning says why and what to do.
    monkeypatch.setenv("MIXCAST_MEMORY_LIMIT", "1K")
    short = replace(SHORT, warmup=30, draws=40, continue_unconverged=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        kept = fit(small_sim.data, sampler=short)
    said = [str(w.message) for w in caught]
    assert not [m for m in said if "continuing the chains" in m]
    refused = [m for m in said if "not continued" in m]
    assert refused and "MIXCAST_MEMORY_LIMIT=1K" in refused[0] and "warm-up" in refused[0]
    assert kept.sampler.draws == 40
    assert kept.idata.posterior.sizes["draw"] == 40
