"""Binding rules and the `serve` verb's refusals."""

from __future__ import annotations

import pytest

from mixcast.errors import UserError
from mixcast.web.server import check_bind, is_loopback


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1"])
def test_loopback_hosts(host):
    assert is_loopback(host)
    check_bind(host, None)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.4", "example.com", "::"])
def test_other_hosts_need_a_token(host):
    assert not is_loopback(host)
    with pytest.raises(UserError, match="without an access token"):
        check_bind(host, None)
    check_bind(host, "a-long-enough-token")


def test_short_token_refused():
    with pytest.raises(UserError, match="at least 8 characters"):
        check_bind("0.0.0.0", "abc")


def _serve(args):
    from typer.testing import CliRunner

    from mixcast.cli import app

    return CliRunner().invoke(app, ["serve", *args])


def test_serve_refuses_public_bind_without_token(runs_dir):
    result = _serve(["--runs", str(runs_dir), "--host", "0.0.0.0"])
    assert isinstance(result.exception, UserError)
    assert "without an access token" in str(result.exception)


def test_serve_refuses_missing_folder(tmp_path):
    result = _serve(["--runs", str(tmp_path / "nowhere")])
    assert isinstance(result.exception, UserError)
    assert "no such folder of runs" in str(result.exception)


def test_serve_refuses_both_sources(runs_dir):
    result = _serve(["--runs", str(runs_dir), "--registry", str(runs_dir)])
    assert isinstance(result.exception, UserError)


def test_serve_help_has_example():
    result = _serve(["--help"])
    assert result.exit_code == 0 and "Example: mixcast serve" in result.output
