"""The optional language-model translator, against a fake OpenAI-compatible endpoint
(httpx.MockTransport: no network): free text -> the same structured calls."""

from __future__ import annotations

import json

import httpx
import pytest

from mixcast.assist.llm import TOOL_NAME, translator
from mixcast.assist.questions import Call
from mixcast.errors import UserError

CHANNELS = ("tv_spend", "search_spend", "social_spend")
ENV = {"MIXCAST_LLM_BASE_URL": "http://llm.test/v1", "MIXCAST_LLM_MODEL": "tiny",
       "MIXCAST_LLM_API_KEY": "k"}


def endpoint(arguments: dict | None, seen: list):
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        message = {"role": "assistant", "content": None}
        if arguments is not None:
            message["tool_calls"] = [{"id": "1", "type": "function", "function": {
                "name": TOOL_NAME, "arguments": json.dumps(arguments)}}]
        return httpx.Response(200, json={"choices": [{"message": message}]})
    return httpx.MockTransport(handle)


def test_off_unless_configured():
    assert translator({}) is None
    assert translator({"MIXCAST_LLM_BASE_URL": "http://x"}) is None


def test_free_text_becomes_a_call_and_the_request_is_openai_shaped():
    seen: list = []
    translate = translator(ENV, transport=endpoint(
        {"kind": "shift", "channel": "Meta", "target": "tv_spend", "percent": 0.2}, seen))
    call = translate("could we take a fifth of the facebook money and put it on telly?",
                     CHANNELS)
    assert call == Call("shift", channel="social_spend", target="tv_spend", percent=0.2)
    body = json.loads(seen[0].content)
    assert str(seen[0].url) == "http://llm.test/v1/chat/completions"
    assert seen[0].headers["authorization"] == "Bearer k"
    assert body["model"] == "tiny" and body["tools"][0]["function"]["name"] == TOOL_NAME
    assert body["tools"][0]["function"]["parameters"]["properties"]["channel"]["enum"] == \
        list(CHANNELS)


def test_no_tool_call_means_no_call_and_bad_calls_are_refused():
    assert translator(ENV, transport=endpoint(None, []))("hello", CHANNELS) is None
    with pytest.raises(UserError, match="chose 'shift' without target"):
        translator(ENV, transport=endpoint({"kind": "shift", "channel": "tv", "percent": 0.1},
                                           []))("x", CHANNELS)
    with pytest.raises(UserError, match="'kind' of a question must be one of"):
        translator(ENV, transport=endpoint({"kind": "launch_rockets"}, []))("x", CHANNELS)


def test_an_unreachable_endpoint_is_a_clear_error():
    def refuse(request):
        raise httpx.ConnectError("connection refused", request=request)
    with pytest.raises(UserError, match="MIXCAST_LLM_BASE_URL.*did not answer usably"):
        translator(ENV, transport=httpx.MockTransport(refuse))("x", CHANNELS)


def test_a_forecast_without_a_horizon_is_the_next_quarter():
    call = translator(ENV, transport=endpoint({"kind": "forecast"}, []))(
        "how are sales looking going forward?", CHANNELS)
    assert call == Call("forecast", weeks=13)
    assert "over the next 13 weeks" in call.describe()
    assert "over the next 13 weeks" in Call("forecast").describe()
