"""The sampler defaults fit() resolves: the divergence retry rule of mixcast.inference.fit
(the sampled retry itself is exercised on the mmm-stan data: tests/slow/test_mmm_stan.py)
and the warm-up length by panel shape."""

from __future__ import annotations

import pytest

from mixcast.errors import SpecError
from mixcast.inference.fit import RETRY_DIVERGENT_SHARE, retry_target_accept
from mixcast.spec import SamplerConfig


def test_a_fit_is_sampled_again_only_when_too_many_draws_diverged():
    default = SamplerConfig()
    assert retry_target_accept(default, 0.0) is None
    assert retry_target_accept(default, RETRY_DIVERGENT_SHARE) is None   # at the limit: kept
    assert retry_target_accept(default, 2 * RETRY_DIVERGENT_SHARE) == 0.95
    # Up the ladder once more, then no further; never against the user's choice.
    assert retry_target_accept(SamplerConfig(target_accept=0.95), 0.2) == 0.99
    assert retry_target_accept(SamplerConfig(target_accept=0.99), 0.2) is None
    assert retry_target_accept(SamplerConfig(target_accept=0.97), 0.2) == 0.99
    assert retry_target_accept(SamplerConfig(retry_divergent=False), 0.2) is None


def test_the_option_is_read_from_the_config_and_checked():
    assert SamplerConfig.from_options({"retry_divergent": False}).retry_divergent is False
    with pytest.raises(SpecError, match="'retry_divergent' parameter of SamplerConfig"):
        SamplerConfig(retry_divergent="no")


def test_warm_up_left_out_is_longer_for_geo_panels_and_recorded_resolved():
    from mixcast.spec import GEO_WARMUP, NATIONAL_WARMUP

    assert SamplerConfig().warmup is None
    assert SamplerConfig().for_geos(1).warmup == NATIONAL_WARMUP
    assert SamplerConfig().for_geos(30).warmup == GEO_WARMUP > NATIONAL_WARMUP
    assert SamplerConfig(warmup=300).for_geos(30).warmup == 300     # the user's wins
    assert SamplerConfig.from_options({"warmup": None}).warmup is None
    with pytest.raises(SpecError, match="'warmup' parameter of SamplerConfig"):
        SamplerConfig(warmup=5)
