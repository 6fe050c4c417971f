"""Frozen model and sampler specifications, parsed from the config's ``model:`` and
``sampler:`` mappings and checked at construction.
"""

from __future__ import annotations

import difflib
import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from mixcast.errors import SpecError


class Adstock(enum.Enum):
    """Carryover shapes: geometric decay, or a delayed peak then geometric decay."""

    GEOMETRIC = "geometric"
    DELAYED = "delayed"


class Likelihood(enum.Enum):
    """Observation noise: Normal, or Student-t (robust to outlier weeks)."""

    NORMAL = "normal"
    STUDENT_T = "student_t"


DEFAULT_SEASON_ORDER = 2


@dataclass(frozen=True, slots=True)
class RoiPrior:
    """Log-normal prior on a channel's ROI, given by its median and log-scale sigma."""

    median: float
    sigma: float

    def __post_init__(self) -> None:
        _check_range("median", self.median, 1e-9, math.inf, owner="RoiPrior")
        _check_range("sigma", self.sigma, 1e-3, 5.0, owner="RoiPrior")

    @classmethod
    def from_interval(cls, lo90: float, hi90: float) -> "RoiPrior":
        """The log-normal whose 5th and 95th percentiles are ``lo90`` and ``hi90``."""
        if not 0 < lo90 < hi90:
            raise SpecError(
                "An ROI prior interval must satisfy 0 < lo90 < hi90. "
                f"Got lo90={lo90}, hi90={hi90} instead.")
        median = math.sqrt(lo90 * hi90)
        sigma = math.log(hi90 / lo90) / (2 * 1.6448536)
        return cls(median=median, sigma=sigma)


@dataclass(frozen=True, slots=True)
class SharePrior:
    """Prior belief about the share of the KPI's value driven by paid media, as a 90%
    interval in (0, 1); a logit-normal soft constraint on the channels' summed
    contributions (``model: {media_share_prior: {lo90: 0.05, hi90: 0.4}}``)."""

    lo90: float
    hi90: float

    def __post_init__(self) -> None:
        _check_range("lo90", self.lo90, 1e-4, 1.0 - 1e-4, owner="SharePrior")
        _check_range("hi90", self.hi90, 1e-4, 1.0 - 1e-4, owner="SharePrior")
        if not self.lo90 < self.hi90:
            raise SpecError("A media share prior interval must satisfy 0 < lo90 < hi90 < 1. "
                            f"Got lo90={self.lo90}, hi90={self.hi90} instead.")

    def logit_normal(self) -> tuple[float, float]:
        """(mean, sd) of the normal on logit(share) with these 5th/95th percentiles."""
        lo, hi = (math.log(v / (1.0 - v)) for v in (self.lo90, self.hi90))
        return (lo + hi) / 2.0, (hi - lo) / (2 * 1.6448536)


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """What the Bayesian MMM contains and which priors it uses.

    Parameters
    ----------
    adstock : carryover shape for every channel.
    l_max : weeks a channel's effect can last, in [1, 52].
    fourier_order : harmonics of yearly seasonality, in [0, 10] (0 = none); None (default)
        means 2 (:attr:`season_order`); a sharp holiday season needs about 6.
    trend_knots : bends of the piecewise-linear trend, in [0, 20] (0 = a straight line);
        use a few for data with structural shifts.
    likelihood : observation noise.
    roi_prior : default ROI prior for paid channels; None derives it from the data
        (:func:`mixcast.model.mmm.default_roi_prior`: median 1 for revenue KPIs, in the
        file's units when spend and KPI differ in unit; for conversions, the ROI at which
        media would drive a quarter of the KPI).
    channel_roi_priors : per-channel overrides, e.g. from earlier studies; a channel with
        one keeps it as a fixed prior (outside the pooling below).
    roi_pooling : partial pooling of the other channels' ROIs: their log ROIs share a
        learned common level (prior: the default ROI prior) and a learned spread
        (HalfNormal(0.6)), so weakly identified channels shrink toward what the data say
        of the others rather than toward a fixed median. With one such channel it is the
        fixed prior.
    media_share_prior : optional :class:`SharePrior`, a soft constraint on paid media's
        share of the KPI's value (the sum of ROI x spend over the KPI's total value).
    geo_pooling : for geo data, whether media effects vary by geo around the national ones.
    interactions : channel pairs with an opt-in synergy term (prior centred on none).
    time_varying : channels whose effectiveness drifts smoothly over time.
    mediators : opt-in mediated structure, ``((mediator column, (upstream channels...)),
        ...)``: each mediator (e.g. branded search volume) is modelled as its own baseline
        plus the upstream channels' effects, and the KPI depends on it, so an upstream
        channel's ROI includes its indirect path. Config form:
        ``model: {mediators: {branded_search_volume: [tv_spend]}}``.
    national_time_effect : for geo data, a zero-mean weekly effect shared by every geo
        (on each geo's own scale), with a learned spread: national shocks of the baseline
        (unobserved promotions, news, weather) that all geos see in the same week. Media
        flighted nationally are then credited only with what such shocks cannot explain,
        and their intervals widen to say how little that can be. Ignored for national
        data (one series cannot tell a national shock from noise). Config form:
        ``model: {national_time_effect: false}`` to turn it off.
    holidays : countries whose public holidays become weekly regressors (codes of the
        ``holidays`` package, e.g. ``("US",)``), one per holiday that falls in the data
        window (see :mod:`mixcast.data.calendars`); () for none. Set in the config
        with the top-level ``country:`` or ``holidays:`` key.
    """

    adstock: Adstock = Adstock.GEOMETRIC
    l_max: int = 8
    fourier_order: int | None = None
    trend_knots: int = 0
    likelihood: Likelihood = Likelihood.NORMAL
    roi_prior: RoiPrior | None = None
    channel_roi_priors: tuple[tuple[str, RoiPrior], ...] = ()
    roi_pooling: bool = False
    media_share_prior: SharePrior | None = None
    geo_pooling: bool = True
    interactions: tuple[tuple[str, str], ...] = ()
    time_varying: tuple[str, ...] = ()
    mediators: tuple[tuple[str, tuple[str, ...]], ...] = ()
    national_time_effect: bool = True
    holidays: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_type("adstock", self.adstock, Adstock)
        _check_type("likelihood", self.likelihood, Likelihood)
        _check_int("l_max", self.l_max, 1, 52)
        if self.fourier_order is not None:
            _check_int("fourier_order", self.fourier_order, 0, 10)
        _check_int("trend_knots", self.trend_knots, 0, 20)
        _check_type("national_time_effect", self.national_time_effect, bool)
        _check_mediators(self.mediators)
        _check_bool("roi_pooling", self.roi_pooling)
        if self.media_share_prior is not None:
            _check_type("media_share_prior", self.media_share_prior, SharePrior)
        _check_countries(self.holidays)

    @property
    def season_order(self) -> int:
        """The Fourier order of yearly seasonality: as set, else 2 (half-year and year cycles).

        Measured (bench/RESULTS.md, 2026-12-04): six harmonics from three years of data
        fixed the mmm_stan fixture (TV ROI 110 -> 1.5) but raised the national ROI error
        on the 8 simulated hard cases from 30.0% to 34.5% (zero-effect 21% -> 38%), and a
        BIC screen could not tell the two apart. So the default stays 2, and the
        validation's plausibility check names a sharp season as the likely cause of an
        implausible ROI and advises ``fourier_order: 6`` (or ``holidays:``).
        """
        return self.fourier_order if self.fourier_order is not None else DEFAULT_SEASON_ORDER

    def resolved(self) -> "ModelSpec":
        """This spec with its defaults written out (what a Fit stores, so that everything
        downstream sees the fitted structure)."""
        return replace(self, fourier_order=self.season_order)

    def uses_national_time_effect(self, n_geos: int) -> bool:
        """Whether a fit of data with ``n_geos`` geos has the national time effect."""
        return self.national_time_effect and n_geos > 1

    def roi_prior_for(self, channel: str, default: RoiPrior) -> RoiPrior:
        """The ROI prior of ``channel``: its override, else the spec's, else ``default``."""
        overrides = dict(self.channel_roi_priors)
        if channel in overrides:
            return overrides[channel]
        return self.roi_prior or default

    def as_options(self) -> dict:
        """The ``model:`` mapping that :meth:`from_options` turns back into this spec."""
        options: dict = {
            "adstock": self.adstock.value, "l_max": self.l_max,
            "fourier_order": self.fourier_order, "trend_knots": self.trend_knots,
            "likelihood": self.likelihood.value, "geo_pooling": self.geo_pooling,
            "roi_pooling": self.roi_pooling,
            "interactions": [f"{a}:{b}" for a, b in self.interactions],
            "time_varying": list(self.time_varying),
            "national_time_effect": self.national_time_effect,
            "holidays": list(self.holidays),
        }
        if self.media_share_prior is not None:
            options["media_share_prior"] = {"lo90": self.media_share_prior.lo90,
                                            "hi90": self.media_share_prior.hi90}
        if self.mediators:
            options["mediators"] = {name: list(up) for name, up in self.mediators}
        priors = {name: {"median": p.median, "sigma": p.sigma}
                  for name, p in self.channel_roi_priors}
        if self.roi_prior is not None:
            priors["default"] = {"median": self.roi_prior.median, "sigma": self.roi_prior.sigma}
        if priors:
            options["roi_priors"] = priors
        return options

    @classmethod
    def from_options(cls, options: Mapping | None, *, channels: tuple[str, ...] = ()) -> "ModelSpec":
        """Parse the config's ``model:`` mapping; unknown keys name the closest valid one."""
        options = dict(options or {})
        options.pop("type", None)  # 'bayes' | 'ml' selects the model family, not a spec field
        valid = {f.name for f in fields(cls)} | {"roi_priors"}
        for key in options:
            if key not in valid:
                raise SpecError(_unknown("model", key, valid))
        kwargs: dict = {}
        for key, value in options.items():
            if key == "adstock":
                kwargs[key] = _enum(Adstock, "adstock", value)
            elif key == "likelihood":
                kwargs[key] = _enum(Likelihood, "likelihood", value)
            elif key == "roi_priors":
                default, per_channel = _parse_roi_priors(value, channels)
                if default is not None:
                    kwargs["roi_prior"] = default
                kwargs["channel_roi_priors"] = per_channel
            elif key == "interactions":
                kwargs[key] = tuple(_pair(v, channels) for v in value or ())
            elif key == "time_varying":
                kwargs[key] = tuple(_known_channel(v, channels) for v in value or ())
            elif key == "mediators":
                kwargs[key] = _parse_mediators(value, channels)
            elif key == "media_share_prior":
                kwargs[key] = _share_prior(value)
            elif key == "holidays":
                kwargs[key] = _parse_countries(value)
            elif key in ("roi_prior", "channel_roi_priors"):
                raise SpecError("Set ROI priors with model: {roi_priors: {default: {median: 1.0, "
                                "sigma: 0.9}, tv_spend: {lo90: 0.5, hi90: 2.0}}}.")
            else:
                kwargs[key] = value
        return cls(**kwargs)


# Default warm-up iterations. Geo panels get twice as many: the spread of a channel's geo
# multipliers (geo_tau) adapts slowly; on a 12-geo x 78-week collinear panel with lift
# tests, 4 chains x 1000 + 1000 ended at R-hat 1.017 and 1.018 on it (seeds 0, 1), with
# 2000 warm-up 1.006 and 1.009 (bench/RESULTS.md, 2026-12-06).
NATIONAL_WARMUP = 1000
GEO_WARMUP = 2000


@dataclass(frozen=True, slots=True)
class SamplerConfig:
    """NUTS settings. Chains run in parallel over the machine's cores.

    ``dense_mass`` adapts a dense mass matrix over the model's global parameters (per-geo
    deviations stay diagonal): fewer leapfrog steps and more effective draws per second.
    ``laplace`` starts each chain from its own posterior mode and samples in coordinates
    whitened by the curvature there (see :mod:`mixcast.laplace`); ``None`` (default)
    turns it on for geo panels, whose precise, correlated posteriors warm-up alone cannot
    learn. ``retry_divergent`` samples once more with ``target_accept`` 0.95 (smaller
    steps) and twice the warm-up when more than 0.5% of the draws diverged;
    ``continue_unconverged`` continues the chains (no new warm-up) for another ``draws``
    draws, at most twice, while R-hat exceeds 1.01, and keeps every draw (see
    :func:`mixcast.inference.fit.fit`).
    ``warmup`` left out is :data:`NATIONAL_WARMUP` iterations for national data and
    :data:`GEO_WARMUP` for geo panels (:meth:`for_geos`).
    """

    chains: int = 4
    warmup: int | None = None
    draws: int = 1000
    seed: int = 0
    target_accept: float = 0.85
    max_tree_depth: int = 10
    dense_mass: bool = True
    laplace: bool | None = None
    progress: bool = True
    retry_divergent: bool = True
    continue_unconverged: bool = True

    def __post_init__(self) -> None:
        _check_int("chains", self.chains, 1, 64, owner="SamplerConfig")
        if self.warmup is not None:
            _check_int("warmup", self.warmup, 10, 100_000, owner="SamplerConfig")
        _check_int("draws", self.draws, 10, 100_000, owner="SamplerConfig")
        _check_int("seed", self.seed, 0, 2**31 - 1, owner="SamplerConfig")
        _check_int("max_tree_depth", self.max_tree_depth, 3, 15, owner="SamplerConfig")
        _check_range("target_accept", self.target_accept, 0.5, 0.999, owner="SamplerConfig")
        if not isinstance(self.dense_mass, bool):
            raise SpecError("The 'dense_mass' parameter of SamplerConfig must be a bool. "
                            f"Got {self.dense_mass!r} instead.")
        for name in ("retry_divergent", "continue_unconverged"):
            if not isinstance(getattr(self, name), bool):
                raise SpecError(f"The '{name}' parameter of SamplerConfig must be a bool. "
                                f"Got {getattr(self, name)!r} instead.")
        if self.laplace is not None and not isinstance(self.laplace, bool):
            raise SpecError("The 'laplace' parameter of SamplerConfig must be true, false "
                            f"or left out (automatic). Got {self.laplace!r} instead.")

    def for_geos(self, n_geos: int) -> "SamplerConfig":
        """This configuration with its warm-up length fixed for data with ``n_geos`` geos.

        >>> SamplerConfig().for_geos(1).warmup, SamplerConfig().for_geos(12).warmup
        (1000, 2000)
        >>> SamplerConfig(warmup=300).for_geos(12).warmup
        300
        """
        if self.warmup is not None:
            return self
        return replace(self, warmup=NATIONAL_WARMUP if n_geos == 1 else GEO_WARMUP)

    def uses_laplace(self, n_geos: int) -> bool:
        """Whether fits of data with ``n_geos`` geos start from a Laplace approximation."""
        return n_geos > 1 if self.laplace is None else self.laplace

    def as_options(self) -> dict:
        """The ``sampler:`` mapping of this configuration."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_options(cls, options: Mapping | None) -> "SamplerConfig":
        """Parse the config's ``sampler:`` mapping."""
        options = dict(options or {})
        valid = {f.name for f in fields(cls)}
        for key in options:
            if key not in valid:
                raise SpecError(_unknown("sampler", key, valid))
        return cls(**options)


def _parse_roi_priors(value, channels) -> tuple[RoiPrior | None, tuple]:
    if not isinstance(value, Mapping):
        raise SpecError("model.roi_priors must be a mapping of channel (or 'default') to "
                        f"{{median, sigma}} or {{lo90, hi90}}. Got {value!r} instead.")
    default = None
    per_channel = []
    for name, prior in value.items():
        parsed = _roi_prior(name, prior)
        if name == "default":
            default = parsed
        else:
            per_channel.append((_known_channel(name, channels), parsed))
    return default, tuple(per_channel)


def _roi_prior(name: str, prior) -> RoiPrior:
    if isinstance(prior, Mapping) and set(prior) == {"median", "sigma"}:
        return RoiPrior(median=float(prior["median"]), sigma=float(prior["sigma"]))
    if isinstance(prior, Mapping) and set(prior) == {"lo90", "hi90"}:
        return RoiPrior.from_interval(float(prior["lo90"]), float(prior["hi90"]))
    raise SpecError(f"model.roi_priors.{name} must be {{median: M, sigma: S}} or "
                    f"{{lo90: L, hi90: H}}. Got {prior!r} instead.")


def _share_prior(value) -> SharePrior | None:
    if value is None:
        return None
    if isinstance(value, Mapping) and set(value) == {"lo90", "hi90"}:
        try:
            return SharePrior(lo90=float(value["lo90"]), hi90=float(value["hi90"]))
        except (TypeError, ValueError):
            pass
    raise SpecError("model.media_share_prior must be {lo90: L, hi90: H} with "
                    f"0 < L < H < 1 (shares of the KPI's value). Got {value!r} instead.")


def _known_channel(name: str, channels: tuple[str, ...]) -> str:
    if channels and name not in channels:
        hint = difflib.get_close_matches(str(name), channels, n=1)
        fix = f" Did you mean '{hint[0]}'?" if hint else f" Channels are: {', '.join(channels)}."
        raise SpecError(f"model: '{name}' is not one of the config's channels.{fix}")
    return name


_MEDIATOR_EXAMPLE = "model: {mediators: {branded_search_volume: [tv_spend]}}"


def _parse_mediators(value, channels) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``{mediator column: [upstream channels]}`` -> ((name, (channels...)), ...)."""
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise SpecError("model.mediators must be a mapping of mediator column to the list "
                        f"of channels that drive it, e.g. {_MEDIATOR_EXAMPLE}. "
                        f"Got {value!r} instead.")
    parsed = []
    for name, upstream in value.items():
        if isinstance(upstream, str):
            upstream = [upstream]
        if not isinstance(upstream, list | tuple) or not upstream:
            raise SpecError(f"model.mediators.{name} must list at least one upstream "
                            f"channel, e.g. {_MEDIATOR_EXAMPLE}. Got {upstream!r} instead.")
        if channels and name in channels:
            raise SpecError(f"model.mediators: '{name}' is a paid channel; a mediator must "
                            "be another column of the data (e.g. branded search volume). "
                            "Remove it from channels or from model.mediators.")
        parsed.append((str(name), tuple(_known_channel(c, channels) for c in upstream)))
    return tuple(parsed)


def _check_mediators(mediators) -> None:
    names = [name for name, _ in mediators]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise SpecError(f"model.mediators lists {', '.join(repeated)} more than once. "
                        "List each mediator column once.")
    for name, upstream in mediators:
        if len(set(upstream)) != len(upstream):
            raise SpecError(f"model.mediators.{name} lists a channel more than once: "
                            f"{list(upstream)}. List each upstream channel once.")


def _parse_countries(value) -> tuple[str, ...]:
    """``false`` / none, one code or a list of codes -> a tuple of codes (checked later)."""
    if value is None or value is False:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple):
        return tuple(value)
    raise SpecError("The 'holidays' parameter of ModelSpec must be a country code, a list "
                    f"of them or false, e.g. holidays: US. Got {value!r} instead.")


def _check_countries(countries) -> None:
    if countries == ():
        return
    import holidays   # the calendars' package: its country codes

    known = sorted(holidays.list_supported_countries())
    listed = countries if isinstance(countries, tuple) else ()
    bad = [c for c in listed if not (isinstance(c, str) and c in known)]
    if listed and not bad and len(set(listed)) == len(listed):
        return
    hint = difflib.get_close_matches(str(bad[0]).upper(), known, n=1) if bad else []
    fix = f" Did you mean '{hint[0]}'?" if hint else ""
    raise SpecError("The 'holidays' parameter of ModelSpec must be a tuple of distinct "
                    "country codes known to the holidays package, e.g. ('US',) or "
                    f"('GB', 'IE'). Got {countries!r} instead.{fix}")


def _pair(value, channels) -> tuple[str, str]:
    if isinstance(value, str):
        value = [part.strip() for part in value.replace(" x ", ":").split(":")]
    if len(value) != 2:
        raise SpecError(f"model.interactions entries must be two channels like "
                        f"'tv_spend:search_spend'. Got {value!r} instead.")
    return _known_channel(value[0], channels), _known_channel(value[1], channels)


def _enum(kind: type[enum.Enum], name: str, value) -> enum.Enum:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(repr(m.value) for m in kind)
        raise SpecError(f"The '{name}' parameter of ModelSpec must be one of {allowed}. "
                        f"Got {value!r} instead.") from None


def _unknown(section: str, key: str, valid: set[str]) -> str:
    hint = difflib.get_close_matches(key, sorted(valid), n=1)
    fix = f" Did you mean '{hint[0]}'?" if hint else ""
    return (f"Unknown key '{key}' under {section}:.{fix} "
            f"Valid keys: {', '.join(sorted(valid))}.")


def _check_type(name, value, kind, owner="ModelSpec") -> None:
    if not isinstance(value, kind):
        raise SpecError(f"The '{name}' parameter of {owner} must be a {kind.__name__}. "
                        f"Got {value!r} instead.")


def _check_bool(name, value, owner="ModelSpec") -> None:
    if not isinstance(value, bool):
        raise SpecError(f"The '{name}' parameter of {owner} must be a bool (true or false). "
                        f"Got {value!r} instead.")


def _check_int(name, value, lo, hi, owner="ModelSpec") -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise SpecError(f"The '{name}' parameter of {owner} must be an int in the range "
                        f"[{lo}, {hi}]. Got {value!r} instead.")


def _check_range(name, value, lo, hi, owner="ModelSpec") -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
        raise SpecError(f"The '{name}' parameter of {owner} must be a float in the range "
                        f"[{lo}, {hi}]. Got {value!r} instead.")
