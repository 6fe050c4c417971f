"""Is a channel's ROI the data's or the prior's? The one rule, used by validation and
by every decision (shift recommendations, allocation actions, the optimiser's defaults).

The ROI prior is LogNormal(roi_log_median, roi_log_sigma) (see
:func:`mixcast.model.mmm.resolve_priors`; with ROI pooling the marginal sd, the common level and spread integrated out); its 90% interval spans ``2 x 1.645 x sigma``
on the log scale. A channel is **mostly prior** when the data narrowed that interval by
less than 30%:

    width ratio = (log hi90 - log lo90 of the posterior ROI) / (2 x 1.645 x sigma) > 0.7

Such a channel (typically always-on spend with little variation, or spend collinear with
another channel) must not drive a reallocation: whatever the optimiser would do with it,
it would be acting on the prior. The right next step is an experiment (``mixcast
design-test``). Contraction (1 - posterior sd / prior sd of log ROI) and the shift of
the posterior mean in prior sds are reported alongside, for validation's priors check.

Only fits with ROI posteriors under a prior (the Bayesian model) have an answer; for
other fits every channel counts as identified (their own checks apply).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mixcast.formatting import compact_number as fmt
from mixcast.model.mmm import resolve_priors

MOSTLY_PRIOR_WIDTH_RATIO = 0.7
_Z90 = 1.6448536


@dataclass(frozen=True, slots=True)
class Identification:
    """How much the data told about one channel's ROI."""

    channel: str
    prior_median: float        # ROI
    prior_lo90: float
    prior_hi90: float
    prior_log_sd: float
    posterior_lo90: float
    posterior_hi90: float
    posterior_log_sd: float
    width_ratio: float         # posterior / prior 90% width of log ROI
    contraction: float         # 1 - posterior sd / prior sd of log ROI
    shift_in_prior_sd: float   # (posterior mean - prior median) / prior sd, log ROI

    @property
    def mostly_prior(self) -> bool:
        """The data narrowed the prior's 90% interval by less than 30%."""
        return is_mostly_prior(self.width_ratio)

    def reason(self) -> str:
        """Plain words: why this channel's ROI cannot drive a decision (or that it can)."""
        if not self.mostly_prior:
            return (f"the data narrowed its ROI interval to {100 * self.width_ratio:.0f}% "
                    "of the prior's")
        return (f"its ROI interval ({fmt(self.posterior_lo90)}–{fmt(self.posterior_hi90)}) "
                f"is {100 * self.width_ratio:.0f}% as wide as the prior's "
                f"({fmt(self.prior_lo90)}–{fmt(self.prior_hi90)}): the estimate is mostly "
                "the prior, not the data")

    def as_dict(self) -> dict:
        return {"prior_roi_median": self.prior_median, "prior_lo90": self.prior_lo90,
                "prior_hi90": self.prior_hi90, "prior_log_sd": self.prior_log_sd,
                "posterior_lo90": self.posterior_lo90, "posterior_hi90": self.posterior_hi90,
                "posterior_log_sd": self.posterior_log_sd, "width_ratio": self.width_ratio,
                "contraction": self.contraction, "shift_in_prior_sd": self.shift_in_prior_sd,
                "mostly_prior": self.mostly_prior}


def is_mostly_prior(width_ratio: float) -> bool:
    """The rule: posterior 90% width over prior 90% width of log ROI above 0.7."""
    return bool(np.isfinite(width_ratio) and width_ratio > MOSTLY_PRIOR_WIDTH_RATIO)


def identification(fit) -> dict[str, Identification]:
    """Per channel, how far the data moved and narrowed its ROI from the prior.

    Returns an empty mapping for fits without an ROI prior (e.g. the ML challenger).
    """
    if getattr(fit, "kind", None) != "bayes":
        return {}
    priors = resolve_priors(fit.data, fit.spec)
    log_roi = np.log(np.maximum(fit.draws("roi"), 1e-12))
    lo, hi = np.percentile(log_roi, [5.0, 95.0], axis=0)
    out = {}
    for c, name in enumerate(fit.channels):
        median, sigma = priors.roi_log_median[c], priors.marginal_log_sigma(c)
        sd = float(log_roi[:, c].std())
        out[name] = Identification(
            channel=name, prior_median=float(np.exp(median)),
            prior_lo90=float(np.exp(median - _Z90 * sigma)),
            prior_hi90=float(np.exp(median + _Z90 * sigma)), prior_log_sd=float(sigma),
            posterior_lo90=float(np.exp(lo[c])), posterior_hi90=float(np.exp(hi[c])),
            posterior_log_sd=sd, width_ratio=float((hi[c] - lo[c]) / (2 * _Z90 * sigma)),
            contraction=float(1.0 - sd / sigma),
            shift_in_prior_sd=float((log_roi[:, c].mean() - median) / sigma))
    return out


def weakly_identified(fit) -> tuple[str, ...]:
    """The channels whose ROI is mostly prior (see the module docstring), in fit order."""
    return tuple(name for name, entry in identification(fit).items() if entry.mostly_prior)


def lift_test_advice(entry: Identification) -> str:
    """The recommendation for a mostly-prior channel: a lift test, and why."""
    return (f"run a lift test on {entry.channel} before moving its budget: {entry.reason()} "
            f"(mixcast design-test --channel {entry.channel})")
