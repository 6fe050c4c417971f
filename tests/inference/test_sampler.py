"""The compiled chains run in segments of at most SEGMENT iterations: the draws are those
of one unbroken chain, every draw is kept whole, and progress is reported per segment."""

from __future__ import annotations

import numpy as np
import pytest

from mixcast.inference.sampler import SEGMENT, _segment_plan, continue_nuts, run_nuts
from tests.test_laplace import ARGS, Gaussian


def test_warm_up_and_draws_are_split_into_segments_that_never_mix_them():
    plan = _segment_plan(2 * SEGMENT + 7, SEGMENT + 3)
    assert plan == [(SEGMENT, False), (SEGMENT, False), (7, False), (SEGMENT, True), (3, True)]
    assert _segment_plan(0, 5) == [(5, True)]
    assert sum(n for n, kept in _segment_plan(1234, 567) if kept) == 567
    assert sum(n for n, kept in _segment_plan(1234, 567) if not kept) == 1234


@pytest.mark.parametrize("laplace", [False, True])
def test_draws_over_several_segments_are_one_unbroken_chain(laplace):
    # 2 chains of SEGMENT + 30 draws: two segments. The same chains stopped after the
    # first SEGMENT draws and continued by 30 must give the very same draws, so nothing
    # (position, step size, mass matrix, random key) is lost between segments.
    settings = dict(chains=2, warmup=SEGMENT + 20, seed=7, target_accept=0.85,
                    max_tree_depth=8, laplace=laplace)
    whole, whole_extras, _ = run_nuts(Gaussian(), ARGS, draws=SEGMENT + 30, **settings)
    head, _, stopped = run_nuts(Gaussian(), ARGS, draws=SEGMENT, **settings)
    tail, tail_extras, _ = continue_nuts(stopped, 30)
    assert whole["x"].shape == (2, SEGMENT + 30, 3)
    np.testing.assert_array_equal(whole["x"][:, :SEGMENT], head["x"])
    np.testing.assert_array_equal(whole["x"][:, SEGMENT:], tail["x"])
    np.testing.assert_array_equal(whole_extras["num_steps"][:, SEGMENT:], tail_extras["num_steps"])
    # No segment leaves rows of its buffer unfilled (zeros: x is never exactly 0 here).
    assert not np.any(whole["x"] == 0)


def test_progress_is_reported_after_every_segment_up_to_the_total():
    seen = []
    run_nuts(Gaussian(), ARGS, chains=2, warmup=SEGMENT + 10, draws=SEGMENT // 2, seed=1,
             target_accept=0.85, max_tree_depth=6, progress=lambda d, t: seen.append((d, t)))
    total = 2 * (SEGMENT + 10 + SEGMENT // 2)
    assert [d for d, _ in seen] == [2 * SEGMENT, 2 * (SEGMENT + 10), total]
    assert {t for _, t in seen} == {total}


def test_a_process_near_its_mapping_limit_drops_its_compiled_programs(monkeypatch):
    """Each compiled XLA kernel holds memory mappings of its own: a long-lived process
    that fits many shapes drops its compiled programs before it reaches the kernel's
    limit, and one far from it keeps them (refits of the same shape reuse them)."""
    from mixcast.inference import sampler
    from mixcast.runtime import memory_map_use

    use = memory_map_use()
    assert use is None or 0.0 < use < 1.0
    sampler._compiled_segment(Gaussian(), 5, 0.8, 3, False, False, None)
    assert sampler._compiled_segment.cache_info().currsize > 0
    monkeypatch.setattr(sampler, "memory_map_use", lambda: sampler.CROWDED_MAPS / 2)
    assert not sampler.release_if_crowded()
    assert sampler._compiled_segment.cache_info().currsize > 0
    monkeypatch.setattr(sampler, "memory_map_use", lambda: sampler.CROWDED_MAPS + 0.1)
    assert sampler.release_if_crowded()
    assert sampler._compiled_segment.cache_info().currsize == 0
