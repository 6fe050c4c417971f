"""Total-outcome spend scenarios: what the whole KPI would be over the data window if
each channel's total spend were different (the dashboard's live what-if)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mixcast.analysis.plan_space import BEYOND_DATA, beyond_data_note
from mixcast.analysis.totals import MAX_DRAWS, baseline_totals, outcome_metric
from mixcast.errors import UserError
from mixcast.model.counterfactual import media_params, plan_outcomes
from mixcast.model.plans import channel_off_plans
from mixcast.posterior.fitted import Fit
from mixcast.posterior.intervals import Band


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

    @classmethod
    def of(cls, channels: tuple[str, ...], spend: np.ndarray, current_spend: np.ndarray,
           outcomes: np.ndarray, base: np.ndarray | float = 0.0) -> "ScenarioOutcome":
        """From the (S, C + 2) outcomes of :func:`scenario_plans` per draw, plus ``base``
        (S,) (what the plans do not change, e.g. the baseline) for the totals."""
        now_total, plan_total = base + outcomes[:, 0], base + outcomes[:, 1]
        return cls(channels=channels, spend=spend, current_spend=current_spend,
                   total=Band.of(plan_total), current_total=Band.of(now_total),
                   change=Band.of(plan_total - now_total),
                   by_channel=Band.of(outcomes[:, 1:2] - outcomes[:, 2:]))

    def beyond_data(self) -> dict[str, str]:
        """Channels the plan takes past their highest week in the data, in words: each
        channel's observed weeks are scaled by planned / current, so its peak is that scale
        (:data:`~mixcast.analysis.plan_space.BEYOND_DATA`)."""
        current = np.where(self.current_spend > 0, self.current_spend, np.nan)
        with np.errstate(invalid="ignore"):
            scale = self.spend / current
        return {name: beyond_data_note(float(x)) for name, x in zip(self.channels, scale)
                if np.isfinite(x) and x > BEYOND_DATA}

    def as_dict(self) -> dict:
        return {
            "beyond_data": self.beyond_data(),
            "spend": dict(zip(self.channels, self.spend.tolist())),
            "current_spend": dict(zip(self.channels, self.current_spend.tolist())),
            "total": self.total.at(()), "current_total": self.current_total.at(()),
            "change": self.change.at(()),
            "by_channel": {c: self.by_channel.at(i) for i, c in enumerate(self.channels)},
        }


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
    return np.concatenate([np.asarray(media)[None], channel_off_plans(media * factor)])


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
    draws = draws if draws is not None else fit.param_draws(MAX_DRAWS)
    base = baseline if baseline is not None else baseline_totals(fit, draws)
    plans = scenario_plans(fit.inputs.media, current, planned)
    out = plan_outcomes(media_params(draws), plans, fit.inputs,
                        fit.structure)[..., outcome_metric(fit)]
    return ScenarioOutcome.of(fit.channels, planned, current, out, base)
