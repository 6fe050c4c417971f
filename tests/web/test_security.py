"""The server's request checks and response headers (mixcast.web.security)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from mixcast.web import create_app
from mixcast.web.security import CSP, Limits, RateLimiter, host_allowed, token_matches
from mixcast.web.server import allowed_hosts
from tests.web.conftest import TOKEN


@pytest.fixture(scope="module")
def loopback_client(runs_dir):
    app = create_app(runs_dir, allowed_hosts=allowed_hosts("127.0.0.1"))
    return TestClient(app, base_url="http://127.0.0.1:8000")


def test_html_pages_carry_security_headers(client):
    for path in ("/", "/runs/small/report"):
        response = client.get(path)
        assert response.status_code == 200 and "text/html" in response.headers["content-type"]
        assert response.headers["content-security-policy"] == CSP
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"


def test_csp_names_no_other_origin():
    assert "http" not in CSP and "*" not in CSP and "frame-ancestors 'none'" in CSP


def test_cors_is_closed(client):
    preflight = client.options("/api/runs", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    plain = client.get("/api/runs", headers={"Origin": "https://evil.example"})
    for response in (preflight, plain):
        assert not any(h.startswith("access-control-") for h in response.headers)


@pytest.mark.parametrize("host, ok", [
    ("127.0.0.1:8000", True), ("localhost:8000", True), ("[::1]:8000", True),
    ("localhost", True), ("evil.example:8000", False), ("127.0.0.1.evil.example", False),
    ("", False)])
def test_host_check_on_loopback(host, ok):
    assert host_allowed(host, allowed_hosts("127.0.0.1")) is ok


def test_dns_rebinding_request_is_refused(loopback_client):
    assert loopback_client.get("/api/runs").status_code == 200
    refused = loopback_client.get("/api/runs", headers={"Host": "attacker.example:8000"})
    assert refused.status_code == 400 and "127.0.0.1" in refused.json()["detail"]


def test_any_host_when_bound_elsewhere():
    assert allowed_hosts("0.0.0.0") is None


def test_request_body_limit(runs_dir):
    client = TestClient(create_app(runs_dir, limits=Limits(max_body_bytes=1_000)))
    big = {"spend": {f"c{i}": 1.0 for i in range(200)}}
    response = client.post("/api/runs/small/scenario", json=big)
    assert response.status_code == 413 and "1,000 bytes" in response.json()["detail"]
    streamed = client.post("/api/runs/small/scenario", content=iter([b"{" * 600] * 3),
                           headers={"content-type": "application/json"})
    assert streamed.status_code == 413


def test_default_limits_are_one_megabyte_and_600_a_minute():
    assert Limits() == Limits(max_body_bytes=1_000_000, requests_per_minute=600,
                              max_clients=10_000)


def test_rate_limit_per_client(runs_dir):
    client = TestClient(create_app(runs_dir, limits=Limits(requests_per_minute=5)))
    codes = [client.get("/healthz").status_code for _ in range(7)]
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]


def test_rate_limiter_refills_and_forgets_old_clients():
    limiter = RateLimiter(per_minute=60, max_clients=2)
    assert all(limiter.allow("a", now=0.0) for _ in range(60))
    assert not limiter.allow("a", now=0.0)
    assert limiter.allow("a", now=1.0)            # one request a second comes back
    limiter.allow("b", now=1.0)
    limiter.allow("c", now=1.0)
    assert "a" not in limiter._buckets


def test_token_compare_is_constant_time_and_exact():
    assert token_matches(["", "wrong", TOKEN], TOKEN)
    assert not token_matches(["", TOKEN[:-1], TOKEN + "x"], TOKEN)
    assert not token_matches([""], TOKEN)


def test_token_required_on_html_and_api(token_client):
    assert token_client.get("/").status_code == 401
    assert token_client.get("/api/runs/small").status_code == 401
    ok = token_client.get("/api/runs/small", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200 and ok.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", [
    "/api/runs/..%2F..%2Fetc%2Fpasswd", "/api/runs/%2E%2E", "/api/runs/.hidden",
    "/runs/..%2Fsmall/report", "/api/runs/small%00/validation", "/api/runs/%5C..%5Csmall"])
def test_run_names_cannot_traverse(client, path):
    response = client.get(path)
    assert response.status_code in (404, 422)
    assert "root:" not in response.text
