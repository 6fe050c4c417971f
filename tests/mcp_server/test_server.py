"""The MCP server through the SDK's own client (in-memory session): every tool is listed
and called, results carry intervals and trust verdicts, bad input is a clear tool error,
and fitting is offered only with allow_fit."""

from __future__ import annotations

import json

import anyio
import pytest
from mcp import Client

from mixcast.mcp_server.server import build_server

READ_ONLY = {"list_runs", "channel_results", "response_curve", "scenario", "optimise",
             "forecast", "validation_report", "narrative", "test_plan", "ask"}
CALLS = [
    ("list_runs", {}),
    ("channel_results", {"run": "validated"}),
    ("response_curve", {"run": "validated", "channel": "Meta"}),
    ("scenario", {"run": "validated", "spec": "shift 15% from tv_spend to social_spend"}),
    ("optimise", {"run": "validated", "max_change": 0.2}),
    ("forecast", {"run": "validated", "weeks": 4}),
    ("validation_report", {"run": "validated"}),
    ("narrative", {"run": "validated"}),
    ("test_plan", {"run": "validated"}),
    ("ask", {"run": "validated", "question": "how sure are we about FB?"}),
]
BAD = [
    ("scenario", {"run": "nope", "spec": "cut tv by 10%"}, "No run named 'nope'"),
    ("scenario", {"run": "../etc", "spec": "cut tv by 10%"}, "is not valid"),
    ("scenario", {"run": "validated", "spec": "make it rain"}, "could not read 'make it rain'"),
    ("response_curve", {"run": "validated", "channel": "radio"}, "no channel called 'radio'"),
    ("optimise", {"run": "validated", "budget": -5}, "'budget' parameter must be a positive"),
    ("forecast", {"run": "validated", "weeks": 0}, "'weeks' parameter must be an int"),
    ("test_plan", {"run": "validated", "channel": "radio"}, "no channel called 'radio'"),
    ("channel_results", {}, "run"),
]


def _session(server, work):
    async def main():
        async with Client(server) as client:
            return await work(client)
    return anyio.run(main)


@pytest.fixture(scope="module")
def results(assist_runs):
    async def work(client):
        tools = {t.name: t for t in (await client.list_tools()).tools}
        answers = {name: await client.call_tool(name, args) for name, args in CALLS}
        bad = [await client.call_tool(name, args) for name, args, _ in BAD]
        return tools, answers, bad
    return _session(build_server(assist_runs), work)


def test_every_tool_is_listed_with_a_schema(results):
    tools, _, _ = results
    assert set(tools) == READ_ONLY
    assert tools["scenario"].input_schema["required"] == ["run", "spec"]
    assert all(t.description for t in tools.values())


def test_every_tool_answers_with_intervals_and_trust(results):
    _, answers, _ = results
    for name, result in answers.items():
        assert not result.is_error, (name, result.content)
        document = result.structured_content
        assert document == json.loads(result.content[0].text), name
    runs = answers["list_runs"].structured_content["runs"]
    assert {r["name"] for r in runs} == {"small", "validated"}
    assert {r["verdict"] for r in runs} == {"care", "not_validated"}
    for name in ("channel_results", "scenario", "optimise", "forecast", "validation_report",
                 "narrative", "test_plan"):
        trust = answers[name].structured_content["trust"]
        assert trust["social_spend"]["verdict"] == "do_not_act", name
        assert trust["social_spend"]["movable"] is False
    roi = answers["channel_results"].structured_content["channels"]["tv_spend"]["roi"]
    assert roi["lo90"] <= roi["mean"] <= roi["hi90"]
    curve = answers["response_curve"].structured_content
    assert curve["channel"] == "social_spend" and curve["trust"]["verdict"] == "do_not_act"
    assert curve["hurdle"] == {"mroi": 1.0, "basis": "breakeven"}     # a revenue KPI
    assert all(p["outcome_lo90"] <= p["outcome_mean"] <= p["outcome_hi90"]
               for p in curve["points"])
    plan = answers["optimise"].structured_content["channels"]
    social = next(r for r in plan if r["channel"] == "social_spend")
    assert social["recommended_spend"] == pytest.approx(social["current_spend"], rel=1e-6)
    change = answers["scenario"].structured_content["change"]
    assert change["lo90"] <= change["mean"] <= change["hi90"]
    weeks = answers["forecast"].structured_content["weeks"]
    assert len(weeks) == 4 and all(w["lo90"] <= w["mean"] <= w["hi90"] for w in weeks)
    tests = answers["test_plan"].structured_content["tests"]
    assert {t["channel"] for t in tests} == {"tv_spend", "search_spend", "social_spend"}
    assert all(t["roi"]["lo90"] <= t["roi"]["mean"] <= t["roi"]["hi90"] for t in tests)
    asked = answers["ask"].structured_content
    assert asked["call"] == {"kind": "certainty", "channel": "social_spend", "target": None,
                             "percent": None, "amount": None, "weeks": None}
    assert asked["interpretation"].startswith("I read this as")


def test_the_scenario_tool_equals_the_engine(results, validated_model):
    from mixcast.optimize import run_scenario

    _, answers, _ = results
    engine = run_scenario(validated_model.fit, "shift 15% from tv_spend to social_spend")
    got = answers["scenario"].structured_content["change"]
    assert got == pytest.approx(engine.change, rel=1e-9)


def test_bad_input_is_a_clear_tool_error(results):
    _, _, bad = results
    for result, (name, _, words) in zip(bad, BAD):
        assert result.is_error, name
        assert words in result.content[0].text, (name, result.content[0].text)
        assert "Traceback" not in result.content[0].text


def test_fit_is_offered_only_when_allowed(assist_runs):
    async def names(client):
        return {t.name for t in (await client.list_tools()).tools}
    assert "fit" not in _session(build_server(assist_runs), names)
    assert _session(build_server(assist_runs, allow_fit=True), names) == READ_ONLY | {"fit"}

    async def bad_fit(client):
        return await client.call_tool("fit", {"config": "missing.yaml", "name": "x"})
    result = _session(build_server(assist_runs, allow_fit=True), bad_fit)
    assert result.is_error and "missing.yaml" in result.content[0].text


def test_streamable_http_on_loopback(assist_runs):
    """The HTTP transport: the SDK client over a real socket on 127.0.0.1."""
    import socket
    import threading
    import time

    import uvicorn

    from mixcast.mcp_server.server import LOOPBACK, http_app

    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(http_app(build_server(assist_runs)), host=LOOPBACK,
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.time() + 30
        while not server.started and time.time() < deadline:
            time.sleep(0.05)

        async def main():
            async with Client(f"http://{LOOPBACK}:{port}/mcp") as client:
                return await client.call_tool("list_runs", {})
        result = anyio.run(main)
        assert not result.is_error
        assert {r["name"] for r in result.structured_content["runs"]} == {"small", "validated"}
    finally:
        server.should_exit = True
        thread.join(timeout=10)
