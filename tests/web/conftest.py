"""Fixtures for the web tests: a folder of runs (the shared small run, plus a validated
copy) and API clients with and without an access token."""

from __future__ import annotations

import json
import shutil

import pytest

TOKEN = "s3cret-token-for-tests"


@pytest.fixture(scope="session")
def runs_dir(small_run, tmp_path_factory):
    root = tmp_path_factory.mktemp("served")
    shutil.copytree(small_run, root / "small")
    shutil.copytree(small_run, root / "validated")
    (root / "validated" / "validation.json").write_text(json.dumps({
        "overall": {"verdict": "care", "reasons": ["social_spend is weakly identified"]},
        "channels": {"tv_spend": {"verdict": "solid", "reasons": []},
                     "search_spend": {"verdict": "care", "reasons": ["wide interval"]},
                     "social_spend": {"verdict": "do_not_act", "reasons": ["unstable"]}},
        "checks": {"convergence": {"status": "pass", "summary": "R-hat 1.01, no divergences",
                                   "rhat_max": 1.01},
                   "backtest": {"status": "warn", "summary": "MAPE 9% over 13 weeks"}}}))
    (root / "not-a-run").mkdir()
    return root


@pytest.fixture(scope="session")
def client(runs_dir):
    from fastapi.testclient import TestClient

    from mixcast.web import create_app

    return TestClient(create_app(runs_dir))


@pytest.fixture(scope="session")
def token_client(runs_dir):
    from fastapi.testclient import TestClient

    from mixcast.web import create_app

    return TestClient(create_app(runs_dir, token=TOKEN))
