"""The ROI prior (mixcast.model.mmm.sample_roi): fixed log-normals, or partial pooling."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from numpyro.infer import Predictive

from mixcast.errors import SpecError
from mixcast.model.mmm import Priors, sample_roi
from mixcast.spec import ModelSpec, SharePrior

N_DRAWS = 40_000
Z90 = 1.6448536


def _draws(priors: Priors) -> np.ndarray:
    samples = Predictive(sample_roi, num_samples=N_DRAWS)(jax.random.PRNGKey(0), priors)
    return np.log(np.asarray(samples["roi"]))


def _priors(n: int, pooled: bool, median: float = 2.0, sigma: float = 0.9) -> Priors:
    return Priors(roi_log_median=(np.log(median),) * n, roi_log_sigma=(sigma,) * n,
                  pooled=(pooled,) * n, pool_log_median=float(np.log(median)),
                  pool_log_sigma=sigma)


def test_pooled_marginal_keeps_the_median_and_is_wider_than_the_fixed_prior():
    fixed = _draws(_priors(4, pooled=False))
    pooled = _draws(_priors(4, pooled=True))
    for draws in (fixed, pooled):
        np.testing.assert_allclose(np.median(draws, axis=0), np.log(2.0), atol=0.03)
    width = lambda d: np.quantile(d, 0.95, axis=0) - np.quantile(d, 0.05, axis=0)  # noqa: E731
    np.testing.assert_allclose(width(fixed), 2 * Z90 * 0.9, rtol=0.03)
    assert np.all(width(pooled) > 1.1 * width(fixed))
    # The stated marginal sd (used by the prior-vs-data check) matches the draws.
    np.testing.assert_allclose(pooled.std(axis=0), _priors(4, True).marginal_log_sigma(0),
                               rtol=0.03)


def test_pooled_channels_are_exchangeable_and_correlated():
    draws = _draws(_priors(4, pooled=True))
    quantiles = np.quantile(draws, [0.05, 0.5, 0.95], axis=0)
    np.testing.assert_allclose(quantiles, quantiles[:, :1].repeat(4, axis=1), atol=0.05)
    corr = np.corrcoef(draws.T)[np.triu_indices(4, 1)]
    # The shared level makes channels correlated: var(mu) / (var(mu) + E tau^2).
    expected = 0.9 ** 2 / (0.9 ** 2 + 0.6 ** 2)
    np.testing.assert_allclose(corr, expected, atol=0.03)


def test_one_pooled_channel_is_the_fixed_prior_and_overrides_stay_fixed():
    assert not _priors(1, pooled=True).pools
    one = _draws(_priors(1, pooled=True))
    np.testing.assert_allclose(np.quantile(one, [0.05, 0.95]),
                               np.log(2.0) + np.array([-Z90, Z90]) * 0.9, atol=0.03)
    mixed = Priors(roi_log_median=(0.0, 0.0, np.log(3.0)), roi_log_sigma=(0.9, 0.9, 0.2),
                   pooled=(True, True, False))
    draws = _draws(mixed)
    np.testing.assert_allclose(np.quantile(draws[:, 2], [0.05, 0.95]),
                               np.log(3.0) + np.array([-Z90, Z90]) * 0.2, atol=0.02)
    assert abs(np.corrcoef(draws[:, 0], draws[:, 2])[0, 1]) < 0.03


def test_spec_options_parse_validate_and_round_trip():
    spec = ModelSpec.from_options({"roi_pooling": True,
                                   "media_share_prior": {"lo90": 0.05, "hi90": 0.4}})
    assert spec.roi_pooling and spec.media_share_prior == SharePrior(0.05, 0.4)
    assert ModelSpec.from_options(spec.as_options()) == spec
    mean, sd = spec.media_share_prior.logit_normal()
    np.testing.assert_allclose(1 / (1 + np.exp(-(mean + np.array([-Z90, Z90]) * sd))),
                               [0.05, 0.4])
    with pytest.raises(SpecError, match="'roi_pooling' parameter of ModelSpec must be a bool"):
        ModelSpec.from_options({"roi_pooling": "yes"})
    with pytest.raises(SpecError, match="media_share_prior"):
        ModelSpec.from_options({"media_share_prior": {"lo90": 0.4, "hi90": 0.1}})
    with pytest.raises(SpecError, match="media_share_prior"):
        ModelSpec.from_options({"media_share_prior": 0.2})
    with pytest.raises(SpecError, match="'hi90' parameter of SharePrior"):
        SharePrior(0.1, 1.5)


def _revenue_data(channels: tuple[str, ...], spend_per_week: float = 10.0):
    # resolve_priors reads the channel names, the KPI's type and the spend against the KPI.
    from types import SimpleNamespace
    y = np.full((1, 10), 100.0)
    return SimpleNamespace(channels=channels, kpi_type="revenue", revenue_per_kpi=None,
                           kpi_in_currency=True, y=y,
                           spend=np.full((1, 10, len(channels)), spend_per_week),
                           value_per_kpi=lambda: np.ones_like(y))


def test_search_channels_default_to_a_higher_roi_median_that_users_can_replace():
    from mixcast.model.mmm import resolve_priors
    from mixcast.spec import RoiPrior

    data = _revenue_data(("tv_spend", "paid_search", "mdsp_sem", "seminar_tv"))
    priors = resolve_priors(data, ModelSpec())
    np.testing.assert_allclose(np.exp(priors.roi_log_median), [1.0, 2.0, 2.0, 1.0])
    assert priors.roi_log_sigma == (0.9,) * 4  # as wide as every other channel's
    # A user's default prior applies to every channel, kinds included ...
    own_default = resolve_priors(data, ModelSpec(roi_prior=RoiPrior(1.5, 0.5)))
    np.testing.assert_allclose(np.exp(own_default.roi_log_median), [1.5] * 4)
    # ... and a channel's own entry wins over both.
    own = resolve_priors(data, ModelSpec(channel_roi_priors=(("paid_search", RoiPrior(0.8, 0.4)),)))
    np.testing.assert_allclose(np.exp(own.roi_log_median), [1.0, 0.8, 2.0, 1.0])


def test_spend_in_other_units_than_the_kpi_gets_a_prior_in_the_data_s_units():
    """A prior centred on ROI 1 would pin every ROI there when spend and the KPI are in
    different units: spend in thousands gets the one-unit prior x 1,000 (so the same ROIs x
    1,000), spend above the KPI the conversions rule (media a quarter of the KPI)."""
    from mixcast.model.mmm import default_roi_prior, resolve_priors
    from mixcast.spec import RoiPrior

    matched = _revenue_data(("tv_spend", "paid_search"), spend_per_week=10.0)   # 20% of KPI
    assert default_roi_prior(matched) == RoiPrior(median=1.0, sigma=0.9)
    thousands = _revenue_data(("tv_spend", "paid_search"), spend_per_week=0.01)  # 0.02%
    assert default_roi_prior(thousands) == RoiPrior(median=1000.0, sigma=0.9)
    millions = _revenue_data(("tv_spend", "paid_search"), spend_per_week=1e-5)
    assert default_roi_prior(millions).median == pytest.approx(1e6)
    resolved = resolve_priors(thousands, ModelSpec())        # kinds scale it as before
    np.testing.assert_allclose(np.exp(resolved.roi_log_median), [1000.0, 2000.0], rtol=1e-5)
    above = _revenue_data(("tv_spend", "paid_search"), spend_per_week=150.0)    # 3x the KPI
    assert default_roi_prior(above).median == pytest.approx(0.25 * 100 / 300)
    stated = resolve_priors(thousands, ModelSpec(roi_prior=RoiPrior(4000.0, 0.5)))
    np.testing.assert_allclose(np.exp(stated.roi_log_median), [4000.0, 4000.0], rtol=1e-5)
