"""Request and response bodies of the REST API (pydantic; they make /openapi.json)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class Band(BaseModel):
    """Posterior mean and 90% interval (5th-95th percentile)."""

    mean: float
    lo90: float
    hi90: float


class RunInfo(BaseModel):
    name: str
    created: str | None = None
    model: str = "bayes"
    channels: list[str] = []
    kpi_type: str | None = None
    target: str | None = None
    date_range: list[str] | None = None
    converged: bool | None = None
    verdict: str | None = None
    has_validation: bool = False


class ScenarioRequest(BaseModel):
    """Total spend per channel over the data window; channels left out keep today's."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"spend": {"tv_spend": 250000.0, "search_spend": 180000.0}}]})

    spend: dict[str, NonNegative] = Field(min_length=1)


class ScenarioResponse(BaseModel):
    spend: dict[str, float]
    current_spend: dict[str, float]
    total: Band
    current_total: Band
    change: Band
    by_channel: dict[str, Band]
    beyond_data: dict[str, str] = {}    # channel -> the plan past its highest week, in words


class PlannerChannel(BaseModel):
    name: str
    current_spend: float
    max_spend: float


class PlannerResponse(BaseModel):
    run: str
    target: str
    kpi_type: str
    channels: list[PlannerChannel]
    current: ScenarioResponse


class OptimizeRequest(BaseModel):
    """Budget optimisation over the data window (the optimiser's BudgetScenario)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"budget": 1000000.0, "max_change": 0.3, "locked": ["tv_spend"]}]})

    budget: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    max_change: Annotated[float, Field(ge=0, le=10)] | None = None
    lower: dict[str, NonNegative] = {}
    upper: dict[str, NonNegative] = {}
    locked: list[str] = []
    risk_quantile: Annotated[float, Field(gt=0, le=0.5)] | None = None


class OptimizeChannel(BaseModel):
    channel: str
    current_spend: float
    recommended_spend: float
    change_pct: float | None
    expected_outcome_mean: float
    expected_outcome_lo90: float
    expected_outcome_hi90: float


class OptimizeResponse(BaseModel):
    outcome_unit: str
    note: str
    current: Band
    recommended: Band
    gain: Band
    current_budget: float
    recommended_budget: float
    channels: list[OptimizeChannel]
    held: dict[str, str] = {}           # channel -> why it was kept at today's spend
    beyond_data: dict[str, str] = {}    # channel -> its plan beyond the data, in words


class Problem(BaseModel):
    """Every 4xx/5xx body: ``detail`` says what went wrong and how to fix it."""

    detail: str
    errors: list[dict] = []


class DesignRequest(BaseModel):
    """A lift-test design for one channel (as `mixcast design-test`)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"channel": "tv_spend", "change": "go-dark", "weeks": [4, 6, 8]}]})

    channel: str
    change: str = "go-dark"
    weeks: list[Annotated[int, Field(ge=1, le=26)]] = Field(default=[4, 6, 8], min_length=1,
                                                            max_length=6)
    cooldown: Annotated[int, Field(ge=0, le=13)] = 2
    max_cost: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    exclude_geos: list[str] = []


class AnalyzeRequest(BaseModel):
    """A test that ran: its design (design.json) and the data rows before and during it."""

    model_config = ConfigDict(extra="forbid")

    design: dict
    rows: list[dict] = Field(min_length=1)
    weeks: Annotated[int, Field(ge=1, le=26)] | None = None
    start_date: str | None = None


class AskRequest(BaseModel):
    """An operator question about the run (see `mixcast ask --help` for the forms)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"question": "what if we shift 15% from TV to Meta?"}]})

    question: str = Field(min_length=1, max_length=500)
