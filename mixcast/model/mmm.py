"""The one NumPyro model of mixcast. Only this module calls ``numpyro.sample``.

Media effects are parameterised by ROI (what a marketer can reason about): the model samples
each channel's ROI and derives the coefficient ``beta`` that gives exactly that ROI under
the sampled carryover and saturation. Geo data adds non-centred geo deviations around the
national effects and, by default for geo panels, a national weekly effect shared by every
geo (see :func:`_national_effect`); lift tests enter as extra Gaussian observations of the
lift the model implies (:mod:`mixcast.model.lift`).
"""

from __future__ import annotations

from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist

from mixcast._typing import Array
from mixcast.data.dataset import Dataset
from mixcast.data.guardrails import spend_scale_mismatch, spend_unit_factor
from mixcast.model.channel_priors import (DECAY_BETA, SATURATION_AT_MEAN_BETA, SLOPE_LOGNORMAL,
                                          decay_beta, half_saturation, kind_roi_prior)
from mixcast.model.inputs import ModelInputs
from mixcast.model.lift import LiftData, implied_lift
from mixcast.model.mean import Structure, baseline, effectiveness, interaction_effects
from mixcast.model.mean import mediator_from_response, organic_effects
from mixcast.model.mean import channel_major_response
from mixcast.spec import Likelihood, ModelSpec, RoiPrior


# Scale of the HalfNormal prior on the spread of pooled channels' log ROI: 90% of its mass
# below 1.0 (channels' ROIs within a factor ~e^(2 x 1.645 x tau) of each other).
POOL_TAU_SCALE = 0.6


@dataclass(frozen=True, slots=True)
class Priors:
    """Resolved prior hyper-parameters for one dataset, per channel (hashable).

    A channel's log ROI is ``roi_log_median + roi_log_sigma * z`` (a fixed log-normal), or,
    for the ``pooled`` channels (at least two), ``mu + tau * z`` with a common level
    ``mu ~ Normal(pool_log_median, pool_log_sigma)`` and spread
    ``tau ~ HalfNormal(pool_tau_scale)`` learned from all of them (non-centred).
    ``media_share`` = (mean, sd) of the logit of paid media's share of the KPI's value,
    an optional soft constraint on the sum of the channels' contributions.
    """

    roi_log_median: tuple[float, ...]
    roi_log_sigma: tuple[float, ...]
    pooled: tuple[bool, ...] = ()
    pool_log_median: float = 0.0
    pool_log_sigma: float = 0.9
    pool_tau_scale: float = POOL_TAU_SCALE
    media_share: tuple[float, float] | None = None
    decay_beta: tuple[tuple[float, float], ...] = ()   # per channel; () = DECAY_BETA for all

    @property
    def pools(self) -> bool:
        """Whether any channels share a learned level (pooling needs two)."""
        return sum(self.pooled) >= 2

    def marginal_log_sigma(self, channel: int) -> float:
        """The prior sd of ``channel``'s log ROI, the pooled hierarchy integrated out."""
        if self.pools and self.pooled[channel]:
            return float(np.hypot(self.pool_log_sigma, self.pool_tau_scale))
        return self.roi_log_sigma[channel]


def default_roi_prior(data: Dataset) -> RoiPrior:
    """Median 1 for revenue KPIs. Where spend and the KPI's value are in different units
    (:mod:`mixcast.data.guardrails`), the prior follows the data's units instead of pinning
    every ROI near a meaningless 1: spend in thousands of the KPI's unit gives median 1,000
    (the same prior as in one unit, so the same ROIs x 1,000); spend above the KPI's value,
    like conversions, the ROI that makes media a quarter of the KPI. Log-sigma 0.9 always
    (90% of prior mass within a factor ~4.4)."""
    valued = data.kpi_in_currency
    if valued and spend_scale_mismatch(data) is None:
        return RoiPrior(median=1.0, sigma=0.9)
    factor = spend_unit_factor(data) if valued else None
    if factor is not None:
        return RoiPrior(median=factor, sigma=0.9)
    value = data.y * data.value_per_kpi() if valued else data.y
    kpi_per_spend = float(value.sum() / max(data.spend.sum(), 1e-12))
    return RoiPrior(median=max(0.25 * kpi_per_spend, 1e-9), sigma=0.9)


def resolve_priors(data: Dataset, spec: ModelSpec) -> Priors:
    """Per-channel ROI priors: the channel's ``roi_priors`` entry, else the spec's default
    ``roi_prior``, else the KPI-derived default scaled for the channel's kind
    (:func:`kind_roi_prior`). With ``spec.roi_pooling``, the channels without their own
    entry share a learned level around the default prior's median (its sigma the level's
    sd), the channels with one keep it as a fixed prior."""
    default = spec.roi_prior or default_roi_prior(data)
    priors = [spec.roi_prior_for(c, kind_roi_prior(c, default)) for c in data.channels]
    overridden = {name for name, _ in spec.channel_roi_priors}
    pooled = tuple(bool(spec.roi_pooling) and c not in overridden for c in data.channels)
    share = spec.media_share_prior
    return Priors(roi_log_median=tuple(float(np.log(p.median)) for p in priors),
                  roi_log_sigma=tuple(float(p.sigma) for p in priors),
                  pooled=pooled, pool_log_median=float(np.log(default.median)),
                  pool_log_sigma=float(default.sigma),
                  media_share=None if share is None else share.logit_normal(),
                  decay_beta=tuple(decay_beta(c) for c in data.channels))


@dataclass(frozen=True, slots=True)
class MMM:
    """The model with its static choices bound; call it with the arrays.

    Hashable, so the compiled sampler is reused for every fit with the same structure.
    """

    structure: Structure
    priors: Priors
    likelihood: Likelihood = Likelihood.NORMAL
    geo_pooling: bool = True
    observe: bool = True
    national_time_effect: bool = False

    def __call__(self, inputs: ModelInputs, lifts: LiftData | None = None,
                 observed: Array | None = None) -> None:
        mmm_model(inputs, self.structure, self.priors, lifts, likelihood=self.likelihood,
                  geo_pooling=self.geo_pooling, observe=self.observe,
                  national_time_effect=self.national_time_effect, observed=observed)


def mmm_model(inputs: ModelInputs, structure: Structure, priors: Priors,
              lifts: LiftData | None = None, *, likelihood: Likelihood = Likelihood.NORMAL,
              geo_pooling: bool = True, observe: bool = True,
              national_time_effect: bool = False, observed: Array | None = None) -> None:
    """Bayesian MMM. Observes ``inputs.y`` when ``observe`` (else prior predictive).
    ``inputs.geo_centring`` says how geo contrasts are sampled (see
    :func:`_geo_multiplier`). ``national_time_effect`` adds the weekly effect
    shared by every geo (:func:`_national_effect`); ``observed`` (G, T) marks the
    outcomes the likelihood counts (None: all; refits mask held-out weeks)."""
    n_geos, n_times, n_channels = inputs.media.shape
    params = _media_params(n_channels, structure, priors)
    _media_share_prior(params["roi"], inputs, priors)
    params.update(_baseline_params(inputs, n_geos))
    if structure.has_organic:
        params.update(_organic_params(inputs.organic.shape[-1]))
    if structure.rf:
        params.update(_frequency_params(len(structure.rf)))
    if structure.interactions:
        params["interaction"] = numpyro.sample(
            "interaction", dist.Normal(0.0, 0.1).expand([len(structure.interactions)]))
    if structure.time_varying:
        params["tv_coef"] = numpyro.sample(
            "tv_coef", dist.Normal(0.0, 0.3).expand(
                [inputs.time_basis.shape[1], len(structure.time_varying)]))
    # Channel-major (C, G, T) in the hot path: see mean.channel_major_response.
    response = channel_major_response(params, inputs.media_lagged, structure,
                                      frequency_lagged=inputs.frequency_lagged)
    effect_shape = response * effectiveness(params, inputs, structure).T[:, None, :]
    geo_multiplier = _geo_multiplier(n_geos, n_channels, geo_pooling,
                                     inputs.geo_centring)
    params["beta"] = _beta_from_roi(params["roi"], effect_shape, geo_multiplier, inputs)
    media_effect = jnp.einsum("gc,cgt->gt", params["beta"], effect_shape)
    varying = sum(v for k, v in baseline(dict(params, intercept=jnp.zeros(n_geos)),
                                         inputs).items() if k != "intercept")
    varying = varying + media_effect + interaction_effects(params, inputs.media, structure).sum(-1)
    varying = varying + organic_effects(params, inputs, structure).sum(-1)
    if structure.n_mediators:
        params.update(_mediator_params(inputs, jnp.moveaxis(response, 0, -1), structure,
                                       observe))
        varying = varying + (params["kappa"] * jnp.asarray(inputs.mediators)).sum(-1)
    # Sample each geo's average KPI level (pinned by the data) and derive the intercept:
    # otherwise intercept and always-on channels trade off along a narrow ridge.
    level = numpyro.sample("level", dist.Normal(1.0, 0.25).expand([n_geos]))
    sigma = numpyro.sample("sigma", dist.HalfNormal(0.25).expand([n_geos]))[:, None]
    if national_time_effect:
        offset = level[:, None] + varying - varying.mean(axis=1, keepdims=True)
        varying = varying + _national_effect(inputs.y, offset, sigma, observed,
                                             conditioned=observe)[None, :]
    params["intercept"] = numpyro.deterministic("intercept", level - varying.mean(axis=1))
    mu = params["intercept"][:, None] + varying
    if likelihood is Likelihood.STUDENT_T:
        nu = numpyro.sample("nu", dist.Gamma(4.0, 0.5))
        noise = dist.StudentT(nu, mu, sigma)
    else:
        noise = dist.Normal(mu, sigma)
    numpyro.sample("y", noise, obs=inputs.y if observe else None)
    if lifts is not None and lifts.n_tests:
        _observe_lifts(params, inputs, structure, lifts, observe)


def _roi_location_scale(priors: Priors):
    """Per channel (location, scale) of log ROI in ``z``: the fixed priors', and for
    pooled channels the sampled common level ``roi_pool_mu`` and spread ``roi_pool_tau``."""
    median = jnp.asarray(priors.roi_log_median, dtype=jnp.float32)
    sigma = jnp.asarray(priors.roi_log_sigma, dtype=jnp.float32)
    if not priors.pools:
        return median, sigma
    mu = numpyro.sample("roi_pool_mu", dist.Normal(priors.pool_log_median,
                                                   priors.pool_log_sigma))
    tau = numpyro.sample("roi_pool_tau", dist.HalfNormal(priors.pool_tau_scale))
    pooled = jnp.asarray(priors.pooled)
    return jnp.where(pooled, mu, median), jnp.where(pooled, tau, sigma)


def _media_share_prior(roi, inputs: ModelInputs, priors: Priors) -> None:
    """Soft constraint: logit of paid media's share of the KPI's value ~ Normal(mean, sd).
    By construction of ``beta`` each channel's contribution is its ROI x its spend."""
    if priors.media_share is None:
        return
    spend_total = jnp.asarray(inputs.spend.sum(axis=(0, 1)), dtype=jnp.float32)
    total = (jnp.asarray(inputs.y, jnp.float32)
             * jnp.asarray(inputs.y_scale[:, None] * inputs.value, jnp.float32)).sum()
    share = numpyro.deterministic("media_share",
                                  (roi * spend_total).sum() / jnp.maximum(total, 1e-12))
    share = jnp.clip(share, 1e-6, 1.0 - 1e-6)
    mean, sd = priors.media_share
    numpyro.factor("media_share_prior",
                   dist.Normal(mean, sd).log_prob(jnp.log(share) - jnp.log1p(-share)))


def sample_roi(priors: Priors):
    """Each channel's ROI (C,), sampled as the model does: fixed log-normals, or for the
    pooled channels a non-centred hierarchy (see :class:`Priors`)."""
    location, scale = _roi_location_scale(priors)
    with numpyro.plate("channel", len(priors.roi_log_median)):
        log_roi_raw = numpyro.sample("log_roi_raw", dist.Normal(0.0, 1.0))
        return numpyro.deterministic("roi", jnp.exp(location + scale * log_roi_raw))


def _media_params(n_channels: int, structure: Structure, priors: Priors) -> dict:
    roi = sample_roi(priors)
    with numpyro.plate("channel", n_channels):
        params = {
            "roi": roi,
            "decay": numpyro.sample("decay", _decay_prior(priors)),
            "slope": numpyro.sample("slope", dist.LogNormal(*SLOPE_LOGNORMAL)),
        }
        # Sample the saturation reached at the channel's typical (mean active) level and
        # derive the half-saturation point: this decouples the curve's level from its
        # shape, which otherwise form a funnel for channels with steady spend.
        level = numpyro.sample("saturation_at_mean", dist.Beta(*SATURATION_AT_MEAN_BETA))
        params["half_sat"] = numpyro.deterministic(
            "half_sat", half_saturation(level, params["slope"]))
        if structure.delayed:
            peak_share = numpyro.sample("peak_share", dist.Beta(1.2, 3.0))
            params["peak"] = numpyro.deterministic(
                "peak", peak_share * (structure.l_max - 1))
    return params


def _decay_prior(priors: Priors) -> dist.Beta:
    """Each channel's Beta prior on its decay (by kind, see :func:`decay_beta`)."""
    if not priors.decay_beta:
        return dist.Beta(*DECAY_BETA)
    a, b = np.array(priors.decay_beta, dtype=np.float32).T
    return dist.Beta(a, b)


def _baseline_params(inputs: ModelInputs, n_geos: int) -> dict:
    return {
        "trend_coef": numpyro.sample(
            "trend_coef", dist.Normal(0.0, 0.3).expand([inputs.trend.shape[1]])),
        "season_coef": numpyro.sample(
            "season_coef", dist.Normal(0.0, 0.2).expand([inputs.season.shape[1]])),
        "gamma": numpyro.sample(
            "gamma", dist.Normal(0.0, 0.2).expand([inputs.controls.shape[-1]])),
        "eta": numpyro.sample("eta", dist.Normal(0.0, 0.5).expand([inputs.events.shape[-1]])),
    } | _holiday_params(inputs)


def _holiday_params(inputs: ModelInputs) -> dict:
    """Each holiday column's effect on its weeks, as a share of the geo's mean KPI:
    Normal(0, 0.3) (a holiday week may lift or depress sales by tens of percent)."""
    if not inputs.holidays.shape[-1]:
        return {}
    return {"holiday_coef": numpyro.sample(
        "holiday_coef", dist.Normal(0.0, 0.3).expand([inputs.holidays.shape[-1]]))}


def _national_effect(y: Array, offset: Array, sigma: Array, observed: Array | None, *,
                     conditioned: bool) -> Array:
    """(T,) zero-mean weekly effect shared by every geo, on each geo's scaled KPI (a
    shock moves every geo by the same share of its mean): weekly shocks
    ``n_t ~ Normal(0, scale)``, independent over weeks, ``scale ~ HalfNormal(0.1)``
    learned; the effect is ``n - mean(n)`` (the shocks' mean is the intercept's).

    It absorbs national shocks of the baseline (unobserved promotions, news, weather)
    that would otherwise be credited to nationally flighted media with the confidence of
    G independent geos: with it, a national channel is identified by how its flights
    stand out from the weekly shocks' learned spread, and its interval says so. Weekly
    and independent rather than smooth, because such shocks last a week or two; smooth
    national drifts are the trend's and seasonality's.

    Sampled around its conditional posterior. Given everything else, week t's shock has
    precision ``P_t = sum_g w_gt / sigma_g^2 + 1 / scale^2`` and mean
    ``c_t = sum_g w_gt r_gt / sigma_g^2 / P_t`` (``r`` the outcome minus the rest of the
    mean, ``offset``; ``w`` the observed mask), and the shocks' mean is not seen by the
    likelihood (prior sd ``scale / sqrt(T)``). NUTS samples ``xi`` with
    ``n = demean(c) + demean(xi / sqrt(P)) + scale * mean(xi)``: exactly Normal(0, I)
    and independent of the other parameters when every week is observed (Normal
    likelihood), close to it otherwise. The model's density is unchanged: the shocks'
    prior and the map's Jacobian enter as a factor. Without this, a centred effect is a
    funnel where the shocks are weak, and a non-centred one ties thousands of
    observations to a ridge along which NUTS crawls where they are strong.
    ``conditioned=False`` (prior predictive) samples ``n = scale * xi`` directly.
    """
    n_times = y.shape[1]
    scale = numpyro.sample("national_scale", dist.HalfNormal(0.1))
    xi = numpyro.sample("national_z", dist.Normal(0.0, 1.0).expand([n_times]))
    if not conditioned:
        shocks = scale * xi
        return numpyro.deterministic("national_effect", shocks - shocks.mean())
    weight = (1.0 if observed is None else jnp.asarray(observed, jnp.float32)) / sigma ** 2
    weight = jnp.broadcast_to(weight, y.shape)
    precision = weight.sum(axis=0) + scale ** -2                       # (T,)
    centre = (weight * (jnp.asarray(y) - offset)).sum(axis=0) / precision
    shocks, log_jacobian = national_shocks(xi, centre, precision ** -0.5, scale)
    numpyro.factor("national_prior", dist.Normal(0.0, scale).log_prob(shocks).sum()
                   + log_jacobian - dist.Normal(0.0, 1.0).log_prob(xi).sum())
    return numpyro.deterministic("national_effect", shocks - shocks.mean())


def national_shocks(xi: Array, centre: Array, spread: Array,
                    scale: Array | float) -> tuple[Array, Array]:
    """The map ``xi -> n = demean(centre + spread * xi) + scale * mean(xi)`` of
    :func:`_national_effect` (all (T,) but ``scale``), and ``log |det dn / dxi|``:
    by the matrix determinant lemma, ``sum log spread + log scale + log mean(1 / spread)``.
    """
    shifted = centre + spread * xi
    shocks = shifted - shifted.mean() + scale * xi.mean()
    return shocks, jnp.log(spread).sum() + jnp.log(scale) + jnp.log(jnp.mean(1.0 / spread))


def _mediator_params(inputs: ModelInputs, response, structure, observe: bool) -> dict:
    """Each mediator = its own level, trend and seasonality + the upstream channels'
    responses (same carryover and saturation as their direct effects) + noise; observed.
    ``kappa`` is the KPI's (scaled) sensitivity to the (scaled) mediator."""
    n_geos, n_mediators = inputs.n_geos, structure.n_mediators
    params = {
        "kappa": numpyro.sample("kappa", dist.HalfNormal(0.5).expand([n_mediators])),
        "mediator_link": numpyro.sample(
            "mediator_link", dist.HalfNormal(0.5).expand([len(structure.mediator_links)])),
        "mediator_trend": numpyro.sample("mediator_trend", dist.Normal(0.0, 0.3).expand(
            [inputs.trend.shape[1], n_mediators])),
        "mediator_season": numpyro.sample("mediator_season", dist.Normal(0.0, 0.2).expand(
            [inputs.season.shape[1], n_mediators])),
    }
    varying = (inputs.trend @ params["mediator_trend"]
               + inputs.season @ params["mediator_season"])[None]
    varying = varying + mediator_from_response(params, response, structure)  # (G, T, M)
    # As for the KPI: sample each mediator's mean level and derive its intercept.
    level = numpyro.sample("mediator_level",
                           dist.Normal(1.0, 0.25).expand([n_geos, n_mediators]))
    params["mediator_intercept"] = numpyro.deterministic(
        "mediator_intercept", level - varying.mean(axis=1))
    sigma = numpyro.sample("mediator_sigma", dist.HalfNormal(0.25).expand([n_mediators]))
    numpyro.sample("mediator_obs", dist.Normal(params["mediator_intercept"][:, None, :]
                                               + varying, sigma),
                   obs=jnp.asarray(inputs.mediators) if observe else None)
    return params


def _frequency_params(n_rf: int) -> dict:
    """Frequency response of the reach-and-frequency channels (see
    :func:`mixcast.mean.frequency_gain`), parameterised by what a planner reasons about:
    ``rf_peak``, the relative frequency (1 = today's typical frequency) at which response
    per impression peaks, LogNormal(0, 0.5) (90% within x0.44-x2.3 of today's), and the
    steepness ``rf_slope`` = 1 + LogNormal(0, 0.5) (median 2; > 1, so that a first few
    exposures build effect and a peak exists: effective-frequency theory, and Meridian's
    Hill-on-frequency). The half-saturation frequency is derived."""
    with numpyro.plate("rf_channel", n_rf):
        peak = numpyro.sample("rf_peak", dist.LogNormal(0.0, 0.5))
        slope = 1.0 + numpyro.sample("rf_slope_excess", dist.LogNormal(0.0, 0.5))
        return {"rf_slope": numpyro.deterministic("rf_slope", slope),
                "rf_half_freq": numpyro.deterministic(
                    "rf_half_freq", peak * (slope - 1.0) ** (-1.0 / slope))}


def _organic_params(n_organic: int) -> dict:
    with numpyro.plate("organic", n_organic):
        return {
            "organic_beta": numpyro.sample("organic_beta", dist.HalfNormal(0.2)),
            "organic_decay": numpyro.sample("organic_decay", dist.Beta(*DECAY_BETA)),
            "organic_half_sat": numpyro.sample("organic_half_sat", dist.LogNormal(0.0, 0.7)),
            "organic_slope": numpyro.sample("organic_slope", dist.LogNormal(*SLOPE_LOGNORMAL)),
        }


def _geo_multiplier(n_geos: int, n_channels: int, geo_pooling: bool, centring: Array):
    """(G, C) geo multipliers of media effects, log-normal around the national effect.

    ``beta`` is normalised so that the national ROI is the sampled one, which makes the
    likelihood blind to a common shift of every geo's log multiplier: only the contrasts
    between geos count. So the log multipliers are sampled as a zero-sum normal (G - 1
    coordinates on an orthonormal basis of the zero-sum subspace: the same prior on every
    contrast as iid Normal(0, tau), without the unidentified shift).

    Each contrast ``x ~ Normal(0, tau)`` is sampled partially centred (Gorinova, Moore and
    Hoffman 2020, "Automatic reparameterisation of probabilistic programs"):
    ``z ~ Normal(0, tau^w)``, ``x = tau^(1 - w) z``, with ``w`` = ``centring`` (G - 1, C)
    in [0, 1]; the prior on ``x`` is the same for every ``w``. ``w = 0`` (non-centred)
    suits contrasts the data say little about, where the centred form is a funnel;
    ``w = 1`` (centred) suits contrasts the data pin, where ``tau z`` ties ``z`` to ``tau``
    along a ridge that forces NUTS into tiny steps (:mod:`mixcast.inference.geo_centring`
    chooses per contrast, from the curvature at the mode).
    """
    if n_geos == 1 or not geo_pooling:
        return jnp.ones((n_geos, n_channels))
    tau = numpyro.sample("geo_tau", dist.HalfNormal(0.3).expand([n_channels]))
    weight = jnp.asarray(centring, jnp.float32)
    log_tau = jnp.log(tau)
    z = numpyro.sample("geo_z", dist.Normal(0.0, jnp.exp(weight * log_tau)))
    return jnp.exp(zero_sum_basis(n_geos) @ (jnp.exp((1.0 - weight) * log_tau) * z))


def zero_sum_basis(n: int) -> jnp.ndarray:
    """(n, n - 1) orthonormal basis of {x : sum(x) = 0} (Helmert contrasts)."""
    k = np.arange(1, n)
    basis = np.where(np.arange(n)[:, None] < k[None, :], 1.0, 0.0)
    basis[k, k - 1] = -k
    return jnp.asarray(basis / np.sqrt(k * (k + 1))[None, :], dtype=jnp.float32)


def _beta_from_roi(roi, effect_shape, geo_multiplier, inputs: ModelInputs):
    """beta (G, C) such that each channel's ROI over the data window equals ``roi``;
    ``effect_shape`` (C, G, T) is each channel's response times its effectiveness."""
    value_weight = jnp.asarray(inputs.y_scale[:, None] * inputs.value, dtype=jnp.float32)
    outcome_per_beta = jnp.einsum("cgt,gt->gc", effect_shape, value_weight)
    spend_total = jnp.asarray(inputs.spend.sum(axis=(0, 1)), dtype=jnp.float32)
    national = roi * spend_total / jnp.maximum(
        (geo_multiplier * outcome_per_beta).sum(0), 1e-12)
    return numpyro.deterministic("beta", national[None, :] * geo_multiplier)


def _observe_lifts(params, inputs, structure, lifts: LiftData, observe: bool) -> None:
    """Each test's measured lift is a Gaussian observation of the lift the model implies
    (:func:`mixcast.model.lift.implied_lift`)."""
    implied = numpyro.deterministic("lift_implied",
                                    implied_lift(params, lifts, inputs, structure))
    numpyro.sample("lift_obs", dist.Normal(implied, jnp.asarray(lifts.lift_se, jnp.float32)),
                   obs=jnp.asarray(lifts.lift, jnp.float32) if observe else None)
