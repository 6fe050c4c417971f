"""``mixcast mcp``: the runs of a folder as MCP tools (the official ``mcp`` SDK).

Every tool reads saved runs and computes with the library's own engines; every result
carries its 90% intervals and each channel's trust verdict (``trust``: solid / care /
do_not_act / not_validated, with reasons and whether budget may move on it). The server
is read-only unless started with ``allow_fit`` (then a ``fit`` tool writes new runs into
the folder). Bad input (an unknown run or channel, an unreadable spec) comes back as a
tool error naming the problem and the fix.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from mixcast._version import __version__
from mixcast.assist.advice import held_channels
from mixcast.assist.answer import ask as ask_question
from mixcast.assist.llm import translator
from mixcast.assist.narrative import run_narrative
from mixcast.assist.trust import channel_trust, overall
from mixcast.errors import UserError
from mixcast.optimize.problem import BudgetScenario
from mixcast.runs.folder import RunFolder
from mixcast.storage import jsonable

INSTRUCTIONS = (
    "mixcast: Bayesian marketing mix model runs. Start with list_runs, then channel_results "
    "or narrative. Every number comes with a 90% range and each channel's trust verdict; "
    "never recommend moving budget on a channel whose 'movable' is false (recommend a lift "
    "test instead). Use scenario for what-ifs ('shift 15% from tv_spend to social_spend') "
    "and optimise for the best allocation.")


def _tool(fn: Callable) -> Callable:
    """Input mistakes become tool errors with mixcast's own message (no traceback)."""
    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        try:
            return jsonable(fn(*args, **kwargs))
        except UserError as error:
            raise ToolError(str(error)) from None
    return wrapped


def build_server(runs: str | Path, *, allow_fit: bool = False) -> MCPServer:
    """The MCP server over the runs folder ``runs`` (read-only unless ``allow_fit``)."""
    folder = RunFolder(runs)
    server = MCPServer(name="mixcast", version=__version__, instructions=INSTRUCTIONS)

    def trust_of(run: str) -> dict:
        loaded = folder.load(run)
        return {c: t.as_dict() for c, t in channel_trust(loaded.fit, loaded.path).items()}

    def channel_name(run: str, channel: str) -> str:
        from mixcast.assist.taxonomy import resolve_channel, run_aliases

        model = folder.load(run).model
        return resolve_channel(channel, model.channels, aliases=run_aliases(model.path),
                               where="channel")

    @server.tool()
    @_tool
    def list_runs() -> dict[str, Any]:
        """The runs in the folder, newest first: model kind, channels, data window and
        overall trust verdict."""
        runs = [folder.describe(name) for name in folder.names()]
        return {"runs": [r | {"verdict": r.get("verdict") or "not_validated"} for r in runs]}

    @server.tool()
    @_tool
    def channel_results(run: str) -> dict[str, Any]:
        """Per channel of a run: spend, ROI, mROI, contribution share and incremental
        outcome (each mean with its 90% interval), and the channel's trust verdict."""
        summary = folder.summary(run)
        return {"run": run, "target": summary.get("target"), "kpi_type": summary.get("kpi_type"),
                "date_range": summary.get("date_range"), "channels": summary["channels"],
                "diagnostics": summary.get("diagnostics"), "trust": trust_of(run)}

    @server.tool()
    @_tool
    def response_curve(run: str, channel: str) -> dict[str, Any]:
        """One channel's response curve: its incremental outcome and mROI (90% bands) at
        0 to 2.5x today's spend, and where it saturates. ``breakeven_spend`` is where its
        mROI falls to ``hurdle``: break-even, or the channels' average mROI where the KPI
        has no value per conversion (``hurdle.basis``)."""
        from mixcast.analysis.curves import response_curves

        model = folder.load(run).model
        if model.kind != "bayes":
            raise UserError(f"Run {run!r} holds the ML challenger; response curves need a "
                            "Bayesian run.")
        name = channel_name(run, channel)
        curves = response_curves(model.fit)
        c = curves.channels.index(name)
        frame = curves.to_frame()
        frame = frame[frame["channel"] == name].drop(columns="channel")
        return {"run": run, "channel": name, "current_spend": float(curves.current_spend[c]),
                "saturation_spend": float(curves.saturation_spend[c]),
                "breakeven_spend": float(curves.breakeven_spend[c]),
                "hurdle": {"mroi": curves.hurdle.value, "basis": curves.hurdle.basis},
                "points": frame.to_dict(orient="records"), "trust": trust_of(run)[name]}

    @server.tool()
    @_tool
    def scenario(run: str, spec: str, weeks: int | None = None) -> dict[str, Any]:
        """Predict a spend change against today's plan, with its 90% range. ``spec`` e.g.
        'shift 15% from tv_spend to social_spend', 'increase search_spend by 10%',
        'total budget 2M'; ``weeks`` plans the next N weeks instead of the data window."""
        result = folder.load(run).model.scenario(spec, weeks=_weeks(weeks))
        return {"run": run, **result.as_dict(), "trust": trust_of(run)}

    @server.tool()
    @_tool
    def optimise(run: str, budget: float | None = None, max_change: float | None = None,
                 hold_untrusted: bool = True) -> dict[str, Any]:
        """The allocation that maximises the expected outcome (mean and 90% range per
        channel). ``budget``: total to allocate (default today's); ``max_change``: largest
        change per channel as a fraction (0.2 = +-20%). Channels that are not movable
        (validation says do_not_act, or the ROI is mostly the prior) are held at today's
        spend unless ``hold_untrusted`` is false."""
        if budget is not None and not (np.isfinite(budget) and budget > 0):
            raise UserError(f"The 'budget' parameter must be a positive number. Got {budget} "
                            "instead.")
        held = held_channels(channel_trust(folder.load(run).fit, folder.path(run))) \
            if hold_untrusted else ()
        scenario = BudgetScenario(budget=budget, max_change=max_change, locked=held)
        plan = folder.load(run).model.optimize(scenario)
        return {"run": run, **plan.as_dict(), "trust": trust_of(run)}

    @server.tool()
    @_tool
    def forecast(run: str, weeks: int = 13,
                 plan: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """Forecast the KPI (mean and 90% interval per week) for a future plan: ``plan``
        rows with the data's columns (its date column, every channel's spend, controls; geo
        for geo data), or, when omitted, the next ``weeks`` weeks at today's pace (each
        channel's spend and each control at its average of the last 13 weeks)."""
        model = folder.load(run).model
        if not plan:
            result = model.forecast_ahead(_weeks(weeks)).frame()
        else:
            with tempfile.TemporaryDirectory(prefix="mixcast-mcp-") as tmp:
                path = Path(tmp) / "plan.csv"
                pd.DataFrame(plan).to_csv(path, index=False)
                result = model.forecast(path)
        return {"run": run, "weeks": result.to_dict(orient="records"),
                "trust": trust_of(run)}

    @server.tool()
    @_tool
    def validation_report(run: str) -> dict[str, Any]:
        """The run's validation: overall and per-channel verdicts with reasons, and the
        checks (or that `mixcast validate` has not been run on it yet)."""
        document = folder.validation(run)
        return {"run": run, "overall": overall(document), "trust": trust_of(run),
                "checks": (document or {}).get("checks", {})}

    @server.tool()
    @_tool
    def narrative(run: str) -> dict[str, Any]:
        """The run's plain-language summary: what drove the outcome, saturated or
        underfunded channels, what to test next, what is not yet trustworthy."""
        loaded = folder.load(run)
        return {"run": run, **run_narrative(loaded.fit, loaded.path).as_dict(),
                "trust": trust_of(run)}

    @server.tool()
    @_tool
    def test_plan(run: str, channel: str | None = None,
                  budget_moves: bool = False) -> dict[str, Any]:
        """Which channel to test next: per channel, a feasible lift test (weeks, power,
        cost), the expected narrowing of its ROI interval, and the value of that
        information; mostly-prior channels first. ``channel`` keeps one channel;
        ``budget_moves`` adds the optimiser's recommended change (slower)."""
        from mixcast.experiments.planning import plan_tests, underpowered_advice

        model = folder.load(run).model
        found = plan_tests(model.fit, budget_moves=budget_moves)
        plans = [p.as_dict() for p in found]
        if channel is not None:
            name = channel_name(run, channel)
            plans = [p for p in plans if p["channel"] == name]
        for plan in plans:
            plan["command"] = plan["command"].replace("--run RUN", f"--run {folder.path(run)}")
        return {"run": run, "tests": plans, "underpowered": underpowered_advice(found),
                "trust": trust_of(run)}

    @server.tool()
    @_tool
    def ask(run: str, question: str) -> dict[str, Any]:
        """Answer an operator question ('shift 15% from TV to Meta', 'which channels are
        saturated', 'how sure are we about TV', 'what should we test next')."""
        if not question.strip():
            raise UserError("The 'question' is empty; ask e.g. 'which channels are saturated'.")
        return {"run": run, **ask_question(folder.load(run).model, question,
                                           translate=translator()).as_dict()}

    if allow_fit:
        _add_fit(server, folder)
    return server


def _weeks(weeks: int | None) -> int | None:
    if weeks is not None and not 1 <= weeks <= 520:
        raise UserError(f"The 'weeks' parameter must be an int in the range [1, 520]. Got "
                        f"{weeks} instead.")
    return weeks


def _add_fit(server: MCPServer, folder: RunFolder) -> None:
    @server.tool()
    @_tool
    def fit(config: str, name: str, chains: int = 4, warmup: int = 1000,
            draws: int = 1000) -> dict[str, Any]:
        """Fit a model from a config.yaml and save it as run ``name`` in the folder
        (offered only when the server was started with --allow-fit)."""
        import dataclasses

        from mixcast.inference.fit import fit as fit_model
        from mixcast.project import load
        from mixcast.runs.directory import save_run
        from mixcast.runs.folder import RUN_NAME

        if not RUN_NAME.match(name):
            raise UserError(f"Run name {name!r} is not valid: use letters, digits, '.', '_' "
                            "and '-'.")
        project = load(config)
        sampler = dataclasses.replace(project.sampler, chains=chains, warmup=warmup,
                                      draws=draws, progress=False)
        fitted = fit_model(project.data, project.spec, sampler=sampler)
        save_run(fitted, folder.root / name, config=project.config.as_dict())
        return {"run": name, **folder.describe(name)}


LOOPBACK = "127.0.0.1"


def http_app(server: MCPServer):
    """The streamable-HTTP app (path ``/mcp``), accepting only loopback Host headers
    (the SDK's DNS-rebinding protection for a server bound to 127.0.0.1)."""
    return server.streamable_http_app(host=LOOPBACK)


def serve(server: MCPServer, *, http_port: int | None = None) -> None:
    """Run ``server`` over stdio, or streamable HTTP on 127.0.0.1:``http_port`` only."""
    if http_port is None:
        server.run("stdio")
        return
    import uvicorn

    uvicorn.run(http_app(server), host=LOOPBACK, port=http_port, log_level="warning")
