"""Analyses behind the report and the dashboard: decomposition over time, recent returns,
rolling effectiveness, total-outcome spend scenarios, budget-shift recommendations, the
platform-attributed comparison and allocation logic. (Response curves, carryover profiles
and the optimiser live in :mod:`mixcast.optimize`.)

Free functions over a :class:`~mixcast.posterior.Fit`, all built on the same primitives as
:mod:`mixcast.analysis` (:func:`~mixcast.counterfactual.plan_outcomes` and the JAX mean
function), so every figure shown is computed from the posterior that was fitted. Each
returns posterior means with 90% intervals (5th-95th percentiles). Nothing here formats.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mixcast.analysis.decomposition import contributions
from mixcast.posterior.intervals import interval
from mixcast.model.counterfactual import media_params, outcome_weights, plan_outcomes
from mixcast.errors import UserError
from mixcast.posterior.fitted import Fit

MAX_DRAWS = 500          # charts and live scenarios use at most this many draws
BASELINE_PARTS = ("intercept", "trend")


@dataclass(frozen=True, slots=True)
class Band:
    """Posterior mean and 90% interval of a quantity, arrays of one shape."""

    mean: np.ndarray
    lo90: np.ndarray
    hi90: np.ndarray

    @classmethod
    def of(cls, draws: np.ndarray) -> "Band":
        """Summarise (S, ...) draws along the first axis, ignoring non-finite draws."""
        draws = np.where(np.isfinite(draws), draws, np.nan)
        lo, hi = np.nanpercentile(draws, [5.0, 95.0], axis=0)
        return cls(mean=np.nanmean(draws, axis=0), lo90=lo, hi90=hi)

    def as_dict(self) -> dict:
        return {"mean": self.mean.tolist(), "lo90": self.lo90.tolist(),
                "hi90": self.hi90.tolist()}


@dataclass(frozen=True, slots=True)
class ScenarioOutcome:
    """Predicted outcome (KPI's unit, data window) of a spend plan and of today's."""

    channels: tuple[str, ...]
    spend: np.ndarray          # (C,) planned totals
    current_spend: np.ndarray  # (C,)
    total: Band                # scalar: baseline + media outcome of the plan
    current_total: Band        # scalar: same for today's spend
    change: Band               # scalar: plan minus current, per draw
    by_channel: Band           # (C,) incremental outcome of each channel under the plan

    def as_dict(self) -> dict:
        scalar = lambda band: {k: float(v) for k, v in (("mean", band.mean),  # noqa: E731
                                                         ("lo90", band.lo90),
                                                         ("hi90", band.hi90))}
        return {
            "spend": dict(zip(self.channels, self.spend.tolist())),
            "current_spend": dict(zip(self.channels, self.current_spend.tolist())),
            "total": scalar(self.total), "current_total": scalar(self.current_total),
            "change": scalar(self.change),
            "by_channel": {c: {"mean": float(self.by_channel.mean[i]),
                               "lo90": float(self.by_channel.lo90[i]),
                               "hi90": float(self.by_channel.hi90[i])}
                           for i, c in enumerate(self.channels)},
        }


def thinned_draws(fit: Fit, *, max_draws: int = MAX_DRAWS) -> dict[str, np.ndarray]:
    """The fit's parameter draws, evenly thinned to at most ``max_draws``."""
    draws = fit.param_draws()
    n = next(iter(draws.values())).shape[0]
    if n <= max_draws:
        return draws
    keep = np.linspace(0, n - 1, max_draws).round().astype(int)
    return {k: v[keep] for k, v in draws.items()}


def decomposition(fit: Fit) -> pd.DataFrame:
    """Weekly outcome (KPI units, summed over geos) split into baseline, seasonality,
    holidays, the national time effect, controls, events, organic, interactions and each
    channel; plus ``fitted`` and ``actual``. Posterior mean."""
    parts = contributions(fit).drop(columns=["geo"]).groupby("date", sort=True).sum()
    out = pd.DataFrame(index=parts.index)
    out["baseline"] = parts[list(BASELINE_PARTS)].sum(axis=1)
    for name in ("seasonality", "holidays", "national_time_effect", "controls", "events",
                 "organic", "interactions", "mediators"):
        if name in parts and np.abs(parts[name].to_numpy()).max() > 0:
            out[name] = parts[name]
    for channel in fit.channels:
        out[channel] = parts[channel]
    out["fitted"] = parts["fitted"]
    out["actual"] = fit.data.y.sum(axis=0)
    return out.reset_index()


def window_returns(fit: Fit, *, weeks: int = 52) -> pd.DataFrame:
    """Spend and incremental outcome by channel over the last ``weeks`` weeks.

    The incremental outcome is by counterfactual (the channel off in every week), counted
    over the window only, so carryover from earlier spend is included. Columns: spend,
    incremental_mean/lo90/hi90, roi_mean/lo90/hi90, weeks.
    """
    n_times = fit.data.n_times
    weeks = int(min(max(weeks, 1), n_times))
    mask = np.zeros(n_times)
    mask[n_times - weeks:] = 1.0
    media = fit.inputs.media
    plans = [media]
    for c in range(media.shape[-1]):
        off = media.copy()
        off[..., c] = 0.0
        plans.append(off)
    out = plan_outcomes(media_params(thinned_draws(fit)), np.stack(plans), fit.inputs,
                        fit.structure, weeks=mask)[..., 0]
    incremental = out[:, :1] - out[:, 1:]
    spend = fit.data.spend[:, n_times - weeks:].sum(axis=(0, 1))
    safe = np.where(spend > 0, spend, np.nan)
    inc, roi = Band.of(incremental), Band.of(incremental / safe)
    return pd.DataFrame({
        "spend": spend, "incremental_mean": inc.mean, "incremental_lo90": inc.lo90,
        "incremental_hi90": inc.hi90, "roi_mean": roi.mean, "roi_lo90": roi.lo90,
        "roi_hi90": roi.hi90, "weeks": weeks},
        index=pd.Index(fit.channels, name="channel"))


def rolling_effectiveness(fit: Fit, *, window: int = 13) -> tuple[np.ndarray, dict[str, Band]]:
    """Rolling ``window``-week return per unit of spend, per channel.

    For each window: outcome the channel drove in those weeks (including carryover from
    just before) divided by its spend in those weeks. Returns the window-end dates and a
    Band of (W,) per channel; NaN where the channel did not spend in a window.
    """
    from mixcast.model.counterfactual import weekly_channel_effects

    n_times = fit.data.n_times
    window = int(min(max(window, 1), n_times))
    effects = weekly_channel_effects(media_params(thinned_draws(fit)), fit.inputs.media,
                                     fit.inputs, fit.structure)           # (S, G, T, C)
    value = outcome_weights(fit.inputs)[0]                                 # (G, T)
    weekly = np.einsum("sgtc,gt->stc", effects, value)
    spend = fit.data.spend.sum(axis=0)                                     # (T, C)
    kernel = np.ones(window)
    roll = lambda a: np.apply_along_axis(  # noqa: E731
        lambda v: np.convolve(v, kernel, mode="valid"), -2, a)
    out_sum, spend_sum = roll(weekly), roll(spend)
    ratio = out_sum / np.where(spend_sum > spend_sum.max(axis=0) * 1e-6, spend_sum, np.nan)
    dates = fit.data.dates[window - 1:]
    return dates, {c: Band.of(ratio[..., i]) for i, c in enumerate(fit.channels)}


def outcome_metric(fit: Fit) -> int:
    """Which outcome plans are scored in: 0 currency value (revenue KPIs), 1 KPI units."""
    return 1 if fit.data.kpi_type == "conversions" else 0


def baseline_totals(fit: Fit, draws: dict[str, np.ndarray]) -> np.ndarray:
    """(S,) non-media outcome over the data window per draw, in the KPI's own unit
    (currency for revenue KPIs, conversions for conversion KPIs)."""
    import jax

    from mixcast.model.mean import baseline, mediated_effects, mediator_term, organic_effects

    inputs, structure = fit.inputs, fit.structure
    value = outcome_weights(inputs)[outcome_metric(fit)]

    def per_draw(p):
        total = sum(baseline(p, inputs).values())
        total = total + organic_effects(p, inputs, structure).sum(-1)
        # The mediators' non-media part (their media part is in the plans' outcomes).
        total = total + (mediator_term(p, inputs.media, inputs, structure)
                         - mediated_effects(p, inputs.media, structure)).sum(-1)
        return (total * value).sum()

    params = {k: np.asarray(v, np.float32) for k, v in draws.items()}
    return np.asarray(jax.lax.map(per_draw, params, batch_size=64), dtype=np.float64)


def planned_totals(fit, spend: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """(C,) current total spend per channel over the data window, and the plan's: ``spend``
    ({channel: total}) replaces the named channels' totals, the others keep theirs.

    Shared by :func:`spend_scenario` and the ML challenger's scenario (any fit with
    ``data`` and ``channels``).

    Raises
    ------
    UserError
        For an unknown channel or a negative (or non-finite) spend.
    """
    current = fit.data.spend.sum(axis=(0, 1))
    planned = current.copy()
    for name, value in spend.items():
        if name not in fit.channels:
            raise UserError(f"Unknown channel {name!r}; this run's channels are "
                            f"{', '.join(fit.channels)}.")
        if not np.isfinite(value) or value < 0:
            raise UserError(f"Spend for {name!r} must be a non-negative number. Got {value}.")
        planned[fit.channels.index(name)] = float(value)
    return current, planned


def scenario_plans(media: np.ndarray, current: np.ndarray, planned: np.ndarray) -> np.ndarray:
    """(C + 2, G, T, C) media plans of a spend scenario: today's ``media``, the plan (each
    channel's weekly and geo pattern scaled to its planned total), then the plan with each
    channel off in turn."""
    factor = np.where(current > 0, planned / np.where(current > 0, current, 1.0), 0.0)
    plans = [media, media * factor]
    for c in range(media.shape[-1]):
        off = plans[1].copy()
        off[..., c] = 0.0
        plans.append(off)
    return np.stack(plans)


def spend_scenario(fit: Fit, spend: dict[str, float], *,
                   draws: dict[str, np.ndarray] | None = None,
                   baseline: np.ndarray | None = None) -> ScenarioOutcome:
    """Predicted outcome over the data window if each channel's total spend were ``spend``,
    in the KPI's own unit (currency for revenue KPIs, conversions for conversion KPIs).

    Each channel's weekly (and geo) pattern is kept and scaled to the new total; channels
    not named keep their spend. ``draws``/``baseline`` may be passed in to reuse them
    across calls (the dashboard does); one compiled evaluation serves every call.

    Raises
    ------
    UserError
        For an unknown channel or a negative spend.
    """
    current, planned = planned_totals(fit, spend)
    draws = draws if draws is not None else thinned_draws(fit)
    base = baseline if baseline is not None else baseline_totals(fit, draws)
    plans = scenario_plans(fit.inputs.media, current, planned)
    out = plan_outcomes(media_params(draws), plans, fit.inputs,
                        fit.structure)[..., outcome_metric(fit)]
    now_total, plan_total = base + out[:, 0], base + out[:, 1]
    return ScenarioOutcome(
        channels=fit.channels, spend=planned, current_spend=current,
        total=Band.of(plan_total), current_total=Band.of(now_total),
        change=Band.of(plan_total - now_total), by_channel=Band.of(out[:, 1:2] - out[:, 2:]))


def platform_comparison(fit: Fit, *, channel_metrics=None) -> pd.DataFrame | None:
    """MMM-incremental vs platform-attributed outcome (KPI units) per reported channel.

    None when the data has no ``platform_attributed`` columns. ``ratio`` = platform-claimed
    / MMM-incremental (above 1: the platform over-credits itself).

    ``channel_metrics`` computes the fit's per-draw metrics (anything with
    ``incremental_kpi`` (S, C)); default :func:`mixcast.analysis.channel_metrics`, the ML
    challenger passes :func:`mixcast.ml.attribution.channel_metrics`. Called only when
    the data has platform-attributed columns.
    """
    if channel_metrics is None:
        from mixcast.analysis.metrics import channel_metrics

    claimed = fit.data.platform_attributed
    if not claimed:
        return None
    metrics = channel_metrics(fit)
    rows = {}
    for name, values in claimed.items():
        if name not in fit.channels:
            continue
        band = Band.of(metrics.incremental_kpi[:, fit.channels.index(name)])
        total = float(np.nansum(values))
        rows[name] = {"platform": total, "mmm_mean": float(band.mean),
                      "mmm_lo90": float(band.lo90), "mmm_hi90": float(band.hi90),
                      "ratio": total / float(band.mean) if band.mean > 0 else float("nan")}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("channel") if rows else None


def shift_recommendations(fit: Fit, *, share: float = 0.10, top: int = 3,
                          exclude_targets: tuple[str, ...] = ()) -> list[dict]:
    """The best budget-neutral moves of ``share`` of one channel's spend to another.

    Every ordered pair of channels is scored over the posterior in one call
    (:func:`mixcast.optimize.shift_grid` and :func:`mixcast.optimize.what_if`); the
    ``top`` moves with the largest expected gain are returned, best first, as dicts with
    ``from``, ``to``, ``amount``, ``change`` (mean/lo90/hi90, media-driven outcome in
    currency for revenue KPIs, KPI units otherwise) and ``prob_better``. Moves into
    ``exclude_targets`` (e.g. channels validation says not to act on) and moves not
    expected to gain are left out.
    """
    from mixcast.optimize import plan_space, shift_grid, what_if
    from mixcast.analysis.evaluator import evaluator

    space = plan_space(fit)
    plans, labels = shift_grid(space.current, space.channels, shares=np.array([share]))
    frame = what_if(evaluator(fit, space), plans, labels)
    moves = []
    for plan, row in zip(plans, frame.itertuples()):
        delta = plan - space.current
        source, target = space.channels[int(delta.argmin())], space.channels[int(delta.argmax())]
        if target in exclude_targets or not row.change_mean > 0:
            continue
        moves.append({"from": source, "to": target, "amount": float(delta.max()),
                      "change": {"mean": float(row.change_mean), "lo90": float(row.change_lo90),
                                 "hi90": float(row.change_hi90)},
                      "prob_better": float(row.prob_better)})
    moves.sort(key=lambda m: -m["change"]["mean"])
    return moves[:top]


def allocation_actions(summary: dict, verdicts: dict | None = None) -> list[dict]:
    """Allocation logic per channel from its marginal return and its trust verdict.

    The hurdle is 1.0 (a unit of spend returns a unit of value) for revenue KPIs, and the
    spend-weighted mean mROI for conversion KPIs. Rules, in order: a ``do_not_act``
    verdict -> "test first"; mROI 90% interval above the hurdle -> "grow"; below it ->
    "cut"; otherwise "hold". Returns one dict per channel, ranked by mROI.
    """
    channels = summary["channels"]
    if summary.get("kpi_type", "revenue") == "revenue":
        hurdle = 1.0
    else:
        spend = sum(e["spend"] for e in channels.values()) or 1.0
        hurdle = sum(e["spend"] * (e["mroi"]["mean"] or 0.0) for e in channels.values()) / spend
    rows = []
    for name, entry in channels.items():
        mroi = entry["mroi"]
        verdict = ((verdicts or {}).get(name) or {}).get("verdict")
        if verdict == "do_not_act":
            action = "test first"
        elif (mroi["lo90"] or 0.0) > hurdle:
            action = "grow"
        elif mroi["hi90"] is not None and mroi["hi90"] < hurdle:
            action = "cut"
        else:
            action = "hold"
        rows.append({"channel": name, "action": action, "hurdle": hurdle,
                     "mroi": mroi, "roi": entry["roi"], "verdict": verdict})
    rows.sort(key=lambda r: -(r["mroi"]["mean"] or 0.0))
    return rows


def media_total(fit: Fit) -> Band:
    """Scalar Band: outcome (KPI units) all paid media drove over the data window.

    Counterfactual: every channel off at once, so interactions and overlaps are counted
    once (the sum of one-channel-off increments can differ slightly).
    """
    media = fit.inputs.media
    plans = np.stack([media, np.zeros_like(media)])
    out = plan_outcomes(media_params(thinned_draws(fit)), plans, fit.inputs,
                        fit.structure)[..., 1]
    return Band.of(out[:, 0] - out[:, 1])
