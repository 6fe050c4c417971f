"""The dashboard and REST API over saved runs (FastAPI; schema at /openapi.json).

``create_app(runs_dir, token=...)`` builds the app; :mod:`mixcast.web.server` runs it and
refuses to bind beyond this machine without a token. What a request must satisfy (token,
Host header, size and rate limits) and the headers every response carries are in
:mod:`mixcast.web.security`.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse

from mixcast.errors import RunError, UserError
from mixcast.web import schemas
from mixcast.web.experiments import install_experiment_routes
from mixcast.web.security import Guard, Limits
from mixcast.web.store import RunStore

STATIC = Path(__file__).parent / "static"
ERRORS = {404: {"model": schemas.Problem}, 422: {"model": schemas.Problem}}
# An HTML route's errors are JSON all the same; say so, or the schema would claim text/html.
_PROBLEM_JSON = {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
HTML_ERRORS = {404: {"description": "No such run", "content": _PROBLEM_JSON},
               422: {"description": "Invalid run name", "content": _PROBLEM_JSON}}


def create_app(runs_dir: str | Path | None = None, *, registry: str | Path | None = None,
               token: str | None = None, allowed_hosts: tuple[str, ...] | None = None,
               limits: Limits = Limits()) -> FastAPI:
    """The mixcast web app over the runs in ``runs_dir`` (or a run ``registry``).

    ``token``, ``allowed_hosts`` (None: any Host header) and ``limits`` configure the
    request checks of :mod:`mixcast.web.security`.

    Examples
    --------
    >>> from fastapi.testclient import TestClient            # doctest: +SKIP
    >>> client = TestClient(create_app("runs"))              # doctest: +SKIP
    >>> client.get("/api/runs").json()                       # doctest: +SKIP
    """
    runs_registry = _registry(registry)
    store = _store(runs_dir, runs_registry)
    app = FastAPI(title="mixcast", version=_version(),
                  description="Marketing mix model runs: summaries, validation, live "
                              "scenarios from the posterior, and the budget optimiser.")
    app.state.store = store
    app.state.token = token
    app.add_middleware(Guard, token=token, allowed_hosts=allowed_hosts, limits=limits)
    _install_errors(app)
    _routes(app, store)
    _history_routes(app, runs_registry)
    return app


def _version() -> str:
    from mixcast._version import __version__
    return __version__


def _registry(registry):
    if registry is None:
        return None
    from mixcast.registry.store import Registry

    return Registry.at(registry)


def _store(runs_dir, registry) -> RunStore:
    if registry is None:
        return RunStore(Path(runs_dir or "runs"))
    return RunStore(registry.runs_root,
                    paths=lambda: {r["id"]: Path(r["path"]) for r in registry.runs()})


def _history_routes(app: FastAPI, registry) -> None:
    @app.get("/history", response_class=HTMLResponse, include_in_schema=False)
    def history_page() -> HTMLResponse:
        return HTMLResponse((STATIC / "history.html").read_text(encoding="utf-8"))

    @app.get("/api/history", tags=["registry"], responses=ERRORS)
    def history() -> dict:
        """Runs over time, ROI per channel over refreshes (90% intervals), forecasts
        against actuals, alerts, and adopted plans predicted against actual."""
        from mixcast.registry.history import history as gather_history

        if registry is None:
            raise RunError("This server reads a folder of runs, not a registry; the history "
                           "needs one: `mixcast serve --registry runs/registry.duckdb`.")
        return gather_history(registry)


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_body(request: Request, error: RequestValidationError):
        errors = [{"where": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]}
                  for e in error.errors()]
        detail = "; ".join(f"{e['where']}: {e['problem']}" for e in errors)
        return JSONResponse(status_code=422, content={
            "detail": f"Invalid request: {detail}.", "errors": errors})

    @app.exception_handler(UserError)
    async def user_error(request: Request, error: UserError):
        status = 404 if isinstance(error, RunError) else 422
        return JSONResponse(status_code=status, content={
            "detail": str(error), "errors": [{"kind": type(error).__name__}]})


def _routes(app: FastAPI, store: RunStore) -> None:
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard() -> HTMLResponse:
        return HTMLResponse((STATIC / "dashboard.html").read_text(encoding="utf-8"))

    @app.get("/healthz", tags=["meta"])
    def health() -> dict:
        """Liveness check (no token needed)."""
        return {"status": "ok"}

    @app.get("/api/runs", response_model=list[schemas.RunInfo], tags=["runs"])
    def list_runs() -> list[dict]:
        """Every run in the folder or registry, newest first."""
        return [store.describe(name) for name in store.names()]

    @app.get("/api/runs/{run}", tags=["runs"], responses=ERRORS)
    def run_summary(run: str) -> dict:
        """The run's summary.json (channel ROI, mROI, shares, diagnostics)."""
        return store.summary(run)

    @app.get("/api/runs/{run}/validation", tags=["runs"], responses=ERRORS)
    def run_validation(run: str) -> dict:
        """The run's validation.json (verdicts and checks); 404 if not validated."""
        document = store.validation(run)
        if document is None:
            raise RunError(f"Run {run!r} has not been validated yet. Run `mixcast validate "
                           "--run RUN` on its folder, then reload.")
        return document

    @app.get("/runs/{run}/report", response_class=HTMLResponse, tags=["runs"],
             responses=HTML_ERRORS)
    def run_report(run: str) -> HTMLResponse:
        """The run's self-contained HTML report (rendered on first request)."""
        return HTMLResponse(store.report_html(run))

    _decision_routes(app, store)
    install_experiment_routes(app, store)
    _assist_routes(app, store)


def _decision_routes(app: FastAPI, store: RunStore) -> None:
    @app.get("/api/runs/{run}/planner", response_model=schemas.PlannerResponse,
             tags=["decisions"], responses=ERRORS)
    def planner(run: str) -> dict:
        """Channels, today's spend and slider ranges, and today's predicted outcome."""
        loaded = store.load(run)
        fit = loaded.fit
        current = loaded.model.spend_scenario({})
        channels = [{"name": c, "current_spend": float(s), "max_spend": float(3 * s or 1.0)}
                    for c, s in zip(fit.channels, current.current_spend)]
        return {"run": run, "target": fit.data.target, "kpi_type": fit.data.kpi_type,
                "channels": channels, "current": current.as_dict()}

    @app.post("/api/runs/{run}/scenario", response_model=schemas.ScenarioResponse,
              tags=["decisions"], responses=ERRORS)
    def scenario(run: str, body: schemas.ScenarioRequest) -> dict:
        """Predicted outcome (mean, 90% range) over the data window for a spend plan."""
        return store.load(run).model.spend_scenario(body.spend).as_dict()

    @app.post("/api/runs/{run}/optimize", response_model=schemas.OptimizeResponse,
              tags=["decisions"], responses={**ERRORS, 503: {"model": schemas.Problem}})
    def optimize(run: str, body: schemas.OptimizeRequest) -> dict:
        """The best allocation under the constraints, scored over the posterior."""
        from mixcast.optimize.problem import BudgetScenario

        loaded = store.load(run)
        unknown = [c for c in (*body.lower, *body.upper, *body.locked)
                   if c not in loaded.fit.channels]
        if unknown:
            raise UserError(f"Unknown channel(s) {', '.join(map(repr, unknown))}; this run's "
                            f"channels are {', '.join(loaded.fit.channels)}.")
        scenario = BudgetScenario(budget=body.budget, max_change=body.max_change,
                                  lower=dict(body.lower), upper=dict(body.upper),
                                  locked=tuple(body.locked), risk_quantile=body.risk_quantile)
        return _allocation_body(loaded.model.optimize(scenario))


def _assist_routes(app: FastAPI, store: RunStore) -> None:
    @app.post("/api/runs/{run}/ask", tags=["decisions"], responses=ERRORS)
    def ask(run: str, body: schemas.AskRequest) -> dict:
        """Answer an operator question: how it was read, then the result with its 90%
        range and each channel's trust verdict (the same answer as `mixcast ask`)."""
        from mixcast.assist.answer import ask as answer
        from mixcast.assist.llm import translator

        return answer(store.load(run).model, body.question, translate=translator()).as_dict()

    @app.get("/api/runs/{run}/narrative", tags=["runs"], responses=ERRORS)
    def narrative(run: str) -> dict:
        """The run's plain-language narrative (the same text as `mixcast summary`)."""
        from mixcast.assist.narrative import run_narrative

        loaded = store.load(run)
        return run_narrative(loaded.fit, loaded.path).as_dict()


def _allocation_body(plan) -> dict:
    doc = plan.as_dict()
    return {"outcome_unit": doc["outcome_unit"], "note": doc["note"],
            "current": doc["current"]["outcome"], "recommended": doc["recommended"]["outcome"],
            "gain": doc["gain"], "current_budget": doc["current"]["spend"],
            "recommended_budget": doc["recommended"]["spend"],
            "channels": [{k: row.get(k) for k in schemas.OptimizeChannel.model_fields}
                         for row in doc["channels"]],
            "held": doc["held"], "beyond_data": plan.beyond_data_notes()}
