"""`mixcast validate` prints the checks and verdicts and writes validation.json."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from mixcast.cli import app


def test_validate_help_has_an_example():
    result = CliRunner().invoke(app, ["validate", "--help"])
    assert result.exit_code == 0 and "Example: mixcast validate" in result.output


def test_validate_missing_run_is_a_user_error(tmp_path):
    from mixcast.errors import RunError

    result = CliRunner().invoke(app, ["validate", "--run", str(tmp_path / "nope")])
    assert isinstance(result.exception, RunError)


@pytest.mark.slow
def test_validate_quick_prints_verdicts(small_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(small_run, run)
    result = CliRunner().invoke(app, ["validate", "--run", str(run), "--quick", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "Can you move budget on it?" in result.output and "Overall:" in result.output
    document = json.loads((run / "validation.json").read_text())
    assert document["overall"]["verdict"] in ("solid", "care", "do_not_act")
