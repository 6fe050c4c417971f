"""Optional: an OpenAI-compatible language model translates free-form questions into the
same structured calls the built-in forms produce (tool calling). The model only chooses
the call; every number in the answer still comes from mixcast.

Off unless configured by environment variables::

    MIXCAST_LLM_BASE_URL   e.g. http://localhost:11434/v1 (anything serving /chat/completions)
    MIXCAST_LLM_MODEL      the model name the endpoint expects
    MIXCAST_LLM_API_KEY    optional bearer token
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

import httpx

from mixcast.assist.questions import EXAMPLES, FORECAST_WEEKS, KINDS, Call
from mixcast.assist.taxonomy import resolve_channel
from mixcast.errors import UserError

TOOL_NAME = "ask_mixcast"
TIMEOUT_S = 30.0


def tool_schema(channels: tuple[str, ...]) -> dict:
    """The one function the model may call: a :class:`~mixcast.assist.questions.Call`."""
    channel = {"type": "string", "enum": list(channels)}
    return {"type": "function", "function": {
        "name": TOOL_NAME,
        "description": "Run one question against the fitted marketing mix model. Kinds: "
                       + "; ".join(EXAMPLES) + ".",
        "parameters": {"type": "object", "required": ["kind"], "properties": {
            "kind": {"type": "string", "enum": list(KINDS)},
            "channel": channel | {"description": "the channel asked about, or the source "
                                                 "of a shift"},
            "target": channel | {"description": "the destination of a shift"},
            "percent": {"type": "number", "description": "a fraction: 0.15 for 15%; "
                                                        "negative for a cut"},
            "amount": {"type": "number", "description": "a currency amount (negative for "
                                                       "a cut), or the total budget"},
            "weeks": {"type": "integer", "description": "window in weeks (13: a quarter)"},
        }}}}


class LLMTranslator:
    """Calls an OpenAI-compatible ``/chat/completions`` endpoint with one tool."""

    def __init__(self, base_url: str, model: str, *, api_key: str | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.transport = transport

    def __call__(self, question: str, channels: tuple[str, ...]) -> Call | None:
        """The call the model chose, or None when it chose none."""
        body = {"model": self.model, "temperature": 0,
                "messages": [{"role": "system", "content": (
                    "You translate a marketing analyst's question into exactly one call of "
                    f"{TOOL_NAME}. Channels: {', '.join(channels)}. Never answer with "
                    "numbers yourself; if no call fits, reply without a tool call.")},
                    {"role": "user", "content": question}],
                "tools": [tool_schema(channels)], "tool_choice": "auto"}
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            with httpx.Client(transport=self.transport, timeout=TIMEOUT_S) as client:
                response = client.post(f"{self.base_url}/chat/completions", json=body,
                                       headers=headers)
                response.raise_for_status()
                message = response.json()["choices"][0]["message"]
        except (httpx.HTTPError, KeyError, IndexError, ValueError) as error:
            raise UserError(f"The language model at {self.base_url} (MIXCAST_LLM_BASE_URL) "
                            f"did not answer usably: {error}. Check the URL, the model name "
                            "(MIXCAST_LLM_MODEL) and the key, or unset MIXCAST_LLM_BASE_URL "
                            "to use the built-in question forms only.") from None
        for tool_call in message.get("tool_calls") or ():
            function = tool_call.get("function", {})
            if function.get("name") == TOOL_NAME:
                return call_from_arguments(function.get("arguments") or "{}", channels)
        return None


def call_from_arguments(arguments: str | Mapping, channels: tuple[str, ...]) -> Call:
    """A :class:`Call` from the model's tool arguments, checked like any other input."""
    try:
        raw = json.loads(arguments) if isinstance(arguments, str) else dict(arguments)
    except json.JSONDecodeError as error:
        raise UserError(f"The language model's tool call is not JSON ({error}).") from None
    unknown = set(raw) - {"kind", "channel", "target", "percent", "amount", "weeks"}
    if unknown or not isinstance(raw.get("kind"), str):
        raise UserError(f"The language model's tool call has unknown fields "
                        f"{sorted(unknown)} or no 'kind'.")
    names = {k: resolve_channel(str(raw[k]), channels, where="language model's call")
             for k in ("channel", "target") if raw.get(k)}
    numbers = {k: float(raw[k]) for k in ("percent", "amount") if raw.get(k) is not None}
    weeks = int(raw["weeks"]) if raw.get("weeks") is not None else None
    if raw["kind"] == "spend_vs_return" and weeks is None:
        weeks = 52          # the form's default: the last 12 months
    if raw["kind"] == "forecast" and weeks is None:
        weeks = FORECAST_WEEKS    # the form's default: the next quarter
    call = Call(raw["kind"], weeks=weeks, **names, **numbers)
    _check_complete(call)
    return call


def _check_complete(call: Call) -> None:
    needs = {"shift": ("channel", "target"), "change": ("channel",), "drove": ("channel",),
             "certainty": ("channel",)}.get(call.kind, ())
    missing = [k for k in needs if getattr(call, k) is None]
    if call.kind in ("shift", "change") and call.percent is None and call.amount is None:
        missing.append("percent or amount")
    if call.kind == "total_budget" and call.amount is None:
        missing.append("amount")
    if missing:
        raise UserError(f"The language model chose '{call.kind}' without "
                        f"{', '.join(missing)}; rephrase the question.")


def translator(env: Mapping[str, str] | None = None, *,
               transport: httpx.BaseTransport | None = None) -> LLMTranslator | None:
    """The configured translator, or None when MIXCAST_LLM_BASE_URL / _MODEL are unset."""
    env = os.environ if env is None else env
    base, model = env.get("MIXCAST_LLM_BASE_URL"), env.get("MIXCAST_LLM_MODEL")
    if not base or not model:
        return None
    return LLMTranslator(base, model, api_key=env.get("MIXCAST_LLM_API_KEY") or None,
                         transport=transport)
