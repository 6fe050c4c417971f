"""One protocol for a saved run of either kind, for the layers that make decisions from it.

The CLI and the dashboard open a run with :func:`open_run` and call the same methods on
whatever comes back; how a plan is scored (posterior draws through the JAX evaluator, or
bootstrap replicates of the tree ensemble through a gradient-free search) is the model's
business. This is the only place that knows which kinds exist.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd
import yaml

from mixcast.analysis.curves import channel_ranking
from mixcast.analysis.evaluator import evaluator
from mixcast.analysis.forecast import (Forecast, forecast, plan_table, read_plan,
                                       recent_pace_plan)
from mixcast.analysis.plan_space import plan_space
from mixcast.analysis.totals import MAX_DRAWS, baseline_totals
from mixcast.data._common import read_table
from mixcast.data.dataset import Dataset
from mixcast.errors import UserError
from mixcast.ml.decide import optimize_ml, run_scenario_ml, spend_scenario_ml
from mixcast.ml.fit import MLFit
from mixcast.ml.predict import forecast as forecast_ml
from mixcast.ml.run import load_ml_run
from mixcast.optimize.optimizer import Allocation, optimize
from mixcast.optimize.problem import BudgetScenario
from mixcast.optimize.scenario import ScenarioResult, run_scenario, shift_grid, what_if
from mixcast.optimize.spend_scenario import ScenarioOutcome, spend_scenario
from mixcast.posterior.fitted import Fit
from mixcast.runs.directory import load_run
from mixcast.storage import read_manifest, run_model


class RunModel(Protocol):
    """What every fitted model offers the decision, forecast and web layers."""

    path: Path

    @property
    def kind(self) -> str: ...        # "bayes" | "ml": for labels and messages only

    @property
    def fit(self) -> Fit | MLFit: ...

    @property
    def data(self) -> Dataset: ...

    @property
    def channels(self) -> tuple[str, ...]: ...

    def optimize(self, scenario: BudgetScenario) -> Allocation: ...

    def scenario(self, spec: str, *, weeks: int | None = None) -> ScenarioResult: ...

    def spend_scenario(self, spend: dict[str, float]) -> ScenarioOutcome: ...

    def forecast_plan(self, plan_file: Path, *, seed: int = 0) -> Forecast: ...

    def forecast(self, plan_file: Path, *, seed: int = 0) -> pd.DataFrame: ...

    def forecast_ahead(self, weeks: int) -> Forecast: ...

    def channel_ranking(self) -> pd.DataFrame: ...

    def shift_grid(self, shares: np.ndarray, *, weeks: int | None = None) -> pd.DataFrame: ...


@dataclass(frozen=True)
class _SavedRun:
    """What every kind shares: where the run lives and the model read from it."""

    path: Path
    fit: Fit | MLFit

    @property
    def kind(self) -> str:
        return self.fit.kind

    @property
    def data(self) -> Dataset:
        return self.fit.data

    @property
    def channels(self) -> tuple[str, ...]:
        return self.fit.channels

    def forecast(self, plan_file: Path, *, seed: int = 0) -> pd.DataFrame:
        """The forecast.csv table (``date, [geo,] mean, lo90, hi90``) of a plan file."""
        return self.forecast_plan(plan_file, seed=seed).frame()

    def forecast_ahead(self, weeks: int) -> Forecast:
        """The forecast of the next ``weeks`` weeks at today's pace (spend, controls and
        organic series at their last 13 weeks' average: :func:`recent_pace_plan`), through
        the same plan file a user's plan goes through."""
        table = plan_table(recent_pace_plan(self.data, weeks), self.data,
                           date_column=self._date_column)
        with tempfile.TemporaryDirectory(prefix="mixcast-plan-") as folder:
            path = Path(folder) / "plan.csv"
            table.to_csv(path, index=False)
            return self.forecast_plan(path)

    @property
    def _date_column(self) -> str:
        return str(_run_config(self.path).get("date") or "date")


@dataclass(frozen=True)
class BayesRun(_SavedRun):
    """A Bayesian run: plans scored over posterior draws."""

    fit: Fit

    def optimize(self, scenario: BudgetScenario) -> Allocation:
        return optimize(self.fit, scenario)

    def scenario(self, spec: str, *, weeks: int | None = None) -> ScenarioResult:
        return run_scenario(self.fit, spec, weeks=weeks)

    def spend_scenario(self, spend: dict[str, float]) -> ScenarioOutcome:
        draws, baseline = self._scenario_inputs
        return spend_scenario(self.fit, spend, draws=draws, baseline=baseline)

    @cached_property
    def _scenario_inputs(self) -> tuple[dict, object]:
        """Thinned draws and baseline totals, once per loaded run (the dashboard's planner
        scores a plan on every slider move)."""
        draws = self.fit.param_draws(MAX_DRAWS)
        return draws, baseline_totals(self.fit, draws)

    def forecast_plan(self, plan_file: Path, *, seed: int = 0) -> Forecast:
        plan = read_plan(plan_file, self.fit, date_column=self._date_column,
                         impressions=dict(_run_config(self.path).get("impressions") or {}))
        return forecast(self.fit, plan, seed=seed)

    def channel_ranking(self) -> pd.DataFrame:
        return channel_ranking(self.fit)

    def shift_grid(self, shares: np.ndarray, *, weeks: int | None = None) -> pd.DataFrame:
        """Every shift of each share between every pair of channels, over the posterior."""
        space = plan_space(self.fit, weeks=weeks)
        plans, labels = shift_grid(space.current, space.channels, shares=shares)
        return what_if(evaluator(self.fit, space), plans, labels)


@dataclass(frozen=True)
class MLRun(_SavedRun):
    """An ML-challenger run: plans scored over bootstrap replicates of the ensemble."""

    fit: MLFit

    def optimize(self, scenario: BudgetScenario) -> Allocation:
        return optimize_ml(self.fit, scenario)

    def scenario(self, spec: str, *, weeks: int | None = None) -> ScenarioResult:
        return run_scenario_ml(self.fit, spec, weeks=weeks)

    def spend_scenario(self, spend: dict[str, float]) -> ScenarioOutcome:
        return spend_scenario_ml(self.fit, spend)

    def forecast_plan(self, plan_file: Path, *, seed: int = 0) -> Forecast:
        return forecast_ml(self.fit, read_table(plan_file), date_column=self._date_column,
                           seed=seed)

    def channel_ranking(self) -> pd.DataFrame:
        raise UserError("Channel ranking needs a Bayesian run (saturation points come from "
                        "its response curves); drop --ranking for an ML run.")

    def shift_grid(self, shares: np.ndarray, *, weeks: int | None = None) -> pd.DataFrame:
        raise UserError("--grid needs a Bayesian run; give an ML run one --spec at a time.")


def open_run(path: str | Path) -> RunModel:
    """Load the run directory at ``path``, whichever kind of model it holds."""
    path = Path(path)
    kind = run_model(read_manifest(path))
    loaders = {"bayes": lambda: BayesRun(path, load_run(path)),
               "ml": lambda: MLRun(path, load_ml_run(path))}
    if kind not in loaders:
        raise UserError(f"{path}: unknown model kind {kind!r} in manifest.json; this mixcast "
                        f"reads {', '.join(loaders)} runs.")
    return loaders[kind]()


def _run_config(run: Path) -> dict:
    path = run / "config.yaml"
    return (yaml.safe_load(path.read_text()) or {}) if path.exists() else {}


__all__ = ["BayesRun", "MLRun", "RunModel", "open_run"]
