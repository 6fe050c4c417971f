"""Decisions from a fitted model: the budget optimiser, scenarios and recommendations.

``optimize(fit, BudgetScenario(...)) -> Allocation``; ``response_curves(fit)`` and
``channel_ranking(fit)`` for where money works; ``run_scenario(fit, "shift 15% from tv to
social")`` and ``what_if`` for batches of plans.
"""

from mixcast.optimize.optimizer import Allocation, OutcomeBand, optimize
from mixcast.optimize.problem import BudgetScenario, ChannelGroup, LinearConstraint, Mode
from mixcast.analysis.curves import (CarryoverProfile, ResponseCurves, carryover_profile,
                                       channel_ranking, response_curves)
from mixcast.optimize.scenario import (Scenario, ScenarioResult, evaluate_scenarios,
                                       parse_scenario, run_scenario, shift_grid, what_if)
from mixcast.analysis.plan_space import Granularity, PlanSpace, plan_space

__all__ = [
    "Allocation", "BudgetScenario", "CarryoverProfile", "ChannelGroup", "Granularity",
    "LinearConstraint", "Mode", "OutcomeBand", "PlanSpace", "ResponseCurves", "Scenario", "ScenarioResult",
    "carryover_profile", "channel_ranking", "evaluate_scenarios", "optimize", "parse_scenario",
    "plan_space", "response_curves", "run_scenario", "shift_grid", "what_if",
]
