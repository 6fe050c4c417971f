"""What the server lets in and what it sends back: one ASGI middleware, checks in order.

1. Host header: when bound to loopback, only requests addressed to a loopback name are
   served, so a web page elsewhere cannot reach the server through DNS rebinding.
2. Rate: at most ``requests_per_minute`` per client address (a token bucket), else 429.
3. Token: when the server has one, every request but ``/healthz`` must carry it
   (``Authorization: Bearer T``, ``X-Mixcast-Token``, the ``mixcast_token`` cookie or
   ``?token=T``), compared in constant time; else 401.
4. Size: request bodies over ``max_body_bytes`` are refused with 413, whether announced
   by Content-Length or streamed.
5. Headers on every response: a Content-Security-Policy that names no other origin,
   ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``, ``Referrer-Policy:
   no-referrer`` and ``Cache-Control: no-store`` (budgets should not linger in caches).

No CORS headers are ever sent, so browsers refuse cross-origin reads (CORS closed).
"""

from __future__ import annotations

import hmac
import json
import time
from dataclasses import dataclass

from starlette.datastructures import MutableHeaders
from starlette.requests import Request

COOKIE = "mixcast_token"
OPEN_PATHS = ("/healthz",)
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; "
       "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
HEADERS = {"content-security-policy": CSP, "x-content-type-options": "nosniff",
           "x-frame-options": "DENY", "referrer-policy": "no-referrer",
           "cache-control": "no-store"}
TOKEN_HELP = ("An access token is required: open the dashboard as /?token=T, or send "
              "'Authorization: Bearer T'. The token was printed when the server started "
              "(mixcast serve --token T).")


@dataclass(frozen=True, slots=True)
class Limits:
    """Request limits: body size in bytes and requests per minute per client address."""

    max_body_bytes: int = 1_000_000
    requests_per_minute: int = 600
    max_clients: int = 10_000          # rate buckets kept; the oldest are forgotten


def host_allowed(host_header: str, allowed: tuple[str, ...] | None) -> bool:
    """True when the Host header (port stripped) names one of ``allowed`` (None: any)."""
    if allowed is None:
        return True
    host = host_header.strip().lower()
    if host.startswith("["):                       # [::1]:8000
        host = host[1:host.find("]")] if "]" in host else host
    elif host.count(":") == 1:                     # localhost:8000
        host = host.split(":")[0]
    return host in allowed


def token_matches(offered: list[str], token: str) -> bool:
    """Constant-time comparison of each offered token with the server's."""
    expected = token.encode()
    matched = False
    for candidate in offered:
        # compare every candidate (no short-circuit) so timing says nothing about which
        matched |= bool(candidate) and hmac.compare_digest(candidate.encode(), expected)
    return matched


class RateLimiter:
    """A token bucket per client: ``per_minute`` requests, refilled continuously."""

    def __init__(self, per_minute: int, max_clients: int) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, client: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(client, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        allowed = tokens >= 1.0
        self._buckets[client] = (tokens - 1.0 if allowed else tokens, now)
        if len(self._buckets) > self.max_clients:     # dicts keep insertion order
            self._buckets.pop(next(iter(self._buckets)))
        return allowed


class Guard:
    """The ASGI middleware applying the checks above to every HTTP request."""

    def __init__(self, app, *, token: str | None = None,
                 allowed_hosts: tuple[str, ...] | None = None,
                 limits: Limits = Limits()) -> None:
        self.app = app
        self.token = token or None
        self.allowed_hosts = allowed_hosts
        self.limits = limits
        self.rate = RateLimiter(limits.requests_per_minute, limits.max_clients)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        refusal = self._refusal(request)
        if refusal is not None:
            await _respond(send, *refusal)
            return
        body = await self._read_body(receive)
        if body is None:
            await _respond(send, 413, self._too_large_text())
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                if self.token and request.query_params.get("token"):
                    headers.append("set-cookie", f"{COOKIE}={self.token}; HttpOnly; "
                                                 "SameSite=Strict; Path=/")
            await send(message)

        await self.app(scope, _replay(body, receive), send_with_headers)

    async def _read_body(self, receive) -> bytes | None:
        """The whole request body (at most max_body_bytes; None beyond), read up front so
        that a streamed body without Content-Length is bounded too."""
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks)     # a disconnect: the app sees an empty body
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.limits.max_body_bytes:
                return None
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _refusal(self, request: Request) -> tuple[int, str, dict] | None:
        if not host_allowed(request.headers.get("host", ""), self.allowed_hosts):
            return 400, ("This server answers only requests addressed to "
                         f"{', '.join(self.allowed_hosts or ())}; open it as "
                         "http://127.0.0.1:PORT/."), {}
        client = request.client.host if request.client else "unknown"
        if not self.rate.allow(client):
            return 429, (f"Too many requests: at most {self.limits.requests_per_minute} a "
                         "minute from one address. Wait a moment and retry."), {
                             "retry-after": "1"}
        if self.token and request.url.path not in OPEN_PATHS:
            header = request.headers.get("authorization", "")
            offered = [header[7:] if header.lower().startswith("bearer ") else "",
                       request.headers.get("x-mixcast-token", ""),
                       request.cookies.get(COOKIE, ""), request.query_params.get("token", "")]
            if not token_matches(offered, self.token):
                return 401, TOKEN_HELP, {}
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > self.limits.max_body_bytes:
            return 413, self._too_large_text(), {}
        return None

    def _too_large_text(self) -> str:
        return (f"Request body too large: the limit is {self.limits.max_body_bytes:,} bytes. "
                "Send a smaller request.")


def _replay(body: bytes, receive):
    """A receive() that hands the app the body already read, then waits on the client."""
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()
    return replay


async def _respond(send, status: int, detail: str, extra: dict | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode())]
    headers += [(k.encode(), v.encode()) for k, v in {**HEADERS, **(extra or {})}.items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
