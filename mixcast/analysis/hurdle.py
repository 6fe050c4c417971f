"""The mROI against which a channel's next unit of spend is judged.

Where the KPI has a value in currency the hurdle is break-even: the next unit pays for
itself (mROI 1, or 1,000 with spend in thousands of the KPI's unit;
:func:`mixcast.data.guardrails.breakeven_roi`). Conversions without a value per
conversion have no break-even, since an mROI of 0.05 conversions per unit of spend is
neither good nor bad by itself. A channel is then judged against the others: the hurdle
is the spend-weighted average mROI, what the whole budget's next unit buys. Moving spend
from a channel below it to one above it buys more conversions at the same budget, which
is what the optimiser does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Hurdle:
    """``value``: the hurdle mROI; ``relative``: True when it is the channels' average
    (no value per KPI unit), False when it is break-even."""

    value: float
    relative: bool

    @property
    def basis(self) -> str:
        """"breakeven", or "channel average" for a relative hurdle."""
        return "channel average" if self.relative else "breakeven"


def mroi_hurdle(breakeven: float | None, spend, mroi) -> Hurdle:
    """The hurdle for channels with ``spend`` (C,) and mean mROI ``mroi`` (C,) today:
    ``breakeven`` where the KPI has a value (not None), else their spend-weighted mean.

    Examples
    --------
    >>> mroi_hurdle(1.0, [100.0, 300.0], [2.0, 0.5])
    Hurdle(value=1.0, relative=False)
    >>> mroi_hurdle(None, [100.0, 300.0], [0.2, 0.04])      # conversions per unit spent
    Hurdle(value=0.08, relative=True)
    """
    if breakeven is not None:
        return Hurdle(float(breakeven), False)
    spend = np.asarray(spend, dtype=float)
    mroi = np.nan_to_num(np.asarray(mroi, dtype=float))
    total = spend.sum()
    value = float(spend @ mroi / total) if total > 0 else float(mroi.mean())
    return Hurdle(round(value, 12), True)
