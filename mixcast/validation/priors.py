"""Check 7, prior vs data: how far each channel's ROI posterior moved from its prior.

The ROI prior is LogNormal(roi_log_median, roi_log_sigma) (see
:func:`mixcast.model.resolve_priors`); with ROI pooling, a pooled channel's prior sd is the
marginal one (common level and spread integrated out). Contraction = 1 - posterior sd / prior sd on log
ROI: near 0, the data said little and the ROI is the prior's; near 1, the data decided.
The shift (posterior mean - prior median, in prior sds) shows whether the data also
moved the estimate.
"""

from __future__ import annotations

import numpy as np

from mixcast.model.mmm import resolve_priors
from mixcast.posterior.fitted import Fit

CONTRACTION_CARE = 0.2


def check_priors(fit: Fit) -> dict:
    """Per channel: prior and posterior of log ROI, contraction and shift."""
    priors = resolve_priors(fit.data, fit.spec)
    log_roi = np.log(np.maximum(fit.draws("roi"), 1e-12))
    channels = {}
    for c, name in enumerate(fit.channels):
        median, sigma = priors.roi_log_median[c], priors.marginal_log_sigma(c)
        sd = float(log_roi[:, c].std())
        channels[name] = {
            "prior_roi_median": float(np.exp(median)), "prior_log_sd": float(sigma),
            "posterior_log_sd": sd, "contraction": float(1.0 - sd / sigma),
            "shift_in_prior_sd": float((log_roi[:, c].mean() - median) / sigma),
        }
    weak = [n for n, e in channels.items() if e["contraction"] < CONTRACTION_CARE]
    summary = "contraction " + ", ".join(f"{n} {e['contraction']:.2f}"
                                         for n, e in channels.items())
    if weak:
        summary += f"; prior-driven: {', '.join(weak)}"
    return {"status": "warn" if weak else "pass", "summary": summary, "channels": channels}
