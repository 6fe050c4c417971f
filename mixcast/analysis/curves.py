"""Response curves, saturation points, carryover profiles and the operator ranking.

Each channel's curve scales its observed weekly spend pattern over the data window by a
multiplier (0 to 2.5x by default) and scores the channel's incremental outcome under every
posterior draw with the fitted mean function (interactions, when modelled, are left out of
the per-channel curves). mROI along the curve follows the DESIGN.md definition: the return
of a 1% proportional increase.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mixcast.analysis.evaluator import evaluator, plan_outcomes
from mixcast.analysis.hurdle import Hurdle, mroi_hurdle
from mixcast.analysis.metrics import MROI_STEP
from mixcast.analysis.plan_space import plan_space
from mixcast.data.guardrails import breakeven_roi
from mixcast.posterior.fitted import Fit
from mixcast.posterior.intervals import interval
from mixcast.transforms import carryover_weights

CURVE_MULTIPLIERS = np.round(np.linspace(0.0, 2.5, 26), 6)
STEP = MROI_STEP                              # the mROI step (1% more spend)
_SEARCH = np.geomspace(1e-2, 1e3, 121)        # dense grid for saturation points
_ASYMPTOTE = 1e5                              # multiplier at which every Hill is ~1
SEARCH_DRAWS = 500                            # draws for the posterior-mean search curve


@dataclass(frozen=True, slots=True)
class ResponseCurves:
    """Per-channel response curves over the data window, (C, M) arrays.

    ``outcome``, ``mroi`` and ``cpa`` are dicts of mean/lo90/hi90 arrays; outcome is the
    channel's incremental outcome in currency value, ``outcome_kpi`` in KPI units (means);
    ``cpa`` only for conversion KPIs. ``hurdle`` is the mROI each channel is judged
    against (:mod:`mixcast.analysis.hurdle`: break-even, or the channels' average where
    the KPI has no value); ``breakeven_spend`` is where the mean mROI falls below it (NaN
    if never within ``searched_to`` x current spend, 0 if it never reaches it);
    ``saturation_spend`` where the mean curve reaches 80% of its asymptote.
    """

    channels: tuple[str, ...]
    multipliers: np.ndarray                  # (M,)
    spend: np.ndarray                        # (C, M)
    current_spend: np.ndarray                # (C,)
    current_index: int                       # column of multiplier 1
    outcome: dict[str, np.ndarray] = field(repr=False)
    outcome_kpi: np.ndarray = field(repr=False)
    mroi: dict[str, np.ndarray] = field(repr=False)
    cpa: dict[str, np.ndarray] | None = field(repr=False)
    asymptote: np.ndarray = field(repr=False)          # (C,) mean
    breakeven_spend: np.ndarray = field(repr=False)    # (C,)
    saturation_spend: np.ndarray = field(repr=False)   # (C,)
    hurdle: Hurdle = Hurdle(1.0, False)
    searched_to: float = float(_SEARCH[-1])  # multiple of today's spend searched for points

    def to_frame(self) -> pd.DataFrame:
        """Long table: channel, multiplier, spend, outcome and mROI bands (and CPA)."""
        frames = []
        for c, channel in enumerate(self.channels):
            frame = pd.DataFrame({"channel": channel, "multiplier": self.multipliers,
                                  "spend": self.spend[c],
                                  "is_current": np.arange(len(self.multipliers))
                                  == self.current_index})
            for name, band in (("outcome", self.outcome), ("mroi", self.mroi),
                               ("cpa", self.cpa)):
                for key, values in (band or {}).items():
                    frame[f"{name}_{key}"] = values[c]
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)


def response_curves(fit: Fit, *, multipliers: np.ndarray = CURVE_MULTIPLIERS,
                    search_draws: int = SEARCH_DRAWS) -> ResponseCurves:
    """Response curves of every channel with 90% bands, mROI, CPA and saturation points.

    The curves and their bands use every posterior draw, so at multiplier 1 they equal
    the counterfactual outcome and mROI of :func:`mixcast.analysis.channel_metrics` (the
    same draws, the same mean function). Saturation points come from the posterior-mean
    curve on a dense grid up to 1000x, evaluated on ``search_draws`` evenly thinned draws.

    Parameters
    ----------
    multipliers : (M,) multiples of each channel's current spend; 1.0 is added if absent.
    search_draws : draws used for the dense posterior-mean curve (saturation points).
    """
    grid = np.unique(np.append(np.asarray(multipliers, dtype=float), 1.0))
    space = plan_space(fit)
    reference = np.where(space.current > 0, space.current, max(space.current.mean(), 1.0))
    steps = np.where(grid > 0, grid * (1 + STEP), STEP)
    plans = np.concatenate([grid, steps])[:, None] * reference[None, :]
    out = plan_outcomes(evaluator(fit, space), plans, per_channel=True)[..., :-1]  # (S,V,2,C)
    search = np.concatenate([_SEARCH, [_ASYMPTOTE]])[:, None] * reference[None, :]
    thinned = evaluator(fit, space, max_draws=search_draws)
    dense = plan_outcomes(thinned, search, per_channel=True)[:, :, 0, :-1].mean(axis=0)
    n = len(grid)
    value, kpi = out[:, :n, 0], out[:, :n, 1]                      # (S, M, C)
    marginal = (out[:, n:, 0] - value) / ((steps - grid)[None, :, None]
                                          * reference[None, None, :])
    spend = grid[None, :] * reference[:, None]                     # (C, M)
    cpa = None
    if fit.data.kpi_type == "conversions":
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = spend.T[None] / np.where(kpi > 0, kpi, np.nan)
        cpa = {k: v.T for k, v in interval(ratio).items()}
    asymptote = dense[-1]                                          # (C,)
    i = int(np.searchsorted(grid, 1.0))
    hurdle = mroi_hurdle(breakeven_roi(fit.data), space.current, marginal[:, i].mean(0))
    return ResponseCurves(
        channels=space.channels, multipliers=grid, spend=spend, current_spend=space.current,
        current_index=i,
        outcome={k: v.T for k, v in interval(value).items()}, outcome_kpi=kpi.mean(0).T,
        mroi={k: v.T for k, v in interval(marginal).items()}, cpa=cpa, asymptote=asymptote,
        breakeven_spend=_breakeven(dense[:-1], _SEARCH, reference, hurdle.value),
        saturation_spend=_saturation(dense[:-1], asymptote, _SEARCH, reference),
        hurdle=hurdle)


def _breakeven(curve: np.ndarray, grid: np.ndarray, reference: np.ndarray,
               threshold: float) -> np.ndarray:
    """Spend where the mean marginal return (slope of the mean curve) last falls below
    ``threshold`` (the hurdle: :mod:`mixcast.analysis.hurdle`)."""
    spend = grid[:, None] * reference[None, :]
    slope = np.diff(curve, axis=0) / np.diff(spend, axis=0)        # (K - 1, C)
    middle = np.sqrt(spend[1:] * spend[:-1])
    result = np.full(curve.shape[1], np.nan)
    for c in range(curve.shape[1]):
        above = slope[:, c] >= threshold
        if not above.any():
            result[c] = 0.0
            continue
        last = int(np.nonzero(above)[0][-1])
        if last + 1 < len(above):
            result[c] = middle[last + 1, c]
    return result


def _saturation(curve: np.ndarray, asymptote: np.ndarray, grid: np.ndarray,
                reference: np.ndarray, share: float = 0.8) -> np.ndarray:
    """Spend where the mean curve first reaches ``share`` of its asymptote."""
    result = np.full(curve.shape[1], np.nan)
    for c in range(curve.shape[1]):
        reached = np.nonzero(curve[:, c] >= share * asymptote[c])[0]
        if reached.size and asymptote[c] > 0:
            k = int(reached[0])
            if k == 0:
                result[c] = grid[0] * reference[c]
                continue
            lo, hi = curve[k - 1, c], curve[k, c]
            frac = (share * asymptote[c] - lo) / max(hi - lo, 1e-12)
            result[c] = (grid[k - 1] + frac * (grid[k] - grid[k - 1])) * reference[c]
    return result


@dataclass(frozen=True, slots=True)
class CarryoverProfile:
    """Share of a week's media effect that lands in week 0, 1, 2, ... after it (C, L)."""

    channels: tuple[str, ...]
    share: dict[str, np.ndarray]              # mean/lo90/hi90, (C, L)
    weeks_to_90pct: np.ndarray                # (C,) weeks until 90% has landed (mean profile)


def carryover_profile(fit: Fit) -> CarryoverProfile:
    """The adstock weights of every channel over the posterior (mean and 90% band)."""
    import jax

    draws = fit.param_draws()
    l_max = fit.structure.l_max
    decay = np.asarray(draws["decay"], dtype=np.float32)
    if fit.structure.delayed:
        weights = jax.vmap(lambda d, p: carryover_weights(d, p, l_max=l_max))(
            decay, np.asarray(draws["peak"], dtype=np.float32))
    else:
        weights = jax.vmap(lambda d: carryover_weights(d, None, l_max=l_max))(decay)
    weights = np.asarray(weights, dtype=np.float64)
    band = interval(weights)
    cumulative = np.cumsum(band["mean"], axis=1)
    return CarryoverProfile(channels=fit.channels, share=band,
                            weeks_to_90pct=(cumulative < 0.9).sum(axis=1) + 1.0)


def channel_ranking(fit: Fit, curves: ResponseCurves | None = None, *,
                    threshold: float | None = None) -> pd.DataFrame:
    """The operator table: which channels are saturated, underfunded, or to cut first.

    ``status`` is ``underfunded`` when the whole 90% interval of mROI is above
    ``threshold`` (default: the curves' hurdle, where the next unit pays for itself, or the
    channels' average mROI where the KPI has no value: :mod:`mixcast.analysis.hurdle`),
    ``saturated`` when it is all below, or current spend is past 80% of the channel's
    asymptote, else ``hold`` (the data cannot tell). ``cut_rank`` 1 is the first channel to
    cut (lowest mROI); ``next_dollar_rank`` 1 is where the next unit should go. ``hurdle``
    and ``hurdle_basis`` ("breakeven" or "channel average") say what it was judged against.
    """
    curves = curves or response_curves(fit)
    basis = curves.hurdle.basis if threshold is None else "breakeven"
    threshold = curves.hurdle.value if threshold is None else threshold
    i = curves.current_index
    spend = curves.current_spend
    with np.errstate(divide="ignore", invalid="ignore"):
        roi = curves.outcome["mean"][:, i] / np.where(spend > 0, spend, np.nan)
    mroi = {k: v[:, i] for k, v in curves.mroi.items()}
    past_knee = spend >= np.where(np.isnan(curves.saturation_spend), np.inf,
                                  curves.saturation_spend)
    status = np.where(mroi["lo90"] > threshold, "underfunded",
                      np.where((mroi["hi90"] < threshold) | past_knee, "saturated", "hold"))
    order = np.argsort(mroi["mean"])
    cut_rank = np.empty(len(order), dtype=int)
    cut_rank[order] = np.arange(1, len(order) + 1)
    frame = pd.DataFrame({
        "channel": list(curves.channels), "spend": spend, "roi_mean": roi,
        "mroi_mean": mroi["mean"], "mroi_lo90": mroi["lo90"], "mroi_hi90": mroi["hi90"],
        "breakeven_spend": curves.breakeven_spend, "saturation_spend": curves.saturation_spend,
        "status": status, "hurdle": threshold, "hurdle_basis": basis, "cut_rank": cut_rank,
        "next_dollar_rank": len(order) + 1 - cut_rank,
        "cut_first": (cut_rank == 1) & (mroi["mean"] < threshold),
    })
    return frame.sort_values("cut_rank").reset_index(drop=True)
