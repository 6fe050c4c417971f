"""Check 7, prior vs data: how far each channel's ROI posterior moved from its prior.

The numbers and the "mostly prior" rule are :mod:`mixcast.analysis.identification`'s (the
one definition, shared with the optimiser and the recommendations). Contraction = 1 -
posterior sd / prior sd on log ROI: near 0, the data said little and the ROI is the
prior's; near 1, the data decided. The shift (posterior mean - prior median, in prior
sds) shows whether the data also moved the estimate. The width ratio (posterior over
prior 90% interval width) above 0.7 marks a channel as mostly prior.
"""

from __future__ import annotations

from mixcast.analysis.identification import identification
from mixcast.posterior.fitted import Fit

CONTRACTION_CARE = 0.2
SHIFT_FAR = 1.0     # prior sds of log ROI: a weak channel's estimate the data still moved


def check_priors(fit: Fit) -> dict:
    """Per channel: prior and posterior of log ROI, contraction, shift and width ratio."""
    channels = {name: entry.as_dict() for name, entry in identification(fit).items()}
    weak = [n for n, e in channels.items()
            if e["contraction"] < CONTRACTION_CARE or e["mostly_prior"]]
    summary = "contraction " + ", ".join(f"{n} {e['contraction']:.2f}"
                                         for n, e in channels.items())
    if weak:
        summary += f"; prior-driven: {', '.join(weak)}"
    return {"status": "warn" if weak else "pass", "summary": summary, "channels": channels}
