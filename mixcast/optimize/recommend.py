"""Recommendations from a fit: the best budget-neutral shifts, and an allocation action
per channel from its marginal return and its trust verdict.

Never act on the prior: a weakly identified channel (its ROI interval mostly the prior's,
:mod:`mixcast.analysis.identification`) is neither the source nor the target of a
recommended shift, and its allocation action is "test first"; :func:`lift_test_recommendations`
says which lift test to run instead, and why."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mixcast.analysis.evaluator import evaluator
from mixcast.analysis.hurdle import mroi_hurdle
from mixcast.analysis.identification import (identification, lift_test_advice,
                                             weakly_identified)
from mixcast.analysis.plan_space import plan_space
from mixcast.optimize.scenario import shift_grid, what_if
from mixcast.posterior.fitted import Fit


def shift_recommendations(fit: Fit, *, share: float = 0.10, top: int = 3,
                          exclude_targets: tuple[str, ...] = (),
                          move_weak: bool = False) -> list[dict]:
    """The best budget-neutral moves of ``share`` of one channel's spend to another.

    Every ordered pair of channels is scored over the posterior in one call
    (:func:`mixcast.optimize.shift_grid` and :func:`mixcast.optimize.what_if`); the
    ``top`` moves with the largest expected gain are returned, best first, as dicts with
    ``from``, ``to``, ``amount``, ``change`` (mean/lo90/hi90, media-driven outcome in
    currency for revenue KPIs, KPI units otherwise) and ``prob_better``. Moves into
    ``exclude_targets`` (e.g. channels validation says not to act on) and moves not
    expected to gain are left out, and so is any move out of or into a weakly identified
    channel unless ``move_weak`` (see :func:`lift_test_recommendations` for those).
    """
    weak = () if move_weak else weakly_identified(fit)
    space = plan_space(fit)
    plans, labels = shift_grid(space.current, space.channels, shares=np.array([share]))
    return best_moves(plans, what_if(evaluator(fit, space), plans, labels),
                      current=space.current, channels=space.channels, top=top,
                      exclude_targets=exclude_targets, weak=weak)


def best_moves(plans: np.ndarray, table: pd.DataFrame, *, current: np.ndarray,
               channels: tuple[str, ...], top: int,
               exclude_targets: tuple[str, ...] = (),
               weak: tuple[str, ...] = ()) -> list[dict]:
    """The ``top`` one-pair shifts of ``plans`` (V, C) with the largest expected gain in
    ``table`` (a :func:`mixcast.optimize.what_if` table, one row per plan), as the dicts
    :func:`shift_recommendations` returns; moves into ``exclude_targets`` and moves not
    expected to gain are left out, and so is any move out of or into a ``weak`` (weakly
    identified) channel. Shared with the ML challenger's report."""
    moves = []
    for plan, row in zip(plans, table.itertuples()):
        delta = plan - current
        source, target = channels[int(delta.argmin())], channels[int(delta.argmax())]
        if target in exclude_targets or source in weak or target in weak \
                or not row.change_mean > 0:
            continue
        moves.append({"from": source, "to": target, "amount": float(delta.max()),
                      "change": {"mean": float(row.change_mean), "lo90": float(row.change_lo90),
                                 "hi90": float(row.change_hi90)},
                      "prob_better": float(row.prob_better)})
    moves.sort(key=lambda m: -m["change"]["mean"])
    return moves[:top]


def lift_test_recommendations(fit) -> list[dict]:
    """One "run a lift test" recommendation per weakly identified channel, with why:
    ``{"channel", "action": "run a lift test", "reason", "command"}``."""
    return [{"channel": name, "action": "run a lift test", "reason": lift_test_advice(entry),
             "command": f"mixcast design-test --channel {name}"}
            for name, entry in identification(fit).items() if entry.mostly_prior]


def allocation_actions(summary: dict, verdicts: dict | None = None,
                       weak: dict[str, str] | None = None) -> list[dict]:
    """Allocation logic per channel from its marginal return and its trust verdict.

    The hurdle is the summary's ``breakeven_roi`` (a unit of spend returns a unit of value:
    1, or 1,000 with spend in thousands of the KPI's unit), or, where the KPI has no value
    (null; conversions without ``revenue_per_kpi``), the spend-weighted mean mROI
    (:func:`mixcast.analysis.hurdle.mroi_hurdle`). Runs written before the key: 1 for
    revenue KPIs, the mean for conversions. Rules, in order: a ``do_not_act``
    verdict, or a weakly identified channel (``weak``: channel -> why, e.g. from
    :func:`weak_reasons`) -> "test first"; mROI 90% interval above the hurdle -> "grow";
    below it -> "cut"; otherwise "hold". Returns one dict per channel, ranked by mROI,
    with the ``reason`` for a "test first".
    """
    channels = summary["channels"]
    breakeven = summary.get("breakeven_roi", 1.0 if summary.get("kpi_type", "revenue")
                            == "revenue" else None)
    hurdle = mroi_hurdle(breakeven, [e["spend"] for e in channels.values()],
                         [e["mroi"]["mean"] or 0.0 for e in channels.values()])
    rows = []
    for name, entry in channels.items():
        mroi = entry["mroi"]
        verdict = ((verdicts or {}).get(name) or {}).get("verdict")
        reason = None
        if name in (weak or {}):
            action, reason = "test first", weak[name]
        elif verdict == "do_not_act":
            action = "test first"
            reason = "validation says do not act: " + "; ".join(
                ((verdicts or {}).get(name) or {}).get("reasons", [])[:1])
        elif (mroi["lo90"] or 0.0) > hurdle.value:
            action = "grow"
        elif mroi["hi90"] is not None and mroi["hi90"] < hurdle.value:
            action = "cut"
        else:
            action = "hold"
        rows.append({"channel": name, "action": action, "hurdle": hurdle.value,
                     "hurdle_relative": hurdle.relative,
                     "mroi": mroi, "roi": entry["roi"], "verdict": verdict, "reason": reason})
    rows.sort(key=lambda r: -(r["mroi"]["mean"] or 0.0))
    return rows


def weak_reasons(fit) -> dict[str, str]:
    """``{channel: "run a lift test on ... : why"}`` for the weakly identified channels."""
    return {name: lift_test_advice(entry) for name, entry in identification(fit).items()
            if entry.mostly_prior}
