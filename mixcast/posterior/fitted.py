"""The Fit: posterior draws together with the data, spec and sampler that made them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import arviz as az
import numpy as np

from mixcast.data.dataset import Dataset
from mixcast.model.inputs import ModelInputs, holiday_columns, prepare
from mixcast.model.mean import Structure
from mixcast.posterior.intervals import thin
from mixcast.spec import ModelSpec, SamplerConfig

# Posterior variable -> its dimensions after (chain, draw).
_DIMS = {
    "log_roi_raw": ["channel"], "roi": ["channel"], "decay": ["channel"],
    "half_sat": ["channel"], "slope": ["channel"], "saturation_at_mean": ["channel"], "peak_share": ["channel"],
    "peak": ["channel"], "beta": ["geo", "channel"], "intercept": ["geo"], "level": ["geo"],
    "sigma": ["geo"], "trend_coef": ["trend_term"], "season_coef": ["season_term"],
    "gamma": ["control"], "eta": ["event"], "organic_beta": ["organic"],
    "organic_decay": ["organic"], "organic_half_sat": ["organic"],
    "organic_slope": ["organic"], "interaction": ["interaction_pair"],
    "tv_coef": ["time_knot", "tv_channel"], "geo_tau": ["channel"],
    "geo_z": ["geo_contrast", "channel"], "lift_implied": ["lift_test"],
    "rf_peak": ["rf_channel"], "rf_slope": ["rf_channel"], "rf_half_freq": ["rf_channel"],
    "rf_slope_excess": ["rf_channel"],
    "kappa": ["mediator"], "mediator_link": ["link"],
    "mediator_trend": ["trend_term", "mediator"], "mediator_season": ["season_term", "mediator"],
    "mediator_level": ["geo", "mediator"], "mediator_intercept": ["geo", "mediator"],
    "mediator_sigma": ["mediator"], "holiday_coef": ["holiday"],
    "national_effect": ["time"],
}
# Raw sampled coordinates kept out of the posterior (their transforms are in it).
_RAW_SITES = ("log_roi_raw", "national_z")
SAMPLED_FOR_DIAGNOSTICS = ("roi", "decay", "saturation_at_mean", "slope", "peak_share", "level",
                           "trend_coef", "season_coef", "gamma", "eta", "sigma",
                           "organic_beta", "interaction", "tv_coef", "geo_tau", "nu",
                           "kappa", "mediator_link", "mediator_level", "mediator_sigma",
                           "rf_peak", "rf_slope", "roi_pool_mu", "roi_pool_tau",
                           "holiday_coef", "national_scale")


@dataclass(frozen=True)
class Fit:
    """A fitted Bayesian MMM.

    Attributes
    ----------
    data, spec, sampler : what was fitted, how.
    idata : ArviZ InferenceData with ``posterior`` and ``sample_stats`` groups.
    fit_seconds : wall time of sampling (including compilation).
    """

    data: Dataset
    spec: ModelSpec
    sampler: SamplerConfig
    idata: az.InferenceData
    fit_seconds: float
    kind: ClassVar[str] = "bayes"   # the protocol's label (mixcast.posterior.protocol)
    inputs: ModelInputs = field(init=False, repr=False, compare=False)
    structure: Structure = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Derived, pure and cheap: rebuilt identically when a run is loaded back.
        object.__setattr__(self, "inputs", prepare(self.data, self.spec))
        object.__setattr__(self, "structure", Structure.build(
            self.spec, self.data.channels, n_organic=len(self.data.organic_names),
            mediator_names=self.data.mediator_names, rf_channels=self.data.rf_channels))

    @property
    def channels(self) -> tuple[str, ...]:
        return self.data.channels

    def draws(self, name: str) -> np.ndarray:
        """Posterior draws of ``name`` flattened to (S, ...) with S = chains x draws."""
        values = self.idata.posterior[name].values
        return values.reshape((values.shape[0] * values.shape[1], *values.shape[2:]))

    def param_draws(self, max_draws: int | None = None) -> dict[str, np.ndarray]:
        """Every parameter the mean function reads, as (S, ...) arrays, evenly thinned to
        at most ``max_draws`` (see :func:`mixcast.posterior.intervals.thin`)."""
        return thin({name: self.draws(name) for name in self.idata.posterior.data_vars},
                    max_draws)


def build_inference_data(samples: dict[str, np.ndarray], extras: dict[str, np.ndarray],
                         data: Dataset, spec: ModelSpec) -> az.InferenceData:
    """Wrap grouped-by-chain draws as InferenceData with named dims and coordinates."""
    coords = {
        "channel": list(data.channels), "geo": list(data.geos),
        "control": list(data.control_names), "event": list(data.event_names),
        "organic": list(data.organic_names),
        # A dimension must not share its variable's name, or xarray turns the draws into
        # a coordinate and they vanish from ``data_vars``.
        "interaction_pair": [f"{a}:{b}" for a, b in spec.interactions],
        "tv_channel": list(spec.time_varying),
        "mediator": list(data.mediator_names),
        "link": [f"{c}->{m}" for m, up in spec.mediators for c in up],
        "lift_test": [t.label or f"test_{i}" for i, t in enumerate(data.lift_tests)],
        "rf_channel": list(data.rf_channels),
        "holiday": list(holiday_columns(data, spec).names),
        "time": np.asarray(data.dates, dtype="datetime64[ns]"),
    }
    posterior = {k: v for k, v in samples.items() if k not in _RAW_SITES}
    dims = {k: _DIMS[k] for k in posterior if k in _DIMS}
    stats = {
        "diverging": extras["diverging"].astype(bool),
        "n_steps": extras["num_steps"],
        "energy": extras["energy"],
        "acceptance_rate": extras["accept_prob"],
    }
    used = {d for ds in dims.values() for d in ds}
    return az.from_dict(posterior=posterior, sample_stats=stats,
                        coords={k: v for k, v in coords.items() if k in used}, dims=dims)
